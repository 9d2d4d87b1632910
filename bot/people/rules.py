"""Rules about people's profiles, as plain values: how many mentees a faculty member may
offer to take, how far ahead they may say they are away, how a specialty typed by a person
is stored, and which names can be stored (none with invisible or text-direction characters)
and which look alike.

Roster import, `/mentor profile` and `/mentor group create` all store a specialty through
`check_specialty`, so "EM", "Emergency Medicine" and "emergency medicine" are one specialty
everywhere (find, the digest, matching) rather than three strings, and a name the vocabulary
does not know is kept as typed with the closest names it does know, for a warning."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.vocab.specialties import canonical_specialty, closest_specialties

MAX_CAPACITY = 50
"""The most mentees a faculty member can offer to take (profile option and roster column)."""
DEFAULT_CAPACITY = 3
"""The capacity of a faculty member whose roster row leaves it empty."""

MAX_AWAY = timedelta(days=365)
"""The furthest ahead `/mentor profile away:` reaches; someone away longer stops accepting
mentees instead (`accepting:no`), which does not lapse by itself."""


@dataclass(frozen=True)
class SpecialtyCheck:
    """A typed specialty as it will be stored, and whether the vocabulary knows it."""

    typed: str
    stored: str
    known: bool
    closest: tuple[str, ...] = ()


def check_specialty(text: str) -> SpecialtyCheck:
    """The canonical name when `text` names a known specialty or subspecialty (exactly, or by
    an alias: "EM" → "emergency medicine", "cards" → "cardiology"), else `text` as typed with
    the closest known names. Only exact names and aliases are stored: a typo-tolerant match
    would store "Neurotology" as "neurology", so anything else keeps what the person wrote
    and is reported instead."""
    cleaned = " ".join(text.split())
    canonical = canonical_specialty(cleaned) if cleaned else None
    if canonical is not None or not cleaned:
        return SpecialtyCheck(cleaned, canonical or cleaned, True)
    return SpecialtyCheck(cleaned, cleaned, False, tuple(closest_specialties(cleaned)))


def stored_specialty(text: str) -> str:
    """How `text` is stored as a specialty (`check_specialty`)."""
    return check_specialty(text).stored


# --- names -------------------------------------------------------------------------------

INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})
"""Unicode categories no name needs: format characters (zero-width spaces and joiners, the
bidirectional marks, embeddings, overrides and isolates, soft hyphens) and line or paragraph
separators. A name holding one can look exactly like another person's ("Dr. Wei\u200bXu")
or show its letters in another order than they are stored (a right-to-left override)."""
INVISIBLE_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
"""Letters and marks outside those categories that draw nothing (Hangul fillers, the
combining grapheme joiner, Khmer inherent vowels)."""


def invisible_characters(text: str) -> list[str]:
    """The characters of `text` that show nothing or reorder what is shown, in order."""
    return [c for c in text if c in INVISIBLE_FILLERS
            or unicodedata.category(c) in INVISIBLE_CATEGORIES]


def name_problem(text: str, what: str = "name") -> str | None:
    """Why `text` cannot be stored as a person's or a group's name, or None when it can: it
    holds an invisible or direction-changing character. The message names the character
    (its code point and Unicode name) so the person can find it in their file."""
    found = invisible_characters(text)
    if not found:
        return None
    first = found[0]
    label = f"U+{ord(first):04X} {unicodedata.name(first, 'unnamed character')}"
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (f"{what} “{without_invisible(text)}” contains an invisible or text-direction "
            f"character, {label}{more}: retype it without one")


def without_invisible(text: str) -> str:
    """`text` with every invisible or direction-changing character taken out (for names a
    platform hands us, which we cannot refuse, and for showing a refused name)."""
    return "".join(c for c in text if c not in INVISIBLE_FILLERS
                   and unicodedata.category(c) not in INVISIBLE_CATEGORIES)


def name_key(name: str) -> str:
    """What two names look alike by: the same letters once compatibility forms are unified
    (NFKC), with invisible characters and spaces taken out and case folded. A zero-width
    space shows as a space or as nothing depending on where the name is shown, so "Dr. Wei
    Xu", "dr. weixu" and "Dr. Wei\u200bXu" share a key."""
    visible = without_invisible(unicodedata.normalize("NFKC", name))
    return "".join(visible.casefold().split())


def look_alike_names(rows: Iterable[tuple[int, str, str]],
                     stored: Iterable[tuple[str, str | None]]) -> list[str]:
    """Warnings for people who would show as the same name: each imported row (row number,
    name, email) whose name differs from another person's only by case or invisible
    characters — another row of the file, or someone stored (name, email) with another
    email. Identical names are not flagged: two people may share a name; a look-alike is
    usually one person entered twice, or a name made to pass for someone else's."""
    seen: dict[str, list[tuple[str, str, str]]] = {}  # key -> [(name, email, where)]
    for name, email in stored:
        seen.setdefault(name_key(name), []).append((name, (email or "").lower(), "stored"))
    warnings: list[str] = []
    flagged: set[frozenset[str]] = set()  # pairs of emails already named together
    for row, name, email in rows:
        key = name_key(name)
        others = [o for o in seen.get(key, []) if o[1] != email.lower() and o[0] != name
                  and frozenset((o[1], email.lower())) not in flagged]
        if others:
            other_name, other_email, where = others[0]
            flagged.add(frozenset((other_email, email.lower())))
            place = "already stored" if where == "stored" else where
            warnings.append(f"Row {row}: “{without_invisible(name)}” <{email}> looks the same "
                            f"as “{without_invisible(other_name)}” <{other_email}> "
                            f"({place}); check they are two different people")
        seen.setdefault(key, []).append((name, email.lower(), f"row {row}"))
    return warnings

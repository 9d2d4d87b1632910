"""Rules about people's profiles, as plain values: how many mentees a faculty member may
offer to take, how far ahead they may say they are away, how a specialty typed by a person
is stored, and which names can be stored (none with invisible or text-direction characters)
and which look alike (their confusable skeletons, UTS #39).

Roster import, `/mentor profile` and `/mentor group create` all store a specialty through
`check_specialty`, so "EM", "Emergency Medicine" and "emergency medicine" are one specialty
everywhere (find, the digest, matching) rather than three strings, and a name the vocabulary
does not know is kept as typed with the closest names it does know, for a warning."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.people.confusables import look_alike_table
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
INVISIBLE_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800"
                              "\u180b\u180c\u180d\u180f")
"""Letters, marks and symbols outside those categories that draw nothing: Hangul fillers,
the combining grapheme joiner, Khmer inherent vowels, the blank Braille pattern (U+2800,
which looks like a space but is not one), Mongolian free variation selectors."""
VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
"""Variation selectors: marks that change nothing in a name's letters but make its text
differ from the same name typed plainly."""


def _invisible(char: str) -> bool:
    code = ord(char)
    return (char in INVISIBLE_FILLERS or unicodedata.category(char) in INVISIBLE_CATEGORIES
            or any(low <= code <= high for low, high in VARIATION_SELECTORS))


def invisible_characters(text: str) -> list[str]:
    """The characters of `text` that show nothing or reorder what is shown, in order."""
    return [c for c in text if _invisible(c)]


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
    """`text` with every invisible or direction-changing character (and any control
    character) taken out: for names a platform hands us, which we cannot refuse, and for
    showing a refused name."""
    return "".join(c for c in text if not _invisible(c) and unicodedata.category(c) != "Cc")


SPACE_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})
"""Space separators of every width (no-break, ideographic, hair, thin, figure…) and the
line and paragraph separators: in a name, each is a space."""


def normalize_name(text: str) -> str:
    """A name as stored: NFC, every kind of space (and a line or paragraph separator, a tab)
    one plain space, runs of them one, trimmed. "Dr.\u00a0Wei\u3000Xu" is "Dr. Wei Xu".
    (`str.split` splits on every character of `SPACE_CATEGORIES`, and on tabs and line
    breaks.)"""
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_key(name: str) -> str:
    """What two names look alike by: the same letters once compatibility forms are unified
    (NFKC), with invisible characters and spaces taken out and case folded. A zero-width
    space shows as a space or as nothing depending on where the name is shown, so "Dr. Wei
    Xu", "dr. weixu" and "Dr. Wei\u200bXu" share a key."""
    visible = without_invisible(unicodedata.normalize("NFKC", name))
    return "".join(visible.casefold().split())


def plain_key(name: str) -> str:
    """A name's letters as written, without case, spacing or invisible characters: two
    names with the same plain key are the same name (or one person entered twice)."""
    return "".join(without_invisible(normalize_name(name)).casefold().split())


def _mapped(text: str) -> str:
    """Each character replaced by the representative of its look-alikes (NFD both sides)."""
    return unicodedata.normalize(
        "NFD", unicodedata.normalize("NFD", text).translate(look_alike_table()))


def skeletons(name: str) -> tuple[str, str]:
    """The name's confusable skeletons (UTS #39): compatibility forms unified (NFKC),
    spaces and invisible characters out, each character replaced by the representative of
    the characters it can be mistaken for (`confusables`), and case set aside, in two
    orders: case folded first (a Cyrillic е is a Latin e, and "WEI" is "wei"), and case
    folded after (a Greek capital Χ is a Latin X, though a small χ is no x). Two names
    that share either look the same: "Dr. Wei Xu", "Dr. Wеi Xu", "Dr. Wei Χu"."""
    if name.isascii():  # most names: nothing to unify, nothing invisible but controls
        plain = "".join(name.split()).translate(_ASCII_CONTROLS)
    else:
        plain = "".join(without_invisible(unicodedata.normalize("NFKC", name)).split())
    return _mapped(plain.casefold()), _mapped(_mapped(plain).casefold())


_ASCII_CONTROLS = dict.fromkeys(range(0x20)) | {0x7F: None}


def skeleton(name: str) -> str:
    """The name's skeleton with case folded first (`skeletons`)."""
    return skeletons(name)[0]


class Likeness(StrEnum):
    SAME = "same"  # the same name, maybe cased or spaced otherwise: flagged
    LOOK_ALIKE = "look-alike"  # other letters that look the same: refused


@dataclass(frozen=True)
class Clash:
    """A name (of row `row`, or of someone being added) that shows as another person's."""

    row: int
    name: str
    email: str
    other_name: str
    other_email: str
    other_row: int | None  # None: someone already stored
    likeness: Likeness


def name_clashes(rows: Iterable[tuple[int, str, str]],
                 stored: Iterable[tuple[str, str | None]]) -> list[Clash]:
    """Names that would show as someone else's: each row (row number, name, email) whose
    skeleton is another person's (a row before it, or someone stored with another email).

    The same name is flagged, not refused: two people may share a name, though an import
    that adds a second "Dr. Wei Xu" should say so. The same-looking name written with
    other letters (a Cyrillic е, a Greek Χ, fullwidth letters) is refused: nobody's name is
    typed that way by chance, and it is how a name is made to pass for someone else's."""
    seen: dict[str, list[tuple[str, str, int | None]]] = {}
    for name, email in stored:
        for key in set(skeletons(name)):
            seen.setdefault(key, []).append((name, (email or "").lower(), None))
    clashes: list[Clash] = []
    named: set[frozenset[str]] = set()  # pairs of emails already named together
    for row, name, email in rows:
        keys, mine = set(skeletons(name)), email.lower()
        others = list(dict.fromkeys(
            o for key in sorted(keys) for o in seen.get(key, [])
            if o[1] != mine and frozenset((o[1], mine)) not in named))
        if others:
            worst = next((o for o in others if plain_key(o[0]) != plain_key(name)),
                         others[0])
            likeness = (Likeness.SAME if plain_key(worst[0]) == plain_key(name)
                        else Likeness.LOOK_ALIKE)
            named.add(frozenset((worst[1], mine)))
            clashes.append(Clash(row, name, mine, worst[0], worst[1], worst[2], likeness))
        for key in keys:
            seen.setdefault(key, []).append((name, mine, row))
    return clashes


def odd_letters(name: str, other: str) -> list[str]:
    """The letters of `name` that `other` does not have, though the two look the same: the
    look-alikes, to name in a refusal."""
    theirs = set(unicodedata.normalize("NFC", other))
    return [c for c in dict.fromkeys(unicodedata.normalize("NFC", name))
            if c not in theirs and not c.isspace()]

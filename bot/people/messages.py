"""Wording about people's profiles that several commands share: a specialty the vocabulary
does not know (roster import, `/mentor profile`, `/mentor group create`), and a name that
shows as someone else's (roster import, `mentorbot organizer add --name`)."""

from __future__ import annotations

import unicodedata

from bot.people.rules import (
    Clash,
    SpecialtyCheck,
    normalize_name,
    odd_letters,
    without_invisible,
)


def unknown_specialty(check: SpecialtyCheck) -> str:
    """The warning for a specialty kept as typed: what was stored, and the names that were
    probably meant."""
    hint = f" Did you mean {' or '.join(check.closest)}?" if check.closest else ""
    return (f"specialty “{check.typed}” is not one I know, so it is stored as typed and "
            f"/mentor find only matches it word for word.{hint}")


def _shown(name: str) -> str:
    return without_invisible(normalize_name(name))


def _where(clash: Clash) -> str:
    return "already stored" if clash.other_row is None else f"row {clash.other_row}"


def same_name(clash: Clash, label: str) -> str:
    """The flag for a name that is another person's (or looks it, by case or spacing):
    both are named, so whoever reads it can tell whether it is one person twice."""
    mine, theirs = _shown(clash.name), _shown(clash.other_name)
    verb = "has the same name as" if mine == theirs else "looks the same as"
    return (f"{label}: “{mine}” <{clash.email}> {verb} “{theirs}” <{clash.other_email}> "
            f"({_where(clash)}); check they are two different people")


def look_alike_name(clash: Clash, label: str = "name") -> str:
    """The refusal of a name written with look-alike letters of another person's."""
    letters = odd_letters(_shown(clash.name), _shown(clash.other_name))
    named = ", ".join(f"{c} U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip()
                      for c in letters[:3])
    return (f"{label} “{_shown(clash.name)}” looks the same as “{_shown(clash.other_name)}” "
            f"<{clash.other_email}> ({_where(clash)}) but is written with other letters "
            f"({named}): retype it in the letters the name is written in")

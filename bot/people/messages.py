"""Wording about people's profiles that several commands share: a specialty the vocabulary
does not know (roster import, `/mentor profile`, `/mentor group create`)."""

from __future__ import annotations

from bot.people.rules import SpecialtyCheck


def unknown_specialty(check: SpecialtyCheck) -> str:
    """The warning for a specialty kept as typed: what was stored, and the names that were
    probably meant."""
    hint = f" Did you mean {' or '.join(check.closest)}?" if check.closest else ""
    return (f"specialty “{check.typed}” is not one I know, so it is stored as typed and "
            f"/mentor find only matches it word for word.{hint}")

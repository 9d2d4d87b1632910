"""Rules about people's profiles, as plain values: how many mentees a faculty member may
offer to take, how far ahead they may say they are away, and how a specialty typed by a
person is stored.

Roster import, `/mentor profile` and `/mentor group create` all store a specialty through
`check_specialty`, so "EM", "Emergency Medicine" and "emergency medicine" are one specialty
everywhere (find, the digest, matching) rather than three strings, and a name the vocabulary
does not know is kept as typed with the closest names it does know, for a warning."""

from __future__ import annotations

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

"""Rules about people's profiles, as plain values: how many mentees a faculty member may
offer to take, and how a specialty typed by a person is stored.

Roster import, `/mentor profile` and `/mentor group create` all store a specialty through
`stored_specialty`, so "EM", "Emergency Medicine" and "emergency medicine" are one specialty
everywhere (find, the digest, matching) rather than three strings."""

from __future__ import annotations

from bot.vocab.specialties import canonical_specialty

MAX_CAPACITY = 50
"""The most mentees a faculty member can offer to take (profile option and roster column)."""
DEFAULT_CAPACITY = 3
"""The capacity of a faculty member whose roster row leaves it empty."""


def stored_specialty(text: str) -> str:
    """The ERAS name when `text` names a known specialty (exactly, or by an alias: "EM" →
    "emergency medicine"), else `text` as typed. Only exact names and aliases count: a
    typo-tolerant match would store "Hematology" as "dermatology" and "Neurotology" as
    "neurology", so anything else keeps what the person wrote."""
    cleaned = text.strip()
    return canonical_specialty(cleaned) or cleaned

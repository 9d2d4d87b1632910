"""The letter vocabularies (SPEC "Domain rules — Letters"): where a letter stands, what kind
of letter it is (and the other names of a kind), where it is submitted, which application
track it counts for, what a program phrase is for, and what kind of outcome a student
reports. The only place these words are written down; the
lifecycle built on the states lives in `bot.letters.rules`, and other features (the
mentoring nudges, the digest) read letter states through these enums."""

from __future__ import annotations

from enum import StrEnum


class LetterState(StrEnum):
    """SPEC lifecycle: planned → asked → agreed | declined → packet-sent → submitted →
    thanked (declared in that order), and `withdrawn`: the student stopped tracking the
    letter (`/letter cancel`), from any state; it stays in the history only."""

    PLANNED = "planned"
    ASKED = "asked"
    AGREED = "agreed"
    DECLINED = "declined"
    PACKET_SENT = "packet-sent"
    SUBMITTED = "submitted"
    THANKED = "thanked"
    WITHDRAWN = "withdrawn"


class LetterKind(StrEnum):
    """What a letter counts as in the letter mix."""

    SCIENCE = "science"
    NON_SCIENCE = "non-science"
    CHARACTER = "character"
    COMMITTEE = "committee"
    SPECIALTY = "specialty"
    CLERKSHIP = "clerkship"
    RESEARCH = "research"
    SLOE = "sloe"  # a standardized letter: SLOE (emergency medicine, OB/GYN), SLOR, eSLOR


STANDARDIZED_LETTER_NAMES: tuple[str, ...] = ("SLOE", "SLOR", "eSLOR")
"""What the specialties call their standardized letter (emergency medicine's and OB/GYN's
SLOE, a SLOR, orthopaedics' eSLOR): one kind of letter, `LetterKind.SLOE`."""

LETTER_KIND_ALIASES: tuple[tuple[str, LetterKind], ...] = tuple(
    (name.lower(), LetterKind.SLOE) for name in STANDARDIZED_LETTER_NAMES
    if name.lower() != LetterKind.SLOE) + (("standardized", LetterKind.SLOE),)
"""Other words for a kind, as students type them (`kind:SLOR`, `kind:eSLOR`)."""


class Portal(StrEnum):
    """Where the writer submits the letter."""

    AMCAS = "AMCAS"
    ERAS = "ERAS"
    RESIDENCYCAS = "ResidencyCAS"  # emergency medicine from 2025–26, OB/GYN from 2024–25
    INTERFOLIO = "Interfolio"
    OTHER = "other"


RESIDENCY_PORTALS: tuple[Portal, ...] = (Portal.ERAS, Portal.RESIDENCYCAS)
"""The portals residency applications go through: a letter sent through one is for a
residency (which specialty uses which in a cycle is the residency cycle data's)."""


class Track(StrEnum):
    """The application a letter mix is checked against (`/letter plan TRACK`)."""

    MED_SCHOOL = "med-school"
    RESIDENCY = "residency"


class ProgramTrack(StrEnum):
    """What a program phrase ("EM residency (ERAS)", "Cardiology fellowship") is for, as
    `bot.letters.programs` reads it: a wider set than the mixes of `Track` (a fellowship or
    an away rotation has no letter mix of its own)."""

    MED_SCHOOL = Track.MED_SCHOOL.value
    RESIDENCY = Track.RESIDENCY.value
    FELLOWSHIP = "fellowship"
    OTHER = "other"  # an away rotation, a summer program, a scholarship, a job


class OutcomeKind(StrEnum):
    """What a recorded outcome was, read from its text."""

    INTERVIEW = "interview"
    ACCEPTANCE = "acceptance"
    MATCH = "match"
    OTHER = "other"


class DraftStep(StrEnum):
    """The steps `/letter draft` writes a message for (the student adapts and sends it)."""

    ASK = "ask"
    PACKET = "packet"
    THANKS = "thanks"
    OUTCOME = "outcome"


LETTER_STATES: tuple[LetterState, ...] = tuple(LetterState)
LETTER_KINDS: tuple[LetterKind, ...] = tuple(LetterKind)
PORTALS: tuple[Portal, ...] = tuple(Portal)
TRACKS: tuple[Track, ...] = tuple(Track)
OUTCOME_KINDS: tuple[OutcomeKind, ...] = tuple(OutcomeKind)
DRAFT_STEPS: tuple[DraftStep, ...] = tuple(DraftStep)

"""The letter vocabularies (SPEC "Domain rules — Letters"): where a letter stands, what kind
of letter it is, where it is submitted, which application track it counts for, and what
kind of outcome a student reports. The only place these words are written down; the
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


class Portal(StrEnum):
    """Where the writer submits the letter."""

    AMCAS = "AMCAS"
    ERAS = "ERAS"
    INTERFOLIO = "Interfolio"
    OTHER = "other"


class Track(StrEnum):
    """The application a letter mix is checked against (`/letter plan TRACK`)."""

    MED_SCHOOL = "med-school"
    RESIDENCY = "residency"


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

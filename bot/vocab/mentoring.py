"""Kinds of mentor (SPEC "Domain rules — Mentors"): a healthy mentor network has more than
one kind."""

from __future__ import annotations

from enum import StrEnum


class MentorKind(StrEnum):
    RESEARCH = "research"
    CLINICAL = "clinical"
    CAREER = "career"


MENTOR_KINDS: tuple[str, ...] = tuple(MentorKind)


class MentorshipSource(StrEnum):
    """How a mentorship started: a round only ever counts (and never repeats) its own."""

    REQUEST = "request"  # a faculty member accepted an intro request
    MATCH = "match"  # a group's match round
    IMPORT = "import"  # recorded from an earlier program (the column's documented third value)

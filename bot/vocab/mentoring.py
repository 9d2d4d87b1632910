"""Kinds of mentor (SPEC "Domain rules — Mentors"): a healthy mentor network has more than
one kind."""

from __future__ import annotations

from enum import StrEnum


class MentorKind(StrEnum):
    RESEARCH = "research"
    CLINICAL = "clinical"
    CAREER = "career"


MENTOR_KINDS: tuple[str, ...] = tuple(MentorKind)

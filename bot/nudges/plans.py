"""What a planner or a command hands the outbox: plain values, no database. A planned nudge
carries no words: they are built when it is sent (`bot.nudges.kinds`). A notice carries
the reply it answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.framework.replies import Reply
from bot.nudges.keys import dedup_key, notice_key
from bot.vocab.nudges import NudgeKind, Subject


@dataclass(frozen=True)
class PlannedNudge:
    person_id: int
    kind: NudgeKind
    due_at: datetime  # UTC; delivery moves it out of the person's quiet hours
    subject_type: Subject
    subject_id: int
    occurrence: str  # what makes this one distinct: a date, a counter

    @cached_property
    def dedup_key(self) -> str:
        """Built once: the bulk write reads it several times per nudge."""
        return dedup_key(self.kind, self.subject_type, self.subject_id, self.occurrence)


@dataclass
class Plan:
    subject_type: Subject
    subject_id: int
    nudges: list[PlannedNudge] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    """A direct message owed now: an answer to something just done (an intro request
    reaching a mentor, a match result). `key` says what makes it distinct
    ("match:12:3f9a0c:41:student"), so queuing it twice stores it once."""

    person_id: int
    reply: Reply
    key: str
    subject_type: Subject = Subject.NONE
    subject_id: int | None = None

    @cached_property
    def dedup_key(self) -> str:
        return notice_key(self.key)

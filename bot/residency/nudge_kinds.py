"""The residency feature's nudge kind: `residency-date`, 14 and 3 days before each of the
cycle's dates while the student has a list (`bot.residency.planning` says when). Worded
when it is sent, from the student's dates as they are then (`planning.students_dates`) and
the day it is read in their zone: "in 3 days", "tomorrow", "today". A student whose list
is gone, who now plans another cycle, or whose dates no longer include the day (another
specialty, another portal), or a date already past, makes the nudge moot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.nudges.kinds import Answers, Due, Moment, Moot, NudgeSpec, SubjectSpec, Words
from bot.residency import messages, specs
from bot.residency.planning import StudentDates, read_occurrence, students_dates
from bot.vocab.cycles import cycle_label
from bot.vocab.nudges import NudgeKind, Subject


def load_students(session: Session, dues: Sequence[Due], *, now: datetime,
                  default_tz: str) -> Mapping[int, StudentDates]:
    """The students these nudges are about who still have a list, with their dates."""
    return students_dates(session, sorted({d.subject_id for d in dues
                                           if d.subject_id is not None}), now, default_tz)


RESIDENCY = SubjectSpec(Subject.RESIDENCY, load_students,
                        "they no longer have a residency list")


def date_words(state: StudentDates, due: Due, at: Moment) -> Words:
    """A residency-date nudge as read on the student's day at `at`."""
    read = read_occurrence(due.occurrence)
    if read is None:
        return Moot("the nudge names no date")
    cycle, day = read
    if cycle != state.cycle:
        return Moot(f"their plan is now for the {cycle_label(state.cycle)} cycle")
    facts = state.facts.get(day)
    if facts is None:
        return Moot("the date no longer concerns their list")
    if day < at.today:
        return Moot("the date has passed")
    return messages.date_nudge_reply(facts, at.today)


NUDGE_SPECS: tuple[NudgeSpec[Any], ...] = (
    NudgeSpec(kind=NudgeKind.RESIDENCY_DATE, owner="residency",
              summary="a date of the application cycle (applications open, programs "
                      "receive them, MSPE release, rank-list deadline, Match Day) is 14 or "
                      "3 days away, while the student has a list",
              subject=RESIDENCY, word=date_words, answers=Answers((specs.PLAN,))),
)
"""The residency feature's nudge kinds, listed by the program's assembly
(`bot.app.nudges`)."""

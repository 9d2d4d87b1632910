"""The letter feature's nudge kinds: the student's letter-* reminders, the writer's
writer-deadline reminder and the letter-outcome message, each a `NudgeSpec`. The planner
(`bot.letters.planning`) says when each is owed; these say what it is about, what answers it
and how it is worded when it is sent, from the letter as it is then: a letter that moved on
(asked, submitted, withdrawn, past its deadline, or with another writer) makes its nudge
moot, and "today" and "tomorrow" are the reader's day at the moment of sending."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Letter, Outcome, Person
from bot.infra.zones import local_day
from bot.letters import messages, rules, specs
from bot.letters.history import asked_day, state_moments, writers_to_tell
from bot.letters.rules import WriterLetter
from bot.nudges.kinds import (
    Answers,
    Due,
    Evidence,
    Moment,
    Moot,
    NudgeSpec,
    SubjectSpec,
    Words,
)
from bot.vocab.letters import LetterState
from bot.vocab.nudges import NudgeKind, Subject

# --- the letter as it is now ---------------------------------------------------------------


@dataclass(frozen=True)
class LetterNow:
    """A letter as its nudges are worded from it: the row, the day its writer was asked
    (on the student's calendar) and the student's name (for the writer's message)."""

    letter: Letter
    asked_on: date | None
    student_name: str
    student_tz: str = "UTC"


def load_letters(session: Session, dues: Sequence[Due], *, now: datetime,
                 default_tz: str) -> Mapping[int, LetterNow]:
    """The letters `dues` are about, in three queries for the batch."""
    ids = sorted({d.subject_id for d in dues if d.subject_id is not None})
    letters = list(session.scalars(select(Letter).where(Letter.id.in_(ids))))
    if not letters:
        return {}
    asked = state_moments(session, ids, LetterState.ASKED)
    students = {pid: (name, tz) for pid, name, tz in session.execute(
        select(Person.id, Person.name, Person.timezone)
        .where(Person.id.in_({x.student_id for x in letters})))}
    found: dict[int, LetterNow] = {}
    for letter in letters:
        name, tz = students.get(letter.student_id, ("", None))
        found[letter.id] = LetterNow(letter, asked_day(letter, asked.get(letter.id),
                                                       tz or default_tz), name,
                                     tz or default_tz)
    return found


LETTER = SubjectSpec(Subject.LETTER, load_letters, "the letter is no longer tracked")


def student_words(state: LetterNow, due: Due, at: Moment) -> Words:
    """A letter-* reminder to the student, as read on their day at `at`."""
    letter = state.letter
    if letter.student_id != due.person_id:
        return Moot("the letter is someone else's now")
    if not rules.still_owed(due.kind, state=letter.state, packet=letter.packet or {},
                            deadline=letter.deadline, today=at.today):
        return Moot(messages.moot_reason(due.kind, letter, at.today))
    return messages.letter_nudge_reply(due.kind, letter, today=at.today,
                                       asked_on=state.asked_on)


def writer_words(state: LetterNow, due: Due, at: Moment) -> Words:
    """The writer-deadline reminder, as read on the writer's day at `at`: the personal
    deadline the student gives them (`rules.writer_personal`, the student's own)."""
    letter = state.letter
    if letter.writer_id != due.person_id:
        return Moot("the letter has another writer now")
    if state.asked_on is None or not rules.still_owed(
            due.kind, state=letter.state, packet=letter.packet or {}, deadline=letter.deadline,
            today=at.today):
        return Moot(messages.moot_reason(due.kind, letter, at.today))
    seen = WriterLetter(
        id=letter.id, student_id=letter.student_id, student_name=state.student_name,
        program=letter.program, state=LetterState(letter.state), deadline=letter.deadline,
        personal=rules.writer_personal(letter.deadline, asked_on=state.asked_on,
                                       today=local_day(at.now, state.student_tz)),
        portal=messages.effective_portal(letter))
    return messages.writer_nudge_reply(seen, today=at.today)


# --- an outcome, and the writers to tell ---------------------------------------------------


@dataclass(frozen=True)
class OutcomeNow:
    outcome: Outcome
    letters: tuple[Letter, ...]  # one per writer to tell


def load_outcomes(session: Session, dues: Sequence[Due], *, now: datetime,
                  default_tz: str) -> Mapping[int, OutcomeNow]:
    ids = sorted({d.subject_id for d in dues if d.subject_id is not None})
    outcomes = list(session.scalars(select(Outcome).where(Outcome.id.in_(ids))))
    writers = writers_to_tell(session, outcomes)
    return {o.id: OutcomeNow(o, tuple(writers[o.id])) for o in outcomes}


OUTCOME = SubjectSpec(Subject.OUTCOME, load_outcomes, "the outcome was deleted")


def outcome_words(state: OutcomeNow, due: Due, at: Moment) -> Words:
    if not state.letters:
        return Moot("no writer's letter is left to share the news with")
    return messages.outcome_reply(state.outcome, state.letters)


# --- the specs -----------------------------------------------------------------------------


def _moved_to(*states: LetterState) -> Answers:
    return Answers((specs.UPDATE, specs.DRAFT, specs.PACKET), Evidence.LETTER_MOVED,
                   frozenset(states))


def _student(kind: NudgeKind, summary: str, answers: Answers) -> NudgeSpec[LetterNow]:
    return NudgeSpec(kind=kind, owner="letters", summary=summary, subject=LETTER,
                     word=student_words, answers=answers)


NUDGE_SPECS: tuple[NudgeSpec[Any], ...] = (
    _student(NudgeKind.LETTER_ASK, "time to ask the writer, a few days before the ask-by date",
             _moved_to(LetterState.ASKED)),
    _student(NudgeKind.LETTER_ASK_LATE, "last call to ask, the deadline weeks away",
             _moved_to(LetterState.ASKED)),
    _student(NudgeKind.LETTER_PACKET, "send the writer the packet, after they agreed",
             _moved_to(LetterState.PACKET_SENT)),
    _student(NudgeKind.LETTER_CHECKIN, "check in on the personal deadline given the writer",
             _moved_to(LetterState.AGREED, LetterState.DECLINED, LetterState.PACKET_SENT,
                       LetterState.SUBMITTED)),
    _student(NudgeKind.LETTER_DEADLINE, "the deadline is days away and nothing is submitted",
             _moved_to(LetterState.SUBMITTED)),
    _student(NudgeKind.LETTER_THANKS, "thank the writer, the day after they submitted",
             _moved_to(LetterState.THANKED)),
    NudgeSpec(kind=NudgeKind.WRITER_DEADLINE, owner="letters",
              summary="to a writer on the roster: the student's personal deadline is near",
              subject=LETTER, word=writer_words,
              answers=Answers((specs.LIST,), Evidence.LETTER_MOVED,
                              frozenset({LetterState.SUBMITTED}))),
    NudgeSpec(kind=NudgeKind.LETTER_OUTCOME, owner="letters",
              summary="share an outcome with every writer whose letter went in",
              subject=OUTCOME, word=outcome_words, answers=Answers((specs.DRAFT,))),
)
"""The letter feature's nudge kinds, listed by the program's assembly (`bot.app.nudges`)."""

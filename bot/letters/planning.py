"""Planning the letter-* nudges to students and the writer-deadline nudges to faculty
writers. Timing is `bot.letters.rules` (`letter_nudges`, `writer_nudges`); this module
gathers the facts they need (the student's and the writer's time zones, when the writer was
asked, agreed or submitted) and hands the outbox what is owed, without words: each nudge is
worded when it is sent, from the letter as it is then (`bot.letters.nudge_kinds`). A
letter's nudges, the writer's included, are one subject: any change to the letter re-plans
them together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Letter, Outcome, Person
from bot.infra.settings import Settings
from bot.letters import rules
from bot.letters.history import asked_day, state_moments, writers_to_tell
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.vocab.letters import LetterState
from bot.vocab.nudges import NudgeKind, Subject

OUTCOME_WINDOW = timedelta(days=30)
"""Outcomes recorded this recently are still planned (their nudges fall the next day)."""


def plan_letters(session: Session, now: datetime, settings: Settings) -> Iterable[Plan]:
    """The planner of the letter feature: every letter that can still owe a nudge, and
    recent outcomes."""
    letters = session.scalars(
        select(Letter).where(Letter.state.in_(rules.NUDGING_STATES))).all()
    yield from letter_plans(session, letters, settings)
    outcomes = session.scalars(select(Outcome).where(Outcome.at >= now - OUTCOME_WINDOW)).all()
    yield from outcome_plans(session, outcomes, settings)


def letter_plans(session: Session, letters: Sequence[Letter], settings: Settings) -> list[Plan]:
    if not letters:
        return []
    ids = [x.id for x in letters]
    agreed = state_moments(session, ids, LetterState.AGREED)
    submitted = state_moments(session, ids, LetterState.SUBMITTED)
    asked = state_moments(session, ids, LetterState.ASKED)
    people = {x.student_id for x in letters} | {x.writer_id for x in letters
                                               if x.writer_id is not None}
    zones = _zones(session, people, settings)
    plans: list[Plan] = []
    for letter in letters:
        tz = zones[letter.student_id]
        asked_on = asked_day(letter, asked.get(letter.id), tz)
        plan = Plan(Subject.LETTER, letter.id)
        for due in rules.letter_nudges(
            state=letter.state, deadline=letter.deadline, tz=tz, created_at=letter.created_at,
            agreed_at=agreed.get(letter.id), submitted_at=submitted.get(letter.id),
            asked_at=asked.get(letter.id), packet=letter.packet or {},
        ):
            plan.nudges.append(PlannedNudge(
                person_id=letter.student_id, kind=due.kind, due_at=due.due_at,
                subject_type=Subject.LETTER, subject_id=letter.id, occurrence=due.occurrence,
            ))
        if letter.writer_id is not None and asked_on is not None:
            plan.nudges += _writer_nudges(letter, asked_on, zones[letter.writer_id],
                                          agreed.get(letter.id) or letter.created_at)
        plans.append(plan)
    return plans


def _writer_nudges(letter: Letter, asked_on: date, writer_tz: str,
                   since: datetime) -> list[PlannedNudge]:
    """The writer-deadline nudges to a faculty writer on the roster."""
    assert letter.writer_id is not None
    personal = rules.told_personal(letter.deadline, asked_on)
    return [
        PlannedNudge(
            person_id=letter.writer_id, kind=due.kind, due_at=due.due_at,
            subject_type=Subject.LETTER, subject_id=letter.id, occurrence=due.occurrence)
        for due in rules.writer_nudges(state=letter.state, personal=personal, tz=writer_tz,
                                       since=since)
    ]


def outcome_plans(session: Session, outcomes: Sequence[Outcome],
                  settings: Settings) -> list[Plan]:
    """One letter-outcome nudge per outcome that has writers to tell (`writers_to_tell`):
    the student shares the news with each, from one message."""
    if not outcomes:
        return []
    zones = _zones(session, {o.student_id for o in outcomes}, settings)
    writers = writers_to_tell(session, outcomes)
    plans: list[Plan] = []
    for outcome in outcomes:
        plan = Plan(Subject.OUTCOME, outcome.id)
        if writers[outcome.id]:
            plan.nudges.append(PlannedNudge(
                person_id=outcome.student_id, kind=NudgeKind.LETTER_OUTCOME,
                due_at=rules.outcome_nudge_at(outcome.at, zones[outcome.student_id]),
                subject_type=Subject.OUTCOME, subject_id=outcome.id, occurrence=WRITERS,
            ))
        plans.append(plan)
    return plans


WRITERS = "writers"
"""The occurrence of an outcome's one nudge: the message listing every writer to tell."""


def replan(session: Session, letters: Sequence[Letter], now: datetime,
           settings: Settings) -> None:
    """Plan these letters' nudges now (a state change cancels the ones it made moot)."""
    store_plans(session, letter_plans(session, letters, settings), now=now)


def plan_outcome(session: Session, outcome: Outcome, now: datetime,
                 settings: Settings) -> None:
    """Plan a new outcome's nudges in the same unit of work that records it."""
    store_plans(session, outcome_plans(session, [outcome], settings), now=now)


def _zones(session: Session, person_ids: set[int], settings: Settings) -> dict[int, str]:
    """Each person's time zone (the default when unset)."""
    rows = session.execute(select(Person.id, Person.timezone)
                           .where(Person.id.in_(person_ids))).all()
    return {pid: tz or settings.default_timezone for pid, tz in rows}

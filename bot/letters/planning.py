"""Planning the letter-* nudges. Timing is `bot.letters.rules.letter_nudges`; this module
gathers the facts (the student's time zone, when the writer agreed or submitted) and hands
each nudge its words (`bot.letters.messages`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Letter, LetterEvent, Outcome, Person
from bot.infra.settings import Settings
from bot.letters import messages, rules
from bot.letters.history import state_moments
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.nudges.vocab import NudgeKind, Subject
from bot.vocab.letters import LetterState

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
    zones = _zones(session, {x.student_id for x in letters}, settings)
    plans: list[Plan] = []
    for letter in letters:
        tz = zones[letter.student_id]
        plan = Plan(Subject.LETTER, letter.id)
        for due in rules.letter_nudges(
            state=letter.state, deadline=letter.deadline, tz=tz, created_at=letter.created_at,
            agreed_at=agreed.get(letter.id), submitted_at=submitted.get(letter.id),
            packet=letter.packet or {},
        ):
            plan.nudges.append(PlannedNudge(
                person_id=letter.student_id, kind=due.kind, due_at=due.due_at,
                subject_type=Subject.LETTER, subject_id=letter.id, occurrence=due.occurrence,
                reply=messages.letter_nudge_reply(due.kind, letter),
            ))
        plans.append(plan)
    return plans


def outcome_plans(session: Session, outcomes: Sequence[Outcome],
                  settings: Settings) -> list[Plan]:
    """One letter-outcome nudge per writer whose letter was submitted by the time of the
    outcome: the student shares the news with each of them."""
    if not outcomes:
        return []
    zones = _zones(session, {o.student_id for o in outcomes}, settings)
    students = {o.student_id for o in outcomes}
    rows = session.execute(
        select(Letter, LetterEvent.at)
        .join(LetterEvent, LetterEvent.letter_id == Letter.id)
        .where(Letter.student_id.in_(students), LetterEvent.to_state == LetterState.SUBMITTED)
        .order_by(Letter.id)).all()
    plans: list[Plan] = []
    for outcome in outcomes:
        plan = Plan(Subject.OUTCOME, outcome.id)
        seen: set[str] = set()
        for letter, submitted_at in rows:
            if letter.student_id != outcome.student_id or submitted_at > outcome.at:
                continue
            key = f"p{letter.writer_id}" if letter.writer_id else \
                "n" + "-".join(rules.normalize_text(letter.writer_name).split())
            if key in seen:
                continue
            seen.add(key)
            plan.nudges.append(PlannedNudge(
                person_id=outcome.student_id, kind=NudgeKind.LETTER_OUTCOME,
                due_at=rules.outcome_nudge_at(outcome.at, zones[outcome.student_id]),
                subject_type=Subject.OUTCOME, subject_id=outcome.id, occurrence=key[:120],
                reply=messages.outcome_reply(outcome, letter),
            ))
        plans.append(plan)
    return plans


def replan(session: Session, letters: Sequence[Letter], now: datetime,
           settings: Settings) -> None:
    """Plan these letters' nudges now (a state change cancels the ones it made moot)."""
    store_plans(session, letter_plans(session, letters, settings), now=now)


def plan_outcome(session: Session, outcome: Outcome, now: datetime,
                 settings: Settings) -> None:
    """Plan a new outcome's nudges in the same unit of work that records it."""
    store_plans(session, outcome_plans(session, [outcome], settings), now=now)


def _zones(session: Session, person_ids: set[int], settings: Settings) -> dict[int, str]:
    rows = session.execute(select(Person.id, Person.timezone)
                           .where(Person.id.in_(person_ids))).all()
    return {pid: tz or settings.default_timezone for pid, tz in rows}

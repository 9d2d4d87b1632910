"""Planning the nudges that keep mentor relationships alive: follow-ups, overdue action
items, transactional flags, keeping letter writers posted, and "Did you meet?" check-ins (one
per open `checkins` row, which `bot.mentoring.store.ask_checkins` stores when it falls due).

The rules live in `bot.mentoring.rules` and `bot.mentoring.cadence`; the follow-up state is
read through `bot.mentoring.history`, the same reads `/mentor list`, the dashboard and the
group digest use, so a nudge falls on the day they show. This module reads the rest in a few
column-only bulk queries (no ORM object per row) and hands the outbox the nudges owed *now*,
without words: each is worded when it is sent, from the relationship as it is then
(`bot.mentoring.nudge_kinds`: recent contacts, open items, an offer to help the mentor).
Only nudges already due are planned: a future one would only be cancelled again when a
contact moves the clock. Subjects that still hold pending nudges but owe nothing now get an
empty plan, which is how logging a contact or closing an item cancels what it made moot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    Letter,
    LetterEvent,
    Mentorship,
    Nudge,
    Person,
)
from bot.infra.settings import Settings
from bot.mentoring import rules
from bot.mentoring.history import Pair, PairSummary, aware, contact_summary, followups
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.vocab.nudges import NudgeKind, NudgeState, Subject

SUBJECT_TYPES = (Subject.MENTORSHIP, Subject.ACTION_ITEM, Subject.THANKED_LETTER)

LETTER_THANKED = "thanked"
"""The letter state after which a writer is kept posted (`bot.letters.rules.STATES`)."""


def plan_mentoring(session: Session, now: datetime, settings: Settings) -> list[Plan]:
    return plan_relationships(session, now, settings.default_timezone)


def replan_student(session: Session, student_id: int, *, now: datetime,
                   default_tz: str) -> None:
    """Re-plan one student's relationship nudges in this unit of work, so a nudge a change
    made moot is cancelled before it can go out."""
    store_plans(session, plan_relationships(session, now, default_tz, student_id=student_id),
                now=now)


def plan_relationships(session: Session, now: datetime, default_tz: str, *,
                       student_id: int | None = None) -> list[Plan]:
    """Every relationship nudge owed at `now` (for one student, when given)."""
    owed: list[PlannedNudge] = []
    contacts: tuple[ColumnElement[bool], ...] = (
        () if student_id is None else (Contact.student_id == student_id,))
    pairs = contact_summary(session, *contacts)
    active_pairs = _owed_by_mentorships(session, now, default_tz, student_id, pairs, owed)
    _owed_by_action_items(session, now, default_tz, student_id, owed)
    _owed_keep_in_touch(session, now, default_tz, student_id, pairs, active_pairs, owed)
    plans: dict[tuple[Subject, int], Plan] = {}
    for key in _pending_subjects(session, student_id):
        plans[key] = Plan(subject_type=key[0], subject_id=key[1])
    _build(owed, plans)
    return list(plans.values())


def _build(owed: list[PlannedNudge], plans: dict[tuple[Subject, int], Plan]) -> None:
    """Add every owed nudge to its subject's plan."""
    for nudge in owed:
        key = (nudge.subject_type, nudge.subject_id)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = Plan(nudge.subject_type, nudge.subject_id)
        plan.nudges.append(nudge)


# --- state ---------------------------------------------------------------------------------


def _pending_subjects(session: Session, student_id: int | None) -> set[tuple[Subject, int]]:
    query = select(Nudge.subject_type, Nudge.subject_id).distinct().where(
        Nudge.state == NudgeState.PENDING, Nudge.subject_type.in_(SUBJECT_TYPES),
        Nudge.subject_id.is_not(None))
    if student_id is not None:
        query = query.where(Nudge.person_id == student_id)
    return {(Subject(t), i) for t, i in session.execute(query) if i is not None}


# --- follow-ups and transactional flags ----------------------------------------------------


def _owed_by_mentorships(session: Session, now: datetime, default_tz: str,
                         student_id: int | None, pairs: dict[Pair, PairSummary],
                         owed: list[PlannedNudge]) -> set[Pair]:
    where = () if student_id is None else (Mentorship.student_id == student_id,)
    active: set[Pair] = set()
    checkins = _open_checkins(session, student_id)
    for row in followups(session, *where, default_tz=default_tz, summary=pairs):
        pair = (row.student_id, row.mentor_id)
        active.add(pair)
        question = checkins.get(row.mentorship_id)
        if question is not None:
            round_, asked_at = question
            owed.append(PlannedNudge(
                row.student_id, NudgeKind.CHECKIN, asked_at, Subject.MENTORSHIP,
                row.mentorship_id, checkin_occurrence(round_)))
        due = rules.followup_owed(row.due_day, row.cadence_days, row.tz, now)
        if due is not None:
            owed.append(PlannedNudge(
                row.student_id, NudgeKind.FOLLOWUP, due[1], Subject.MENTORSHIP,
                row.mentorship_id, due[0].isoformat()))
        summary = pairs.get(pair)
        if summary is not None and summary.last_ask is not None:
            since = rules.transactional_since(row.started_at, summary.last_news,
                                              summary.last_ask, now)
            if since is not None:
                owed.append(PlannedNudge(
                    row.student_id, NudgeKind.TRANSACTIONAL,
                    rules.transactional_flag_at(since, summary.last_ask), Subject.MENTORSHIP,
                    row.mentorship_id, transactional_occurrence(since)))
    return active


def transactional_occurrence(since: datetime) -> str:
    """A transactional flag's key names the start of its ask-only stretch."""
    return f"since-{since.strftime(SINCE_FORMAT)}"


SINCE_FORMAT = "%Y-%m-%dT%H:%M"


# --- "Did you meet?" check-ins ---------------------------------------------------------------


def checkin_occurrence(round_: int) -> str:
    """A check-in's key names its round, so each question is stored (and sent) once."""
    return f"round-{round_}"


def _open_checkins(session: Session, student_id: int | None) -> dict[int, tuple[int, datetime]]:
    """Per active mentorship, its unanswered check-in: (round, asked at)."""
    query = (
        select(Checkin.mentorship_id, Checkin.round, Checkin.asked_at)
        .join(Mentorship, Mentorship.id == Checkin.mentorship_id)
        .where(Mentorship.active.is_(True), Checkin.answer.is_(None))
        .order_by(Checkin.mentorship_id, Checkin.round)
    )
    if student_id is not None:
        query = query.where(Checkin.student_id == student_id)
    return {mid: (round_, asked_at) for mid, round_, asked_at in session.execute(query)}


# --- action items --------------------------------------------------------------------------


def _owed_by_action_items(session: Session, now: datetime, default_tz: str,
                          student_id: int | None, owed: list[PlannedNudge]) -> None:
    student, mentor = aliased(Person), aliased(Person)
    # An item of a mentorship that has ended is not chased: circling back to a mentor who
    # is no longer one is moot (it stays open in /mentor list, to close or do anyway).
    query = (
        select(ActionItem.id, ActionItem.student_id, ActionItem.due_at, student.timezone)
        .join(student, student.id == ActionItem.student_id)
        .join(mentor, mentor.id == ActionItem.mentor_id)
        .outerjoin(Mentorship, Mentorship.id == ActionItem.mentorship_id)
        .where(ActionItem.done_at.is_(None), ActionItem.due_at.is_not(None),
               ActionItem.due_at <= now,
               or_(ActionItem.mentorship_id.is_(None), Mentorship.active.is_(True)))
    )
    if student_id is not None:
        query = query.where(ActionItem.student_id == student_id)
    for iid, sid, due_at, tz in session.execute(query):
        if due_at is None:  # excluded by the query; narrows the type
            continue
        tz = tz or default_tz
        found = rules.action_item_due(due_at, tz, now)
        if found is not None:
            index, due = found
            owed.append(PlannedNudge(sid, NudgeKind.ACTION_ITEM, due, Subject.ACTION_ITEM,
                                     iid, str(index)))


# --- keeping letter writers posted ---------------------------------------------------------


def _owed_keep_in_touch(session: Session, now: datetime, default_tz: str,
                        student_id: int | None, pairs: dict[Pair, PairSummary],
                        active_pairs: set[Pair], owed: list[PlannedNudge]) -> None:
    """One reminder stream per (student, writer) with a thanked letter, keyed by the latest
    such letter. A writer who is also an active mentor is covered by the follow-ups."""
    thanked = (
        select(LetterEvent.letter_id, func.max(LetterEvent.at).label("at"))
        .where(LetterEvent.to_state == LETTER_THANKED)
        .group_by(LetterEvent.letter_id)
        .subquery()
    )
    student = aliased(Person)
    query = (
        select(Letter.id, Letter.student_id, Letter.writer_id, Letter.updated_at,
               type_coerce(thanked.c.at, LetterEvent.at.type), student.timezone)
        .join(student, student.id == Letter.student_id)
        .join(Person, Person.id == Letter.writer_id)
        .outerjoin(thanked, thanked.c.letter_id == Letter.id)
        .where(Letter.state == LETTER_THANKED, Letter.writer_id.is_not(None))
    )
    if student_id is not None:
        query = query.where(Letter.student_id == student_id)
    latest: dict[Pair, tuple[datetime, int, str | None]] = {}
    for lid, sid, wid, updated, thanked_at, tz in session.execute(query):
        if wid is None:  # excluded by the query; narrows the type
            continue
        at = aware(thanked_at) or updated
        current = latest.get((sid, wid))
        if current is None or (at, lid) > (current[0], current[1]):
            latest[(sid, wid)] = (at, lid, tz)
    for (sid, wid), (thanked_at, lid, tz) in latest.items():
        if (sid, wid) in active_pairs:
            continue
        summary = pairs.get((sid, wid))
        last_touch = rules.last_touch(thanked_at, summary.last_at if summary else None)
        zone = tz or default_tz
        found = rules.keep_in_touch_due(last_touch, zone, now)
        if found is not None:
            day, due = found
            owed.append(PlannedNudge(sid, NudgeKind.KEEP_IN_TOUCH, due,
                                     Subject.THANKED_LETTER, lid, day.isoformat()))

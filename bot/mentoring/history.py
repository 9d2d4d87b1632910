"""What the record says about each relationship: the contact log per (student, mentor), and
from it each active mentorship's last contact and next follow-up under the one rule of
`bot.mentoring.cadence`; and, for the message drafts, what happened since the student last
wrote to someone.

Read by the planner, `/mentor list`, the dashboard and the group digest, so the four cannot
date a follow-up differently. Column-only bulk queries (no ORM object per row): the planner
reads every relationship at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.infra.db import as_utc
from bot.infra.models import ActionItem, Contact, Letter, Mentorship, Outcome, Person
from bot.infra.months import months_after
from bot.mentoring.cadence import followup_day, last_contact
from bot.mentoring.drafts import ClosedItem, OtherContact, ThanksFacts, UpdateFacts
from bot.mentoring.rules import NEWS_LOOKBACK_MONTHS
from bot.nudges.policy import nudge_at
from bot.vocab.letters import LetterState

Pair = tuple[int, int]
"""(student id, mentor id)."""


@dataclass(frozen=True, slots=True)
class PairSummary:
    """The contact log of one (student, mentor) pair, whatever mentorship it belonged to."""

    last_at: datetime | None
    last_news: datetime | None
    last_ask: datetime | None


class Followup(NamedTuple):
    """An active mentorship as the follow-up rule sees it. `tz` is the student's zone (or
    the default): follow-ups fall on the student's calendar. A named tuple: the planner
    builds one per active mentorship, and a frozen dataclass costs twice as much to build."""

    mentorship_id: int
    student_id: int
    student_name: str
    mentor_id: int
    mentor_name: str
    kind: str
    cadence_days: int
    started_at: datetime
    last_contact: datetime | None
    tz: str
    due_day: date  # followup_day(last_contact, started_at, cadence_days, tz)

    @property
    def due_at(self) -> datetime:
        """`next_followup(last_contact, started_at, cadence_days, tz)`, in UTC."""
        return nudge_at(self.due_day, self.tz)


def contact_summary(session: Session, *students: ColumnElement[bool]
                    ) -> dict[Pair, PairSummary]:
    """Per (student, mentor): the last contact, the last one with news, the last ask.
    `students` narrows the log (conditions on `Contact`), e.g. to one student."""
    at = Contact.at
    query = select(
        Contact.student_id,
        Contact.mentor_id,
        func.max(at),
        type_coerce(func.max(case((Contact.is_ask.is_(False), at))), at.type),
        type_coerce(func.max(case((Contact.is_ask.is_(True), at))), at.type),
    ).where(*students).group_by(Contact.student_id, Contact.mentor_id)
    return {(s, m): PairSummary(aware(last), aware(news), aware(ask))
            for s, m, last, news, ask in session.execute(query)}


def aware(value: datetime | str | None) -> datetime | None:
    """Aggregates over a UTC column come back aware from PostgreSQL; SQLite may hand back
    the stored text, which is UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def followups(session: Session, *where: ColumnElement[bool], default_tz: str,
              summary: Mapping[Pair, PairSummary] | None = None) -> list[Followup]:
    """Every active mentorship matching `where` (conditions on `Mentorship`), with its last
    contact and next follow-up, ordered by start. `summary` is the contact log when the
    caller has read it already (the planner); otherwise the log of these mentorships'
    students is read here."""
    student, mentor = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Mentorship.id, Mentorship.student_id, student.name, Mentorship.mentor_id,
               mentor.name, Mentorship.kind, Mentorship.cadence_days, Mentorship.started_at,
               Mentorship.last_contact_at, student.timezone)
        .join(student, student.id == Mentorship.student_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .where(Mentorship.active.is_(True), *where)
        .order_by(Mentorship.started_at, Mentorship.id)
    ).all()
    if summary is None:
        summary = contact_summary(session, Contact.student_id.in_(
            select(Mentorship.student_id).where(Mentorship.active.is_(True), *where)
        )) if rows else {}
    out = []
    for mid, sid, student_name, tid, name, kind, cadence, started, recorded, tz in rows:
        log = summary.get((sid, tid))
        last = last_contact(recorded, log.last_at if log is not None else None)
        zone = tz or default_tz
        out.append(Followup(mid, sid, student_name, tid, name, kind, cadence, started, last,
                            zone, followup_day(last, started, cadence, zone)))
    return out


def followup_of(session: Session, mentorship_id: int, *, default_tz: str) -> Followup:
    """One mentorship's follow-up (it must be active), as every view shows it."""
    [found] = followups(session, Mentorship.id == mentorship_id, default_tz=default_tz)
    return found


# --- what happened since: the message drafts -----------------------------------------------

WRITTEN_STATES = (LetterState.AGREED, LetterState.PACKET_SENT, LetterState.SUBMITTED,
                  LetterState.THANKED)
"""Letters a writer has agreed to write or has written: worth a thank-you."""

OTHERS_NAMED = 3
"""Contacts with other people listed in an update, at most (it shares 2–3 things)."""


def _latest_contact(session: Session, student_id: int, mentor_id: int) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.student_id == student_id, Contact.mentor_id == mentor_id)
        .order_by(Contact.at.desc(), Contact.id.desc()).limit(1))


def update_facts(session: Session, student: Person, mentor: Person, *, now: datetime,
                 tz: str) -> UpdateFacts:
    """What the student can tell `mentor`: action items closed, outcomes recorded and
    contacts with others since their last contact with them (or since the mentorship
    began; for someone who is neither, the last NEWS_LOOKBACK_MONTHS months)."""
    mentorship = session.scalar(
        select(Mentorship).where(Mentorship.student_id == student.id,
                                 Mentorship.mentor_id == mentor.id,
                                 Mentorship.active.is_(True))
        .order_by(Mentorship.started_at.desc(), Mentorship.id.desc()).limit(1))
    latest = _latest_contact(session, student.id, mentor.id)
    if latest is not None:
        since = latest.at
    elif mentorship is not None:
        since = mentorship.started_at
    else:
        since = months_after(now, -NEWS_LOOKBACK_MONTHS)
    named = aliased(Person)
    closed = [
        ClosedItem(task=task, note=note or "", decided_not=bool(decided), mentor_name=name,
                   from_this_mentor=mid == mentor.id)
        for task, note, decided, mid, name in session.execute(
            select(ActionItem.task, ActionItem.done_note, ActionItem.decided_not,
                   ActionItem.mentor_id, named.name)
            .join(named, named.id == ActionItem.mentor_id)
            .where(ActionItem.student_id == student.id, ActionItem.done_at.is_not(None),
                   ActionItem.done_at > since, ActionItem.done_at <= now)
            .order_by(ActionItem.done_at, ActionItem.id))
    ]
    outcomes = tuple(session.scalars(
        select(Outcome.text).where(Outcome.student_id == student.id, Outcome.at > since,
                                   Outcome.at <= now)
        .order_by(Outcome.at, Outcome.id)))
    others = tuple(
        OtherContact(name=name, at=at, note=note or "")
        for name, at, note in session.execute(
            select(named.name, Contact.at, Contact.note)
            .join(named, named.id == Contact.mentor_id)
            .where(Contact.student_id == student.id, Contact.mentor_id != mentor.id,
                   Contact.at > since, Contact.at <= now)
            .order_by(Contact.at.desc(), Contact.id.desc()).limit(OTHERS_NAMED)))
    open_items = tuple(session.scalars(
        select(ActionItem.task).where(ActionItem.student_id == student.id,
                                      ActionItem.mentor_id == mentor.id,
                                      ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.id)))
    return UpdateFacts(
        student_name=student.name, mentor_name=mentor.name, mentor_is_faculty=mentor.is_faculty,
        tz=tz, last_contact=latest.at if latest is not None else None,
        last_note=latest.note if latest is not None else "",
        started_at=mentorship.started_at if mentorship is not None else None,
        cadence_days=mentorship.cadence_days if mentorship is not None else None,
        closed=tuple(closed), outcomes=outcomes, others=others, open_items=open_items)


def thanks_facts(session: Session, student: Person, person: Person, *, tz: str) -> ThanksFacts:
    """What a thank-you to `person` can be specific about: letters they agreed to write or
    wrote for the student, a suggestion of theirs the student acted on, the last contact."""
    programs = tuple(session.scalars(
        select(Letter.program).where(Letter.student_id == student.id,
                                     Letter.writer_id == person.id,
                                     Letter.state.in_(WRITTEN_STATES))
        .order_by(Letter.deadline, Letter.id)))
    suggestion = session.scalar(
        select(ActionItem.task).where(ActionItem.student_id == student.id,
                                      ActionItem.mentor_id == person.id,
                                      ActionItem.done_at.is_not(None),
                                      ActionItem.decided_not.is_(False))
        .order_by(ActionItem.done_at.desc(), ActionItem.id.desc()).limit(1))
    latest = _latest_contact(session, student.id, person.id)
    return ThanksFacts(
        student_name=student.name, person_name=person.name,
        person_is_faculty=person.is_faculty, tz=tz,
        letter_programs=programs, suggestion=suggestion,
        last_contact=latest.at if latest is not None else None,
        last_note=latest.note if latest is not None else "")

"""What the record says about each relationship: the contact log per (student, mentor), and
from it each active mentorship's last contact and next follow-up under the one rule of
`bot.mentoring.cadence`.

Read by the planner, `/mentor list`, the dashboard and the group digest, so the four cannot
date a follow-up differently. Column-only bulk queries (no ORM object per row): the planner
reads every relationship at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.infra.models import Contact, Mentorship, Person
from bot.mentoring.cadence import followup_day, last_contact
from bot.nudges.policy import nudge_at

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
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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

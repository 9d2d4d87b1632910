"""Gathering a group's weekly digest from the database. Only faculty facts and counts leave
this module: students are counted, never named (their letters are private to them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.groups.digest_rules import (
    HORIZON_WEEKS,
    NEW_FACULTY_DAYS,
    DigestFacts,
    FacultyLine,
    digest_reply,
)
from bot.infra.models import FacultyProfile, InterestGroup, Letter, Membership, Mentorship, Person
from bot.letters.rules import OPEN_STATES
from bot.mentoring.cadence import next_followup

MAX_LISTED = 10


def _group_faculty(group: InterestGroup):  # type: ignore[no-untyped-def]
    """Faculty who belong with the group: its specialty, or members of it."""
    members = select(Membership.person_id).where(Membership.group_id == group.id)
    conditions = [FacultyProfile.person_id.in_(members)]
    if group.specialty:
        conditions.append(func.lower(FacultyProfile.specialty) == group.specialty.lower())
    return (
        select(Person.name, FacultyProfile.title, FacultyProfile.research,
               FacultyProfile.office_hours, FacultyProfile.accepting,
               FacultyProfile.accepting_since, FacultyProfile.capacity)
        .join(Person, Person.id == FacultyProfile.person_id)
        .where(or_(*conditions))
        .order_by(Person.name)
    )


def gather(session: Session, group: InterestGroup, now: datetime,
           weeks: int = HORIZON_WEEKS, default_tz: str = "UTC") -> DigestFacts:
    since = now - timedelta(days=NEW_FACULTY_DAYS)
    newly: list[FacultyLine] = []
    hours: list[FacultyLine] = []
    for row in session.execute(_group_faculty(group)):
        if row.accepting and row.capacity > 0 and row.accepting_since and \
                row.accepting_since >= since:
            newly.append(FacultyLine(row.name, row.title, "; ".join(row.research[:3])))
        if row.office_hours:
            hours.append(FacultyLine(row.name, row.title, row.office_hours))
    horizon = now + timedelta(weeks=weeks)
    students = select(Membership.person_id).where(Membership.group_id == group.id)
    letters_due = session.scalar(
        select(func.count(Letter.id)).where(
            Letter.student_id.in_(students),
            Letter.state.in_(OPEN_STATES),
            Letter.deadline >= now.date(),
            Letter.deadline <= horizon.date(),
        )
    ) or 0
    followups_due = 0
    for last, started, cadence, tz in session.execute(
        select(Mentorship.last_contact_at, Mentorship.started_at, Mentorship.cadence_days,
               Person.timezone)
        .join(Person, Person.id == Mentorship.student_id)
        .where(Mentorship.active.is_(True),
               or_(Mentorship.group_id == group.id, Mentorship.student_id.in_(students)))
    ):
        if next_followup(last, started, cadence, tz or default_tz) <= horizon:
            followups_due += 1
    return DigestFacts(
        group_name=group.name,
        specialty=group.specialty,
        newly_accepting=newly[:MAX_LISTED],
        office_hours=hours[:MAX_LISTED],
        letters_due=letters_due,
        followups_due=followups_due,
        weeks=weeks,
    )


def build(session: Session, group: InterestGroup, now: datetime,
          default_tz: str = "UTC") -> Reply:
    return digest_reply(gather(session, group, now, default_tz=default_tz))

"""Gathering a group's weekly digest from the database. Only faculty facts and counts leave
this module: students are counted, never named (their letters are private to them).

The rules it applies belong to their owners: a letter is still waiting while its state is
one of the letters' `OPEN_STATES`, and a mentorship's next follow-up is the mentoring
`history.followups` (last contact and next follow-up), the same one the planner and
`/mentor list` use. The days counted are the
group's (`digest_rules.window`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.groups.digest_rules import (
    HORIZON_WEEKS,
    MAX_LISTED,
    DigestFacts,
    FacultyLine,
    Window,
    newly_accepting,
    specialty_key,
    window,
)
from bot.infra.models import FacultyProfile, InterestGroup, Letter, Membership, Mentorship, Person
from bot.letters.rules import OPEN_STATES
from bot.mentoring.history import followups
from bot.reports.digest_messages import digest_reply


def _members(group: InterestGroup) -> Select[int]:
    return select(Membership.person_id).where(Membership.group_id == group.id)


def _same_specialty(session: Session, specialty: str) -> list[str]:
    """The stored faculty specialties that name the same specialty as `specialty`, however
    they were written ("EM", "Emergency Medicine", "emergency medicine")."""
    key = specialty_key(specialty)
    stored = session.scalars(select(FacultyProfile.specialty).distinct())
    return [text for text in stored if text and specialty_key(text) == key]


FacultyRow = Select[str, str, list[str], str | None, bool, datetime | None, int]


def _group_faculty(session: Session, group: InterestGroup) -> FacultyRow:
    """Faculty who belong with the group: its specialty, or members of it."""
    belongs: ColumnElement[bool] = FacultyProfile.person_id.in_(_members(group))
    if group.specialty:
        belongs = or_(belongs, FacultyProfile.specialty.in_(
            _same_specialty(session, group.specialty)))
    return (
        select(Person.name, FacultyProfile.title, FacultyProfile.research,
               FacultyProfile.office_hours, FacultyProfile.accepting,
               FacultyProfile.accepting_since, FacultyProfile.capacity)
        .join(Person, Person.id == FacultyProfile.person_id)
        .where(belongs)
        .order_by(Person.name)
    )


def letters_due(session: Session, group: InterestGroup, days: Window) -> int:
    """Open letters of the group's members whose deadline falls within `days`."""
    return session.scalar(
        select(func.count(Letter.id)).where(
            Letter.student_id.in_(_members(group)),
            Letter.state.in_(OPEN_STATES),
            Letter.deadline >= days.first,
            Letter.deadline <= days.last,
        )
    ) or 0


def followups_due(session: Session, group: InterestGroup, days: Window,
                  default_tz: str) -> int:
    """Active mentorships of the group (or of its members) whose next follow-up falls due
    by the end of `days`, overdue ones included. Each is due on its student's calendar."""
    rows = followups(session, or_(Mentorship.group_id == group.id,
                                  Mentorship.student_id.in_(_members(group))),
                     default_tz=default_tz)
    return sum(1 for row in rows if days.by_end(row.due_at))


def gather(session: Session, group: InterestGroup, now: datetime, *,
           weeks: int = HORIZON_WEEKS, default_tz: str = "UTC") -> DigestFacts:
    """The facts of `group`'s digest at `now`; `default_tz` is the zone of a student who
    has not set one (the settings' default)."""
    newly: list[FacultyLine] = []
    hours: list[FacultyLine] = []
    for row in session.execute(_group_faculty(session, group)):
        if newly_accepting(row.accepting, row.capacity, row.accepting_since, now):
            newly.append(FacultyLine(row.name, row.title, "; ".join(row.research[:3])))
        if row.office_hours:
            hours.append(FacultyLine(row.name, row.title, row.office_hours))
    days = window(now, group.timezone, weeks)
    return DigestFacts(
        group_name=group.name,
        specialty=group.specialty,
        newly_accepting=newly[:MAX_LISTED],
        office_hours=hours[:MAX_LISTED],
        letters_due=letters_due(session, group, days),
        followups_due=followups_due(session, group, days, default_tz),
        weeks=weeks,
    )


def build(session: Session, group: InterestGroup, now: datetime,
          default_tz: str = "UTC") -> Reply:
    """The digest `group` posts at `now`, as a reply for its channels."""
    return digest_reply(gather(session, group, now, default_tz=default_tz))

"""Keeping mentor relationships alive: contacts, rhythms and action items in the database.

Other features record their own contacts through `record_contact` (the letter flow logs
each ask with `is_ask=True`), so the follow-up clock and the transactional check see every
touch point, and pending nudges that a contact makes moot are cancelled at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.framework.errors import NotFound, UserError
from bot.infra.models import ActionItem, Contact, InterestGroup, IntroRequest, Mentorship, Person
from bot.mentoring import messages
from bot.mentoring.cadence import clamp_cadence_days, default_cadence_days
from bot.mentoring.history import Followup, followups
from bot.mentoring.messages import OpenItem
from bot.mentoring.planning import replan_student
from bot.vocab.mentoring import MentorKind

MAX_NOTE = 500


def active_mentorship(session: Session, student_id: int, mentor_id: int) -> Mentorship | None:
    """The student's current mentorship with this mentor (the most recent, if several)."""
    return session.scalar(
        select(Mentorship)
        .where(Mentorship.student_id == student_id, Mentorship.mentor_id == mentor_id,
               Mentorship.active.is_(True))
        .order_by(Mentorship.started_at.desc(), Mentorship.id.desc())
        .limit(1)
    )


def check_counterpart(session: Session, student: Person, mentor: Person) -> Mentorship | None:
    """A contact or task is about a mentor, or at least a faculty member the bot knows (a
    letter writer is often not a formal mentor). Anyone else is refused."""
    if mentor.id == student.id:
        raise UserError("That's you: name the mentor you were in touch with.")
    mentorship = active_mentorship(session, student.id, mentor.id)
    if mentorship is None and not mentor.is_faculty:
        raise UserError(f"{mentor.name} is neither your mentor nor a faculty member I know.")
    return mentorship


def record_contact(session: Session, student: Person, mentor: Person, *, at: datetime,
                   note: str = "", is_ask: bool = False, now: datetime | None = None,
                   default_tz: str = "UTC") -> Contact:
    """Record that `student` was in touch with `mentor` at `at` (UTC, not in the future).

    Restarts the follow-up clock of their mentorship, if any. With `now`, the student's
    relationship nudges are re-planned at once, so a follow-up or a transactional flag this
    contact answers is cancelled before it can go out."""
    if now is not None and at > now:
        raise UserError("A contact can't be in the future.")
    if len(note) > MAX_NOTE:
        raise UserError(messages.note_too_long(len(note), MAX_NOTE))
    mentorship = check_counterpart(session, student, mentor)
    contact = Contact(student_id=student.id, mentor_id=mentor.id,
                      mentorship_id=mentorship.id if mentorship else None,
                      at=at, note=note.strip(), is_ask=is_ask, created_at=now or at)
    session.add(contact)
    if mentorship is not None and (mentorship.last_contact_at is None
                                   or mentorship.last_contact_at < at):
        mentorship.last_contact_at = at
    session.flush()
    if now is not None:
        replan_student(session, student.id, now=now, default_tz=default_tz)
    return contact


def set_cadence(mentorship: Mentorship, days: int) -> int:
    mentorship.cadence_days = clamp_cadence_days(days)
    return mentorship.cadence_days


def add_action_item(session: Session, student: Person, mentor: Person, task: str, *,
                    due_at: datetime | None, now: datetime) -> ActionItem:
    mentorship = check_counterpart(session, student, mentor)
    item = ActionItem(student_id=student.id, mentor_id=mentor.id,
                      mentorship_id=mentorship.id if mentorship else None,
                      task=task.strip(), due_at=due_at, created_at=now)
    session.add(item)
    session.flush()
    return item


def finish_action_item(session: Session, student: Person, item_id: int, *, note: str,
                       decided_not: bool, now: datetime, default_tz: str = "UTC") -> ActionItem:
    """Close an item, done or consciously not done; its pending reminders are cancelled."""
    item = session.get(ActionItem, item_id)
    if item is None or item.student_id != student.id:
        raise NotFound(messages.no_such_item(item_id))
    if item.done_at is not None:
        raise UserError(messages.already_closed(item_id, item.done_at,
                                                student.timezone or default_tz))
    item.done_at = now
    item.done_note = note.strip()
    item.decided_not = decided_not
    session.flush()
    replan_student(session, student.id, now=now, default_tz=default_tz)
    return item


def set_group_rhythm(session: Session, group: InterestGroup, weeks: int) -> int:
    """Set a group's main-mentor rhythm (within MAIN_MENTOR_RANGE_WEEKS). Career
    mentorships of the group still on the previous group rhythm follow it; a rhythm a
    student chose stays. Returns how many mentorships moved."""
    days = default_cadence_days(MentorKind.CAREER, weeks)
    previous = default_cadence_days(MentorKind.CAREER, group.followup_weeks)
    group.followup_weeks = days // 7
    if days == previous:
        return 0
    result = session.execute(
        update(Mentorship)
        .where(Mentorship.group_id == group.id, Mentorship.kind == MentorKind.CAREER,
               Mentorship.active.is_(True), Mentorship.cadence_days == previous)
        .values(cadence_days=days)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def replan_group(session: Session, group: InterestGroup, *, now: datetime,
                 default_tz: str) -> None:
    students = session.scalars(select(Mentorship.student_id).distinct().where(
        Mentorship.group_id == group.id, Mentorship.active.is_(True))).all()
    for student_id in students:
        replan_student(session, student_id, now=now, default_tz=default_tz)


# --- what /mentor list shows --------------------------------------------------------------


@dataclass(frozen=True)
class MentorRow:
    """A student's mentor as `/mentor list` shows it: the follow-up as every view dates it,
    and the open items that mentor suggested."""

    followup: Followup
    open_items: list[OpenItem]


def student_mentors(session: Session, student: Person, *, default_tz: str) -> list[MentorRow]:
    items = open_items(session, student.id)
    return [
        MentorRow(followup=row, open_items=[(i.id, i.task, i.due_at) for i in items
                                            if i.mentor_id == row.mentor_id])
        for row in followups(session, Mentorship.student_id == student.id,
                             default_tz=default_tz)
    ]


def open_items(session: Session, student_id: int) -> list[ActionItem]:
    return list(session.scalars(
        select(ActionItem)
        .where(ActionItem.student_id == student_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.id)
    ))


def mentees(session: Session, mentor: Person, *, default_tz: str) -> list[Followup]:
    """The faculty member's active mentees, with the last contact as every view shows it."""
    return followups(session, Mentorship.mentor_id == mentor.id, default_tz=default_tz)


def names(session: Session, person_ids: set[int]) -> dict[int, str]:
    return {p.id: p.name for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}


def requests_waiting(session: Session, faculty: Person) -> list[tuple[IntroRequest, Person]]:
    """Intro requests to `faculty` still waiting for an answer, oldest first, with their
    students."""
    rows = session.execute(
        select(IntroRequest, Person)
        .join(Person, Person.id == IntroRequest.student_id)
        .where(IntroRequest.faculty_id == faculty.id, IntroRequest.state == "open")
        .order_by(IntroRequest.created_at, IntroRequest.id)
    ).all()
    return [(request, student) for request, student in rows]

"""What the people a deleted person leaves behind are owed: their mentors and mentees hear,
kindly, that the mentorship ended; students waiting on an intro request to a deleted
faculty member hear that it is closed, with the next candidates to ask
(`bot.matching.intros.next_candidates`).

These messages are written here rather than by ending each mentorship the usual way,
because the usual notice names the person who ended it, and nothing naming a deleted person
may be kept (a message is kept like any other row). Everything else ending a mentorship
does (its nudges stop, the mentor's place frees up) follows from its rows being deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.infra.models import IntroRequest, Mentorship, Person
from bot.matching.intros import next_candidates
from bot.nudges.plans import Notice
from bot.privacy import messages
from bot.vocab.matching import IntroState


def mentorships_ended(session: Session, person: Person, *, now: datetime,
                      default_tz: str) -> list[Notice]:
    """A notice to the other side of each of `person`'s active mentorships."""
    notices = []
    for mentorship in session.scalars(
            select(Mentorship).where(Mentorship.active.is_(True),
                                     or_(Mentorship.student_id == person.id,
                                         Mentorship.mentor_id == person.id))
            .order_by(Mentorship.id)):
        if mentorship.student_id == person.id:
            other = session.get_one(Person, mentorship.mentor_id)
            reply = messages.mentee_left(mentorship.kind, mentorship.started_at,
                                         other.timezone or default_tz)
        else:
            other = session.get_one(Person, mentorship.student_id)
            suggestions = next_candidates(session, other, now, exclude={person.id},
                                          kind=mentorship.kind)
            reply = messages.mentor_left(mentorship.kind, mentorship.started_at,
                                         other.timezone or default_tz, suggestions)
        if other.id != person.id:
            notices.append(Notice(other.id, reply, f"privacy:ended:{mentorship.id}"))
    return notices


def requests_closed(session: Session, faculty: Person, *, now: datetime,
                    default_tz: str) -> list[Notice]:
    """A notice to each student whose intro request to `faculty` is still open, with the
    next faculty they could ask."""
    notices = []
    for request in session.scalars(
            select(IntroRequest).where(IntroRequest.faculty_id == faculty.id,
                                       IntroRequest.state == IntroState.OPEN)
            .order_by(IntroRequest.id)):
        student = session.get_one(Person, request.student_id)
        suggestions = next_candidates(session, student, now, exclude={faculty.id},
                                      kind=request.kind)
        notices.append(Notice(student.id, messages.request_closed(
            request.created_at, student.timezone or default_tz, suggestions),
            f"privacy:closed:{request.id}"))
    return notices

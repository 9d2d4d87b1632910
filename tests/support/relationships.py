"""Building mentorships, contacts, action items and thanked letters for tests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Contact, Letter, LetterEvent, Mentorship, Nudge, Person
from bot.mentoring.cadence import default_cadence_days


def add_mentorship(session: Session, student: Person, mentor: Person, *, kind: str = "career",
                   started_at: datetime, last_contact_at: datetime | None = None,
                   cadence_days: int | None = None) -> Mentorship:
    mentorship = Mentorship(
        student_id=student.id, mentor_id=mentor.id, kind=kind,
        cadence_days=cadence_days or default_cadence_days(kind), started_at=started_at,
        last_contact_at=last_contact_at, source="request")
    session.add(mentorship)
    session.flush()
    return mentorship


def add_contact(session: Session, student: Person, mentor: Person, at: datetime, *,
                is_ask: bool = False, note: str = "") -> Contact:
    mentorship = session.scalar(select(Mentorship).where(
        Mentorship.student_id == student.id, Mentorship.mentor_id == mentor.id))
    contact = Contact(student_id=student.id, mentor_id=mentor.id, at=at, is_ask=is_ask,
                      note=note, mentorship_id=mentorship.id if mentorship else None,
                      created_at=at)
    session.add(contact)
    if mentorship is not None and (mentorship.last_contact_at is None
                                   or mentorship.last_contact_at < at):
        mentorship.last_contact_at = at
    session.flush()
    return contact


def add_thanked_letter(session: Session, student: Person, writer: Person, *,
                       thanked_at: datetime, deadline: date) -> Letter:
    letter = Letter(student_id=student.id, writer_id=writer.id, writer_name=writer.name,
                    program="EM residency", deadline=deadline, state="thanked",
                    created_at=thanked_at, updated_at=thanked_at)
    session.add(letter)
    session.flush()
    session.add(LetterEvent(letter_id=letter.id, from_state="submitted", to_state="thanked",
                            at=thanked_at))
    session.flush()
    return letter


def nudges_of(session: Session, person: Person | int, *, kind: str | None = None,
              state: str | None = None) -> list[Nudge]:
    person_id = person if isinstance(person, int) else person.id
    query = select(Nudge).where(Nudge.person_id == person_id)
    if kind is not None:
        query = query.where(Nudge.kind == kind)
    if state is not None:
        query = query.where(Nudge.state == state)
    return list(session.scalars(query.order_by(Nudge.id)))

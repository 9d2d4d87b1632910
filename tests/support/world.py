"""A small world in which every reminder kind falls due: one scene per kind, set up so that
its own planner owes it at a given moment (`AT`, a Monday 15:00 UTC, after the nudge hour
everywhere the scenes' people live). The scenes write rows directly, as an import or a long
history would have; the planners and the wording then read them like any others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.infra.db import Database
from bot.infra.models import (
    ActionItem,
    IntroRequest,
    Letter,
    LetterEvent,
    Outcome,
    Person,
    ResidencyEntry,
    ResidencyProfile,
    ResidencyProgram,
)
from bot.vocab.letters import LetterState
from bot.vocab.residency import Event
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.relationships import add_contact, add_mentorship, add_thanked_letter

AT = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)
"""When every scene's reminder is owed: Monday 11 January 2027, 15:00 UTC."""

RESIDENCY_CYCLE, RESIDENCY_EVENT, RESIDENCY_DAY = "2026-27", Event.MATCH_DAY, date(2027, 1, 25)
"""The cycle date the residency-date scene is planned from (its 14-day nudge falls on AT's
day). No date of the 2026-27 cycle
after January is published in the bot's data yet, so a test that wants that scene's nudge
adds this one (`tests.support.residency.with_cycle_date`); without it the scene owes none."""


def days(n: float) -> timedelta:
    return timedelta(days=n)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def add_letter(session: Session, student: Person, *, deadline: date, state: LetterState,
               history: list[tuple[LetterState, datetime]], writer: Person | None = None,
               writer_name: str = "Dr. Omar Haddad", program: str = "EM residency",
               created_at: datetime, packet: dict[str, object] | None = None) -> Letter:
    """A tracked letter with its state history (`history`: each state entered, and when)."""
    letter = Letter(student_id=student.id, writer_id=writer.id if writer else None,
                    writer_name=writer.name if writer else writer_name, program=program,
                    deadline=deadline, state=state, packet=packet or {},
                    created_at=created_at, updated_at=history[-1][1] if history else created_at)
    session.add(letter)
    session.flush()
    before: LetterState | None = LetterState.PLANNED
    for entered, at in history:
        session.add(LetterEvent(letter_id=letter.id, from_state=before, to_state=entered, at=at))
        before = entered
    session.flush()
    return letter


@dataclass
class Scenes:
    """The subjects of the scenes, by the kind each one owes at `AT`."""

    at: datetime
    student: int
    subjects: dict[str, int]


def every_kind_due(database: Database, at: datetime = AT) -> datetime:
    """Set every scene up; return the moment at which they are all owed."""
    with database.session() as session:
        plant(session, at)
    return at


def plant(session: Session, at: datetime = AT) -> Scenes:
    ana = add_student(session, "Ana Lopez")
    rivera = add_faculty(session, "Dr. Elena Rivera")
    chen = add_faculty(session, "Dr. Wei Chen")
    okafor = add_faculty(session, "Dr. Ngozi Okafor")
    haddad = add_faculty(session, "Dr. Omar Haddad")
    quiet = add_faculty(session, "Dr. Sam Quiet")
    subjects: dict[str, int] = {}

    # followup: a career mentor, six-weekly, nothing logged since it began 50 days ago.
    subjects["followup"] = add_mentorship(session, ana, rivera, started_at=at - days(50)).id
    # transactional: 200 days in, and the only contact an ask ten days ago.
    subjects["transactional"] = add_mentorship(session, ana, chen, kind="research",
                                               started_at=at - days(200)).id
    add_contact(session, ana, chen, at - days(10), is_ask=True, note="a letter?")
    # checkin: a mentorship that began 15 days ago (round 0 is asked on day 14).
    subjects["checkin"] = add_mentorship(session, ana, okafor, kind="clinical",
                                         started_at=at - days(15)).id
    # action-item: Dr. Rivera's suggestion, due three days ago and still open.
    item = ActionItem(student_id=ana.id, mentor_id=rivera.id, task="read the ultrasound paper",
                      mentorship_id=subjects["followup"], due_at=at - days(3),
                      created_at=at - days(20))
    session.add(item)
    session.flush()
    subjects["action-item"] = item.id
    # keep-in-touch: Dr. Haddad was thanked for a letter 100 days ago.
    subjects["keep-in-touch"] = add_thanked_letter(
        session, ana, haddad, thanked_at=at - days(100), deadline=_day(at - days(110))).id
    # intro-pending: a request to Dr. Haddad unanswered for eight days.
    request = IntroRequest(student_id=ana.id, faculty_id=haddad.id, kind="career",
                           note="hello", created_at=at - days(8))
    session.add(request)
    # still-mentoring: Dr. Quiet's last three requests all expired.
    assert quiet.faculty_profile is not None
    quiet.faculty_profile.requests_unanswered = 3
    for age in (20, 19, 18):
        session.add(IntroRequest(student_id=ana.id, faculty_id=quiet.id, kind="career",
                                 state="expired", created_at=at - days(age)))
    session.flush()
    subjects["intro-pending"] = request.id
    subjects["still-mentoring"] = quiet.id

    # letters, each at the point where its reminder falls
    created = at - days(60)
    subjects["letter-ask"] = add_letter(  # ask-by two days ago: asked three days before it
        session, ana, deadline=_day(at + days(40)), state=LetterState.PLANNED, history=[],
        created_at=created).id
    subjects["letter-ask-late"] = add_letter(  # four weeks left since yesterday
        session, ana, deadline=_day(at + days(27)), state=LetterState.PLANNED, history=[],
        created_at=created, program="IM residency").id
    subjects["letter-packet"] = add_letter(  # agreed three days ago, nothing sent yet
        session, ana, deadline=_day(at + days(50)), state=LetterState.AGREED,
        history=[(LetterState.ASKED, at - days(5)), (LetterState.AGREED, at - days(3))],
        created_at=created, program="FM residency").id
    subjects["letter-checkin"] = add_letter(  # the personal deadline was yesterday
        session, ana, deadline=_day(at + days(13)), state=LetterState.ASKED,
        history=[(LetterState.ASKED, at - days(30))], created_at=created,
        program="Peds residency").id
    subjects["letter-deadline"] = add_letter(  # due in two days, not submitted
        session, ana, deadline=_day(at + days(2)), state=LetterState.PACKET_SENT,
        history=[(LetterState.ASKED, at - days(50)), (LetterState.AGREED, at - days(49)),
                 (LetterState.PACKET_SENT, at - days(45))], created_at=created,
        program="Surgery residency").id
    subjects["letter-thanks"] = add_letter(  # submitted yesterday
        session, ana, deadline=_day(at + days(5)), state=LetterState.SUBMITTED,
        history=[(LetterState.ASKED, at - days(40)), (LetterState.SUBMITTED, at - days(1))],
        created_at=created, program="Psych residency").id
    subjects["writer-deadline"] = add_letter(  # personal deadline in six days, for Dr. Chen
        session, ana, deadline=_day(at + days(20)), state=LetterState.AGREED, writer=chen,
        history=[(LetterState.ASKED, at - days(30)), (LetterState.AGREED, at - days(29))],
        created_at=created, program="Neuro residency").id
    written = add_letter(  # submitted a month ago: told about the outcome below
        session, ana, deadline=_day(at - days(20)), state=LetterState.SUBMITTED,
        history=[(LetterState.ASKED, at - days(80)), (LetterState.SUBMITTED, at - days(30))],
        created_at=at - days(90), program="Rads residency", writer_name="Dr. Jo Park")
    outcome = Outcome(student_id=ana.id, kind="interview", text="an interview at Mercy",
                      at=at - days(2))
    session.add(outcome)
    session.flush()
    subjects["letter-outcome"] = outcome.id
    subjects["written"] = written.id

    # residency-date: Ana plans the 2026-27 cycle in EM and kept one program by hand; a date
    # of that cycle two weeks ahead (RESIDENCY_DAY) owes her its 14-day nudge today.
    group = add_group(session, "world-residency", name="Residency list")
    em = ResidencyProgram(group_id=group.id, name="Mercy EM", specialty="emergency medicine",
                          city="Boston", state="MA", region="Northeast", portal="ERAS",
                          created_at=at - days(30), updated_at=at - days(30))
    session.add(em)
    session.flush()
    session.add(ResidencyProfile(person_id=ana.id, specialty="emergency medicine",
                                 applicant="md", cycle=RESIDENCY_CYCLE,
                                 updated_at=at - days(30)))
    session.add(ResidencyEntry(student_id=ana.id, program_id=em.id, state="added",
                               created_at=at - days(30), updated_at=at - days(30)))
    session.flush()
    subjects["residency-date"] = ana.id
    return Scenes(at, ana.id, subjects)

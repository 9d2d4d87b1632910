"""The platform-free dashboard shown in Slack's App Home."""

from __future__ import annotations

from sqlalchemy import select

from bot.app.core import Core
from bot.app.demo import email_of, load
from bot.home.dashboard import dashboard
from bot.infra.models import ActionItem, IntroRequest, Letter, Mentorship, Person
from bot.letters.rules import GONE_STATES


def _person(session, name: str) -> Person:  # type: ignore[no-untyped-def]
    person = session.scalar(select(Person).where(Person.email == email_of(name)))
    assert person is not None
    return person


def test_student_dashboard_lists_mentors_items_and_letters(core: Core) -> None:
    with core.db.session() as session:
        load(session, core.clock)
        student = session.scalar(
            select(Person).join(Letter, Letter.student_id == Person.id)
            .join(Mentorship, Mentorship.student_id == Person.id)
            .join(ActionItem, ActionItem.student_id == Person.id)
            .where(ActionItem.done_at.is_(None)).order_by(Person.id).limit(1))
        assert student is not None, "the demo data has a student with everything"
        reply = dashboard(session, student, core.clock.now(), core.settings)
        text = reply.as_text()
        assert "Mentors (" in text and "Next follow-up" in text
        assert "Open action items (" in text
        assert "Letters (" in text and "Next step" in text
        mentors = session.scalars(select(Mentorship).where(
            Mentorship.student_id == student.id, Mentorship.active.is_(True))).all()
        for mentorship in mentors:
            assert session.get_one(Person, mentorship.mentor_id).name in text
        for letter in session.scalars(select(Letter).where(
                Letter.student_id == student.id, Letter.state.not_in(GONE_STATES))):
            assert letter.writer_name in text  # a withdrawn letter has left the dashboard
        # every button is a command this build has, with the acting person's own data
        for section in reply.sections:
            for action in section.actions:
                root, *path = action.command.split()
                assert core.registry.get(root, tuple(path)) is not None


def test_faculty_dashboard_shows_waiting_intro_requests(core: Core) -> None:
    with core.db.session() as session:
        load(session, core.clock)
        request = session.scalar(select(IntroRequest).where(IntroRequest.state == "open")
                                 .limit(1))
        assert request is not None
        faculty = session.get_one(Person, request.faculty_id)
        student = session.get_one(Person, request.student_id)
        text = dashboard(session, faculty, core.clock.now(), core.settings).as_text()
        assert "Intro requests waiting for you" in text
        assert student.name in text


def test_empty_dashboard_points_somewhere(core: Core) -> None:
    from tests.support.factories import add_student

    with core.db.session() as session:
        person = add_student(session, "Nobody Yet")
        text = dashboard(session, person, core.clock.now(), core.settings).as_text()
        assert "/mentor find" in text

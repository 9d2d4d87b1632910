"""`/mentor end` through the core on SQLite and PostgreSQL: either side ends a mentorship
kindly, both are told, its reminders stop at once (and are not planned again), the
faculty member's place frees up, and a refusal changes nothing. Also the service other
features call (`end_mentorship`, with nobody acting: a deletion) and the read `/mentor find`
uses (`ended_by_student`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app.planning import plan_all
from bot.errors import UserError
from bot.framework.replies import Reply
from bot.infra.models import ActionItem, Mentorship, Nudge, Person
from bot.matching import specs as matching_specs
from bot.mentoring import store
from bot.mentoring.vocab import EndReason
from tests.support.factories import add_faculty, add_student
from tests.support.relationships import add_mentorship, nudges_of

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # the `clock` fixture


def _pair(core, *, capacity=1):
    """Ana's career mentorship with Dr. Rivera (who has one place), 50 days old, with an
    overdue action item: a follow-up and an action-item reminder are owed."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        rivera = add_faculty(s, "Dr. Maria Rivera", capacity=capacity)
        add_faculty(s, "Dr. Wei Xu")
        m = add_mentorship(s, ana, rivera, started_at=NOW - timedelta(days=50))
        s.add(ActionItem(student_id=ana.id, mentor_id=rivera.id, mentorship_id=m.id,
                         task="read the ACEP guidelines", created_at=NOW - timedelta(days=20),
                         due_at=NOW - timedelta(days=3)))
        return ana, rivera, m.id


def _plan(core, settings, at=NOW):
    with core.db.session() as s:
        plan_all(s, at, settings)


def _notices(core, person) -> list[Reply]:
    with core.db.session() as s:
        return [Reply.from_dict(n.payload) for n in nudges_of(s, person, kind="notice")]


def _snapshot(core):
    with core.db.session() as s:
        mentorships = [(m.id, m.active, m.ended_at, m.ended_by_id, m.end_reason, m.end_note)
                       for m in s.scalars(select(Mentorship).order_by(Mentorship.id))]
        nudges = [(n.id, n.kind, n.state) for n in s.scalars(select(Nudge).order_by(Nudge.id))]
        return mentorships, nudges


def test_student_ends_it_both_are_told_and_its_reminders_stop(core, driver, settings):
    ana, rivera, mid = _pair(core)
    _plan(core, settings)
    with core.db.session() as s:
        owed = {(n.kind, n.state) for n in nudges_of(s, ana)}
    assert owed == {("followup", "pending"), ("action-item", "pending")}

    reply = driver.run(ana, '/mentor end Rivera note:"Thank you so much — I am moving to '
                            'surgery"')
    assert not reply.error, reply.as_text()
    assert reply.title == "Your mentorship with Dr. Maria Rivera has ended"
    assert "I've let Dr. Maria Rivera know" in reply.text
    assert "/mentor request" in reply.text  # they can still be asked again, by the student
    assert reply.actions[0].command == matching_specs.FIND.name
    with core.db.session() as s:
        m = s.get_one(Mentorship, mid)
        assert (m.active, m.ended_at, m.ended_by_id, m.end_reason, m.end_note) == (
            False, NOW, ana.id, EndReason.STUDENT,
            "Thank you so much — I am moving to surgery")
        assert {(n.kind, n.state) for n in nudges_of(s, ana) if n.kind != "notice"} == {
            ("followup", "cancelled"), ("action-item", "cancelled")}
        # The item itself stays open: the student may still do it, or close it.
        assert s.scalar(select(ActionItem.done_at)) is None
    [told] = _notices(core, rivera)
    assert told.title == "Your mentorship with Ana Diaz has ended"
    assert "moving to surgery" in told.text and "place is free again" in told.text
    assert _notices(core, ana) == []  # the one who ended it gets the reply, not a DM

    # Later planning owes nothing for it: no follow-up, no action-item reminder.
    for days in (1, 8, 50):
        _plan(core, settings, NOW + timedelta(days=days))
    with core.db.session() as s:
        assert [n.state for n in nudges_of(s, ana) if n.kind != "notice"] == [
            "cancelled", "cancelled"]
    listed = driver.run(ana, "/mentor list").as_text()
    assert "your career mentor" not in listed and "read the ACEP guidelines" in listed


def test_faculty_ends_it_and_their_place_frees_up(core, driver):
    ana, rivera, mid = _pair(core, capacity=1)
    with core.db.session() as s:
        ben = add_student(s, "Ben Ode")
    full = driver.run(ben, "/mentor request Rivera")
    assert full.error and "no free places (1 of 1 taken)" in full.text

    reply = driver.run(rivera, "/mentor end Ana Diaz")
    assert not reply.error, reply.as_text()
    assert "I've let Ana Diaz know" in reply.text and "Places taken now: 0 of 1." in reply.text
    [told] = _notices(core, ana)
    assert told.title == "Your mentorship with Dr. Maria Rivera has ended"
    assert "says nothing about you" in told.text
    assert told.actions[0].command == matching_specs.FIND.name
    with core.db.session() as s:
        m = s.get_one(Mentorship, mid)
        assert (m.active, m.ended_by_id, m.end_reason) == (False, rivera.id,
                                                           EndReason.FACULTY)
    assert not driver.run(ben, "/mentor request Rivera").error  # the place is free
    assert not driver.run(rivera, "/mentor accept Ben Ode").error


def test_refusals_change_nothing(core, driver, settings):
    ana, rivera, _mid = _pair(core)
    _plan(core, settings)
    with core.db.session() as s:
        xu = s.scalar(select(Person).where(Person.name == "Dr. Wei Xu"))
        other = add_student(s, "Ben Ode")
    before = _snapshot(core)
    cases = [
        (ana, "/mentor end Xu", "no current mentorship with Dr. Wei Xu"),
        (ana, "/mentor end Ana Diaz", "That's you"),
        (other, "/mentor end Rivera", "no current mentorship with Dr. Maria Rivera"),
        (xu, "/mentor end Ana Diaz", "no current mentorship with Ana Diaz"),
        (ana, "/mentor end", "needs MENTOR"),
        (ana, f"/mentor end Rivera note:\"{'x' * 501}\"", "too long"),
        (ana, "/mentor end nobody@example.edu", "don't know"),
    ]
    for person, line, expected in cases:
        reply = driver.run(person, line)
        assert reply.error and expected in reply.text, (line, reply.as_text())
    assert _snapshot(core) == before
    assert not driver.run(ana, "/mentor end Rivera").error
    again = driver.run(rivera, "/mentor end Ana Diaz")
    assert again.error and "no current mentorship" in again.text
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.kind == "notice")) == 1


def test_the_service_with_nobody_acting_tells_both_and_refuses_twice(core):
    ana, rivera, mid = _pair(core)
    with core.db.session() as s:
        mentorship = s.get_one(Mentorship, mid)
        ended = store.end_mentorship(s, mentorship, by=None, reason=EndReason.DELETED,
                                     note="", now=NOW)
        assert set(ended.told) == {ana.id, rivera.id}
        assert (ended.places_taken, ended.capacity) == (0, 1)
        assert store.ended_by_student(s, ana.id) == {rivera.id}
    for person in (ana, rivera):
        [told] = _notices(core, person)
        assert "no longer using mentorbot" in told.text
    with core.db.session() as s:
        mentorship = s.get_one(Mentorship, mid)
        with pytest.raises(UserError, match="already ended"):
            store.end_mentorship(s, mentorship, by=ana, reason=EndReason.STUDENT, now=NOW)


def test_ended_by_student_lists_former_mentors_not_current_ones(core, driver):
    ana, rivera, _mid = _pair(core)
    with core.db.session() as s:
        xu = s.scalar(select(Person).where(Person.name == "Dr. Wei Xu"))
        assert xu is not None
        add_mentorship(s, ana, xu, started_at=NOW - timedelta(days=5))
        assert store.ended_by_student(s, ana.id) == set()
    driver.run(ana, "/mentor end Rivera")
    driver.run(xu, "/mentor end Ana Diaz")
    with core.db.session() as s:
        assert store.ended_by_student(s, ana.id) == {rivera.id, xu.id}
        # Mentored again later (she asked, he accepted): no longer "ended".
        add_mentorship(s, ana, rivera, started_at=NOW)
        assert store.ended_by_student(s, ana.id) == {xu.id}

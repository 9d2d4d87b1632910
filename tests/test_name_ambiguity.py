"""A name that fits several people is never picked silently: the command answers with the
list and changes nothing, unless the acting student has a relationship or a letter with
exactly one of them. `/letter remind Brooks` finds the outside writer the student tracks,
not an unrelated neurologist."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.infra.models import Contact, IntroRequest, Letter, Mentorship
from bot.people.resolve import OutsideWriter, names_match, resolve, resolve_reference
from tests.support.factories import add_faculty, add_student


def _contacts(core) -> int:
    with core.db.session() as s:
        return s.scalar(select(func.count()).select_from(Contact)) or 0


def _kims(s):
    maya = add_student(s, "Maya Patel")
    jordan = add_student(s, "Jordan Kim")
    kim_lee = add_faculty(s, "Dr. Kim Lee", email="kim.lee@example.edu")
    return maya, jordan, kim_lee


def test_log_kim_lists_both_and_changes_nothing(core, driver):
    with core.db.session() as s:
        maya, _jordan, _kim_lee = _kims(s)
    reply = driver.run(maya, '/mentor log Kim note:"coffee"')
    assert reply.error and reply.title == "Which one?"
    assert "“Kim” could be several people" in reply.text
    # The faculty member the command expects is listed first, each with what tells them apart.
    assert reply.text.index("Dr. Kim Lee (kim.lee@example.edu, faculty)") < \
        reply.text.index("Jordan Kim (jordan.kim@example.edu, student)")
    assert _contacts(core) == 0


@pytest.mark.parametrize("relationship", ["mentorship", "contact", "intro", "letter"])
def test_a_relationship_with_exactly_one_of_them_settles_it(core, driver, clock,
                                                            relationship):
    with core.db.session() as s:
        maya, _jordan, kim_lee = _kims(s)
        if relationship == "mentorship":
            s.add(Mentorship(student_id=maya.id, mentor_id=kim_lee.id, kind="career",
                             active=False))
        elif relationship == "contact":
            s.add(Contact(student_id=maya.id, mentor_id=kim_lee.id, at=clock.now()))
        elif relationship == "intro":
            s.add(IntroRequest(student_id=maya.id, faculty_id=kim_lee.id, kind="career",
                               state="declined", created_at=clock.now()))
        else:
            s.add(Letter(student_id=maya.id, writer_id=kim_lee.id, writer_name="Dr. Kim Lee",
                         deadline=clock.now().date()))
    before = _contacts(core)
    reply = driver.run(maya, '/mentor log Kim note:"coffee"')
    assert not reply.error, reply.as_text()
    assert "Dr. Kim Lee" in reply.title
    assert _contacts(core) == before + 1


def test_related_to_both_still_lists_them(core, driver, clock):
    with core.db.session() as s:
        maya = add_student(s, "Maya Patel")
        one = add_faculty(s, "Dr. Ana Chen", email="ana.chen@example.edu")
        two = add_faculty(s, "Dr. Bo Chen", email="bo.chen@example.edu")
        for doc in (one, two):
            s.add(Contact(student_id=maya.id, mentor_id=doc.id, at=clock.now()))
    reply = driver.run(maya, "/mentor log Chen")
    assert reply.error and "ana.chen@example.edu" in reply.text and \
        "bo.chen@example.edu" in reply.text
    assert _contacts(core) == 2


def test_request_dr_chen_still_answers_with_the_list(core, driver):
    with core.db.session() as s:
        maya = add_student(s, "Maya Patel")
        add_faculty(s, "Dr. Ana Chen", email="ana.chen@example.edu")
        add_faculty(s, "Dr. Bo Chen", email="bo.chen@example.edu")
    reply = driver.run(maya, '/mentor request "Dr. Chen"')
    assert reply.error and reply.title == "Which one?"
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest)) == 0


def _brooks(s, clock):
    maya = add_student(s, "Maya Patel")
    neuro = add_faculty(s, "Dr. Nathan Brooks", specialty="Neurology")
    s.add(Letter(student_id=maya.id, writer_id=None, writer_name="Prof. Alan Brooks",
                 program="Summer research fellowship", deadline=clock.now().date()))
    return maya, neuro


def test_letter_remind_brooks_picks_the_outside_writer_the_student_tracks(core, driver,
                                                                         clock):
    with core.db.session() as s:
        maya, _neuro = _brooks(s, clock)
    reply = driver.run(maya, '/letter remind Brooks due:2027-03-01 program:"MD-PhD"')
    assert not reply.error, reply.as_text()
    assert "Prof. Alan Brooks" in reply.as_text() and "Nathan" not in reply.as_text()
    with core.db.session() as s:
        letters = s.execute(select(Letter.writer_id, Letter.writer_name)
                            .order_by(Letter.id)).all()
    assert letters[-1] == (None, "Prof. Alan Brooks")


def test_a_student_who_knows_the_neurologist_is_asked_which(core, driver, clock):
    with core.db.session() as s:
        maya, neuro = _brooks(s, clock)
        s.add(Contact(student_id=maya.id, mentor_id=neuro.id, at=clock.now()))
    reply = driver.run(maya, "/letter remind Brooks due:2027-03-01")
    assert reply.error and "Dr. Nathan Brooks" in reply.text and \
        "Prof. Alan Brooks (your letter writer, not on the roster)" in reply.text
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 1


def test_an_outside_writer_is_not_someone_to_log(core, driver, clock):
    with core.db.session() as s:
        maya, _neuro = _brooks(s, clock)
    reply = driver.run(maya, "/mentor log Brooks")
    assert reply.error and reply.title == "Not on the roster"
    assert "Prof. Alan Brooks" in reply.text and _contacts(core) == 0


def test_resolve_takes_the_actor_explicitly(database, clock):
    with database.session() as s:
        maya, neuro = _brooks(s, clock)
        assert resolve(s, "Brooks", role="faculty").id == neuro.id  # nobody asking
        assert resolve_reference(s, "Brooks", role="faculty", actor=maya) == \
            OutsideWriter("Prof. Alan Brooks")
        with pytest.raises(UserError, match="from outside the roster"):
            resolve(s, "Brooks", role="faculty", actor=maya)
        # An exact full name is never in doubt.
        assert resolve(s, "Nathan Brooks", role="faculty", actor=maya).id == neuro.id
        assert names_match("Nathan Brooks", neuro)


def test_typed_free_text_after_an_ambiguous_name_changes_nothing(core, driver):
    with core.db.session() as s:
        maya, _jordan, _kim_lee = _kims(s)
    reply = driver.run(maya, "/mentor todo Kim read the guide")
    assert reply.error and "could be several people" in reply.text

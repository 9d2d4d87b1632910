""""Did you meet?" check-ins (`checkin` nudges) and meeting ratings, through the core on
SQLite and PostgreSQL with an injected clock: when the question is asked (14 days after a
mentorship starts, whether from an accepted intro or a match round; again a week after each
"not yet", twice at most), one `checkins` row per question with its answer, and what each
button does (We met: a contact and a 1–4 rating; Not yet; Not going to happen: the
mentorship ends and other faculty are offered). Ratings are never shown to the mentor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app.planning import plan_all
from bot.framework.replies import Action, Reply
from bot.infra.models import Checkin, Contact, Mentorship, Nudge
from bot.mentoring import messages, rules
from bot.mentoring.vocab import CheckinAnswer, EndReason
from bot.nudges.kinds import Moot
from bot.nudges.policy import nudge_at
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.nudges import delivered, said
from tests.support.relationships import nudges_of

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # the `clock` fixture: a Monday


def _accepted(core, driver, *, tz=None, kind="career"):
    """Ana asks Dr. Rivera, who accepts at T0: a mentorship from an accepted intro."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3", interests=["emergency medicine"], tz=tz)
        rivera = add_faculty(s, "Dr. Maria Rivera", specialty="Emergency Medicine")
        add_faculty(s, "Dr. Wei Xu", specialty="Emergency Medicine", research=["sepsis"])
        add_group(s, "em", name="EM Interest Group", members=[ana, rivera])
    assert not driver.run(ana, f"/mentor request Rivera kind:{kind}").error
    assert not driver.run(rivera, "/mentor accept Ana Diaz").error
    return ana, rivera


def _plan(core, settings, at):
    with core.db.session() as s:
        plan_all(s, at, settings)


def _checkin_nudges(core, person) -> list[Nudge]:
    with core.db.session() as s:
        return nudges_of(s, person, kind="checkin")


def _rows(core) -> list[tuple[int, str | None]]:
    with core.db.session() as s:
        return [(c.round, c.answer) for c in s.scalars(select(Checkin).order_by(Checkin.round))]


def _button(core, nudge: Nudge, label: str) -> Action:
    """A button of the check-in as it is sent at its due time."""
    return next(a for a in delivered(core.db, nudge).actions if a.label == label)


def test_asked_fourteen_days_after_the_start_at_the_students_nudge_hour(core, driver, clock,
                                                                        settings):
    ana, rivera = _accepted(core, driver, tz="America/Chicago")
    due = datetime(2027, 1, 18, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, 14 days on
    _plan(core, settings, due - timedelta(minutes=1))
    assert _checkin_nudges(core, ana) == [] and _rows(core) == []
    for _ in range(3):  # idempotent
        _plan(core, settings, due + timedelta(hours=2))
    [nudge] = _checkin_nudges(core, ana)
    assert (nudge.due_at, nudge.state, nudge.subject_type) == (due, "pending", "mentorship")
    reply = delivered(core.db, nudge)
    assert reply.title == "Did you meet Dr. Maria Rivera yet?"
    assert "Mon 04 Jan 2027" in reply.text  # the start, on her calendar
    assert [a.label for a in reply.actions] == ["We met", "Not yet", "Not going to happen"]
    assert reply.actions[0] == Action("We met", "mentor checkin",
                                      {"mentor": f"person:{rivera.id}", "answer": "met"},
                                      "primary")
    with core.db.session() as s:
        [row] = s.scalars(select(Checkin)).all()
        assert (row.round, row.asked_at, row.answer, row.student_id) == (0, due, None, ana.id)


def test_a_match_round_mentorship_is_asked_too_and_an_old_one_is_not(core, driver, settings):
    with core.db.session() as s:
        organizer = add_student(s, "Jordan Kim")
        ana = add_student(s, "Ana Diaz", interests=["emergency medicine"], wants_mentor=True)
        rivera = add_faculty(s, "Dr. Maria Rivera", specialty="Emergency Medicine")
        old = add_student(s, "Old Timer")
        add_group(s, "em", name="EM", members=[organizer, ana, rivera], organizers=[organizer])
        s.add(Mentorship(student_id=old.id, mentor_id=rivera.id,
                         started_at=T0 - timedelta(days=60), source="import"))
    assert not driver.run(organizer, "/mentor match group:em").error
    _plan(core, settings, T0 + timedelta(days=14, hours=1))
    assert len(_checkin_nudges(core, ana)) == 1
    assert _checkin_nudges(core, old) == []  # began long ago: not asked whether it began


def test_not_yet_asks_again_a_week_later_twice_at_most(core, driver, clock, settings):
    ana, rivera = _accepted(core, driver)
    at = T0 + timedelta(days=14)
    for round_ in range(rules.CHECKIN_LAST_ROUND + 1):
        _plan(core, settings, at)
        nudges = _checkin_nudges(core, ana)
        assert len(nudges) == round_ + 1, round_
        current = nudges[-1]
        assert current.state == "pending"
        text = delivered(core.db, current).text
        last = round_ == rules.CHECKIN_LAST_ROUND
        assert ("won't ask again" in text) == last
        clock.current = at + timedelta(hours=3)
        press = driver.press(ana, _button(core, current, "Not yet").encode())
        assert not press.error, press.as_text()
        if last:
            assert "won't ask again" in press.title and "/mentor end" in press.text
        else:
            assert "I'll ask again on" in press.text
        # The answered question's reminder is moot; the next one comes a week later.
        with core.db.session() as s:
            assert s.get_one(Nudge, current.id).state == "cancelled"
        again = nudge_at(clock.now().date() + timedelta(days=rules.CHECKIN_AGAIN_DAYS), "UTC")
        _plan(core, settings, again - timedelta(minutes=1))
        assert len(_checkin_nudges(core, ana)) == round_ + 1
        at = again
    for days in (0, 7, 30):
        _plan(core, settings, at + timedelta(days=days))
    assert len(_checkin_nudges(core, ana)) == rules.CHECKIN_LAST_ROUND + 1
    assert _rows(core) == [(0, "not-yet"), (1, "not-yet"), (2, "not-yet")]
    again = driver.run(ana, "/mentor checkin Rivera not-yet")
    assert again.error and "already answered" in again.text


def test_we_met_logs_a_contact_and_the_rating_rates_it(core, driver, clock, settings):
    ana, rivera = _accepted(core, driver)
    _plan(core, settings, T0 + timedelta(days=14))
    [nudge] = _checkin_nudges(core, ana)
    clock.current = T0 + timedelta(days=14, hours=2)
    reply = driver.press(ana, _button(core, nudge, "We met").encode())
    assert not reply.error, reply.as_text()
    assert reply.title == "Logged your meeting with Dr. Maria Rivera"
    assert "never sees your rating" in reply.text
    low, high = rules.RATING_SCALE
    assert [a.args["rating"] for a in reply.actions] == [str(n) for n in range(low, high + 1)]
    with core.db.session() as s:
        [contact] = s.scalars(select(Contact)).all()
        assert (contact.at, contact.note, contact.rating) == (clock.now(), messages.MET_NOTE,
                                                              None)
        assert s.get_one(Mentorship, contact.mentorship_id).last_contact_at == clock.now()
    assert _rows(core) == [(0, "met")]

    clock.advance(timedelta(hours=5))
    rated = driver.press(ana, reply.actions[2].encode())  # "3 · Useful"
    assert not rated.error and "Rated 3 of 4 (useful)" in rated.text
    changed = driver.run(ana, "/mentor log Rivera rating:4")  # a change of mind
    assert "Rated 4 of 4" in changed.text
    with core.db.session() as s:
        assert [(c.rating, c.note) for c in s.scalars(select(Contact))] == [
            (4, messages.MET_NOTE)]
    # No more questions about this mentorship.
    _plan(core, settings, T0 + timedelta(days=30))
    assert len(_checkin_nudges(core, ana)) == 1


def test_ratings_are_never_shown_to_the_mentor(core, driver, clock, settings):
    ana, rivera = _accepted(core, driver)
    _plan(core, settings, T0 + timedelta(days=14))
    driver.run(ana, "/mentor checkin Rivera met")
    driver.run(ana, "/mentor log Rivera rating:1")
    shown = driver.run(rivera, "/mentor list").as_text()
    with core.db.session() as s:
        to_mentor = " ".join(n.text for n in nudges_of(s, rivera))
    for text in (shown, to_mentor):
        assert "not useful" not in text.lower() and "rating" not in text.lower()
        assert "1 of 4" not in text


def test_not_going_to_happen_ends_it_and_offers_others(core, driver, clock, settings):
    ana, rivera = _accepted(core, driver)
    _plan(core, settings, T0 + timedelta(days=14))
    [nudge] = _checkin_nudges(core, ana)
    reply = driver.press(ana, _button(core, nudge, "Not going to happen").encode())
    assert not reply.error, reply.as_text()
    assert reply.title == "Closed your mentorship with Dr. Maria Rivera"
    offered = [s.heading for s in reply.sections]
    assert offered and all("Rivera" not in h for h in offered)
    assert any("Dr. Wei Xu" in h for h in offered)
    assert reply.sections[0].actions[0].command == "mentor request"
    with core.db.session() as s:
        m = s.scalar(select(Mentorship))
        assert (m.active, m.end_reason, m.ended_by_id) == (False, EndReason.NO_MEETING,
                                                           ana.id)
        assert s.get_one(Nudge, nudge.id).state == "cancelled"
        told = Reply.from_dict(nudges_of(s, rivera, kind="notice")[-1].payload)
    assert "first meeting with you isn't going to happen" in told.text
    assert _rows(core) == [(0, CheckinAnswer.NO)]


def test_answers_without_an_open_question_change_nothing(core, driver, settings):
    ana, rivera = _accepted(core, driver)
    with core.db.session() as s:
        ben = add_student(s, "Ben Ode")
    early = driver.run(ana, "/mentor checkin Rivera met")
    assert early.error and "haven't asked" in early.text
    other = driver.run(ben, "/mentor checkin Rivera met")
    assert other.error and "no current mentorship" in other.text
    bad = driver.run(ana, "/mentor checkin Rivera maybe")
    assert bad.error and "met, not-yet, no" in bad.text
    assert driver.run(rivera, "/mentor checkin Ana Diaz met").error  # students only
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Checkin)) == 0
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
        assert s.scalar(select(Mentorship.active)) is True


@pytest.mark.parametrize("line", ["/mentor log Rivera rating:5", "/mentor log Rivera rating:0",
                                  "/mentor log Rivera rating:great"])
def test_a_rating_off_the_scale_is_refused(core, driver, line):
    ana, _rivera = _accepted(core, driver)
    reply = driver.run(ana, line)
    assert reply.error, line
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_rating_with_a_note_logs_a_new_rated_contact(core, driver, clock):
    ana, rivera = _accepted(core, driver)
    reply = driver.run(ana, '/mentor log Rivera note:"coffee chat" rating:3')
    assert not reply.error and "Rated 3 of 4" in reply.text
    # A rating alone with no contact logged lately logs one, rated.
    clock.advance(rules.RATE_WITHIN + timedelta(hours=1))
    alone = driver.run(ana, "/mentor log Rivera rating:2")
    assert not alone.error and alone.title.startswith("Logged an update")
    with core.db.session() as s:
        assert [(c.note, c.rating) for c in s.scalars(select(Contact).order_by(Contact.id))] \
            == [("coffee chat", 3), ("", 2)]


# --- a logged contact answers "Did you meet?" -------------------------------------------------


def test_a_first_meeting_logged_and_rated_means_no_question(core, driver, clock, settings):
    """The issue's case: a first meeting logged (and rated) before the fourteenth day; the
    planner never asks "Did you meet?", and the mentorship shows no open question."""
    ana, rivera = _accepted(core, driver)
    clock.set(T0 + timedelta(days=5))
    logged = driver.run(ana, '/mentor log Rivera note:"first meeting: talked about EM" '
                             "rating:4")
    assert not logged.error, logged.as_text()
    for days in (14, 15, 21, 28):
        _plan(core, settings, T0 + timedelta(days=days, hours=1))
    assert _checkin_nudges(core, ana) == [] and _rows(core) == []
    answer = driver.run(ana, "/mentor checkin Rivera met")
    assert answer.error and "Did you meet" not in answer.title


def test_a_contact_after_the_question_answers_it_and_cancels_its_nudge(core, driver, clock,
                                                                       settings):
    """Asked on day 14; the student logs the meeting instead of pressing a button: the
    question is answered "met" by the contact, its pending nudge is cancelled at once, and
    one due but not yet sent is moot when the sweep would send it."""
    ana, rivera = _accepted(core, driver)
    asked_at = T0 + timedelta(days=14)
    _plan(core, settings, asked_at + timedelta(hours=1))
    [nudge] = _checkin_nudges(core, ana)
    assert nudge.state == "pending"
    clock.set(asked_at + timedelta(hours=2))
    assert not driver.run(ana, "/mentor log Rivera on:2027-01-12 note:coffee").error
    assert _rows(core) == [(0, CheckinAnswer.MET)]
    [after] = _checkin_nudges(core, ana)
    assert after.state == "cancelled"
    # no second round is ever asked
    for days in (21, 22, 28):
        _plan(core, settings, T0 + timedelta(days=days, hours=1))
    assert _rows(core) == [(0, CheckinAnswer.MET)]


def test_send_time_wording_makes_the_check_in_moot_after_a_contact(core, driver, clock,
                                                                   settings):
    """A contact the check-in never heard of (written straight into the log, as an import
    would) still makes the question moot when it would be sent."""
    ana, rivera = _accepted(core, driver)
    asked_at = T0 + timedelta(days=14)
    _plan(core, settings, asked_at + timedelta(hours=1))
    [nudge] = _checkin_nudges(core, ana)
    with core.db.session() as s:
        mid = s.scalar(select(Mentorship.id))
        s.add(Contact(student_id=ana.id, mentor_id=rivera.id, mentorship_id=mid,
                      at=T0 + timedelta(days=10), note="", is_ask=False,
                      created_at=T0 + timedelta(days=10)))
        s.get(Mentorship, mid).last_contact_at = T0 + timedelta(days=10)
    with core.db.session() as s:
        words = said(s, s.get(Nudge, nudge.id), asked_at + timedelta(hours=1))
    assert isinstance(words, Moot) and words.reason == "a contact was logged since: they met"

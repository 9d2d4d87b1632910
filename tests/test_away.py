"""Faculty away (`/mentor profile away:DATE|no`): not offered by find, not requestable (the
refusal says when they are back), left out of match rounds, all through the one
accessibility rule; their mentees' follow-ups carry on. A capacity under current mentees is
kept with a warning built from the counts. Bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app.planning import plan_all
from bot.infra.models import FacultyProfile, IntroRequest, Mentorship, Nudge
from bot.matching.fit import FacultyView, Unavailable, away_on, open_places, unavailable
from bot.people.rules import MAX_AWAY
from tests.support.factories import add_faculty, add_group, add_student


def _names(reply) -> list[str]:
    return [s.heading.split(". ", 1)[1] for s in reply.sections]


def _away_until(core, faculty) -> date | None:
    with core.db.session() as s:
        return s.get(FacultyProfile, faculty.id).away_until


def test_the_rule_back_on_the_day_itself():
    assert away_on(date(2027, 1, 15), date(2027, 1, 14))
    assert not away_on(date(2027, 1, 15), date(2027, 1, 15))
    assert not away_on(None, date(2027, 1, 15))
    view = FacultyView(id=1, name="x", specialty="EM", away_until=date(2027, 1, 15))
    assert unavailable(view) is Unavailable.AWAY and open_places(view) == 0


def test_away_faculty_are_not_offered_requested_or_matched(core, driver, clock):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3", interests=["emergency medicine"],
                          wants_mentor=True)
        kim = add_faculty(s, "Dr. Maya Kim", capacity=5)
        lee = add_faculty(s, "Dr. Sam Lee")
        organizer = add_faculty(s, "Dr. Org Anizer", specialty="Dermatology")
        add_group(s, "em", members=[ana, kim, lee], organizers=[organizer])
    assert _names(driver.run(ana, "/mentor find")) == ["Dr. Maya Kim", "Dr. Sam Lee"]

    reply = driver.run(kim, "/mentor profile away:2027-02-01")
    assert not reply.error, reply.as_text()
    assert "Away until Mon 01 Feb 2027" in reply.text
    assert "Away: until Mon 01 Feb 2027" in reply.as_text()
    assert _away_until(core, kim) == date(2027, 2, 1)

    assert _names(driver.run(ana, "/mentor find")) == ["Dr. Sam Lee"]
    assert _names(driver.run(ana, "/mentor find specialty:EM")) == ["Dr. Sam Lee"]
    refused = driver.run(ana, "/mentor request Maya Kim")
    assert refused.error
    assert "Dr. Maya Kim is away until Mon 01 Feb 2027" in refused.text
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest)) == 0

    round_ = driver.run(organizer, "/mentor match group:em dry-run")
    assert not round_.error, round_.as_text()
    assert "Dr. Maya Kim" not in round_.as_text()

    # Back on the day itself, in their own zone.
    clock.set(datetime(2027, 2, 1, 0, 30, tzinfo=UTC))
    assert _names(driver.run(ana, "/mentor find")) == ["Dr. Maya Kim", "Dr. Sam Lee"]


def test_away_no_ends_it_and_a_round_matches_them_again(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms3", interests=["emergency medicine"],
                          wants_mentor=True)
        kim = add_faculty(s, "Dr. Maya Kim")
        organizer = add_faculty(s, "Dr. Org Anizer", specialty="Dermatology")
        add_group(s, "em", members=[ana, kim], organizers=[organizer])
    assert not driver.run(kim, '/mentor profile away:"in 3 weeks"').error
    round_ = driver.run(organizer, "/mentor match group:em")
    assert not round_.error
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mentorship)) == 0
    back = driver.run(kim, "/mentor profile away:no")
    assert not back.error and "You're back" in back.text
    assert _away_until(core, kim) is None
    assert not driver.run(organizer, "/mentor match group:em").error
    with core.db.session() as s:
        assert s.scalar(select(Mentorship.mentor_id)) == kim.id


def test_their_mentees_followups_are_not_held_back(core, driver, settings, clock):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        kim = add_faculty(s, "Dr. Maya Kim")
        s.add(Mentorship(student_id=ana.id, mentor_id=kim.id, kind="career", cadence_days=42,
                         started_at=clock.now() - timedelta(days=50)))
    assert not driver.run(kim, "/mentor profile away:2027-03-01").error
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        kinds = set(s.scalars(select(Nudge.kind).where(Nudge.person_id == ana.id)))
    assert "followup" in kinds


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-12-01", "in the past"),
    ("today", "is today"),
    ("2029-01-01", "at most 365 days ahead"),
    ("someday", "can't read"),
    ("2027-02-30", "not a real date"),
])
def test_bad_away_dates_change_nothing(core, driver, typed, message):
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Maya Kim")
        s.get(FacultyProfile, kim.id).away_until = date(2027, 1, 20)
    reply = driver.run(kim, f'/mentor profile away:"{typed}" capacity:7')
    assert reply.error and message in reply.text, reply.text
    with core.db.session() as s:
        profile = s.get(FacultyProfile, kim.id)
        assert (profile.away_until, profile.capacity) == (date(2027, 1, 20), 3)
    assert MAX_AWAY.days == 365


def test_away_is_for_faculty(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
    reply = driver.run(ana, "/mentor profile away:2027-02-01")
    assert reply.error and "away: is for faculty profiles" in reply.text


def test_capacity_below_current_mentees_is_kept_with_a_warning(core, driver):
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Maya Kim", capacity=5)
        for i in range(4):
            student = add_student(s, f"Student {i}")
            s.add(Mentorship(student_id=student.id, mentor_id=kim.id, kind="career"))
    reply = driver.run(kim, "/mentor profile capacity:2")
    assert not reply.error, reply.as_text()
    assert ("Note: you have 4 current mentees and a capacity of 2, so no new mentees will be "
            "offered to you until 3 of those mentorships end. Your current mentees stay.") \
        in reply.text
    with core.db.session() as s:
        assert s.get(FacultyProfile, kim.id).capacity == 2
        assert s.scalar(select(func.count()).select_from(Mentorship)
                        .where(Mentorship.active.is_(True))) == 4
    two = driver.run(kim, "/mentor profile capacity:3")
    assert "until 2 of those mentorships end." in two.text
    full = driver.run(kim, "/mentor profile capacity:4")
    assert "until 1 of those mentorships ends." in full.text
    room = driver.run(kim, "/mentor profile capacity:6")
    assert "no new mentees" not in room.text

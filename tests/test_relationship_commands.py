"""`/mentor list`, `/mentor log`, `/mentor todo`, `/mentor done` and the rhythm button,
through the real core on SQLite and PostgreSQL, with the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app.planning import plan_all
from bot.framework.replies import Action
from bot.infra.models import ActionItem, Contact, InterestGroup, IntroRequest, Mentorship
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.relationships import add_mentorship, nudges_of

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # the `clock` fixture


def _people(core, *, student_tz=None):
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz", tz=student_tz)
        rivera = add_faculty(s, "Dr. Maria Rivera")
        chen = add_faculty(s, "Dr. Wei Chen")
        m = add_mentorship(s, student, rivera, started_at=NOW - timedelta(days=60))
        return student, rivera, chen, m.id


def _count(core, model, **where):
    with core.db.session() as s:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return s.scalar(query)


def test_log_records_contact_and_restarts_the_clock(core, driver):
    student, rivera, _, mid = _people(core)
    reply = driver.run(student, '/mentor log Dr. Rivera note:"shared my step 1 plan"')
    assert not reply.error, reply.as_text()
    text = reply.as_text()
    assert "Logged an update with Dr. Maria Rivera (today)" in text
    assert "Next follow-up: Mon 15 Feb 2027 10:00 UTC (every 6 weeks)" in text
    with core.db.session() as s:
        m = s.get(Mentorship, mid)
        assert m.last_contact_at == NOW
        contact = s.scalar(select(Contact))
        assert (contact.mentorship_id, contact.is_ask, contact.note) == (
            mid, False, "shared my step 1 plan")


def test_log_a_past_day_and_an_ask(core, driver):
    student, rivera, _, mid = _people(core, student_tz="America/New_York")
    reply = driver.run(student, "/mentor log maria.rivera@example.edu on:2027-01-02 ask:yes")
    assert not reply.error, reply.as_text()
    assert "Logged an ask" in reply.as_text() and "Sat 02 Jan 2027" in reply.as_text()
    assert "Next follow-up: Sat 13 Feb 2027 10:00 EST" in reply.as_text()
    with core.db.session() as s:
        contact = s.scalar(select(Contact))
        assert contact.is_ask is True
        assert contact.at == datetime(2027, 1, 2, 17, 0, tzinfo=UTC)  # noon in New York
        # A back-dated contact older than the last one never moves the clock backwards.
        s.get(Mentorship, mid).last_contact_at = NOW - timedelta(hours=1)
    driver.run(student, "/mentor log Dr. Rivera on:2026-12-20")
    with core.db.session() as s:
        assert s.get(Mentorship, mid).last_contact_at == NOW - timedelta(hours=1)


def test_future_on_date_is_refused_and_nothing_changes(core, driver):
    student, *_ = _people(core)
    for line in ("/mentor log Dr. Rivera on:2027-01-05", "/mentor log Dr. Rivera on:tomorrow",
                 "/mentor log Dr. Rivera on:2027-02-30"):
        reply = driver.run(student, line)
        assert reply.error, line
    assert "in the future" in driver.run(student, "/mentor log Dr. Rivera on:2027-03-01").text
    assert _count(core, Contact) == 0


def test_a_contact_before_the_mentorship_began_is_refused(core, driver):
    """The mentorship began on Thu 05 Nov 2026 (the student's day, New York): a contact the
    day before is refused with both days named and nothing stored; one that day is logged."""
    student, *_ = _people(core, student_tz="America/New_York")
    reply = driver.run(student, "/mentor log Dr. Rivera on:2026-11-04")
    assert reply.error
    assert reply.text == (
        "Your career mentorship with Dr. Maria Rivera began on Thu 05 Nov 2026, so a contact "
        "on Wed 04 Nov 2026 came before it and is not logged. Log contacts from Thu 05 Nov "
        "2026 on: the mentorship's rhythm, check-ins and record count from its first day.")
    assert _count(core, Contact) == 0
    first_day = driver.run(student, "/mentor log Dr. Rivera on:2026-11-05")
    assert not first_day.error, first_day.as_text()
    assert _count(core, Contact) == 1


def test_log_for_non_mentor_faculty_and_refusals(core, driver):
    student, _, chen, _ = _people(core)
    with core.db.session() as s:
        other = add_student(s, "Ben Okafor")
    reply = driver.run(student, "/mentor log Dr. Wei Chen note:\"asked about research\"")
    assert not reply.error, reply.as_text()
    assert "isn't one of your mentors" in reply.as_text()
    with core.db.session() as s:
        contact = s.scalar(select(Contact).where(Contact.mentor_id == chen.id))
        assert contact.mentorship_id is None
    refused = {
        "/mentor log nobody@example.edu": "don't know",
        f"/mentor log {other.email}": "not a faculty member",
        "/mentor log Dr. Zebediah Quuxley": "don't know a faculty member",
        "/mentor log Dr. Wei Chen cadence:weekly": "not your mentor",
        "/mentor log Dr. Rivera cadence:\"13 weeks\"": "sensible range",
        "/mentor log Dr. Rivera cadence:often": "takes a rhythm",
        "/mentor log Dr. Rivera note:" + "x" * 501: "too long",
    }
    for line, expected in refused.items():
        reply = driver.run(student, line)
        assert reply.error and expected in reply.as_text(), (line, reply.as_text())
    assert _count(core, Contact) == 1
    faculty_reply = driver.run(chen, "/mentor log Dr. Rivera")
    assert faculty_reply.error and "for students" in faculty_reply.as_text()


def test_cadence_option_and_button(core, driver):
    student, rivera, _, mid = _people(core)
    reply = driver.run(student, "/mentor log Dr. Rivera cadence:weekly")
    assert not reply.error, reply.as_text()
    assert "Next follow-up: Mon 11 Jan 2027 10:00 UTC (weekly)" in reply.as_text()
    with core.db.session() as s:
        assert s.get(Mentorship, mid).cadence_days == 7
    offered = {a.label: a for section in reply.sections for a in section.actions}
    assert set(offered) == {"Every 4 weeks", "Every 6 weeks", "Every 8 weeks"}
    pressed = driver.press(student, offered["Every 8 weeks"].encode())
    assert not pressed.error, pressed.as_text()
    assert "every 8 weeks" in pressed.title
    with core.db.session() as s:
        assert s.get(Mentorship, mid).cadence_days == 56
    typed = driver.run(student, '/mentor cadence Dr. Rivera "4 weeks"')
    assert not typed.error, typed.as_text()
    with core.db.session() as s:
        assert s.get(Mentorship, mid).cadence_days == 28


def test_todo_done_and_list(core, driver):
    student, rivera, chen, _ = _people(core)
    reply = driver.run(student, "/mentor todo Dr. Rivera read the ACEP ultrasound guidelines "
                                "due:2027-01-20")
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        item = s.scalar(select(ActionItem))
        assert item.task == "read the ACEP ultrasound guidelines"
        assert item.mentor_id == rivera.id and item.mentorship_id is not None
        item_id = item.id
    side = driver.run(student, "/mentor todo Dr. Wei Chen email Dr. Park about shadowing")
    assert not side.error, side.as_text()
    listed = driver.run(student, "/mentor list")
    text = listed.as_text()
    assert listed.ephemeral
    assert "Dr. Maria Rivera — your career mentor" in text
    assert f"#{item_id} read the ACEP ultrasound guidelines — due Wed 20 Jan 2027" in text
    # Started 60 days ago with nothing logged: the follow-up 42 days in is overdue.
    assert "Next follow-up: Thu 17 Dec 2026 10:00 UTC (overdue)" in text
    assert "Other open action items" in text
    assert "#2 email Dr. Park about shadowing (from Dr. Wei Chen)" in text

    assert driver.run(student, "/mentor todo Dr. Rivera call her due:2027-01-01").error
    done = driver.run(student, f'/mentor done {item_id} note:"decided not to, because the '
                               'course covers it"')
    assert not done.error, done.as_text()
    assert "still counts as circling back" in done.as_text()
    with core.db.session() as s:
        item = s.get(ActionItem, item_id)
        assert item.done_at == NOW and item.decided_not is True
        assert item.done_note.startswith("decided not to")
    again = driver.run(student, f"/mentor done {item_id}")
    assert again.error and "already closed" in again.as_text()
    assert "read the ACEP" not in driver.run(student, "/mentor list").as_text()


def test_done_refuses_someone_elses_item(core, driver):
    student, rivera, _, _ = _people(core)
    with core.db.session() as s:
        other = add_student(s, "Ben Okafor")
    driver.run(student, "/mentor todo Dr. Rivera read a paper")
    with core.db.session() as s:
        item_id = s.scalar(select(ActionItem.id))
    reply = driver.run(other, f"/mentor done {item_id}")
    assert reply.error and "no action item" in reply.as_text()
    assert driver.run(student, "/mentor done 9999").error
    with core.db.session() as s:
        assert s.get(ActionItem, item_id).done_at is None


def test_list_for_faculty_shows_mentees_and_requests(core, driver):
    student, rivera, _, _ = _people(core)
    with core.db.session() as s:
        ben = add_student(s, "Ben Okafor")
        s.add(IntroRequest(student_id=ben.id, faculty_id=rivera.id, kind="research",
                           note="I'd love to join your sepsis project", created_at=NOW))
    text = driver.run(rivera, "/mentor list").as_text()
    assert "Your mentees (1)" in text and "Ana Diaz — career" in text
    assert "Intro request from Ben Okafor" in text and "sepsis project" in text
    empty = driver.run(ben, "/mentor list")
    assert not empty.error and "/mentor find" in empty.text


def test_logging_cancels_a_pending_followup(core, driver, settings):
    student, rivera, _, mid = _people(core)
    with core.db.session() as s:
        plan_all(s, NOW, settings)
        pending = nudges_of(s, student, kind="followup", state="pending")
        assert len(pending) == 1 and pending[0].subject_id == mid
    assert not driver.press(student, Action("Log contact", "mentor log",
                                            {"mentor": f"person:{rivera.id}"}).encode()).error
    with core.db.session() as s:
        assert [n.state for n in nudges_of(s, student, kind="followup")] == ["cancelled"]
        plan_all(s, NOW, settings)
        assert nudges_of(s, student, kind="followup", state="pending") == []


def test_organizer_sets_group_rhythm_within_bounds(core, driver):
    with core.db.session() as s:
        organizer = add_faculty(s, "Dr. Grace Hopper")
        group = add_group(s, "em-interest", organizers=[organizer])
        ana = add_student(s, "Ana Diaz")
        ben = add_student(s, "Ben Okafor")
        default = add_mentorship(s, ana, organizer, started_at=NOW)
        chosen = add_mentorship(s, ben, organizer, started_at=NOW, cadence_days=21)
        research = add_mentorship(s, ben, add_faculty(s, "Dr. Wei Chen"), kind="research",
                                  started_at=NOW)
        for m in (default, chosen, research):
            m.group_id = group.id
        ids = (default.id, chosen.id, research.id)
    for line, expected in {"/mentor group rhythm em-interest 3": "at least 4",
                           "/mentor group rhythm em-interest 9": "at most 8",
                           "/mentor group rhythm nope 6": "no group"}.items():
        reply = driver.run(organizer, line)
        assert reply.error and expected in reply.as_text(), (line, reply.as_text())
    refused = driver.run(ana, "/mentor group rhythm em-interest 8")
    assert refused.error and "organizers" in refused.as_text()
    reply = driver.run(organizer, "/mentor group rhythm em-interest 8")
    assert not reply.error, reply.as_text()
    assert "1 current one(s)" in reply.text
    with core.db.session() as s:
        assert s.get(InterestGroup, group.id).followup_weeks == 8
        assert [s.get(Mentorship, i).cadence_days for i in ids] == [56, 21, 7]


def test_already_closed_names_the_day_in_the_students_zone(core, driver, clock):
    """Closed at 19:00 on Mon 4 Jan in Los Angeles, which is already 5 Jan in UTC."""
    student, *_ = _people(core, student_tz="America/Los_Angeles")
    clock.set(datetime(2027, 1, 5, 3, 0, tzinfo=UTC))
    driver.run(student, "/mentor todo Dr. Rivera read a paper")
    with core.db.session() as s:
        item_id = s.scalar(select(ActionItem.id))
    assert not driver.run(student, f"/mentor done {item_id}").error
    again = driver.run(student, f"/mentor done {item_id}")
    assert again.error and f"#{item_id} was already closed on 2027-01-04." in again.as_text()

"""`/letter cancel ID [reason:]`: a letter tracked by mistake (or no longer needed) is
withdrawn; every nudge still pending about it stops at once (the student's, the writer's, a
thanked writer's keep-in-touch) and the planner never brings one back; it stays in the
history (`/letter list` shows it withdrawn) but leaves the mix and the calendar. Through the
real core on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.app.planning import plan_all
from bot.infra.models import LetterEvent, Nudge
from tests.support.factories import add_faculty, add_student
from tests.support.letters import letter, mentor, move, nudges, track
from tests.support.snapshots import snapshot

NY = "America/New_York"


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY, interests=["emergency medicine"])
        ben = add_student(s, "Ben Cho")
        smith = add_faculty(s, "Dr. Jane Smith")
        mentor(s, ana, smith, datetime(2026, 1, 1, tzinfo=UTC))
    return ana, ben, smith


def database(core) -> dict:
    with core.db.session() as s:
        return snapshot(s)


def test_cancel_withdraws_stops_its_nudges_and_keeps_the_history(core, driver, clock):
    ana, _, smith = people(core)
    letter_id = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"EM residency" '
                                   "kind:specialty portal:ERAS")
    move(driver, ana, letter_id, "agreed")
    pending = nudges(core, letter_id, state="pending")
    assert {n.kind for n in pending} >= {"letter-packet", "letter-checkin", "writer-deadline"}
    reply = driver.run(ana, f'/letter cancel {letter_id} reason:"tracked by mistake"')
    assert not reply.error, reply.as_text()
    assert reply.title == f"Letter #{letter_id} withdrawn"
    assert f"{len(pending)} reminders stopped" in reply.text
    assert "let them know you no longer need it" in reply.text  # they had agreed
    assert letter(core, letter_id).state == "withdrawn"
    assert letter(core, letter_id).state_reason == "tracked by mistake"
    assert nudges(core, letter_id, state="pending") == []
    with core.db.session() as s:
        event = s.scalars(select(LetterEvent).where(LetterEvent.letter_id == letter_id)
                          .order_by(LetterEvent.id.desc())).first()
        assert (event.from_state, event.to_state, event.note) == (
            "agreed", "withdrawn", "tracked by mistake")
    # the periodic planner never plans it again, however late it runs
    for days in (0, 30, 90):
        with core.db.session() as s:
            plan_all(s, clock.now() + timedelta(days=days), core.settings)
    assert nudges(core, letter_id, state="pending") == []
    # it stays in the history, shown as withdrawn, with nothing left to do
    listed = driver.run(ana, "/letter list").as_text()
    assert "State: withdrawn (tracked by mistake)" in listed
    assert "Next step: Nothing: you stopped tracking this letter" in listed


def test_a_withdrawn_letter_leaves_the_plan_and_the_calendar(core, driver):
    ana, _, _ = people(core)
    kept = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"EM residency" '
                              "kind:specialty")
    gone = track(driver, ana, 'Bob Outsider due:2027-05-01 program:"EM residency" '
                              "kind:clerkship")
    move(driver, ana, kept, "agreed")
    move(driver, ana, gone, "agreed")
    before = driver.run(ana, "/letter plan residency").as_text()
    assert f"#{gone} " in before
    assert not driver.run(ana, f"/letter cancel {gone}").error
    after = driver.run(ana, "/letter plan residency")
    assert f"#{gone} " not in after.as_text()
    assert "Letters in all: 1 writer secured" in after.as_text()
    events = {str(e["UID"]): str(e["STATUS"]) for e in Calendar.from_ical(
        driver.run(ana, "/letter calendar").attachment.content).walk("VEVENT")}
    assert {events[f"letter-{gone}-{what}@mentorbot"] for what in
            ("askby", "personal", "deadline")} == {"CANCELLED"}
    assert {events[f"letter-{kept}-{what}@mentorbot"] for what in
            ("askby", "personal", "deadline")} == {"CONFIRMED"}


def test_a_thanked_writers_keep_in_touch_stops_too(core, driver, clock):
    ana, _, _ = people(core)
    with core.db.session() as s:
        add_faculty(s, "Dr. Marcus Lee")  # a writer who is not a mentor
    letter_id = track(driver, ana, "Dr. Marcus Lee due:2027-02-01 kind:specialty")
    move(driver, ana, letter_id, "thanked")
    clock.set(clock.now() + timedelta(days=100))  # keeping in touch is due
    with core.db.session() as s:
        plan_all(s, clock.now(), core.settings)
        keep = s.scalars(select(Nudge).where(Nudge.subject_type == "thanked_letter",
                                             Nudge.subject_id == letter_id,
                                             Nudge.state == "pending")).all()
    assert keep, "a thanked writer is kept posted"
    assert not driver.run(ana, f"/letter cancel {letter_id}").error
    with core.db.session() as s:
        plan_all(s, clock.now() + timedelta(days=1), core.settings)
        assert s.scalars(select(Nudge).where(Nudge.subject_type == "thanked_letter",
                                             Nudge.subject_id == letter_id,
                                             Nudge.state == "pending")).all() == []


def test_bad_cancels_change_nothing(core, driver):
    ana, ben, smith = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-04-19 kind:specialty")
    before = database(core)
    for who, line, expected in (
        (ben, f"/letter cancel {letter_id}", "no letter"),  # someone else's letter
        (ana, "/letter cancel 9999", "no letter"),
        (ana, "/letter cancel", "ID"),
        (ana, "/letter cancel abc", "whole number"),
        (ana, "/letter cancel 0", "at least 1"),
        (ana, f"/letter cancel {letter_id} reasn:oops", "reason:"),
        (smith, f"/letter cancel {letter_id}", "is for students"),
        (ana, f"/letter update {letter_id} withdrawn", "/letter cancel"),
    ):
        reply = driver.run(who, line)
        assert reply.error and expected in reply.as_text(), (line, reply.as_text())
        assert database(core) == before, line
    assert letter(core, letter_id).state == "planned"
    assert not driver.run(ana, f"/letter cancel {letter_id}").error
    again = driver.run(ana, f"/letter cancel {letter_id}")
    assert again.error and "already withdrawn" in again.text
    for state in ("asked", "planned"):
        moved = driver.run(ana, f"/letter update {letter_id} {state}")
        assert moved.error and "final state" in moved.text

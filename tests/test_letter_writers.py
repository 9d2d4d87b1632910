"""Faculty see the letters they write: `/letter list` and the dashboard show a faculty
writer the letters students track with them (student, program, state, the personal deadline
they were given; never text, and nothing of a student's other letters), and a
writer-deadline nudge reaches them 7 days and 1 day before that personal deadline while the
letter is agreed or packet-sent, cancelled by any move past it. Through the real core and
planner on SQLite and PostgreSQL; the student is in New York, the writer in Los Angeles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app.planning import plan_all
from bot.home.dashboard import dashboard
from bot.infra.models import Nudge, Person
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, nudges, section, track
from tests.support.nudges import delivered

NY = "America/New_York"
LA = "America/Los_Angeles"


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        ben = add_student(s, "Ben Cho", tz=NY)
        smith = add_faculty(s, "Dr. Jane Smith", tz=LA)
        lee = add_faculty(s, "Dr. Marcus Lee")
    return ana, ben, smith, lee


def writer_nudges(core, letter_id: int, state: str = "pending") -> list[Nudge]:
    return [n for n in nudges(core, letter_id, state=state) if n.kind == "writer-deadline"]


def test_faculty_list_shows_the_letters_they_write_and_nothing_else(core, driver, clock):
    ana, ben, smith, lee = people(core)
    asked = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"State EM residency" '
                               "kind:specialty portal:ERAS")
    move(driver, ana, asked, "agreed")
    track(driver, ben, 'Dr. Jane Smith due:2027-05-01 program:"Secret Program" '
                       "kind:specialty")
    other_writer = track(driver, ana, 'Dr. Marcus Lee due:2027-04-19 program:"IM prelim" '
                                      "kind:clerkship")
    move(driver, ana, other_writer, "asked")
    driver.run(ana, f"/letter packet {asked} cv:yes")
    reply = driver.run(smith, "/letter list")
    assert not reply.error, reply.as_text()
    assert reply.ephemeral
    assert reply.title == "Letters you are writing (1)"
    text = reply.as_text()
    assert "Student: Ana Diaz" in text and "Program: State EM residency" in text
    assert "State: agreed" in text
    assert "Their deadline for you: Mon 05 Apr 2027" in text
    assert "Portal: ERAS" in text
    # a letter the student has only planned has not reached the writer
    assert "Ben Cho" not in text and "Secret Program" not in text
    # nor the student's letters with anyone else, nor anything of the packet
    assert "IM prelim" not in text and "Dr. Marcus Lee" not in text and "cv" not in text
    # Lee is asked by Ana: he sees that one only
    lee_text = driver.run(lee, "/letter list").as_text()
    assert "IM prelim" in lee_text and "State EM residency" not in lee_text
    # a student never sees another student's letters
    assert "State EM residency" not in driver.run(ben, "/letter list").as_text()


def test_faculty_with_no_letters_are_told_so(core, driver):
    _, _, smith, _ = people(core)
    reply = driver.run(smith, "/letter list")
    assert not reply.error
    assert "No student has asked you for a letter here yet." in reply.as_text()


def test_withdrawn_after_the_ask_shows_as_withdrawn_before_it_never_shows(core, driver):
    ana, _, smith, _ = people(core)
    after = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"Asked first"')
    move(driver, ana, after, "asked")
    before = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"Never asked"')
    for letter_id in (after, before):
        assert not driver.run(ana, f"/letter cancel {letter_id}").error
    text = driver.run(smith, "/letter list").as_text()
    assert "Asked first" in text and "State: withdrawn" in text
    assert "Never asked" not in text


def test_the_dashboard_shows_the_letters_they_write(core, driver, clock):
    ana, _, smith, _ = people(core)
    letter_id = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"State EM '
                                   'residency" kind:specialty')
    move(driver, ana, letter_id, "packet-sent")
    with core.db.session() as s:
        reply = dashboard(s, s.get(Person, smith.id), clock.now(), core.settings)
    assert "Letters you are writing (1)" in [x.heading for x in reply.sections]
    text = reply.as_text()
    assert "Ana Diaz for State EM residency" in text
    assert "State: packet-sent" in text and "Their deadline for you: Mon 05 Apr 2027" in text


def test_writer_deadline_nudges_seven_and_one_day_before_in_the_writers_zone(core, driver,
                                                                           clock):
    ana, _, smith, _ = people(core)
    letter_id = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"State EM '
                                   'residency" kind:specialty portal:ERAS')
    move(driver, ana, letter_id, "asked")
    assert writer_nudges(core, letter_id) == []  # not before the writer agrees
    assert not driver.run(ana, f"/letter update {letter_id} agreed").error
    found = writer_nudges(core, letter_id)
    # personal deadline Mon 5 Apr: 29 Mar and 4 Apr, 10:00 in Los Angeles (PDT)
    assert [(n.person_id, n.due_at) for n in found] == [
        (smith.id, datetime(2027, 3, 29, 17, 0, tzinfo=UTC)),
        (smith.id, datetime(2027, 4, 4, 17, 0, tzinfo=UTC)),
    ]
    # as each is worded when it is sent, on its day in Los Angeles
    week, day = (delivered(core.db, n).as_text() for n in found)
    assert "Ana Diaz" in week and "State EM residency" in week
    assert "Mon 05 Apr 2027, 7 days away" in week and "Mon 19 Apr 2027" in week
    assert "ERAS" in week
    assert "tomorrow, Mon 05 Apr 2027" in day
    # packet sent: still owed; planning again adds nothing
    move_on = driver.run(ana, f"/letter update {letter_id} packet-sent")
    assert not move_on.error
    assert [n.id for n in writer_nudges(core, letter_id)] == [n.id for n in found]
    with core.db.session() as s:
        plan_all(s, clock.now(), core.settings)
    assert len(writer_nudges(core, letter_id)) == 2
    # submitted: both cancelled at once, and never planned again
    clock.set(datetime(2027, 3, 30, 15, 0, tzinfo=UTC))
    assert not driver.run(ana, f"/letter update {letter_id} submitted").error
    assert writer_nudges(core, letter_id) == []
    with core.db.session() as s:
        plan_all(s, clock.now() + timedelta(days=1), core.settings)
    assert writer_nudges(core, letter_id) == []
    assert {n.state for n in writer_nudges(core, letter_id, state="cancelled")} == {"cancelled"}


def test_a_late_agreement_gets_only_the_reminders_still_ahead(core, driver, clock):
    ana, _, smith, _ = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-04-19 kind:specialty")
    move(driver, ana, letter_id, "asked")
    clock.set(datetime(2027, 4, 1, 15, 0, tzinfo=UTC))  # four days before the personal one
    assert not driver.run(ana, f"/letter update {letter_id} agreed").error
    assert [n.due_at for n in writer_nudges(core, letter_id)] == [
        datetime(2027, 4, 4, 17, 0, tzinfo=UTC)]


def test_no_writer_deadline_for_an_outside_writer_and_cancel_stops_them(core, driver):
    ana, _, smith, _ = people(core)
    outside = track(driver, ana, "Bob Outsider due:2027-04-19 kind:research")
    move(driver, ana, outside, "agreed")
    assert writer_nudges(core, outside) == []
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-04-19 kind:specialty")
    move(driver, ana, letter_id, "agreed")
    assert len(writer_nudges(core, letter_id)) == 2
    assert not driver.run(ana, f"/letter cancel {letter_id}").error
    assert writer_nudges(core, letter_id) == []


def test_writer_deadline_is_due_through_nudges_due(core, driver, clock, capsys, monkeypatch,
                                                    db_url):
    """`mentorbot nudges due` lists the writer's reminder for the writer, by email."""
    import json

    from bot.app.cli import main
    from bot.infra.settings import get_settings

    ana, _, smith, _ = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-04-19 kind:specialty")
    move(driver, ana, letter_id, "agreed")
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        assert main(["nudges", "due", "--at", "2027-03-29T17:00:00+00:00", "--json"]) == 0
    finally:
        get_settings.cache_clear()
    items = [i for i in json.loads(capsys.readouterr().out) if i["kind"] == "writer-deadline"]
    assert [(i["person"], i["subject_id"]) for i in items] == [
        ("jane.smith@example.edu", letter_id)]
    with core.db.session() as s:
        assert s.scalar(select(Nudge.person_id).where(Nudge.kind == "writer-deadline")
                        .limit(1)) == smith.id


def test_a_student_and_faculty_member_sees_both_lists(core, driver):
    ana, _, smith, _ = people(core)
    with core.db.session() as s:
        from bot.infra.models import Role

        s.add(Role(person_id=smith.id, role="student"))
    track(driver, smith, "Bob Outsider due:2027-06-01 kind:research")
    asked = track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"State EM"')
    move(driver, ana, asked, "asked")
    reply = driver.run(smith, "/letter list")
    headings = [s.heading for s in reply.sections]
    assert "Your letters (1)" in headings and "Letters you are writing (1)" in headings
    assert "Bob Outsider" in reply.as_text() and "State EM" in reply.as_text()
    assert section(reply, "Letters you are writing") == ""

"""letter-* nudges through the real planner and store: each is due at its moment, not before,
and a state change that makes it moot cancels it. The student is in New York; the letters'
dates straddle the 14 March 2027 DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Letter, Nudge
from bot.planning import plan_all
from tests.support.factories import add_faculty, add_student

NY = "America/New_York"
MINUTE = timedelta(minutes=1)


def due_now(core, clock, at: datetime) -> set[str]:
    """Plan at `at` (as the periodic job does) and return the kinds of letter nudges due."""
    clock.set(at)
    with core.db.session() as s:
        plan_all(s, at, core.settings)
    with core.db.session() as s:
        return set(s.scalars(select(Nudge.kind).where(
            Nudge.state == "pending", Nudge.due_at <= at, Nudge.kind.like("letter-%"))))


def states(core) -> dict[str, str]:
    with core.db.session() as s:
        return dict(s.execute(select(Nudge.kind, Nudge.state).where(
            Nudge.kind.like("letter-%"))).all())


def start(core, driver, deadline: str = "2027-04-19") -> tuple[object, int]:
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        add_faculty(s, "Dr. Jane Smith")
    reply = driver.run(ana, f"/letter remind Dr. Jane Smith due:{deadline} kind:specialty")
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        letter_id = s.scalar(select(Letter.id))
    return ana, letter_id


def test_ask_nudges_due_on_time_and_cancelled_by_asking(core, driver, clock):
    ana, letter_id = start(core, driver)
    # ask-by is Mon 8 Mar (EST): letter-ask on Fri 5 Mar 10:00 EST = 15:00Z.
    assert due_now(core, clock, datetime(2027, 3, 5, 15, 0, tzinfo=UTC) - MINUTE) == set()
    assert due_now(core, clock, datetime(2027, 3, 5, 15, 0, tzinfo=UTC)) == {"letter-ask"}
    # last call is Mon 22 Mar, after the change to EDT: 10:00 EDT = 14:00Z.
    at_last_call = datetime(2027, 3, 22, 14, 0, tzinfo=UTC)
    assert due_now(core, clock, at_last_call - MINUTE) == {"letter-ask"}
    assert due_now(core, clock, at_last_call) == {"letter-ask", "letter-ask-late"}
    assert not driver.run(ana, f"/letter update {letter_id} asked").error
    assert due_now(core, clock, at_last_call + MINUTE) == set()
    assert states(core)["letter-ask"] == "cancelled"
    assert states(core)["letter-ask-late"] == "cancelled"
    # planning again later never brings a moot nudge back
    assert due_now(core, clock, at_last_call + timedelta(days=1)) == set()


def test_checkin_deadline_thanks_and_their_cancellation(core, driver, clock):
    ana, letter_id = start(core, driver)
    for state in ("asked", "agreed", "packet-sent"):
        assert not driver.run(ana, f"/letter update {letter_id} {state}").error
    # personal deadline Mon 5 Apr 10:00 EDT = 14:00Z
    checkin = datetime(2027, 4, 5, 14, 0, tzinfo=UTC)
    assert due_now(core, clock, checkin - MINUTE) == set()
    assert due_now(core, clock, checkin) == {"letter-checkin"}
    # real deadline Mon 19 Apr; letter-deadline Fri 16 Apr 10:00 EDT
    deadline_nudge = datetime(2027, 4, 16, 14, 0, tzinfo=UTC)
    assert due_now(core, clock, deadline_nudge - MINUTE) == {"letter-checkin"}
    assert due_now(core, clock, deadline_nudge) == {"letter-checkin", "letter-deadline"}
    clock.set(datetime(2027, 4, 16, 20, 0, tzinfo=UTC))  # 16:00 EDT
    assert not driver.run(ana, f"/letter update {letter_id} submitted").error
    assert states(core)["letter-checkin"] == "cancelled"
    assert states(core)["letter-deadline"] == "cancelled"
    thanks = datetime(2027, 4, 17, 14, 0, tzinfo=UTC)  # the next day, 10:00 EDT
    assert due_now(core, clock, thanks - MINUTE) == set()
    assert due_now(core, clock, thanks) == {"letter-thanks"}
    assert not driver.run(ana, f"/letter update {letter_id} thanked").error
    assert due_now(core, clock, thanks + timedelta(days=2)) == set()
    assert states(core)["letter-thanks"] == "cancelled"


def test_packet_nudge_two_days_after_agreed_until_packet_complete(core, driver, clock):
    ana, letter_id = start(core, driver)
    clock.set(datetime(2027, 3, 2, 23, 0, tzinfo=UTC))  # Tue 2 Mar 18:00 EST
    driver.run(ana, f"/letter update {letter_id} asked")
    driver.run(ana, f"/letter update {letter_id} agreed")
    packet_due = datetime(2027, 3, 4, 15, 0, tzinfo=UTC)  # Thu 4 Mar 10:00 EST
    assert due_now(core, clock, packet_due - MINUTE) == set()
    assert due_now(core, clock, packet_due) == {"letter-packet"}
    clock.set(packet_due + timedelta(hours=1))
    driver.run(ana, f"/letter packet {letter_id} done:cv;statement;summary;strengths;portal;"
                    "prompts;deadline")
    assert due_now(core, clock, packet_due + timedelta(hours=2)) == set()
    assert states(core)["letter-packet"] == "cancelled"


def test_declined_cancels_every_pending_nudge(core, driver, clock):
    ana, letter_id = start(core, driver)
    driver.run(ana, f"/letter update {letter_id} asked")
    with core.db.session() as s:
        assert set(s.scalars(select(Nudge.kind).where(Nudge.state == "pending"))) == {
            "letter-checkin", "letter-deadline"}
    driver.run(ana, f"/letter update {letter_id} declined")
    with core.db.session() as s:
        assert s.scalars(select(Nudge).where(Nudge.state == "pending")).all() == []
    assert due_now(core, clock, datetime(2027, 4, 30, tzinfo=UTC)) == set()


def test_outcome_nudge_per_submitted_writer_next_morning(core, driver, clock):
    ana, letter_id = start(core, driver)
    for state in ("asked", "agreed", "packet-sent", "submitted"):
        driver.run(ana, f"/letter update {letter_id} {state}")
    clock.set(datetime(2027, 3, 10, 2, 0, tzinfo=UTC))  # Tue 9 Mar 21:00 EST
    assert not driver.run(ana, "/letter outcome matched at State EM").error
    outcome_due = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)  # Wed 10 Mar 10:00 EST
    assert "letter-outcome" not in due_now(core, clock, outcome_due - MINUTE)
    assert "letter-outcome" in due_now(core, clock, outcome_due)
    with core.db.session() as s:
        (nudge,) = s.scalars(select(Nudge).where(Nudge.kind == "letter-outcome")).all()
    assert nudge.person_id == ana.id and "Dr. Jane Smith" in nudge.text
    assert "matched at State EM" in nudge.text


def test_planning_is_idempotent_and_covers_letters_made_elsewhere(core, clock):
    """The periodic planner plans letters it has never seen (an import, the demo) once."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        s.add(Letter(student_id=ana.id, writer_name="Bob Outsider", deadline=datetime(
            2027, 4, 19).date(), state="planned", created_at=clock.now(),
            updated_at=clock.now()))
    now = clock.now()
    with core.db.session() as s:
        assert plan_all(s, now, core.settings) == 3
    with core.db.session() as s:
        assert plan_all(s, now, core.settings) == 0

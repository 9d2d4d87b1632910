"""letter-* nudges through the real planner and store: each is due at its moment, not before,
and a state change that makes it moot cancels it. The student is in New York; the letters'
dates straddle the 14 March 2027 DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app.planning import plan_all
from bot.infra.models import Letter, Nudge
from tests.support.factories import add_faculty, add_student
from tests.support.nudges import delivered

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
    sent = delivered(core.db, nudge).as_text()  # as worded when it is sent
    assert nudge.person_id == ana.id and "Dr. Jane Smith" in sent
    assert "matched at State EM" in sent


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


# --- end to end through `mentorbot nudges due --json` ------------------------------------


def test_nudges_due_json_lists_each_letter_kind_only_while_due(db_url, monkeypatch, capsys):
    """Every letter-* kind appears in `nudges due --json` from its moment on, not before,
    and not once the state that makes it moot is reached."""
    import json

    from bot.app.cli import main
    from bot.app.core import Core
    from bot.infra.clock import FixedClock
    from bot.infra.db import Database
    from bot.infra.settings import Settings, get_settings
    from tests.support.factories import Driver

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    db = Database(db_url)
    clock = FixedClock(datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    core = Core(db=db, clock=clock, settings=Settings(database_url=db_url, _env_file=None))
    driver = Driver(core)
    try:
        with db.session() as s:
            ana = add_student(s, "Ana Diaz", email="ana@example.edu", tz=NY)
            add_faculty(s, "Dr. Jane Smith")
            add_faculty(s, "Dr. Marcus Lee")
        driver.run(ana, "/letter remind Dr. Jane Smith due:2027-04-19 kind:specialty")
        driver.run(ana, "/letter remind Dr. Marcus Lee due:2027-04-19 kind:clerkship")
        with db.session() as s:
            smith_letter, lee_letter = s.scalars(select(Letter.id).order_by(Letter.id)).all()

        def due(at: datetime) -> set[tuple[str, int]]:
            assert main(["nudges", "due", "--at", at.isoformat(), "--json"]) == 0
            items = json.loads(capsys.readouterr().out)
            assert all(i["person"] == "ana@example.edu" for i in items
                       if i["kind"].startswith("letter-"))
            return {(i["kind"], i["subject_id"]) for i in items
                    if i["kind"].startswith("letter-")}

        def move(at: datetime, letter_id: int, *states: str) -> None:
            clock.set(at)
            for state in states:
                assert not driver.run(ana, f"/letter update {letter_id} {state}").error

        ask = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
        assert due(ask - MINUTE) == set()
        assert due(ask) == {("letter-ask", smith_letter), ("letter-ask", lee_letter)}
        late = datetime(2027, 3, 22, 14, 0, tzinfo=UTC)  # after the DST change
        assert ("letter-ask-late", lee_letter) not in due(late - MINUTE)
        assert ("letter-ask-late", lee_letter) in due(late)
        # Smith is asked and agrees on 6 Mar; Lee is asked at last call and agrees
        move(datetime(2027, 3, 6, 17, 0, tzinfo=UTC), smith_letter, "asked", "agreed")
        packet = datetime(2027, 3, 8, 15, 0, tzinfo=UTC)  # Mon 8 Mar 10:00 EST
        assert ("letter-packet", smith_letter) not in due(packet - MINUTE)
        assert due(packet) == {("letter-packet", smith_letter), ("letter-ask", lee_letter)}
        move(datetime(2027, 3, 9, 17, 0, tzinfo=UTC), smith_letter, "packet-sent")
        move(datetime(2027, 3, 22, 16, 0, tzinfo=UTC), lee_letter, "asked", "agreed",
             "packet-sent")
        checkin = datetime(2027, 4, 5, 14, 0, tzinfo=UTC)
        assert due(checkin - MINUTE) == set()
        assert due(checkin) == {("letter-checkin", smith_letter), ("letter-checkin", lee_letter)}
        move(datetime(2027, 4, 6, 16, 0, tzinfo=UTC), smith_letter, "submitted")
        deadline = datetime(2027, 4, 16, 14, 0, tzinfo=UTC)
        assert due(deadline) == {("letter-checkin", lee_letter), ("letter-deadline", lee_letter),
                                 ("letter-thanks", smith_letter)}
        assert ("letter-thanks", smith_letter) in due(datetime(2027, 4, 7, 14, 0, tzinfo=UTC))
        assert ("letter-thanks", smith_letter) not in due(datetime(2027, 4, 7, 13, 59,
                                                                   tzinfo=UTC))
        move(datetime(2027, 4, 16, 15, 0, tzinfo=UTC), smith_letter, "thanked")
        move(datetime(2027, 4, 16, 15, 0, tzinfo=UTC), lee_letter, "submitted")
        clock.set(datetime(2027, 4, 16, 16, 0, tzinfo=UTC))
        assert not driver.run(ana, "/letter outcome interview at State EM").error
        outcome = datetime(2027, 4, 17, 14, 0, tzinfo=UTC)
        assert due(outcome - MINUTE) == set()
        with db.session() as s:
            outcome_id = s.scalar(select(Nudge.subject_id).where(Nudge.kind == "letter-outcome"))
        assert due(outcome) == {("letter-outcome", outcome_id), ("letter-thanks", lee_letter)}
    finally:
        db.dispose()
        get_settings.cache_clear()

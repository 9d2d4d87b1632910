"""`/mentor privacy delete` (a confirmation button) and `mentorbot person delete`: one
transaction deletes everything about the person; the people left behind are told kindly;
and afterwards nothing in any table, nor in the group digest, names or identifies them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from bot.app.cli import main
from bot.app.core import Core
from bot.framework.replies import Action
from bot.infra.db import Database
from bot.infra.models import (
    Base,
    Contact,
    DeletionRecord,
    InterestGroup,
    Letter,
    Mentorship,
    Nudge,
    Person,
)
from bot.infra.zones import format_day, local_day
from bot.privacy import references, rules, specs
from bot.reports import digest
from bot.vocab.nudges import NudgeKind, NudgeState
from tests.support.factories import Driver
from tests.support.privacy_world import EMAIL, NAME, NEEDLES, World, build, mentions


@pytest.fixture
def world(core: Core) -> World:
    with core.db.session() as session:
        return build(session, core.clock.now())


def _snapshot(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def _digest_text(core: Core, group_id: int) -> str:
    with core.db.session() as session:
        group = session.get_one(InterestGroup, group_id)
        return digest.build(session, group, core.clock.now()).as_text()


def _confirm_button(driver: Driver, person_id: int) -> Action:
    reply = driver.run(person_id, "/mentor privacy delete")
    assert not reply.error, reply.as_text()
    (button,) = reply.actions
    return button


def test_every_foreign_key_to_people_says_what_a_deletion_does(database: Database) -> None:
    """Each reference to a person deletes its row with them, or (a row that is someone
    else's) lets go of them: in the models and in the migrated database alike."""
    for named in references.namings():
        for column in named.columns:
            (fk,) = column.foreign_keys
            assert fk.ondelete in ("CASCADE", "SET NULL"), f"{named.name}.{column.name}"
    inspector = inspect(database.engine)
    for named in references.namings():
        for fk in inspector.get_foreign_keys(named.name):
            if fk["referred_table"] == "people":
                assert (fk.get("options") or {}).get("ondelete", "").upper() in (
                    "CASCADE", "SET NULL"), f"{named.name}.{fk['constrained_columns']}"


def test_delete_asks_first_and_changes_nothing(driver: Driver, world: World, core: Core,
                                               database: Database) -> None:
    before = _snapshot(database)
    reply = driver.run(world.person_id, "/mentor privacy delete")
    assert reply.title == "Delete everything I store about you?"
    lines = reply.text.splitlines()
    assert lines[1:4] == ["• Profile: your name, email, time zone and profile",
                          "• Accounts: 7 records", "• Groups: 4 records"]
    assert "• Letters: 2 records" in lines
    assert "Students waiting on an intro request to you are offered others." in reply.text
    assert "The button works for 15 minutes." in reply.text
    (button,) = reply.actions
    assert button.label == "Delete my data" and button.style == "danger"
    assert button.command == specs.ERASE.name
    assert int(button.args["issued"]) == int(core.clock.now().timestamp())
    assert _snapshot(database) == before


def test_the_button_deletes_everything_and_nothing_names_them_after(
        driver: Driver, world: World, core: Core, database: Database) -> None:
    assert NAME in _digest_text(core, world.group_id)  # their office hours, before
    assert mentions(database.engine)  # the search finds them, before
    with core.db.session() as session:
        sent_before = session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.person_id != world.person_id, Nudge.state == NudgeState.SENT))
    button = _confirm_button(driver, world.person_id)
    reply = driver.press(world.person_id, button.encode())
    assert not reply.error, reply.as_text()
    assert reply.title == "Your data is deleted"
    assert reply.text == (
        "Everything I stored about you is gone; the other side of 2 mentorships has been "
        "told it ended and 1 student waiting on an intro request to you got other "
        "suggestions. If you use mentorbot again, you start afresh.")
    assert mentions(database.engine) == []
    assert NAME not in _digest_text(core, world.group_id)
    with core.db.session() as session:
        assert session.get(Person, world.person_id) is None
        assert references.counts(session, world.person_id) == {}
        for person_id in (world.elena_id, world.omar_id, world.sam_id):
            assert session.get(Person, person_id) is not None
        # Sam's letter stays Sam's, without its writer's name
        (letter,) = session.scalars(select(Letter).where(Letter.student_id == world.sam_id))
        assert letter.writer_id is None and letter.writer_name == rules.FORMER_WRITER
        assert letter.program == "Research year" and letter.packet == {"statement": True}
        # what others wrote about them keeps its sense, without the name
        note = session.scalar(select(Contact.note).where(Contact.mentor_id == world.omar_id))
        assert note == f"Omar said to ask {rules.ERASED} ({rules.ERASED}) about ultrasound"
        # messages already sent to others stay (reports count them), without the name
        assert session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.state == NudgeState.SENT)) == sent_before
        match = session.scalar(select(Nudge).where(Nudge.person_id == world.elena_id,
                                                   Nudge.dedup_key.like("privacy-test:%")))
        assert match is not None
        assert match.text == (f"Match round: you were matched with {rules.ERASED} "
                              f"(<@{rules.ERASED}>)")
        assert match.payload["text"] == match.text
        # what was still owed about their mentorships is not sent
        followup = session.scalar(select(Nudge).where(Nudge.person_id == world.sam_id,
                                                      Nudge.kind == NudgeKind.FOLLOWUP))
        assert followup is not None and followup.state == NudgeState.CANCELLED
        # Sam's and Elena's other mentorships are untouched
        assert session.scalar(select(func.count()).select_from(Mentorship)) == 1
        (record,) = session.scalars(select(DeletionRecord))
        assert record.requested_by == "self" and record.deleted_at == core.clock.now()
        assert {c.name for c in DeletionRecord.__table__.columns} == {
            "id", "deleted_at", "requested_by"}


def test_the_people_left_behind_are_told_kindly(driver: Driver, world: World,
                                                core: Core) -> None:
    with core.db.session() as session:
        started = {m.mentor_id: m.started_at for m in session.scalars(
            select(Mentorship).where(Mentorship.active.is_(True)))}
        asked = core.clock.now() - timedelta(days=3)
    button = _confirm_button(driver, world.person_id)
    driver.press(world.person_id, button.encode())
    with core.db.session() as session:
        notices = {(n.person_id, n.payload["title"]): n for n in session.scalars(
            select(Nudge).where(Nudge.kind == NudgeKind.NOTICE,
                                Nudge.dedup_key.like("notice:privacy:%")))}
    assert set(notices) == {(world.elena_id, "A mentorship has ended"),
                            (world.sam_id, "A mentorship has ended"),
                            (world.sam_id, "An intro request is closed")}
    day = format_day(local_day(started[world.elena_id], "UTC"))
    assert notices[(world.elena_id, "A mentorship has ended")].payload["text"] == (
        f"Your career mentee since {day} has left mentorbot and asked for their data to be "
        "deleted, so that mentorship has ended and its reminders have stopped. Thank you "
        "for the time you gave them; your place is free for a new mentee.")
    sam_ended = notices[(world.sam_id, "A mentorship has ended")].payload
    assert sam_ended["text"].startswith("Your research mentor since ")
    closed = notices[(world.sam_id, "An intro request is closed")].payload
    assert closed["text"].startswith(
        "The faculty member you asked for an introduction on "
        f"{format_day(local_day(asked, 'UTC'))} has left mentorbot, so that request is "
        "closed. It says nothing about you.")
    # the next candidates: accepting faculty of the specialty, with a request button
    (candidate,) = closed["sections"]
    assert candidate["heading"] == "Dr. Elena Ramirez — emergency medicine"
    assert candidate["actions"][0]["command"] == "mentor request"
    assert candidate["actions"][0]["args"]["faculty"] == f"person:{world.elena_id}"
    assert sam_ended["sections"][0]["heading"] == candidate["heading"]
    assert all(NAME not in str(n.payload) and EMAIL not in n.text for n in notices.values())


@pytest.mark.parametrize("age", [rules.CONFIRM_WINDOW + timedelta(seconds=1),
                                 timedelta(seconds=-60)])
def test_a_stale_or_forged_button_deletes_nothing(driver: Driver, world: World, core: Core,
                                                  database: Database, age: timedelta) -> None:
    before = _snapshot(database)
    issued = int((core.clock.now() - age).timestamp())
    action = specs.ERASE.action("Delete my data", {"issued": issued}, style="danger")
    reply = driver.press(world.person_id, action.encode())
    assert reply.error
    assert reply.text == ("That button is more than 15 minutes old, so it no longer deletes "
                          "anything. Ask again with /mentor privacy delete.")
    assert _snapshot(database) == before


def test_typed_erase_without_a_stamp_is_refused(driver: Driver, world: World,
                                                database: Database) -> None:
    before = _snapshot(database)
    reply = driver.run(world.person_id, "/mentor privacy erase")
    assert reply.error and "issued:" in reply.text
    assert _snapshot(database) == before


def test_a_deleted_person_is_a_stranger_afterwards(driver: Driver, world: World) -> None:
    button = _confirm_button(driver, world.person_id)
    driver.press(world.person_id, button.encode())
    again = driver.run(world.person_id, "/mentor privacy")
    assert again.error and "I don't know you yet" in again.text


# --- the command line -----------------------------------------------------------------------


def test_cli_delete_with_yes(cli: Core, world: World, database: Database,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["person", "delete", EMAIL, "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == (f"{NAME} <{EMAIL}>: Deleted. 2 mentorships ended (the other side "
                           "is told), 1 open intro request closed with other suggestions.")
    assert mentions(database.engine, NEEDLES) == []
    with database.session() as session:
        (record,) = session.scalars(select(DeletionRecord))
        assert record.requested_by == "cli"


def test_cli_delete_without_yes_asks_and_a_script_is_refused(
        cli: Core, world: World, database: Database,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(database)
    assert main(["person", "delete", EMAIL]) == 1  # standard input is not a terminal
    assert "Not confirmed; nothing was deleted." in capsys.readouterr().err
    assert _snapshot(database) == before


@pytest.mark.parametrize(("email", "message"), [
    ("nobody@example.edu", "No one with the email nobody@example.edu is stored; nothing was "
                           "deleted."),
    ("zephyrine", "“zephyrine” is not an email address."),
])
def test_cli_delete_of_an_unknown_person_changes_nothing(
        cli: Core, world: World, database: Database, email: str, message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(database)
    assert main(["person", "delete", email, "--yes"]) == 1
    # The last line: a ResourceWarning from another test's garbage-collected connection
    # can land in the same captured stream when warnings are not captured.
    assert capsys.readouterr().err.strip().splitlines()[-1] == message
    assert _snapshot(database) == before

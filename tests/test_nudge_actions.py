"""Snooze and "Not relevant" on a delivered nudge: typed, and pressed as the button the
delivery sweep attached (the path every adapter's button handler takes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.core import Core
from bot.framework.channels import Router
from bot.infra.models import Nudge, Person
from bot.nudges.policy import NUDGE_HOUR, SNOOZE, snooze_until
from bot.nudges.quiet_hours import in_window, parse_window
from jobs.delivery import Sweeper
from tests.support.channels import RecordingChannel
from tests.support.factories import Driver, add_student
from tests.support.nudges import add_nudge, reminder
from tests.support.properties import examples


def deliver(core: Core) -> RecordingChannel:
    channel = RecordingChannel()
    Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog, max_inline_wait=0).run()
    return channel


def button(channel: RecordingChannel, label: str) -> str:
    (sent,) = channel.sent
    return next(a for a in sent.reply.actions if a.label == label).encode()


def test_snooze_button_moves_the_same_nudge_a_week_on(core: Core, driver: Driver) -> None:
    now = core.clock.now()
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=now, text="write to Dr. Chen")
    channel = deliver(core)
    reply = driver.press(ana.id, button(channel, "Snooze 1 week"))
    assert not reply.error and reply.title == "Snoozed"
    with core.db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None
        assert (row.state, row.due_at, row.attempts) == ("pending", now + timedelta(weeks=1), 0)
        assert session.query(Nudge).count() == 1  # rescheduled, not duplicated
    core.clock.advance(timedelta(weeks=1))  # type: ignore[attr-defined]
    assert deliver(core).texts() == [reminder("write to Dr. Chen")]


def test_not_relevant_dismisses_for_good(core: Core, driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=core.clock.now())
    channel = deliver(core)
    reply = driver.press(ana.id, button(channel, "Not relevant"))
    assert not reply.error
    with core.db.session() as session:
        # Its own state, not "cancelled": a person's "not relevant" is not a change that
        # made the reminder moot.
        assert session.get(Nudge, nudge.id).state == "dismissed"  # type: ignore[union-attr]
    assert "nothing to snooze" in driver.run(ana, f"/mentor nudge snooze {nudge.id}").text


def test_typed_form_shown_by_the_console_works(core: Core, driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=core.clock.now() + timedelta(days=1))
    reply = driver.run(ana, f"/mentor nudge snooze id:{nudge.id}")
    assert not reply.error
    with core.db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and row.due_at == core.clock.now() + timedelta(weeks=1)


def test_only_the_recipient_may_act_and_nothing_changes_otherwise(core: Core,
                                                                  driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        ben = add_student(session, "Ben Okafor")
        nudge = add_nudge(session, ana, due_at=core.clock.now())
    for verb in ("snooze", "dismiss"):
        reply = driver.run(ben, f"/mentor nudge {verb} {nudge.id}")
        assert reply.error and f"no reminder number {nudge.id}" in reply.text
    missing = driver.run(ana, "/mentor nudge dismiss 999999")
    assert missing.error and "no reminder number 999999" in missing.text
    with core.db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and (row.state, row.due_at) == ("pending", core.clock.now())


def test_notices_cannot_be_snoozed(core: Core, driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        notice = add_nudge(session, ana, due_at=core.clock.now(), kind="notice")
    reply = driver.run(ana, f"/mentor nudge snooze {notice.id}")
    assert reply.error and "not a reminder" in reply.text


def test_help_lists_the_commands_the_buttons_run(core: Core, driver: Driver) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
    text = driver.run(ana, "/mentor help").as_text()
    assert "/mentor nudge snooze ID" in text and "/mentor nudge dismiss ID" in text
    assert "Snooze a reminder" in driver.run(ana, "/mentor help nudge snooze").as_text()


def test_a_snooze_pressed_before_dawn_lands_on_the_nudge_hour_not_in_quiet_hours(
        core: Core, driver: Driver) -> None:
    """The report of issue 13: pressed at 04:57 in New York, the reminder came back "Wed 09
    Dec 04:57". It lands on the nudge hour of that day; pressed in the evening, at the end
    of the person's quiet hours; and each snooze is counted."""
    core.clock.set(datetime(2026, 12, 2, 9, 57, tzinfo=UTC))  # type: ignore[attr-defined]
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/New_York")
        nudge = add_nudge(session, ana, due_at=core.clock.now(), text="write to Dr. Chen")
    reply = driver.run(ana, f"/mentor nudge snooze {nudge.id}")
    assert reply.text == "I'll remind you again on Wed 09 Dec 2026 10:00 EST."
    core.clock.set(datetime(2026, 12, 3, 3, 30, tzinfo=UTC))  # type: ignore[attr-defined]
    with core.db.session() as session:  # 22:30 in New York; quiet until 07:00 for Ana
        session.get(Person, ana.id).quiet_hours = "22:00-07:00"  # type: ignore[union-attr]
    reply = driver.run(ana, f"/mentor nudge snooze {nudge.id}")
    assert reply.text == "I'll remind you again on Thu 10 Dec 2026 07:00 EST."
    with core.db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None
        assert (row.due_at, row.snoozes) == (datetime(2026, 12, 10, 12, 0, tzinfo=UTC), 2)


@settings(max_examples=examples(300), deadline=None)
@given(now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC)),
       tz=st.sampled_from(["America/New_York", "Europe/London", "Asia/Tokyo",
                           "Australia/Lord_Howe", "Pacific/Kiritimati", "UTC"]),
       quiet=st.sampled_from([None, "22:00-07:00", "00:00-00:00", "09:00-17:00",
                              "23:30-11:15", "06:00-05:00"]))
def test_a_snooze_never_lands_inside_quiet_hours(now: datetime, tz: str,
                                                 quiet: str | None) -> None:
    back = snooze_until(now, tz, quiet)
    start, end = parse_window(quiet)
    wall = back.astimezone(ZoneInfo(tz)).time()
    assert not in_window(wall, start, end)
    assert now + SNOOZE <= back <= now + SNOOZE + timedelta(days=1)
    if back > now + SNOOZE:  # moved: to the nudge hour, or the end of quiet hours
        assert wall in (NUDGE_HOUR, end)

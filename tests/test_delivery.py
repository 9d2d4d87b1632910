"""The delivery sweep on real databases: exactly once, never lost, quiet hours, backoff."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app.nudges import nudge_catalog
from bot.framework.channels import Address, Delivery, DeliveryError, Router
from bot.framework.replies import Action, Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity, Nudge
from bot.nudges import store
from bot.nudges.policy import LEASE, retry_delay
from bot.nudges.store import Claimed
from jobs.delivery import Sweeper, sweep
from tests.support.channels import RecordingChannel
from tests.support.clocks import AT_DAY_AND_NIGHT, NIGHT
from tests.support.databases import PostgresFactory
from tests.support.factories import add_student
from tests.support.nudges import add_nudge, bulk_nudges, reminder
from tests.support.waiting import wait_until


def sweeper(database: Database, clock: FixedClock, channel: RecordingChannel,
            **kwargs: object) -> Sweeper:
    kwargs.setdefault("max_inline_wait", 0.0)
    return Sweeper(database, clock, Router([channel]), nudge_catalog(), **kwargs)  # type: ignore[arg-type]


def claim(database: Database, now: datetime, worker: str) -> list[Claimed]:
    with database.session() as session:
        return store.claim(session, worker=worker, now=now, limit=500)


def renew_leases(database: Database, worker: str, ids: list[int], now: datetime) -> int:
    with database.session() as session:
        return store.renew_leases(session, worker=worker, ids=ids, now=now)


def nudge_row(database: Database, nudge_id: int) -> Nudge:
    with database.session() as session:
        row = session.get(Nudge, nudge_id)
        assert row is not None
        return row


@AT_DAY_AND_NIGHT
def test_due_nudges_go_out_once_and_future_ones_wait(database: Database, clock: FixedClock,
                                                     start: datetime) -> None:
    """By day (10:00 in New York) both go out at once. At night (21:00 in New York) the
    notice goes at once and the reminder at 08:00 New York time (13:00 UTC); each once."""
    clock.set(start)
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/New_York")
        due = add_nudge(session, ana, due_at=start - timedelta(hours=1), text="due one")
        notice = add_nudge(session, ana, due_at=start, kind="notice", text="a notice")
        later = add_nudge(session, ana, due_at=start + timedelta(days=1), text="tomorrow")
    channel = RecordingChannel()
    result = sweeper(database, clock, channel).run()
    if start == NIGHT:
        assert (result.sent, result.deferred, result.retried, result.failed) == (1, 1, 0, 0)
        assert channel.texts() == ["a notice"]
        morning = datetime(2027, 1, 5, 13, 0, tzinfo=UTC)
        assert nudge_row(database, due.id).due_at == morning
        clock.set(morning - timedelta(minutes=1))
        assert sweeper(database, clock, channel).run().claimed == 0
        clock.set(morning)
        result = sweeper(database, clock, channel).run()
        assert (result.sent, result.deferred, result.retried, result.failed) == (1, 0, 0, 0)
    else:
        assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert sorted(channel.texts()) == sorted(["a notice", reminder("due one")])
    assert {s.person_id for s in channel.sent} == {ana.id}
    assert sweeper(database, clock, channel).run().sent == 0
    assert len(channel.sent) == 2

    sent = nudge_row(database, due.id)
    assert (sent.state, sent.delivered_via, sent.sent_at, sent.attempts) == \
        ("sent", "recording", clock.now(), 1)
    assert nudge_row(database, notice.id).state == "sent"
    assert nudge_row(database, later.id).state == "pending"


def test_nudges_carry_snooze_and_dismiss_but_notices_do_not(database: Database,
                                                            clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="check in")
        add_nudge(session, ana, due_at=clock.now(), kind="notice", text="fyi")
    channel = RecordingChannel()
    sweeper(database, clock, channel).run()
    by_text = {s.reply.title or s.reply.text: s.reply for s in channel.sent}
    actions = by_text[reminder("check in")].actions
    # the reminder's own buttons stay first
    assert [a.command for a in actions[:2]] == ["mentor done", "mentor log"]
    assert actions[2:] == (
        Action("Snooze 1 week", "mentor nudge snooze", {"id": str(nudge.id)}),
        Action("Not relevant", "mentor nudge dismiss", {"id": str(nudge.id)}, "danger"),
    )
    assert [a.command for a in by_text["fyi"].actions] == ["mentor log"]


def test_quiet_hours_defer_nudges_to_the_morning_but_not_notices(database: Database) -> None:
    clock = FixedClock(datetime(2027, 1, 5, 3, 0, tzinfo=UTC))  # 22:00 in New York
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/New_York")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="check in")
        add_nudge(session, ana, due_at=clock.now(), kind="notice", text="fyi")
    channel = RecordingChannel()
    result = sweeper(database, clock, channel).run()
    assert (result.sent, result.deferred) == (1, 1)
    assert channel.texts() == ["fyi"]
    row = nudge_row(database, nudge.id)
    assert (row.state, row.due_at, row.lease_until) == \
        ("pending", datetime(2027, 1, 5, 13, 0, tzinfo=UTC), None)
    clock.set(datetime(2027, 1, 5, 12, 59, tzinfo=UTC))
    assert sweeper(database, clock, channel).run().claimed == 0
    clock.set(datetime(2027, 1, 5, 13, 0, tzinfo=UTC))
    assert sweeper(database, clock, channel).run().sent == 1
    assert channel.texts() == ["fyi", reminder("check in")]


def test_quiet_hours_across_the_spring_dst_change(database: Database) -> None:
    # 01:30 EST on the night clocks spring forward; the person's morning is 08:00 EDT.
    clock = FixedClock(datetime(2027, 3, 14, 6, 30, tzinfo=UTC))
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", tz="America/New_York")
        ana.quiet_hours = "22:00-08:00"
        nudge = add_nudge(session, ana, due_at=clock.now())
    sweeper(database, clock, RecordingChannel()).run()
    assert nudge_row(database, nudge.id).due_at == datetime(2027, 3, 14, 12, 0, tzinfo=UTC)


def test_default_timezone_applies_to_people_without_one(database: Database) -> None:
    clock = FixedClock(datetime(2027, 1, 4, 22, 0, tzinfo=UTC))
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now())
    channel = RecordingChannel()
    # 22:00Z is 07:00 in Tokyo: still quiet there, so it waits for 08:00 JST.
    assert sweeper(database, clock, channel, default_timezone="Asia/Tokyo").run().deferred == 1
    assert nudge_row(database, nudge.id).due_at == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)


def test_rate_limit_then_success_delivers_once_after_the_wait(database: Database,
                                                              clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(failures=[DeliveryError("ratelimited", retry_after=30)])
    worker = sweeper(database, clock, channel)
    result = worker.run()
    assert (result.sent, result.retried) == (0, 1)
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, "ratelimited")
    assert row.due_at == clock.now() + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert worker.run().claimed == 0
    clock.advance(timedelta(seconds=1))
    assert worker.run().sent == 1
    assert worker.run().claimed == 0
    assert channel.texts() == [reminder("hello")]
    assert channel.calls == 2
    assert nudge_row(database, nudge.id).state == "sent"


def test_short_retry_after_is_waited_out_within_the_sweep(database: Database,
                                                          clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(failures=[DeliveryError("ratelimited", retry_after=0)])
    result = sweeper(database, clock, channel, max_inline_wait=1.0).run()
    assert result.sent == 1
    assert channel.texts() == [reminder("hello")]


def test_server_errors_back_off_then_fail_with_the_error_kept(database: Database,
                                                             clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(fail_with=lambda *_: DeliveryError("HTTP 503 from chat.postMessage"))
    worker = sweeper(database, clock, channel, max_attempts=4)
    for attempt in (1, 2, 3):
        assert worker.run().retried == 1
        row = nudge_row(database, nudge.id)
        assert (row.state, row.attempts) == ("pending", attempt)
        assert row.due_at == clock.now() + retry_delay(attempt)
        clock.advance(retry_delay(attempt) - timedelta(seconds=1))
        assert worker.run().claimed == 0  # not before the backoff is over
        clock.advance(timedelta(seconds=1))
    assert worker.run().failed == 1
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts, row.last_error) == \
        ("failed", 4, "HTTP 503 from chat.postMessage")
    clock.advance(timedelta(days=1))
    assert worker.run().claimed == 0
    assert channel.calls == 4 and not channel.sent


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(hours=6)


def test_permanent_errors_fail_at_once(database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now())
    channel = RecordingChannel(failures=[DeliveryError("cannot_dm_bot", permanent=True)])
    assert sweeper(database, clock, channel).run().failed == 1
    row = nudge_row(database, nudge.id)
    assert (row.state, row.last_error) == ("failed", "cannot_dm_bot")


def test_unexpected_exceptions_are_retried_not_lost(database: Database,
                                                   clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now())

    def boom(*_: object) -> DeliveryError:
        raise ConnectionResetError("peer reset")

    channel = RecordingChannel(fail_with=boom)
    assert sweeper(database, clock, channel).run().retried == 1
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "ConnectionResetError" in (row.last_error or "")


def test_person_no_channel_reaches_waits_as_unreachable_with_the_reason(
        database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now())
        ben = add_student(session, "Ben Okafor")
        ben.identities.append(Identity(platform="slack", workspace="T1", external_id="U1"))
        add_nudge(session, ben, due_at=clock.now(), text="for ben")
    channel = RecordingChannel(name="slack", platform="slack")
    result = sweeper(database, clock, channel).run()
    assert (result.sent, result.unreachable, result.retried, result.failed) == (1, 1, 0, 0)
    assert channel.texts() == [reminder("for ben")]
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts, row.claimed_by, row.lease_until) == \
        ("unreachable", 0, None, None)
    assert row.last_error == "no Slack account linked"


def test_a_worker_killed_after_claiming_loses_nothing_after_the_lease(
        database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    # A worker claims the row and dies before sending anything.
    assert [c.id for c in claim(database, clock.now(), "dead-worker")] == [nudge.id]
    channel = RecordingChannel()
    survivor = sweeper(database, clock, channel)
    assert survivor.run().claimed == 0  # the lease still holds
    clock.advance(LEASE - timedelta(seconds=1))
    assert survivor.run().claimed == 0
    clock.advance(timedelta(seconds=1))
    assert survivor.run().sent == 1
    assert channel.texts() == [reminder("hello")]
    row = nudge_row(database, nudge.id)
    assert (row.state, row.claimed_by) == ("sent", survivor.worker)


def test_sweep_helper_filters_kinds_for_the_console(database: Database,
                                                    clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        add_nudge(session, ana, due_at=clock.now(), text="planned")
        add_nudge(session, ana, due_at=clock.now(), kind="notice", text="notice")
    channel = RecordingChannel()
    assert sweep(database, clock, Router([channel]), nudge_catalog(), kinds=("notice",)).sent == 1
    assert channel.texts() == ["notice"]


def test_many_batches_drain_everything_due(database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ids = [add_student(session, f"Student {i}").id for i in range(7)]
        texts = bulk_nudges(session, ids, 230, due_at=clock.now())
    channel = RecordingChannel()
    result = sweeper(database, clock, channel, batch=50).run()
    assert result.sent == 230
    assert channel.per_text() == Counter({t: 1 for t in texts})


@pytest.mark.postgres
def test_two_concurrent_sweeps_on_postgres_deliver_each_nudge_once(
        postgres_factory: PostgresFactory) -> None:
    url = postgres_factory.new_url()
    clock = FixedClock(datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    setup = Database(url)
    with setup.session() as session:
        ids = [add_student(session, f"Student {i}").id for i in range(100)]
        texts = bulk_nudges(session, ids, 2000, due_at=clock.now() - timedelta(minutes=5))
    setup.dispose()

    channel = RecordingChannel()
    start = threading.Barrier(2)
    results = {}

    def work(name: str) -> None:
        db = Database(url)  # its own engine and connections, as a second process would have
        try:
            worker = Sweeper(db, clock, Router([channel]), nudge_catalog(), worker=name, batch=100,
                             threads=4)
            start.wait(timeout=10)
            results[name] = worker.run()
        finally:
            db.dispose()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("worker-a", "worker-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert channel.per_text() == Counter({t: 1 for t in texts})
    assert sum(r.sent for r in results.values()) == 2000
    check = Database(url)
    with check.session() as session:
        by_worker = Counter(session.scalars(select(Nudge.claimed_by).where(Nudge.state == "sent")))
    check.dispose()
    assert set(by_worker) == {"worker-a", "worker-b"}
    assert by_worker.total() == 2000
    postgres_factory.drop(url)


@pytest.mark.postgres
def test_nudges_table_leaves_room_for_hot_claims_on_postgres(
        postgres_factory: PostgresFactory) -> None:
    from sqlalchemy import text

    url = postgres_factory.new_url()
    db = Database(url)
    with db.session() as session:
        options = session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'nudges'"))
    db.dispose()
    postgres_factory.drop(url)
    assert "fillfactor=70" in (options or [])


def test_renewed_leases_keep_other_workers_off_unsent_rows(database: Database,
                                                           clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        mine = add_nudge(session, ana, due_at=clock.now())
    assert [c.id for c in claim(database, clock.now(), "slow-worker")] == [mine.id]
    clock.advance(LEASE - timedelta(minutes=1))
    assert renew_leases(database, "slow-worker", [mine.id], clock.now()) == 1
    assert renew_leases(database, "someone-else", [mine.id], clock.now()) == 0
    clock.advance(timedelta(minutes=2))  # past the first lease, inside the renewed one
    assert claim(database, clock.now(), "other-worker") == []
    clock.advance(LEASE)
    assert [c.id for c in claim(database, clock.now(), "other-worker")] == [mine.id]


def test_a_slow_sweep_keeps_its_claims_alive_while_it_sends(database: Database,
                                                            clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        first = add_nudge(session, ana, due_at=clock.now(), text="first")
        second = add_nudge(session, ana, due_at=clock.now(), text="second")
    release = threading.Event()
    sending = threading.Event()

    def hold(*_: object) -> None:
        sending.set()
        assert release.wait(timeout=10)

    channel = RecordingChannel(on_send=hold)
    slow = sweeper(database, clock, channel, lease=timedelta(seconds=0.3), worker="slow")
    runner = threading.Thread(target=slow.run)
    runner.start()
    try:
        assert sending.wait(timeout=10)
        clock.advance(timedelta(hours=1))  # far past the claim's first lease
        wait_until(lambda: nudge_row(database, second.id).lease_until
                   == clock.now() + timedelta(seconds=0.3),
                   what="the collector's renewal (every 0.1 s)")
        assert nudge_row(database, second.id).lease_until == \
            clock.now() + timedelta(seconds=0.3)
        assert claim(database, clock.now(), "other-worker") == []
    finally:
        release.set()
        runner.join(timeout=10)
    assert channel.texts() == [reminder("first"), reminder("second")]
    assert {nudge_row(database, n.id).state for n in (first, second)} == {"sent"}


# --- exactly once between live workers --------------------------------------------------------


def test_a_batch_renews_its_leases_on_a_timer_while_outcomes_trickle_in(
        database: Database, clock: FixedClock) -> None:
    """Outcomes arriving every few milliseconds must not keep the renewal from running: the
    held person's unsent rows stay this worker's past the first lease."""
    with database.session() as session:
        busy = add_student(session, "Busy Person")
        held = add_student(session, "Held Person")
        bulk_nudges(session, [busy.id], 60, due_at=clock.now(), prefix="busy")
        first = add_nudge(session, held, due_at=clock.now(), text="held first")
        second = add_nudge(session, held, due_at=clock.now(), text="held second")
    release = threading.Event()
    sending = threading.Event()

    def hold(address: object, reply: object) -> None:
        if getattr(address, "person_id", None) == held.id:
            sending.set()
            assert release.wait(timeout=10)
        else:
            release.wait(0.01)  # the busy person's outcomes trickle in, one every 10 ms

    lease = timedelta(seconds=0.3)
    channel = RecordingChannel(on_send=hold)
    slow = sweeper(database, clock, channel, lease=lease, worker="slow", threads=2)
    runner = threading.Thread(target=slow.run)
    runner.start()
    try:
        assert sending.wait(timeout=10)
        clock.advance(timedelta(hours=1))  # far past the claim's lease
        wait_until(lambda: nudge_row(database, second.id).lease_until == clock.now() + lease,
                   what="the renewal (every 0.1 s of wall time)")
        assert nudge_row(database, second.id).lease_until == clock.now() + lease
        assert claim(database, clock.now(), "other-worker") == []
    finally:
        release.set()
        runner.join(timeout=10)
    assert {nudge_row(database, n.id).state for n in (first, second)} == {"sent"}
    assert len(channel.sent) == 62 and len(set(channel.texts())) == 62


def test_a_row_another_worker_took_over_is_skipped_not_sent(database: Database,
                                                            clock: FixedClock,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Rows are taken again just before their sends: a row another worker took over after
    this one claimed it (as after a stall longer than the lease) is skipped, and the rest
    go out."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        ben = add_student(session, "Ben Okafor")
        first = add_nudge(session, ana, due_at=clock.now(), text="first")
        second = add_nudge(session, ben, due_at=clock.now(), text="second")
    channel = RecordingChannel()
    stalled = sweeper(database, clock, channel, worker="stalled")
    read_subjects = stalled._read_subjects

    def taken_over_meanwhile(*args: object) -> None:
        # Between this worker's claim and its sends, its claim on Ben's lapsed and another
        # worker claimed it.
        with database.session() as session:
            session.execute(update(Nudge).where(Nudge.id == second.id)
                            .values(claimed_by="other-worker"))
        read_subjects(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(stalled, "_read_subjects", taken_over_meanwhile)
    result = stalled.run()
    assert (result.sent, result.skipped) == (1, 1)
    assert channel.texts() == [reminder("first")]
    row = nudge_row(database, second.id)
    assert (row.state, row.claimed_by, row.attempted_at) == ("pending", "other-worker", None)
    assert nudge_row(database, first.id).state == "sent"


def test_one_persons_rows_are_taken_in_one_statement_and_given_back_untouched(
        database: Database, clock: FixedClock) -> None:
    """A person's messages of a batch are taken together: each row holds this worker's
    lease and the attempt before the first send, and a row taken but not sent (a stop
    between two sends) goes back without a trace of an attempt, so its next try does not
    look for it on the platform first."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudges = [add_nudge(session, ana, due_at=clock.now() - timedelta(minutes=i),
                            text=f"item {i}") for i in range(3)]
    states: list[tuple[datetime | None, datetime | None]] = []
    worker = sweeper(database, clock, RecordingChannel(), worker="w", threads=1)

    def stop_after_first(address: Address, reply: object) -> None:
        if not states:
            states.extend((nudge_row(database, n.id).attempted_at,
                           nudge_row(database, n.id).lease_until) for n in nudges)
            worker.stop()

    worker.router.channels[0].on_send = stop_after_first  # type: ignore[attr-defined]
    result = worker.run()
    assert (result.sent, result.released) == (1, 2)
    assert states == [(clock.now(), clock.now() + LEASE)] * 3  # all taken at once
    rows = [nudge_row(database, n.id) for n in nudges]
    assert [r.state for r in rows].count("sent") == 1
    assert [(r.attempted_at, r.claimed_by) for r in rows if r.state == "pending"] == \
        [(None, None)] * 2


def test_a_retry_after_past_the_batch_span_is_rescheduled_not_waited(
        database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(failures=[DeliveryError("ratelimited", retry_after=2)])
    # A 4-second lease leaves 2 s to wait in: a 2-second Retry-After would end past it.
    worker = sweeper(database, clock, channel, lease=timedelta(seconds=4), max_inline_wait=5)
    started = time.monotonic()
    result = worker.run()
    assert time.monotonic() - started < 1.5
    assert (result.sent, result.retried) == (0, 1)
    row = nudge_row(database, nudge.id)
    assert (row.state, row.due_at, row.attempts, row.attempted_at) == \
        ("pending", clock.now() + timedelta(seconds=2), 0, None)  # refused: nothing unknown


def test_a_rate_limit_after_part_of_a_long_reply_went_looks_before_the_next_try(
        database: Database, clock: FixedClock) -> None:
    """A 429 in the middle of a reply of several messages is no failed attempt, but part of
    it is on the platform: the row keeps the attempt, so the next try looks first."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(failures=[DeliveryError("ratelimited", retry_after=2,
                                                       partly=True)])
    result = sweeper(database, clock, channel).run()
    assert result.retried == 1
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts, row.attempted_at) == ("pending", 0, clock.now())
    clock.advance(timedelta(seconds=2))
    channel.remembers = True
    assert sweeper(database, clock, channel).run().sent == 1
    assert channel.deliveries[-1] is not None and channel.deliveries[-1].since == clock.now() \
        - timedelta(seconds=2)


def test_an_earlier_attempt_that_went_through_is_found_not_sent_again(
        database: Database, clock: FixedClock) -> None:
    """kill -9 between the platform's answer and the write: the next worker, after the
    lease, hands the channel the time of the unanswered attempt; the channel finds the
    message there (as Slack's history does) and nothing is sent twice."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(remembers=True)
    attempted = clock.now()
    (dead,) = claim(database, attempted, "dead-worker")
    with database.session() as session:
        assert store.take(session, worker="dead-worker", nudge_id=nudge.id, now=attempted)
    channel.send_dm(Address(ana.id, "Ana Lopez", None), Reply(text="hello"),
                    Delivery(nudge.id, 0))  # the platform got it; then the worker died
    clock.advance(LEASE)
    result = sweeper(database, clock, channel).run()
    assert (result.sent, result.found) == (1, 1)
    assert channel.texts() == ["hello"]
    assert channel.deliveries[-1] == Delivery(nudge.id, 0, attempted)
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts) == ("sent", 1)


def test_a_lost_answer_is_looked_for_before_the_next_attempt(database: Database,
                                                              clock: FixedClock) -> None:
    """A server error may come after the message was posted: the next attempt looks first;
    a rate limit refuses the message, so the attempt after it does not need to."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel(failures=[DeliveryError("HTTP 500 from chat.postMessage")])
    worker = sweeper(database, clock, channel)
    first = clock.now()
    assert worker.run().retried == 1
    assert nudge_row(database, nudge.id).attempted_at == first
    clock.advance(retry_delay(1))
    assert worker.run().sent == 1
    assert channel.deliveries == [Delivery(nudge.id, 0, None), Delivery(nudge.id, 0, first)]


def test_snoozed_reminders_come_back_as_a_new_round(database: Database,
                                                   clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello")
    channel = RecordingChannel()
    sweeper(database, clock, channel).run()
    with database.session() as session:
        assert store.snooze(session, nudge.id, person_id=ana.id, until=clock.now(),
                            kinds=nudge_catalog().snoozable)
    sweeper(database, clock, channel).run()
    assert [d.key for d in channel.deliveries if d] == [f"{nudge.id}.0", f"{nudge.id}.1"]


def test_stop_gives_back_what_was_not_sent(database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudges = [add_nudge(session, ana, due_at=clock.now(), text=f"n{i}") for i in range(3)]
    worker = sweeper(database, clock, RecordingChannel())
    channel = RecordingChannel(on_send=lambda *_: worker.stop())
    worker.router = Router([channel])
    result = worker.run()
    assert (result.sent, result.released) == (1, 2)
    rows = [nudge_row(database, n.id) for n in nudges]
    assert [(r.state, r.claimed_by, r.lease_until) for r in rows[1:]] == \
        [("pending", None, None)] * 2
    assert worker.run().claimed == 0  # a stopped sweeper starts nothing

"""The delivery sweep through the real SlackChannel (slack_sdk) against the fake Web API:
lost answers found in the DM's history instead of sent twice, people found by email, and two
live sweepers on PostgreSQL under 429 and 500 storms delivering each nudge exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import ColumnElement, func, select

from adapters.slack.channel import METADATA_EVENT, SlackChannel
from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.framework.channels import Address, Delivery, Router
from bot.framework.replies import Reply, Section
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity, Nudge
from bot.nudges import store
from bot.nudges.policy import LEASE, UNREACHABLE_RECHECK, retry_delay
from bot.people.identities import PlatformUser, identify
from jobs.delivery import Sweeper, SweepResult
from tests.support.clocks import (
    AT_DAY_AND_NIGHT,
    DAY,
    MORNING,
    NIGHT,
    RunningClock,
    sending_resumes,
)
from tests.support.databases import PostgresFactory
from tests.support.factories import add_student
from tests.support.nudges import add_nudge, bulk_nudges
from tests.support.slack_api import FakeSlackApi, Storm
from tests.support.waiting import wait_until


@pytest.fixture
def api(clock: FixedClock) -> Iterator[FakeSlackApi]:
    """The fake stamps messages with the test's clock, as Slack stamps them with its own."""
    with FakeSlackApi(clock=lambda: clock.now().timestamp()) as server:
        yield server


def slack(api: FakeSlackApi, database: Database) -> SlackChannel:
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  Core(db=database, clock=FixedClock()))
    channel.dm_interval = 0.0  # the fake does not rate limit unless told to
    return channel


def sweeper(database: Database, clock: FixedClock, channel: SlackChannel,
            **kwargs: object) -> Sweeper:
    kwargs.setdefault("max_inline_wait", 0.0)
    return Sweeper(database, clock, Router([channel]), nudge_catalog(), **kwargs)  # type: ignore[arg-type]


def with_slack(database: Database, name: str, user_id: str) -> int:
    with database.session() as session:
        person = add_student(session, name)
        person.identities.append(Identity(platform="slack", workspace="T0MENTOR",
                                          external_id=user_id))
        session.flush()
        return person.id


def nudge_row(database: Database, nudge_id: int) -> Nudge:
    with database.session() as session:
        row = session.get(Nudge, nudge_id)
        assert row is not None
        return row


# --- a lost answer -----------------------------------------------------------------------


@AT_DAY_AND_NIGHT
def test_each_message_carries_its_nudge_in_metadata(api: FakeSlackApi,
                                                     database: Database,
                                                     clock: FixedClock,
                                                     start: datetime) -> None:
    """Sent once, to the person's DM: by day at once, at night at 08:00 (on UTC)."""
    clock.set(start)
    person = with_slack(database, "Ana Lopez", "U0ANA")
    with database.session() as session:
        nudge = add_nudge(session, person, due_at=start, text="write to Dr. Grey")
    worker = sweeper(database, clock, slack(api, database))
    if start == NIGHT:
        assert (worker.run().sent, api.calls("chat.postMessage")) == (0, [])
        clock.set(MORNING)
    assert worker.run().sent == 1
    assert worker.run().sent == 0
    assert nudge_row(database, nudge.id).sent_at == sending_resumes(start)
    assert [c.get("channel") for c in api.calls("chat.postMessage")] == ["U0ANA"]  # to the user id
    (message,) = api.history("D0ANA")
    assert message["metadata"] == {"event_type": METADATA_EVENT,
                                   "event_payload": {"nudge_id": nudge.id, "round": 0,
                                                     "part": 0}}
    assert "write to Dr. Grey" in message["text"]


def test_a_message_whose_answer_was_lost_is_found_and_not_sent_again(
        api: FakeSlackApi, database: Database, clock: FixedClock) -> None:
    person = with_slack(database, "Ana Lopez", "U0ANA")
    with database.session() as session:
        nudge = add_nudge(session, person, due_at=clock.now(), text="hello")
    # Slack posts the message, but its answer never arrives: a 500 on the way back.
    api.storm("chat.postMessage", share=1.0, status=500, after_post=True)
    worker = sweeper(database, clock, slack(api, database))
    assert worker.run().retried == 1
    assert len(api.history("D0ANA")) == 1
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.attempted_at is not None
    api.clear_storms()
    clock.advance(retry_delay(1))
    result = worker.run()
    assert (result.sent, result.found) == (1, 1)
    assert len(api.history("D0ANA")) == 1  # looked for, found, not posted again
    (lookup,) = api.calls("conversations.history")
    assert lookup.get("channel") == "D0ANA" and lookup.get("include_all_metadata") == "1"
    assert float(lookup.get("oldest")) < row.attempted_at.timestamp()
    assert nudge_row(database, nudge.id).state == "sent"


def test_a_worker_killed_after_posting_is_not_repeated_by_the_next(
        api: FakeSlackApi, database: Database, clock: FixedClock) -> None:
    person = with_slack(database, "Ana Lopez", "U0ANA")
    with database.session() as session:
        nudge = add_nudge(session, person, due_at=clock.now(), text="hello")
        other = add_nudge(session, person, due_at=clock.now(), text="not sent yet")
    channel = slack(api, database)
    # The dead worker claimed both, took the first, posted it, and was killed.
    with database.session() as session:
        store.claim(session, worker="dead", now=clock.now(), limit=10)
        assert store.take(session, worker="dead", nudge_id=nudge.id, now=clock.now())
    address = Address(person, "Ana Lopez", None, (("slack", "T0MENTOR", "U0ANA"),))
    channel.send_dm(address, Reply(text="hello"), Delivery(nudge.id, 0))
    clock.advance(LEASE)
    result = sweeper(database, clock, channel).run()
    assert (result.sent, result.found) == (2, 1)
    texts = [m["text"] for m in api.history("D0ANA")]
    assert len(texts) == 2 and sum("hello" in t for t in texts) == 1
    assert any("not sent yet" in t for t in texts)
    assert len(api.calls("conversations.history")) == 1  # only for the one attempted
    assert {nudge_row(database, n.id).state for n in (nudge, other)} == {"sent"}


def test_a_long_message_sends_only_the_parts_not_found(api: FakeSlackApi,
                                                        database: Database,
                                                        clock: FixedClock) -> None:
    person = with_slack(database, "Ana Lopez", "U0ANA")
    channel = slack(api, database)
    address = Address(person, "Ana Lopez", None, (("slack", "T0MENTOR", "U0ANA"),))
    long = Reply(title="Everything", sections=tuple(Section(heading=f"Part {i}", text="…")
                                                    for i in range(60)))
    started = clock.now()
    # An earlier attempt got the first of the three messages out, then died.
    client = WebClient("xoxb-test", base_url=api.base_url)
    client.chat_postMessage(channel=channel.dm_channel(client, "T0MENTOR", "U0ANA"),
                            text="first part", metadata={
                                "event_type": METADATA_EVENT,
                                "event_payload": {"nudge_id": 7, "round": 0, "part": 0}})
    assert channel.send_dm(address, long, Delivery(7, 0, started)) is False
    parts = [m["metadata"]["event_payload"]["part"] for m in api.history("D0ANA")]
    assert parts == [0, 1, 2]
    # Everything there now: a further attempt sends nothing. Another round is another
    # message (a snooze brings the reminder back).
    assert channel.send_dm(address, long, Delivery(7, 0, started)) is True
    assert channel.send_dm(address, long, Delivery(7, 1, started)) is False
    rounds = [m["metadata"]["event_payload"]["round"] for m in api.history("D0ANA")]
    assert rounds == [0, 0, 0, 1, 1, 1]


# --- people the bot cannot reach yet ------------------------------------------------------


def test_someone_with_no_slack_id_is_found_by_email_and_linked(
        api: FakeSlackApi, database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", email="ana.lopez@example.edu")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello Ana")
    api.add_user("U0ANA", "ana", email="Ana.Lopez@example.edu", tz="America/Chicago")
    result = sweeper(database, clock, slack(api, database)).run()
    assert (result.sent, result.unreachable) == (1, 0)
    (lookup,) = api.calls("users.lookupByEmail")
    assert lookup.get("email") == "ana.lopez@example.edu"
    assert ["hello Ana" in m["text"] for m in api.history("D0ANA")] == [True]
    with database.session() as session:
        linked = session.execute(select(Identity.person_id, Identity.workspace,
                                        Identity.external_id)).all()
    assert [tuple(r) for r in linked] == [(ana.id, "T0MENTOR", "U0ANA")]
    assert nudge_row(database, nudge.id).state == "sent"


def test_nobody_found_waits_as_unreachable_then_goes_out_once_an_account_appears(
        api: FakeSlackApi, database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", email="ana.lopez@example.edu")
        ben = add_student(session, "Ben Okafor", email="ben.okafor@example.edu")
        ben.quiet_hours = "00:00-00:00"  # the recheck falls in the evening
        for_ana = add_nudge(session, ana, due_at=clock.now(), text="hello Ana")
        for_ben = add_nudge(session, ben, due_at=clock.now(), text="hello Ben")
    channel = slack(api, database)
    worker = sweeper(database, clock, channel)
    result = worker.run()
    assert (result.sent, result.unreachable, result.failed) == (0, 2, 0)
    row = nudge_row(database, for_ana.id)
    assert (row.state, row.attempts) == ("unreachable", 0)
    assert row.last_error == ("no Slack account linked; no Slack user has the email "
                              "ana.lopez@example.edu")
    assert row.due_at == clock.now() + UNREACHABLE_RECHECK
    clock.advance(timedelta(hours=1))
    assert worker.run().claimed == 0  # waiting: no lookup every minute
    # Ana uses the bot from Slack: her account is linked, her nudge goes out.
    identify(database, PlatformUser("slack", "U0ANA", "T0MENTOR", "Ana Lopez",
                                    "ana.lopez@example.edu"), now=clock.now())
    assert worker.run().sent == 1
    assert nudge_row(database, for_ana.id).state == "sent"
    # Ben joins Slack; the next lookup (after the recheck interval) finds him.
    api.add_user("U0BEN", "ben", email="ben.okafor@example.edu")
    assert worker.run().claimed == 0
    clock.advance(UNREACHABLE_RECHECK)
    assert worker.run().sent == 1
    assert nudge_row(database, for_ben.id).state == "sent"
    assert len(api.calls("users.lookupByEmail")) == 3  # Ana once, Ben twice


def test_a_lookup_refused_by_a_rate_limit_is_retried_not_given_up(
        api: FakeSlackApi, database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez", email="ana.lopez@example.edu")
        nudge = add_nudge(session, ana, due_at=clock.now(), text="hello Ana")
    api.fail_next("users.lookupByEmail", retry_after=20)
    result = sweeper(database, clock, slack(api, database)).run()
    assert (result.retried, result.unreachable) == (1, 0)
    row = nudge_row(database, nudge.id)
    assert (row.state, row.attempts, row.due_at) == \
        ("pending", 0, clock.now() + timedelta(seconds=20))


# --- two live sweepers on PostgreSQL ---------------------------------------------------------


def _storms(api: FakeSlackApi) -> list[Storm]:
    """Most posts refused with 429s for 4 s, a fifth with 500s for 8 s, and a tenth posted
    with their answer lost (a 500 after the post) for 8 s."""
    return [
        api.storm("chat.postMessage", share=0.8, retry_after=0.3, seconds=4, seed=1),
        api.storm("chat.postMessage", share=0.2, status=500, seconds=8, seed=2),
        api.storm("chat.postMessage", share=0.1, status=500, after_post=True, seconds=8,
                  seed=3),
    ]


def _count(db: Database, *where: ColumnElement[bool]) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Nudge).where(*where)) or 0)


@pytest.mark.postgres
@AT_DAY_AND_NIGHT
def test_two_sweepers_under_429_and_500_storms_send_each_nudge_once(
        postgres_factory: PostgresFactory, start: datetime) -> None:
    """Two sweepers with short leases (so a batch that overstayed its lease would be taken
    over) against the fake Slack API refusing most posts with 429s, then answering 500s;
    some posts go through with their answer lost. Every nudge is posted exactly once, to its
    own person. At night (the default quiet hours) nothing is posted: every nudge waits for
    08:00, and goes out then.

    The sweepers' leases and back-off are real waits between threads, so their clock starts
    at the test's hour and runs on with real time (`RunningClock`)."""
    clock = RunningClock(start)
    url = postgres_factory.new_url()
    count = 240
    setup = Database(url)
    with setup.session() as session:
        ids = [add_student(session, f"Student {i}").id for i in range(60)]
        for i, person in enumerate(ids):
            session.add(Identity(person_id=person, platform="slack", workspace="T0MENTOR",
                                 external_id=f"U{i:04d}"))
        bulk_nudges(session, ids, count, due_at=start - timedelta(minutes=1))
        session.flush()
        dm_of = {nudge_id: "D" + user_id.lstrip("U") for nudge_id, user_id in session.execute(
            select(Nudge.id, Identity.external_id)
            .join(Identity, Identity.person_id == Nudge.person_id))}
    setup.dispose()

    with FakeSlackApi(clock=clock.timestamp) as api:
        storms = _storms(api) if start == DAY else []
        done = threading.Event()
        errors: list[BaseException] = []
        totals = SweepResult()
        lock = threading.Lock()

        def work(name: str) -> None:
            db = Database(url)  # its own engine, as a second process would have
            try:
                channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                              Core(db=db, clock=clock))
                channel.dm_interval = 0.0
                worker = Sweeper(db, clock, Router([channel]), nudge_catalog(), worker=name,
                                 batch=40, threads=4, lease=timedelta(seconds=2),
                                 max_inline_wait=1.0, max_attempts=100,
                                 backoff=lambda n: timedelta(seconds=0.2))
                while not done.is_set():
                    result = worker.run()
                    with lock:
                        totals.add(result)
                    done.wait(0.05)  # the scheduler's interval, shortened
            except BaseException as exc:  # surfaced by the assertion below
                errors.append(exc)
            finally:
                db.dispose()

        threads = [threading.Thread(target=work, args=(n,)) for n in ("worker-a", "worker-b")]
        for t in threads:
            t.start()
        check = Database(url)
        try:
            if start == NIGHT:
                wait_until(lambda: errors != [] or _count(
                    check, Nudge.state == "pending", Nudge.due_at == MORNING,
                    Nudge.claimed_by.is_(None)) == count,
                    what="every nudge deferred to the end of the quiet hours")
                assert not errors
                assert api.calls("chat.postMessage") == []  # nothing at night
                assert totals.sent == 0
                storms = _storms(api)
                clock.set(MORNING)
            wait_until(lambda: errors != [] or _count(check, Nudge.state != "sent") == 0,
                       timeout=90, what=f"all {count} nudges sent")
        finally:
            done.set()
            for t in threads:
                t.join(timeout=30)
        assert not errors
        with check.session() as session:
            states = dict(session.execute(select(Nudge.state, func.count())
                                          .group_by(Nudge.state)).all())
            ids = set(session.scalars(select(Nudge.id)))
            by_worker = set(session.scalars(select(Nudge.claimed_by)))
            sent_at = set(session.scalars(select(Nudge.sent_at)))
        check.dispose()
        posted = api.posted_nudges()
        where = {int(m["metadata"]["event_payload"]["nudge_id"]): channel
                 for channel in {"D" + f"{i:04d}" for i in range(60)}
                 for m in api.history(channel)}
    postgres_factory.drop(url)
    assert states == {"sent": count}
    assert set(posted) == ids  # none lost
    assert [n for n, times in posted.items() if times > 1] == []  # none duplicated
    assert where == dm_of  # each in its own person's DM
    assert all(storm.refused for storm in storms)  # every storm struck
    # Each post whose answer was lost was found in the history, not sent again.
    assert totals.found == storms[2].refused
    assert by_worker == {"worker-a", "worker-b"}
    assert min(sent_at) >= sending_resumes(start)  # by day at once; at night from 08:00

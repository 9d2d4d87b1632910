"""One send budget for every worker: two live sweepers on PostgreSQL, each with its own
engine, send budget and kept-alive Slack client (as two `mentorbot run` processes would
have), deliver through the fake Slack Web API. The fake records when each message arrived:
the busiest second never holds more than SLACK_SEND_RATE, and a 429 answered to either
worker holds both back until its Retry-After is over."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from adapters.slack.channel import SlackChannel
from adapters.slack.transport import KeptAliveClient
from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.framework.channels import Router
from bot.infra.db import Database
from bot.infra.models import Identity, Nudge
from bot.nudges import slots
from jobs.budget import SendBudgets
from jobs.delivery import Sweeper
from tests.support.clocks import DAY, RunningClock
from tests.support.databases import PostgresFactory
from tests.support.factories import add_student
from tests.support.nudges import bulk_nudges
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.waiting import wait_until

RATE = 10.0
COUNT = 45
RETRY_AFTER = 2.0


def _people(url: str) -> None:
    setup = Database(url)
    with setup.session() as session:
        students = [add_student(session, f"Student {i}") for i in range(COUNT)]
        for i, student in enumerate(students):
            student.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                               external_id=f"U{i:04d}"))
        session.flush()
        bulk_nudges(session, [s.id for s in students], COUNT,
                    due_at=DAY - timedelta(minutes=1))
    setup.dispose()


@pytest.mark.postgres
def test_two_workers_keep_together_to_one_rate_and_a_429_holds_both(
        postgres_factory: PostgresFactory) -> None:
    url = postgres_factory.new_url()
    _people(url)
    done = threading.Event()
    errors: list[BaseException] = []

    with FakeSlackApi() as api:
        def work(name: str) -> None:
            db = Database(url)  # its own engine and its own budget: another process
            clock = RunningClock(DAY)  # the hour is the test's; the seconds run for real
            try:
                budgets = SendBudgets(db)
                client = KeptAliveClient(f"xoxb-{name}", base_url=api.base_url)
                channel = SlackChannel(client_for=lambda _team: client,
                                       core=Core(db=db, clock=clock),
                                       budget=budgets, send_rate=RATE, dm_interval=0.0)
                sweeper = Sweeper(db, clock, Router([channel]), nudge_catalog(),
                                  worker=name, batch=10, threads=4, budget=budgets)
                while not done.is_set():
                    sweeper.run()
                    done.wait(0.05)
            except BaseException as exc:  # surfaced by the assertion below
                errors.append(exc)
            finally:
                db.dispose()

        workers = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
        for worker in workers:
            worker.start()
        check = Database(url)

        def unsent() -> int:
            with check.session() as session:
                return int(session.scalar(select(func.count()).select_from(Nudge)
                                          .where(Nudge.state != "sent")) or 0)

        try:
            wait_until(lambda: bool(errors) or len(api.calls("chat.postMessage")) >= 15,
                       timeout=60, what="15 messages from the two workers")
            refused_after = time.monotonic()
            api.fail_next("chat.postMessage", retry_after=RETRY_AFTER)
            wait_until(lambda: bool(errors) or not unsent(), timeout=60,
                       what="every nudge sent")
        finally:
            done.set()
            for worker in workers:
                worker.join(timeout=30)
            check.dispose()
        posts = api.calls("chat.postMessage")
        posted = api.posted_nudges()
    postgres_factory.drop(url)

    assert not errors
    assert len(posted) == COUNT and set(posted.values()) == {1}  # each once
    arrivals = [call.at for call in posts]
    assert slots.busiest(arrivals) <= RATE  # every call, the refused one included
    by = {call.token for call in posts}
    assert by == {"xoxb-a", "xoxb-b"}  # both workers sent
    # The 429: the first post after the fake was told to refuse one.
    refused = next(call for call in posts if call.at > refused_after)
    later = [call for call in posts if call.at > refused.at]
    # The other worker may still spend the slots it was granted before it hears (by its
    # next grant: within two grant spans); after that, nobody posts until the Retry-After
    # is over.
    quiet_from = refused.at + 2 * slots.GRANT_SPAN * (1 + slots.HEADROOM) + 2 * slots.LATE
    quiet_until = refused.at + RETRY_AFTER - slots.LATE
    assert [c.at - refused.at for c in later if quiet_from <= c.at < quiet_until] == []
    resumed = [call for call in later if call.at >= quiet_until]
    assert {call.token for call in resumed} == {"xoxb-a", "xoxb-b"}  # both held, both went on

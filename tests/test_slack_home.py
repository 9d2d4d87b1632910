"""When App Home is published: when the person opens it, and after what they do at most
once per interval (a burst folded into one more at its end); never after a direct
message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.framework.channels import Router
from bot.infra.models import Identity, Person
from jobs.delivery import Sweeper
from tests.support.factories import add_student
from tests.support.nudges import add_nudge
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import event

USER = "U1ADA"


@pytest.fixture
def slack(core: Core) -> Iterator[SlackHarness]:
    with FakeSlackApi() as api:
        api.add_user(USER, "Ada Student", email="ada.student@example.edu")
        with core.db.session() as session:
            ada = add_student(session, "Ada Student", email="ada.student@example.edu")
            ada.quiet_hours = "00:00-00:00"
            ada.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                           external_id=USER))
        with slack_harness(core, api) as harness:
            yield harness


def _published(slack: SlackHarness) -> int:
    return len(slack.api.calls("views.publish"))


def _open_home(slack: SlackHarness, ts: str) -> None:
    body = event({"type": "app_home_opened", "user": USER, "channel": "D0DM",
                  "tab": "home", "event_ts": ts}, event_id=f"Ev{ts.replace('.', '')}")
    assert slack.http.event(body).status == 200


def test_reminders_sent_leave_home_alone_and_opening_it_publishes_it(
        slack: SlackHarness, core: Core) -> None:
    with core.db.session() as session:
        ada = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert ada is not None
        for i in range(3):
            add_nudge(session, ada.id, due_at=core.clock.now() - timedelta(minutes=i),
                      text=f"reminder {i}")
    channel = slack.service.channel()
    channel.dm_interval = 0.0
    result = Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog).run()
    assert result.sent == 3
    assert len(slack.api.calls("chat.postMessage")) == 3
    assert _published(slack) == 0 and slack.service.bot.home.published == 0
    _open_home(slack, "1700000000.1")
    slack.api.wait_for("views.publish")
    _open_home(slack, "1700000000.2")  # opened again: published again, whatever the interval
    slack.api.wait_for("views.publish", 2)


def test_a_burst_of_commands_republishes_home_once_then_once_more_at_its_end(
        slack: SlackHarness) -> None:
    home = slack.service.bot.home
    moment = [1000.0]
    home.monotonic = lambda: moment[0]  # the interval measured on a clock the test moves
    home.interval = 0.3  # the end-of-burst publish waits this long for real (a timer)
    for _ in range(4):
        slack.run(USER, "/mentor help")
    slack.api.wait_for("views.publish", 1)  # the first at once
    slack.api.wait_for("views.publish", 2)  # the other three folded into one, at the end
    slack.settle()
    assert _published(slack) == 2 and home.published == 2
    assert not home._later and not home._pending  # nothing else is coming
    home.interval = 30.0  # from now on a publish held back would wait 30 s
    moment[0] += 31.0  # the interval is over
    slack.run(USER, "/mentor help")
    slack.api.wait_for("views.publish", 3, timeout=5.0)  # so at once, not after a wait
    assert not home._later

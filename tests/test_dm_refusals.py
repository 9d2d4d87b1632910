"""Direct messages a person's settings refuse: one policy for every platform
(`bot.nudges.policy`), kept by the core. A refusal marks the account from its first time;
a delivery clears the mark; the person's next command tells them once, clears it and tries
what waits at once. Discord's side is in tests/test_discord_e2e.py; Slack's is here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.slack.app import DMS_REFUSED
from bot.app.core import Core
from bot.framework.channels import Address, DeliveryError
from bot.framework.ports import PlatformUser
from bot.framework.replies import Reply
from bot.infra.clock import FixedClock
from bot.infra.models import Identity, Person
from bot.nudges.policy import refusal_mark, tell_of_refusal
from tests.support.factories import add_student
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness

FIRST = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
USER = "U4REFUSE"
ACCOUNT = PlatformUser("slack", USER, workspace=TEAM_ID)


def test_the_mark_keeps_the_first_refusal_and_a_delivery_clears_it() -> None:
    later = FIRST + timedelta(hours=3)
    assert refusal_mark(None, refused=True, now=FIRST) == FIRST
    assert refusal_mark(FIRST, refused=True, now=later) == FIRST
    assert refusal_mark(FIRST, refused=False, now=later) is None
    assert tell_of_refusal(FIRST) and not tell_of_refusal(None)


def _with_account(core: Core) -> int:
    with core.db.session() as session:
        person = add_student(session, "Rena Fuse")
        person.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                          external_id=USER))
        session.flush()
        return person.id


def _mark(core: Core) -> datetime | None:
    with core.db.session() as session:
        return session.scalar(select(Identity.dm_blocked_at))


def test_the_core_keeps_the_mark_and_tells_once(core: Core, clock: FixedClock) -> None:
    _with_account(core)
    pokes: list[bool] = []
    core.on_delivery_needed(lambda: pokes.append(True))
    core.dm_refused(ACCOUNT)
    first = clock.now()
    clock.advance(timedelta(hours=2))
    core.dm_refused(ACCOUNT)
    assert _mark(core) == first
    assert core.take_dm_refusal(ACCOUNT) is True
    assert _mark(core) is None and pokes == [True]
    assert core.take_dm_refusal(ACCOUNT) is False and pokes == [True]
    core.dm_refused(ACCOUNT)
    core.dm_delivered(ACCOUNT)
    assert _mark(core) is None
    assert core.take_dm_refusal(PlatformUser("slack", "U0NOBODY", workspace=TEAM_ID)) is False


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user(USER, "Rena Fuse")
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with slack_harness(core, api) as harness:
        # Home after every command: its publish tells that the listener finished.
        harness.service.bot.home.interval = 0.0
        yield harness


def test_slack_refusal_is_told_once_at_the_next_command(slack: SlackHarness, core: Core,
                                                        api: FakeSlackApi,
                                                        clock: FixedClock) -> None:
    person_id = _with_account(core)
    api.refuse_dm(USER)
    with core.db.session() as session:
        address = Address.of(session.get_one(Person, person_id))
    with pytest.raises(DeliveryError):
        slack.service.channel().send_dm(address, Reply(text="Time to follow up"))
    assert _mark(core) == clock.now()  # the core's clock, not the machine's

    answer, name = slack.command(USER, "/mentor profile")
    assert answer.status == 200
    reply, notice = api.wait_responses(name, count=2)
    assert "Your profile" in str(reply.params)
    assert DMS_REFUSED.title in str(notice.params)
    assert _mark(core) is None
    published = len(api.wait_for("views.publish"))

    answer, name = slack.command(USER, "/mentor profile")
    api.wait_for("views.publish", count=published + 1)  # published after any notice
    assert len(api.responses(name)) == 1

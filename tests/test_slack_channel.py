"""SlackChannel against the fake Web API: DM delivery, caching, 429 and permanent errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select

from adapters.slack.channel import SlackChannel
from bot.app.core import Core
from bot.framework.channels import Address, DeliveryError
from bot.framework.replies import Action, Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity
from tests.support.factories import add_student
from tests.support.slack_api import FakeSlackApi

# The Slack channel's behaviour; delivery's SQL runs on both databases in test_delivery.
pytestmark = pytest.mark.backends("sqlite")


def core_on(database: Database) -> Core:
    """The core the channel reports to (DM channels, refusals) on the test's database."""
    return Core(db=database, clock=FixedClock())


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        yield server


def _student_with_slack(database: Database, user_id: str = "U100") -> Address:
    with database.session() as session:
        person = add_student(session, "Ada Lovelace")
        person.identities.append(Identity(platform="slack", workspace="T1", external_id=user_id))
        session.flush()
        return Address.of(person)


def test_dm_opens_once_and_caches_channel(api: FakeSlackApi, database: Database) -> None:
    address = _student_with_slack(database)
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  core_on(database))
    reply = Reply(title="Follow up", text="Time to write to Dr. Grey",
                  actions=(Action("Log contact", "mentor log", {"mentor": "person:2"}),))
    channel.send_dm(address, reply)
    channel.send_dm(address, reply)
    assert len(api.calls("conversations.open")) == 1
    posts = api.calls("chat.postMessage")
    assert [p.get("channel") for p in posts] == ["D100", "D100"]
    button = posts[0].get("blocks")[-1]["elements"][0]
    assert button["action_id"] == "mb|mentor.log|mentor=person:2"
    # a fresh process finds the DM channel in the database: still no conversations.open
    again = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                core_on(database))
    api.reset()
    again.send_dm(address, reply)
    assert [c.method for c in api.calls()] == ["chat.postMessage"]
    with database.session() as session:
        assert session.scalar(select(Identity.dm_channel_id)) == "D100"


def test_rate_limit_becomes_retry_after(api: FakeSlackApi, database: Database) -> None:
    address = _student_with_slack(database)
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  core_on(database))
    api.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        channel.send_dm(address, Reply(text="hi"))
    assert caught.value.retry_after == 7
    assert not caught.value.permanent


def test_rate_limit_retried_by_interactive_client(api: FakeSlackApi,
                                                  database: Database) -> None:
    address = _student_with_slack(database)
    client = WebClient("xoxb-test", base_url=api.base_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    channel = SlackChannel.single(client, core_on(database))
    api.fail_next("chat.postMessage", retry_after=0)
    channel.send_dm(address, Reply(text="hi"))
    assert len(api.calls("chat.postMessage")) == 2


def test_deactivated_user_is_permanent(api: FakeSlackApi, database: Database) -> None:
    address = _student_with_slack(database, "U666")
    api.refuse_dm("U666")
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  core_on(database))
    with pytest.raises(DeliveryError) as caught:
        channel.send_dm(address, Reply(text="hi"))
    assert caught.value.permanent
    with database.session() as session:
        assert session.scalar(select(Identity.dm_blocked_at)) is not None


def test_unreachable_without_slack_identity() -> None:
    channel = SlackChannel.single(WebClient("xoxb-test"))
    assert not channel.can_reach(Address(person_id=1, name="x", email=None))
    assert channel.can_reach(Address(1, "x", None, (("slack", "", "U1"),)))


def test_post_to_group_channel(api: FakeSlackApi) -> None:
    from bot.framework.channels import ChannelTarget

    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url))
    target = ChannelTarget("slack", "T1", "C0EM")
    assert channel.can_post(target)
    assert not channel.can_post(ChannelTarget("discord", "1", "2"))
    channel.post_to_channel(target, Reply(title="Weekly digest", text="3 new mentors",
                                          ephemeral=False))
    (post,) = api.calls("chat.postMessage")
    assert post.get("channel") == "C0EM"
    assert "<!" not in json.dumps(post.params)
    api.fail_next("chat.postMessage", retry_after=2)
    with pytest.raises(DeliveryError) as caught:
        channel.post_to_channel(target, Reply(text="again"))
    assert caught.value.retry_after == 2

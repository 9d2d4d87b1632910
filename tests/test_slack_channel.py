"""SlackChannel against the fake Web API: DM delivery, caching, 429 and permanent errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select

from adapters.slack.channel import TIER_3, SlackChannel
from bot.app.core import Core
from bot.framework.channels import Address, BudgetKey, Delivery, DeliveryError
from bot.framework.replies import Action, Reply, Section
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity
from tests.support.clocks import DAY
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


def test_a_dm_is_posted_to_the_user_id_and_its_channel_remembered(
        api: FakeSlackApi, database: Database) -> None:
    address = _student_with_slack(database)
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  core_on(database))
    reply = Reply(title="Follow up", text="Time to write to Dr. Grey",
                  actions=(Action("Log contact", "mentor log", {"mentor": "person:2"}),))
    channel.send_dm(address, reply)
    channel.send_dm(address, reply)
    assert [c.method for c in api.calls()] == ["chat.postMessage"] * 2  # no conversations.open
    posts = api.calls("chat.postMessage")
    assert [p.get("channel") for p in posts] == ["U100", "U100"]
    assert len(api.history("D100")) == 2  # Slack put them in the app's DM with U100
    button = posts[0].get("blocks")[-1]["elements"][0]
    assert button["action_id"] == "mb|mentor.log|mentor=person:2"
    channel.flush()  # what the sweep does after each batch
    with database.session() as session:
        assert session.scalar(select(Identity.dm_channel_id)) == "D100"


def test_the_history_is_read_only_after_an_ambiguous_send(api: FakeSlackApi,
                                                          database: Database) -> None:
    """A send whose earlier attempt has an answer on record posts at once; one whose earlier
    attempt's answer was lost reads the DM's history first, on the channel remembered (in
    another process: from the database), without conversations.open."""
    address = _student_with_slack(database)
    first = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                core_on(database))
    first.send_dm(address, Reply(text="hello"), Delivery(1, 0))
    first.flush()
    api.reset()
    again = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                core_on(database))  # a fresh process
    again.send_dm(address, Reply(text="clean"), Delivery(2, 0))
    assert [c.method for c in api.calls()] == ["chat.postMessage"]
    since = DAY - timedelta(minutes=5)  # the fake stamps messages at DAY
    assert again.send_dm(address, Reply(text="hello"), Delivery(1, 0, since)) is True
    assert [c.method for c in api.calls()] == ["chat.postMessage", "conversations.history"]
    assert api.calls("conversations.history")[0].get("channel") == "D100"


def test_with_no_channel_remembered_the_history_check_opens_the_dm_once(
        api: FakeSlackApi, database: Database) -> None:
    address = _student_with_slack(database)
    channel = SlackChannel.single(WebClient("xoxb-test", base_url=api.base_url),
                                  core_on(database))
    since = DAY - timedelta(minutes=5)  # the fake stamps messages at DAY
    assert channel.send_dm(address, Reply(text="hi"), Delivery(3, 0, since)) is False
    assert channel.send_dm(address, Reply(text="hi"), Delivery(3, 0, since)) is True
    assert [c.method for c in api.calls()] == [
        "conversations.open", "conversations.history", "chat.postMessage",
        "conversations.history"]


@dataclass
class RecordingBudget:
    """A send budget that lets every call through and records what it was asked."""

    waits: list[tuple[BudgetKey, float | None]] = field(default_factory=list)
    holds: list[tuple[BudgetKey, float]] = field(default_factory=list)

    def wait(self, key: BudgetKey, rate: float | None) -> None:
        self.waits.append((key, rate))

    def slow_down(self, key: BudgetKey, seconds: float) -> None:
        self.holds.append((key, seconds))


def test_every_call_is_within_the_budget_of_its_method(api: FakeSlackApi,
                                                       database: Database) -> None:
    address = _student_with_slack(database)
    budget = RecordingBudget()
    channel = SlackChannel(client_for=lambda _team: WebClient("xoxb-test",
                                                              base_url=api.base_url),
                           core=core_on(database), budget=budget, send_rate=5.0)
    since = DAY - timedelta(minutes=5)  # the fake stamps messages at DAY
    channel.send_dm(address, Reply(text="hi"), Delivery(4, 0, since))
    assert budget.waits == [(BudgetKey("slack", "T1", "conversations.open"), TIER_3),
                            (BudgetKey("slack", "T1", "conversations.history"), TIER_3),
                            (BudgetKey("slack", "T1", "chat.postMessage"), 5.0)]
    api.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        channel.send_dm(address, Reply(text="again"))
    assert caught.value.retry_after == 7 and not caught.value.partly
    assert budget.holds == [(BudgetKey("slack", "T1", "chat.postMessage"), 7.0)]


def test_a_long_reply_cut_short_by_a_429_says_part_of_it_went(api: FakeSlackApi,
                                                              database: Database) -> None:
    """A reply of several messages refused after its first went out is reported as partly
    sent, so the sweep looks in the history before trying again (not resending part 1)."""
    address = _student_with_slack(database)
    budget = RecordingBudget()
    channel = SlackChannel(client_for=lambda _team: WebClient("xoxb-test",
                                                              base_url=api.base_url),
                           core=core_on(database), budget=budget)
    long = Reply(title="Everything", sections=tuple(Section(heading=f"Part {i}", text="…")
                                                    for i in range(60)))

    def second_is_refused(key: BudgetKey, rate: float | None) -> None:
        budget.waits.append((key, rate))
        if len(budget.waits) == 2:
            api.fail_next("chat.postMessage", retry_after=3)

    budget.wait = second_is_refused  # type: ignore[method-assign]
    with pytest.raises(DeliveryError) as caught:
        channel.send_dm(address, long, Delivery(5, 0))
    assert caught.value.retry_after == 3 and caught.value.partly
    assert len(api.history("D100")) == 1  # the first of its three messages


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

"""KeptAliveClient against the fake Web API: each thread's calls travel over one kept
connection (not one per call, as slack_sdk's urllib transport makes), a connection the
server ended is replaced before the next call, and answers reach slack_sdk exactly as its
own transport gives them (the parsed body, a 429 with its Retry-After)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.channel import retry_after
from adapters.slack.transport import KeptAliveClient
from tests.support.slack_api import FakeSlackApi


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        yield server


def _post(client: WebClient, user: str, text: str) -> str:
    answer = client.chat_postMessage(channel=user, text=text)
    return str(answer["channel"])


def test_one_thread_sends_every_call_over_one_connection(api: FakeSlackApi) -> None:
    client = KeptAliveClient("xoxb-test", base_url=api.base_url)
    channels = [_post(client, f"U{i}", f"note {i}") for i in range(5)]
    posts = api.calls("chat.postMessage")
    assert channels == [f"D{i}" for i in range(5)]  # each answer read back as sent
    assert [p.get("channel") for p in posts] == [f"U{i}" for i in range(5)]
    assert [p.get("text") for p in posts] == [f"note {i}" for i in range(5)]
    assert len({p.peer for p in posts}) == 1  # one connection carried all five


def test_slack_sdks_own_transport_opens_a_connection_per_call(api: FakeSlackApi) -> None:
    client = WebClient("xoxb-test", base_url=api.base_url)
    for i in range(3):
        _post(client, f"U{i}", "hello")
    assert len({p.peer for p in api.calls("chat.postMessage")}) == 3  # what was replaced


def test_each_thread_keeps_its_own_connection(api: FakeSlackApi) -> None:
    client = KeptAliveClient("xoxb-test", base_url=api.base_url)
    start = threading.Barrier(3)

    def send(name: str) -> None:
        start.wait()
        for i in range(4):
            _post(client, f"U{name}{i}", name)

    threads = [threading.Thread(target=send, args=(name,)) for name in ("A", "B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    posts = api.calls("chat.postMessage")
    assert len(posts) == 12
    peers = {name: {p.peer for p in posts if p.get("text") == name} for name in "ABC"}
    assert all(len(used) == 1 for used in peers.values())  # each thread: one connection
    assert len(set.union(*peers.values())) == 3  # and none shared between threads


def test_a_connection_the_server_ended_is_replaced_and_the_call_made_once(
        api: FakeSlackApi) -> None:
    client = KeptAliveClient("xoxb-test", base_url=api.base_url)
    _post(client, "U1", "first")
    api.close_after_next()  # the server ends the connection after its next answer
    _post(client, "U2", "second")
    _post(client, "U3", "third")
    posts = api.calls("chat.postMessage")
    assert [p.get("text") for p in posts] == ["first", "second", "third"]  # each once
    assert posts[0].peer == posts[1].peer != posts[2].peer  # a new one after the close


def test_a_429_reaches_the_caller_with_its_retry_after(api: FakeSlackApi) -> None:
    client = KeptAliveClient("xoxb-test", base_url=api.base_url, retry_handlers=[])
    api.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as refused:
        _post(client, "U1", "later")
    assert refused.value.response.status_code == 429
    assert retry_after(refused.value) == 7.0
    assert _post(client, "U1", "now") == "D1"  # the connection still serves
    assert [p.get("text") for p in api.calls("chat.postMessage")] == ["later", "now"]
    assert api.history("D1")[0]["text"] == "now"  # only the second was posted

"""The Slack HTTP edge under hostile input, against the real service (waitress, the guard,
Bolt) over loopback: oversized bodies are refused before they are read, stalled uploads hold
no worker, malformed or unsigned requests get a 4xx with one log line and no traceback, a
replayed signed request runs once whatever content type it is replayed under, and the
acknowledgement waits for no database write."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from adapters.http_limits import PER_ADDRESS
from adapters.slack.edge import MAX_BODY, SIGNATURE_WINDOW, RecentSignatures
from bot.app.core import Core
from bot.infra.models import Person, SeenEvent
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import (
    FORM,
    JSON,
    SlackHttp,
    event,
    signature,
    signed_headers,
    slack_timestamp,
    slash_command,
)
from tests.support.slow_clients import SlowClients
from tests.support.waiting import wait_until

# The HTTP edge is the same on any database (the replay check's SQL runs on both in
# test_identities).
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    fake = FakeSlackApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with slack_harness(core, api) as harness:
        yield harness


def _raw(port: int, head: bytes, body: bytes = b"", *, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head + body)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def _people(core: Core) -> int:
    with core.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_a_body_over_the_cap_is_refused_before_it_is_read(slack: SlackHarness) -> None:
    port = slack.http.port
    size = 100 * MAX_BODY
    head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    started = time.perf_counter()
    answer = _raw(port, head, b"x" * 1024)  # sends a sliver of the 100 MB it announces
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert time.perf_counter() - started < 5


def test_stalled_uploads_hold_no_worker(slack: SlackHarness) -> None:
    """Sixty connections (from six addresses, under the limit per address) announce a body
    and never send it; a real command still gets its acknowledgement at once, and the
    process has no more threads than before."""
    port = slack.http.port
    before = threading.active_count()
    stalled = []
    for i in range(60):
        conn = socket.create_connection(("127.0.0.1", port),
                                        source_address=(f"127.0.0.{11 + i % 6}", 0))
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nab")
        stalled.append(conn)
    try:
        assert slack.service._http is not None
        server = slack.service._http.server
        wait_until(lambda: len(server.active_channels) >= len(stalled),
                   what="the server to hold every stalled connection")
        answer, _ = slack.command("U0STUDENT", "/mentor help")
        assert answer.status == 200 and answer.seconds < 2
        assert threading.active_count() <= before + 2
    finally:
        for conn in stalled:
            conn.close()


@pytest.mark.parametrize("case", ["non-integer timestamp", "invalid utf-8", "invalid json",
                                  "unsigned", "no content length", "stale"])
def test_malformed_requests_get_a_4xx_and_one_log_line(
        slack: SlackHarness, core: Core, caplog: pytest.LogCaptureFixture, case: str) -> None:
    port = slack.http.port
    body = slash_command("/mentor", "help", user_id="U0X", response_url="http://127.0.0.1/x")
    now = str(slack_timestamp())
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": now,
               "X-Slack-Signature": signature("test-signing-secret", now, body)}
    raw = body.encode()
    if case == "non-integer timestamp":
        headers["X-Slack-Request-Timestamp"] = "12.5e3"
    elif case == "invalid utf-8":
        raw = b"payload=\xff\xfe\xfa"
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif case == "invalid json":
        raw = b'{"type": "event_callback", "event": '
        headers["Content-Type"] = JSON
    elif case == "unsigned":
        del headers["X-Slack-Signature"]
    elif case == "stale":
        old = str(slack_timestamp(seconds_ago=3600))
        headers["X-Slack-Request-Timestamp"] = old
        headers["X-Slack-Signature"] = signature("test-signing-secret", old, body)
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    length = "" if case == "no content length" else f"Content-Length: {len(raw)}\r\n"
    people = _people(core)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        answer = _raw(port, f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{lines}{length}"
                            "Connection: close\r\n\r\n".encode(), raw)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:120]
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1, [r.getMessage() for r in refusals]
    assert not any(r.exc_info for r in caplog.records)
    assert "Traceback" not in caplog.text
    assert _people(core) == people  # nothing changed


def test_a_replayed_command_runs_once(slack: SlackHarness, core: Core) -> None:
    body = slash_command("/mentor", "profile stage:ms2", user_id="U0REPLAY",
                         response_url=slack.api.response_url("first"))
    now = slack_timestamp()
    first = slack.http.post(body, timestamp=now)
    again = slack.http.post(body, timestamp=now)
    assert first.status == 200
    assert again.status == 409
    slack.api.wait_responses("first")
    slack.settle()
    assert len(slack.api.responses("first")) == 1
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SeenEvent).where(
            SeenEvent.platform == "slack-request")) == 1


def test_healthz_and_bind_address(core: Core, api: FakeSlackApi) -> None:
    with slack_harness(core, api, host="127.0.0.1") as harness:
        assert harness.service.host == "127.0.0.1"
        answer = harness.http.request("GET", "/healthz")
        assert (answer.status, answer.body) == (200, "ok")


REPLAYED_AS = {  # content type → what the edge answers a replay sent under it
    "application/jsonx": 415, "application/json+x": 415, "text/plain": 415,
    "multipart/form-data; boundary=x": 415, "": 415,
    JSON: 409, f"{JSON}; charset=utf-8": 409, FORM: 409, f"{FORM}; charset=utf-8": 409,
    "Application/X-WWW-Form-Urlencoded": 409,
}


def test_a_signed_command_replayed_under_any_content_type_runs_once(
        slack: SlackHarness, core: Core) -> None:
    """Bolt parses JSON only for exactly `application/json`; the edge once skipped its
    replay check for anything starting so, and `application/jsonx` ran the command again."""
    body = slash_command("/mentor", "profile stage:ms2", user_id="U0REPLAY",
                         response_url=slack.api.response_url("first"))
    headers = signed_headers(body)
    assert slack.http.request("POST", "/slack/events", body, headers).status == 200
    answers = {}
    for content_type in REPLAYED_AS:
        replay = {**headers, "Content-Type": content_type}
        if not content_type:
            del replay["Content-Type"]
        answers[content_type] = slack.http.request("POST", "/slack/events", body, replay)
    assert {kind: a.status for kind, a in answers.items()} == REPLAYED_AS
    assert "application/jsonx" in answers["application/jsonx"].body
    slack.api.wait_responses("first")
    slack.settle()
    assert len(slack.api.responses("first")) == 1
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SeenEvent).where(
            SeenEvent.platform == "slack-request")) == 1


def test_a_first_request_under_an_unknown_content_type_never_runs(
        slack: SlackHarness) -> None:
    body = slash_command("/mentor", "help", user_id="U0TYPE",
                         response_url=slack.api.response_url("typed"))
    assert slack.http.post(body, content_type="application/jsonx").status == 415
    fine = slash_command("/mentor", "help", user_id="U0TYPE",
                         response_url=slack.api.response_url("charset"))
    assert slack.http.post(fine, content_type=f"{FORM}; charset=utf-8").status == 200
    slack.api.wait_responses("charset")
    assert slack.api.responses("typed") == []


def test_a_replayed_event_is_refused_and_handled_once(slack: SlackHarness) -> None:
    body = event({"type": "app_home_opened", "user": "U0EVENT", "channel": "D0DM",
                  "tab": "home", "event_ts": "1700000000.2"})
    now = slack_timestamp()
    assert slack.http.event(body, timestamp=now).status == 200
    assert slack.http.event(body, timestamp=now).status == 409
    assert slack.http.post(body, content_type="application/json+x", timestamp=now
                           ).status == 415
    slack.api.wait_for("views.publish")
    slack.settle()
    assert len(slack.api.calls("views.publish")) == 1


@contextmanager
def _write_lock_held(core: Core) -> Iterator[None]:
    """Another writer holding what the seen-event record's insert needs: SQLite's one
    write lock, or on PostgreSQL a lock on `seen_events` that every INSERT waits for."""
    raw = core.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if core.db.dialect == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("LOCK TABLE seen_events IN EXCLUSIVE MODE")
        yield
    finally:
        raw.rollback()
        raw.close()


def test_the_acknowledgement_waits_for_no_database_write(slack: SlackHarness,
                                                        core: Core) -> None:
    """While another writer holds the lock, commands and events are still acknowledged at
    once; their work waits for the lock, then runs once."""
    slack.run("U0LOCK", "/mentor help")  # the person exists; Bolt's first call is made
    with _write_lock_held(core):
        answer, name = slack.command("U0LOCK", "/mentor list")
        opened = slack.http.event(event({"type": "app_home_opened", "user": "U0LOCK",
                                         "channel": "D0DM", "tab": "home",
                                         "event_ts": "1700000000.3"}))
        assert (answer.status, opened.status) == (200, 200)
        assert answer.seconds < 1.0 and opened.seconds < 1.0, (answer, opened)
        assert slack.api.responses(name) == []  # acknowledged before the work ran
    assert len(slack.api.wait_responses(name)) == 1


def test_a_replay_at_another_worker_is_acknowledged_but_never_runs_twice(
        slack: SlackHarness, core: Core, api: FakeSlackApi) -> None:
    """Two worker processes share the database, not their memory: the second acknowledges
    the replay (it has not seen it) and its work finds the first's record and stops."""
    with slack_harness(core, api) as other:
        body = slash_command("/mentor", "profile stage:ms3", user_id="U0TWO",
                             response_url=api.response_url("two"))
        headers = signed_headers(body)
        assert slack.http.request("POST", "/slack/events", body, headers).status == 200
        assert other.http.request("POST", "/slack/events", body, headers).status == 200
        assert other.http.request("POST", "/slack/events", body, headers).status == 409
        api.wait_responses("two")
        slack.settle()
        other.settle()
        assert len(api.responses("two")) == 1


def test_signatures_are_remembered_while_a_replay_could_pass_and_no_longer() -> None:
    recent = RecentSignatures(capacity=3)
    signed_at = 1_700_000_000
    assert recent.first_time("v0=a", signed_at, now=signed_at)
    assert not recent.first_time("v0=a", signed_at, now=signed_at + SIGNATURE_WINDOW)
    assert recent.first_time("v0=b", signed_at, now=signed_at + 1)
    # Past its timestamp's window a replay is refused by its age: no need to keep it.
    assert recent.first_time("v0=c", signed_at + SIGNATURE_WINDOW + 1,
                             now=signed_at + SIGNATURE_WINDOW + 1)
    assert len(recent) == 1
    for name in "defg":  # bounded: the oldest goes first
        assert recent.first_time(f"v0={name}", signed_at + 400, now=signed_at + 400)
    assert len(recent) == 3
    assert recent.first_time("v0=d", signed_at + 400, now=signed_at + 400)
    assert not recent.first_time("v0=g", signed_at + 400, now=signed_at + 400)


SLACK_ADDRESS = "127.0.0.2"
"""Where the genuine requests come from in the slow-connection tests: not an attacker's."""


def test_a_signed_command_is_answered_beside_300_slow_connections(slack: SlackHarness) -> None:
    """Slow connections, a byte every half second in their headers or their body: 200 from
    twenty addresses (under the limit per address, so all are held), 100 more from one
    address (all but the limit refused at once). A signed command is answered while they
    are all still open, and the process started no thread for them."""
    before = threading.active_count()
    slow = SlowClients(slack.http.port, interval=0.5)
    try:
        spread = [f"127.0.0.{20 + i}" for i in range(20)]
        slow.open(100, kind="headers", sources=spread)
        slow.open(100, kind="body", sources=spread)
        slow.open(100, kind="headers", sources=["127.0.0.60"])
        # Real seconds, long enough for every connection to be accepted and to trickle: the
        # trickle itself is what is tested.
        time.sleep(1.0)  # noqa: TID251
        genuine = SlackHttp(slack.http.port, source=SLACK_ADDRESS)
        answer = genuine.command("/mentor", "help", user_id="U0SLOW",
                                 response_url=slack.api.response_url("slow"))
        held = slow.open_now()
        assert answer.status == 200
        assert answer.seconds < 2.0, answer  # Slack waits 3 s; alone it takes milliseconds
        refused = [c for c in slow.connections if c.refused]
        assert len(refused) == 100 - PER_ADDRESS
        assert {c.source for c in refused} == {"127.0.0.60"}
        assert len(held) == 200 + PER_ADDRESS
        # No thread per connection (300 are open): the few new ones are the command's own
        # work (a listener thread, the fake API answering it), started on first use.
        assert threading.active_count() <= before + 20, threading.active_count() - before
        slack.api.wait_responses("slow")
    finally:
        slow.close()


def test_slow_connections_are_closed_by_their_deadline_however_steadily_they_send(
        core: Core, api: FakeSlackApi) -> None:
    """With one second for the headers and one for the body, connections that keep sending
    a byte every 0.2 s are answered 408 and closed after about a second; one that sends
    nothing is closed too. Waitress's own timeout, reset by every byte, closed none."""
    with slack_harness(core, api, http_header_seconds=1.0, http_body_seconds=1.0) as slack:
        slow = SlowClients(slack.http.port, interval=0.2)
        idle = socket.create_connection(("127.0.0.1", slack.http.port))
        idle.setblocking(False)
        try:
            slow.open(3, kind="headers", sources=["127.0.0.30"])
            slow.open(3, kind="body", sources=["127.0.0.31"])
            time.sleep(0.7)  # noqa: TID251 (real seconds: before the deadline, nothing is cut)
            assert len(slow.open_now()) == 6  # not before their deadline
            wait_until(lambda: slow.open_now() == [], what="the slow clients to be cut")
            assert all(c.timed_out for c in slow.connections), [
                c.answer[:40] for c in slow.connections]
            head, body = slow.connections[0].answer.split(b"\r\n\r\n", 1)
            assert f"Content-Length: {len(body)}".encode() in head
            assert body == b"408 Request Timeout: the request did not arrive in time\n"
            assert all(c.sent >= 3 for c in slow.connections)  # bytes kept coming
            lifetimes = sorted(c.lifetime or 0 for c in slow.connections)
            assert lifetimes[0] > 0.9 and lifetimes[-1] < 4.0, lifetimes
            idle.settimeout(5)
            assert idle.recv(100) == b""  # closed, without a word: it asked nothing
            # A genuine request still gets its answer after all that.
            assert slack.http.command("/mentor", "help", user_id="U0AFTER",
                                      response_url=api.response_url("after")).status == 200
        finally:
            slow.close()
            idle.close()


def test_one_address_may_hold_only_so_many_connections(core: Core, api: FakeSlackApi) -> None:
    with slack_harness(core, api, http_connections_per_address=3) as slack:
        port = slack.http.port
        held = [socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.40", 0))
                for _ in range(3)]
        try:
            wait_until(lambda: _raw_from("127.0.0.40", port).startswith(b"HTTP/1.1 429"),
                       what="the held connections to be counted")
            assert _raw_from("127.0.0.40", port).startswith(b"HTTP/1.1 429")
            genuine = SlackHttp(port, source=SLACK_ADDRESS)
            assert genuine.command("/mentor", "help", user_id="U0ADDR",
                                   response_url=api.response_url("addr")).status == 200
            held.pop().close()
            answers: list[int] = []
            wait_until(lambda: answers.append(SlackHttp(port, source="127.0.0.40").request(
                "GET", "/healthz").status) or answers[-1] == 200,
                what="the closed connection to be let go")
            assert set(answers) <= {200, 429}
        finally:
            for conn in held:
                conn.close()


def test_at_the_connection_limit_the_longest_waiting_connection_makes_room(
        core: Core, api: FakeSlackApi) -> None:
    """Five connections in all, every one taken by a client that sends nothing: Slack's
    next request is answered at once instead of waiting in the listen backlog."""
    with slack_harness(core, api, http_connections=5, http_connections_per_address=0) as slack:
        port = slack.http.port
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
        try:
            time.sleep(0.3)  # noqa: TID251 (real seconds: the idle clients must be accepted first)
            answer = SlackHttp(port, source=SLACK_ADDRESS).request("GET", "/healthz")
            assert (answer.status, answer.seconds < 2.0) == (200, True), answer
            idle[0].settimeout(2)
            assert idle[0].recv(100) == b""  # the oldest was closed to make room
        finally:
            for conn in idle:
                conn.close()


def _raw_from(source: str, port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5,
                                  source_address=(source, 0)) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        return conn.recv(4096)

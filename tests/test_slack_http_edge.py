"""The Slack HTTP edge under hostile input, against the real service (waitress, the guard,
Bolt) over loopback: oversized bodies are refused before they are read, stalled uploads hold
no worker, malformed or unsigned requests get a 4xx with one log line and no traceback, and a
replayed signed command runs once."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from adapters.slack.edge import MAX_BODY
from bot.app.core import Core
from bot.infra.models import Person, SeenEvent
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import FORM, JSON, signature, slack_timestamp, slash_command
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
    """Sixty connections announce a body and never send it; a real command still gets its
    acknowledgement at once, and the process has no more threads than before."""
    port = slack.http.port
    before = threading.active_count()
    stalled = []
    for _ in range(60):
        conn = socket.create_connection(("127.0.0.1", port))
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

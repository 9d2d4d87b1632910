"""Where `mentorbot run` serves the web pages: on the Slack HTTP server when Slack runs over
HTTP (no new port), else on a server of their own at WEB_PORT (default PORT) — Socket Mode,
Discord only, the console — and nowhere without PUBLIC_URL. The last test runs the real
process on the console with PUBLIC_URL set and fetches a page from it."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters.slack.service import SlackService
from adapters.web.service import WebService
from bot.app.core import Core
from bot.app.runner import web_services
from bot.infra.db import upgrade
from tests.support.databases import SqliteFactory
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import BOT_TOKEN, SIGNING_SECRET

PUBLIC = "https://mentor.example.edu"



@pytest.fixture
def db_url(sqlite_factory: SqliteFactory) -> str:
    """SQLite only: what is tested here is HTTP and its rules, the same on either database
    (the web tables and the report on PostgreSQL: tests/test_web_links.py and
    tests/test_web_dashboard.py)."""
    return sqlite_factory.new_url()

def test_no_public_url_no_pages(core: Core) -> None:
    assert web_services(core, core.settings, []) == []


def test_pages_ride_on_the_slack_http_server(core: Core) -> None:
    settings = core.settings.model_copy(update={"public_url": PUBLIC})
    with FakeSlackApi() as api:
        slack = SlackService(core, settings.model_copy(update={
            "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": api.url}))
        assert web_services(core, settings, [slack]) == []
        assert list(slack.mounts) == ["/web/"]


def test_pages_get_their_own_server_in_socket_mode_and_without_slack(core: Core) -> None:
    settings = core.settings.model_copy(update={"public_url": PUBLIC, "port": 4000})
    with FakeSlackApi() as api:
        socket_mode = SlackService(core, settings.model_copy(update={
            "slack_bot_token": BOT_TOKEN, "slack_app_token": "xapp-1", "slack_api_url": api.url}))
        (own,) = web_services(core, settings, [socket_mode])
    assert isinstance(own, WebService) and own.port == 4000 and not socket_mode.mounts
    (alone,) = web_services(core, settings.model_copy(update={"web_port": 4100}), [])
    assert isinstance(alone, WebService) and alone.port == 4100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


def test_run_on_the_console_serves_the_pages_on_web_port(tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'mentorbot.sqlite3'}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'mentorbot.sqlite3'}", HOST="127.0.0.1",
               PUBLIC_URL=f"http://127.0.0.1:{port}", WEB_PORT=str(port), PYTHONUNBUFFERED="1")
    # The console needs someone to act as: the group's first organizer.
    subprocess.run([sys.executable, "-m", "bot", "organizer", "add", "olga@example.edu",
                    "--group", "em", "--name", "Olga Ward"], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--as", "olga@example.edu"],
                            env=env, cwd=tmp_path,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            if "web pages: HTTP on 127.0.0.1 port" in line:
                break
        assert f"port {port}" in line
        status, headers = _get(port, "/web/static/web.css")
        assert status == 200 and headers["Referrer-Policy"] == "no-referrer"
        assert _get(port, "/web/open/not-a-link")[0] == 403
        assert _get(port, "/web/report/em")[0] == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(5)
        for stream in (proc.stdin, proc.stderr):
            if stream is not None:
                stream.close()

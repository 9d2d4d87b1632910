"""Requests as Slack sends them to the app: signed (HMAC-SHA256 of `v0:{ts}:{body}` with the
signing secret) slash commands, button presses, modal submissions and events, posted over
real HTTP to the app's /slack/events."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.slack_api import TEAM_ID

SIGNING_SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_ids = itertools.count(1)


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_timestamp(seconds_ago: int = 0) -> int:
    """`X-Slack-Request-Timestamp` as Slack sends it: the time of sending. Read from the real
    clock on purpose, the one exception in the suite (see pyproject's banned-api): Bolt and
    the edge guard check it against the real clock, as they must in production, and nothing
    about the date or hour depends on it."""
    return int(time.time()) - seconds_ago  # noqa: TID251


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = FORM) -> dict[str, str]:
    ts = str(slack_timestamp() if timestamp is None else timestamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret, ts, body)}


def slash_command(command: str, text: str, *, user_id: str, response_url: str,
                  team_id: str = TEAM_ID, channel_id: str = "C0GENERAL",
                  channel_name: str = "general") -> str:
    return urlencode({
        "token": "deprecated", "team_id": team_id, "team_domain": "medschool",
        "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id,
        "user_name": user_id.lower(), "command": command, "text": text,
        "api_app_id": "A0MENTOR", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": f"{next(_ids)}.1.abc",
    })


def block_actions(action_id: str, *, user_id: str, response_url: str | None,
                  block_id: str = "main-0", team_id: str = TEAM_ID,
                  channel_id: str = "D0DM", value: str | None = None,
                  container: str = "message") -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0MENTOR",
        "token": "deprecated",
        "container": {"type": container, "channel_id": channel_id, "is_ephemeral": False},
        "trigger_id": f"{next(_ids)}.1.abc",
        "team": {"id": team_id, "domain": "medschool"},
        "channel": {"id": channel_id, "name": "directmessage"},
        "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                     "value": value if value is not None else action_id,
                     "text": {"type": "plain_text", "text": "button"},
                     "action_ts": "1700000000.000001"}],
    }
    if response_url:
        payload["response_url"] = response_url
    if container == "view":
        payload.pop("channel")
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        payload["view"] = {"id": "V0HOME", "type": "home"}
    return urlencode({"payload": json.dumps(payload)})


def view_submission(callback_id: str, values: dict[str, dict[str, Any]], *, user_id: str,
                    team_id: str = TEAM_ID, private_metadata: str = "") -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "medschool"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0MENTOR",
        "token": "deprecated",
        "trigger_id": f"{next(_ids)}.1.abc",
        "view": {"id": "V0MODAL", "type": "modal", "callback_id": callback_id,
                 "private_metadata": private_metadata, "state": {"values": values},
                 "hash": "1.abc"},
    }
    return urlencode({"payload": json.dumps(payload)})


def event(event: dict[str, Any], *, event_id: str | None = None,
          team_id: str = TEAM_ID) -> str:
    return json.dumps({
        "token": "deprecated", "team_id": team_id, "api_app_id": "A0MENTOR",
        "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": slack_timestamp(),
        "authorizations": [{"team_id": team_id, "user_id": "U0BOT", "is_bot": True}],
    })


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    seconds: float


@dataclass
class SlackHttp:
    """Posts to the app like Slack does, on a new connection each time."""

    port: int
    host: str = "127.0.0.1"
    path: str = "/slack/events"
    secret: str = SIGNING_SECRET
    source: str = ""
    """The loopback address to send from (127.0.0.2…: another client than the tests' own)."""

    def post(self, body: str, *, content_type: str = FORM, headers: dict[str, str] | None = None,
             sign: bool = True, timestamp: int | None = None,
             secret: str | None = None) -> Answer:
        sent = signed_headers(body, secret=secret or self.secret, timestamp=timestamp,
                              content_type=content_type) if sign else {
            "Content-Type": content_type}
        sent.update(headers or {})
        return self.request("POST", self.path, body, sent)

    def request(self, method: str, path: str, body: str = "",
                headers: dict[str, str] | None = None) -> Answer:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(
            self.host, self.port, timeout=30,
            source_address=(self.source, 0) if self.source else None)
        try:
            conn.request(method, path, body=body.encode(), headers=headers or {})
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        return Answer(response.status, text, time.perf_counter() - started)

    def command(self, command: str, text: str, **kwargs: Any) -> Answer:
        return self.post(slash_command(command, text, **kwargs))

    def event(self, body: str, **kwargs: Any) -> Answer:
        return self.post(body, content_type=JSON, **kwargs)

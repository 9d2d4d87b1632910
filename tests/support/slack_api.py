"""A small stand-in for the Slack Web API on 127.0.0.1, so the real slack_sdk / slack-bolt
clients can be exercised over real sockets with no network.

It answers the methods mentorbot uses with realistic bodies, records every call (method,
parameters, time), checks the Block Kit limits Slack enforces (50 blocks a message, 3,000
characters a section), and can answer 429 with `Retry-After`: once per configured failure,
or whenever a channel receives more than N messages in a second (Slack's ~1 msg/s/channel).
It also accepts `respond()` posts at `/respond/<name>` (use `response_url(name)`).

Messages posted are kept per channel with their `ts` (from the clock given: the test's, as
Slack stamps them with its own; by default the suite's fixed `DAY`) and message `metadata`,
and `conversations.history` answers from them (newest first, `oldest`, `latest`, `limit`,
`cursor`; metadata only with `include_all_metadata`). Like Slack, a `chat.postMessage` to a
user id posts in the app's DM with that user (opened on first use) and answers with the
DM's channel id; `limit_workspace()` answers 429 once the workspace gets more than N
messages in a second. `users.lookupByEmail`
finds the users added with an email. Storms (`storm()`) refuse a share of the calls of some
methods for a while, with 429 and `Retry-After` or with a 500; an `after_post` storm posts
the message first and then answers 500, as when Slack's answer is lost on the way back.

In-process: `with FakeSlackApi() as api: WebClient(token, base_url=api.base_url)`.
`wait_for()` and `wait_responses()` return as soon as the calls arrive (each call wakes
them); `settle()` waits until no request is being answered, for a test that then asserts
that nothing (more) was called.
In another process (benchmarks): `python -m tests.support.slack_api --port 0` prints its URL
on the first line; `GET /_calls` returns the recorded calls, `GET /_messages` the messages
kept per channel, and `POST /_config` (JSON) sets `latency`, `channel_rate_limit`,
`workspace_rate_limit` (with `workspace_retry_after`), `fail`
({"method": [retry_after, …]}), `storms` ([{methods, share, status, retry_after, seconds,
after_post, seed}]), `clear_storms`, `users`, `reset`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.clocks import DAY
from tests.support.waiting import SETTLE_TIMEOUT, InFlight

TEAM_ID = "T0MENTOR"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_ALT_TEXT = 1000  # files.getUploadURLExternal's alt_txt


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float
    token: str | None = None
    peer: str | None = None  # the client's address and port: which connection carried it

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "America/New_York"
    team_id: str = TEAM_ID
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "team": self.team_id,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }


@dataclass
class Storm:
    """For `seconds` from its start, refuse a `share` of the calls of `methods`: 429 with
    `Retry-After: retry_after`, or another `status` (500…). `after_post`: do the call first,
    then answer the error (the message is posted; its answer is lost)."""

    methods: frozenset[str]
    share: float
    status: int = 429
    retry_after: float = 1.0
    until: float = float("inf")
    after_post: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    refused: int = 0

    def strikes(self, method: str, now: float) -> bool:
        if method not in self.methods or now >= self.until:
            return False
        hit = self.rng.random() < self.share
        self.refused += hit
        return hit

    def answer(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, {
                "Retry-After": _fmt(self.retry_after)}
        return self.status, {"ok": False, "error": "fatal_error"}, {}


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, SlackUser] = field(default_factory=dict)
    failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    channel_rate_limit: float | None = None
    latency: float = 0.0
    sent_by_channel: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    dm_channels: dict[str, str] = field(default_factory=dict)
    undeliverable: set[str] = field(default_factory=set)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    socket_url: str | None = None
    history: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    last_ts: float = 0.0
    storms: list[Storm] = field(default_factory=list)
    # --- delivery at scale: the workspace-wide limit of chat.postMessage ---
    workspace_rate_limit: float | None = None
    workspace_retry_after: float = 1.0
    sent_in_workspace: deque[float] = field(default_factory=deque)
    # --- kept-alive connections: answers after which the server closes the connection ---
    closing: int = 0


class FakeSlackApi:
    """Threaded fake Web API server. Thread-safe: the real clients call it from many
    threads (Bolt's listener threads, the delivery sweep)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 clock: Callable[[], float] = DAY.timestamp) -> None:
        """`clock`: seconds since the epoch for message timestamps (a test's clock)."""
        self.clock = clock
        self.state = _State()
        self.lock = threading.Lock()
        self._arrived = threading.Condition(self.lock)  # notified on every call recorded
        self.in_flight = InFlight("the fake Slack API")
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root of the Web API, e.g. http://127.0.0.1:PORT/api (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def base_url(self) -> str:
        """What slack_sdk's WebClient takes as `base_url` (with the trailing slash)."""
        return self.url + "/"

    def response_url(self, name: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def start(self) -> FakeSlackApi:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True,
                                        name="fake-slack-api")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- configuration -----------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, email: str | None = None,
                 tz: str = "America/New_York", team_id: str = TEAM_ID, is_admin: bool = False,
                 is_owner: bool = False, real_name: str = "") -> SlackUser:
        user = SlackUser(user_id, name, real_name or name, email, tz, team_id, is_admin,
                         is_owner)
        with self.lock:
            self.state.users[user_id] = user
        return user

    def fail_next(self, method: str, *, times: int = 1, retry_after: float = 0) -> None:
        """The next `times` calls of `method` answer 429 with `Retry-After: retry_after`."""
        with self.lock:
            self.state.failures[method].extend([retry_after] * times)

    def limit_channels(self, per_second: float | None) -> None:
        """chat.postMessage answers 429 when a channel gets more than this many a second."""
        with self.lock:
            self.state.channel_rate_limit = per_second
            self.state.sent_by_channel.clear()

    def set_latency(self, seconds: float) -> None:
        with self.lock:
            self.state.latency = seconds

    def refuse_dm(self, user_id: str) -> None:
        """conversations.open for this user fails permanently (user_disabled)."""
        with self.lock:
            self.state.undeliverable.add(user_id)

    def add_oauth_code(self, code: str, *, team_id: str, bot_token: str,
                       bot_user_id: str = BOT_USER_ID, installer: str = "U0ADMIN") -> None:
        with self.lock:
            self.state.oauth_codes[code] = {
                "team_id": team_id, "bot_token": bot_token, "bot_user_id": bot_user_id,
                "installer": installer,
            }

    def storm(self, methods: str | list[str], *, share: float, status: int = 429,
              retry_after: float = 1.0, seconds: float | None = None,
              after_post: bool = False, seed: int = 7) -> Storm:
        """From now, for `seconds` (or until `clear_storms`), refuse `share` of the calls
        of `methods` (see `Storm`)."""
        names = frozenset([methods] if isinstance(methods, str) else methods)
        until = float("inf") if seconds is None else time.monotonic() + seconds
        storm = Storm(names, share, status, retry_after, until, after_post,
                      random.Random(seed))
        with self.lock:
            self.state.storms.append(storm)
        return storm

    def clear_storms(self) -> None:
        with self.lock:
            self.state.storms.clear()

    def close_after_next(self, times: int = 1) -> None:
        """End the connection after each of the next `times` answers (`Connection: close`),
        as a server does with a connection it will not keep."""
        with self.lock:
            self.state.closing += times

    def _closing(self) -> bool:
        with self.lock:
            if self.state.closing <= 0:
                return False
            self.state.closing -= 1
            return True

    def limit_workspace(self, per_second: float | None, *, retry_after: float = 1.0) -> None:
        """chat.postMessage answers 429 with `Retry-After: retry_after` once the workspace
        got `per_second` messages within the last second (any channel)."""
        with self.lock:
            self.state.workspace_rate_limit = per_second
            self.state.workspace_retry_after = retry_after
            self.state.sent_in_workspace.clear()

    def _conversation(self, channel: object) -> str:
        """Where a message to `channel` goes: a user id (U…, W…) is the app's DM with that
        user, opened on first use, as Slack does. Call with the lock held."""
        name = str(channel)
        if name[:1] in {"U", "W"}:
            return self.state.dm_channels.setdefault(name, "D" + name.lstrip("UW"))
        return name

    def reset(self) -> None:
        with self.lock:
            self.state.calls.clear()
            self.state.failures.clear()
            self.state.sent_by_channel.clear()
            self.state.sent_in_workspace.clear()
            self.state.storms.clear()

    # --- inspection --------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def _wait(self, select: Callable[[Call], bool], count: int, timeout: float,
              what: str) -> list[Call]:
        """The calls `select` picks, once there are `count` of them (each recorded call
        wakes the wait); fails after `timeout` seconds listing what did arrive."""
        def found() -> list[Call]:
            return [c for c in self.state.calls if select(c)]

        with self._arrived:
            if not self._arrived.wait_for(lambda: len(found()) >= count, timeout):
                raise AssertionError(f"expected {count} {what}, got {len(found())}: "
                                     f"{[c.method for c in self.state.calls]}")
            return found()

    def wait_for(self, method: str, count: int = 1, timeout: float = SETTLE_TIMEOUT
                 ) -> list[Call]:
        """Block until `count` calls of `method` arrived (listeners finish in threads)."""
        return self._wait(lambda c: c.method == method, count, timeout,
                          f"{method} call(s)")

    def responses(self, name: str) -> list[Call]:
        """What `respond()` posted to `response_url(name)`."""
        return [c for c in self.calls("respond") if c.get("response_url") == f"/respond/{name}"]

    def wait_responses(self, name: str, count: int = 1, timeout: float = SETTLE_TIMEOUT
                       ) -> list[Call]:
        return self._wait(lambda c: c.method == "respond"
                          and c.get("response_url") == f"/respond/{name}", count, timeout,
                          f"response(s) at {name}")

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until no request is being answered (fails after `timeout` seconds)."""
        self.in_flight.settle(timeout)

    def messages(self) -> Iterator[Call]:
        """chat.postMessage, chat.postEphemeral and respond() calls, in order."""
        for call in self.calls():
            if call.method in {"chat.postMessage", "chat.postEphemeral", "respond"}:
                yield call

    def history(self, channel: str | None = None) -> list[dict[str, Any]]:
        """The messages posted (and kept) in a channel, or in all channels, oldest first."""
        with self.lock:
            if channel is not None:
                return list(self.state.history.get(channel, []))
            return [m for kept in self.state.history.values() for m in kept]

    def posted_nudges(self) -> dict[int, int]:
        """How many messages were posted per nudge id (from the messages' metadata)."""
        counts: dict[int, int] = defaultdict(int)
        for message in self.history():
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if "nudge_id" in payload and payload.get("part", 0) == 0:
                counts[int(payload["nudge_id"])] += 1
        return dict(counts)

    # --- dispatch ----------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any], token: str | None, *,
               peer: str | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
        now = time.monotonic()
        lost: Storm | None = None
        with self.lock:
            self.state.calls.append(Call(method, params, now, token, peer))
            self._arrived.notify_all()
            latency = self.state.latency
            queue = self.state.failures.get(method)
            if queue:
                retry_after = queue.popleft()
                return 429, {"ok": False, "error": "ratelimited"}, {
                    "Retry-After": _fmt(retry_after)}
            for storm in self.state.storms:
                if storm.strikes(method, now):
                    if not storm.after_post:
                        return storm.answer()
                    lost = storm
                    break
            if method == "chat.postMessage" and self.state.workspace_rate_limit:
                window = self.state.sent_in_workspace
                while window and now - window[0] >= 1.0:
                    window.popleft()
                if len(window) >= self.state.workspace_rate_limit:
                    return 429, {"ok": False, "error": "ratelimited"}, {
                        "Retry-After": _fmt(self.state.workspace_retry_after)}
                window.append(now)
            if method == "chat.postMessage" and self.state.channel_rate_limit:
                window = self.state.sent_by_channel[self._conversation(params.get("channel"))]
                while window and now - window[0] >= 1.0:
                    window.popleft()
                if len(window) >= self.state.channel_rate_limit:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                window.append(now)
        if latency:
            time.sleep(latency)  # noqa: TID251 -- the configured slowness of a remote API
        if method == "respond":
            return 200, {"ok": True}, {}
        if method != "oauth.v2.access" and not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        answer = getattr(self, "_m_" + method.replace(".", "_"), None)
        if answer is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        body = answer(params)
        if lost is not None:
            return lost.answer()  # done, but the caller never hears so
        return 200, body, {}

    def _next_ts(self) -> str:
        """A message timestamp as Slack's: wall-clock seconds, unique, increasing."""
        with self.lock:
            ts = max(self.clock(), self.state.last_ts + 1e-6)
            self.state.last_ts = ts
        return f"{ts:.6f}"

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://mentorbot-test.slack.com/", "team": "Med School",
                "user": "mentorbot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                "bot_id": BOT_ID, "is_enterprise_install": False}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        with self.lock:
            if users in self.state.undeliverable:
                return {"ok": False, "error": "user_disabled"}
            channel = self.state.dm_channels.setdefault(users, "D" + users.lstrip("UW"))
        return {"ok": True, "no_op": True, "already_open": True,
                "channel": {"id": channel, "created": 1700000000, "is_im": True,
                            "user": users}}

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self.lock:
            if str(channel) in self.state.undeliverable:
                return {"ok": False, "error": "user_disabled"}
            channel = self._conversation(channel)
        problem = _check_message(params)
        if problem:
            return {"ok": False, "error": problem}
        ts = self._next_ts()
        message = {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID,
                   "bot_id": BOT_ID, "ts": ts, "blocks": _blocks(params)}
        metadata = _json_field(params.get("metadata"))
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        with self.lock:
            self.state.history[str(channel)].append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        with self.lock:
            if channel not in self.state.history and channel not in \
                    self.state.dm_channels.values():
                return {"ok": False, "error": "channel_not_found"}
            kept = list(self.state.history.get(channel, []))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        matching = [m for m in reversed(kept) if oldest < float(m["ts"]) <= latest]
        page = matching[start:start + limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(matching)
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _m_users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").lower()
        if not email:
            return {"ok": False, "error": "invalid_arguments"}
        with self.lock:
            found = [u for u in self.state.users.values() if (u.email or "").lower() == email]
        if not found:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": found[0].to_api()}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        problem = _check_message(params)
        if problem:
            return {"ok": False, "error": problem}
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        problem = _check_message(params)
        if problem:
            return {"ok": False, "error": problem}
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"),
                "text": params.get("text", "")}

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json_field(params.get("view"))
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        return {"ok": True, "view": {"id": "V0HOME", "type": "home", **view}}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json_field(params.get("view"))
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {"id": "V0MODAL", **view}}

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(str(params.get("alt_txt") or "")) > MAX_ALT_TEXT:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        return {"ok": True, "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = _json_field(params.get("files")) or []
        with self.lock:
            missing = [f["id"] for f in files if f.get("id") not in self.state.uploads]
        if missing or not files:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", ""),
                                       "name": f.get("title", "")} for f in files]}

    def uploaded(self, file_id: str) -> bytes:
        with self.lock:
            return self.state.uploads[file_id]

    def set_socket_url(self, url: str) -> None:
        """What apps.connections.open answers (a FakeSocketMode's URL)."""
        with self.lock:
            self.state.socket_url = url

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            url = self.state.socket_url
        if url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": url}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            user = self.state.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.to_api()}

    def _m_oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            grant = self.state.oauth_codes.pop(str(params.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True, "app_id": "A0MENTOR", "token_type": "bot",
            "access_token": grant["bot_token"], "bot_user_id": grant["bot_user_id"],
            "scope": "commands,chat:write,im:write,users:read,users:read.email",
            "authed_user": {"id": grant["installer"]},
            "team": {"id": grant["team_id"], "name": "Team " + grant["team_id"]},
            "enterprise": None, "is_enterprise_install": False,
        }

    def config(self, body: dict[str, Any]) -> None:
        if body.get("reset"):
            self.reset()
        if "latency" in body:
            self.set_latency(float(body["latency"]))
        if "workspace_rate_limit" in body:
            value = body["workspace_rate_limit"]
            self.limit_workspace(float(value) if value else None,
                                 retry_after=float(body.get("workspace_retry_after", 1.0)))
        if "channel_rate_limit" in body:
            value = body["channel_rate_limit"]
            self.limit_channels(float(value) if value else None)
        for method, retry_afters in (body.get("fail") or {}).items():
            for retry_after in retry_afters:
                self.fail_next(method, retry_after=float(retry_after))
        for user in body.get("users") or []:
            self.add_user(**user)
        if body.get("clear_storms"):
            self.clear_storms()
        for storm in body.get("storms") or []:
            self.storm(storm["methods"], share=float(storm["share"]),
                       status=int(storm.get("status", 429)),
                       retry_after=float(storm.get("retry_after", 1)),
                       seconds=storm.get("seconds"), after_post=bool(storm.get("after_post")),
                       seed=int(storm.get("seed", 7)))


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def _json_field(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = _json_field(params.get("blocks"))
    return blocks if isinstance(blocks, list) else []


def _check_message(params: dict[str, Any]) -> str | None:
    """Slack's own refusals for a message body we could plausibly send."""
    blocks = _blocks(params)
    if not params.get("text") and not blocks:
        return "no_text"
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and len(text.get("text", "")) > MAX_SECTION_TEXT:
            return "invalid_blocks"
        for item in block.get("fields") or []:
            if len(item.get("text", "")) > 2000:
                return "invalid_blocks"
    if len(str(params.get("text", ""))) > 40000:
        return "msg_too_long"
    return None


def _handler_for(api: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: tests read the recorded calls instead

        def _send(self, status: int, body: dict[str, Any] | list[Any],
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _params(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            query = dict(parse_qsl(urlsplit(self.path).query))
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw) if raw else {}
                return {**query, **body}
            return {**query, **dict(parse_qsl(raw, keep_blank_values=True))}

        def _token(self, params: dict[str, Any]) -> str | None:
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                return auth[len("Bearer "):]
            return params.get("token") or None

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path == "/_calls":
                self._send(200, [c.__dict__ for c in api.calls()])
                return
            if path == "/_messages":
                self._send(200, api.history())
                return
            self._dispatch()

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path == "/_config":
                api.config(self._params())
                self._send(200, {"ok": True})
                return
            self._dispatch()

        def _dispatch(self) -> None:
            api.in_flight.begin()
            try:
                self._answer()
            finally:
                api.in_flight.end()

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/upload/"):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                file_id = path.rsplit("/", 1)[-1]
                with api.lock:
                    api.state.uploads[file_id] = data
                    api.state.calls.append(Call("upload", {"file_id": file_id,
                                                           "length": len(data)}, time.monotonic()))
                    api._arrived.notify_all()
                body_text = f"OK - {len(data)}".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body_text)))
                self.end_headers()
                self.wfile.write(body_text)
                return
            params = self._params()
            if path.startswith("/respond/"):
                params = {**params, "response_url": path}
                status, body, headers = api.handle("respond", params, None)
            elif path.startswith("/api/"):
                status, body, headers = api.handle(path[len("/api/"):], params,
                                                   self._token(params),
                                                   peer=f"{self.client_address[0]}:{self.client_address[1]}")
            else:
                status, body, headers = 404, {"ok": False, "error": "not_found"}, {}
            if api._closing():
                headers = {**headers, "Connection": "close"}
                self.close_connection = True
            self._send(status, body, headers)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake Slack Web API server.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--channel-rate-limit", type=float, default=None,
                        help="messages per second per channel before answering 429")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every Web API answer")
    args = parser.parse_args()
    # Another process (the benchmarks) delivers with the real clock: stamp messages with it.
    api = FakeSlackApi(port=args.port, clock=time.time)  # noqa: TID251
    api.limit_channels(args.channel_rate_limit)
    api.set_latency(args.latency)
    print(api.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        api.serve_forever()


if __name__ == "__main__":
    main()

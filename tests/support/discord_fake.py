"""A fake Discord: REST API and gateway on 127.0.0.1, enough for the unmodified discord.py
client to log in, connect, receive interactions and answer them, send DMs and sync commands.

It records every REST request (method, path, query, JSON body) so tests can check exactly
what the bot sent, can be told to fail chosen requests (a 429 with a `retry_after`, a 403
"cannot send messages to this user"), and pushes gateway events on demand. What it gets
right is what discord.py checks: JSON bodies with `Content-Type: application/json` (no
charset), `Via` on 429s, the interaction-callback `?with_response=1` body, HELLO / IDENTIFY /
READY / GUILD_CREATE and heartbeat acks. Like Discord, a message sent with `enforce_nonce`
and a nonce already used within `nonce_window` seconds is not created again: the first
message comes back (`created` lists the messages really created). `wait_for()` returns as
soon as the requests arrive; `settle()` waits until no request is being answered, for a
test that then asserts that nothing (more) was sent."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from tests.support.waiting import SETTLE_TIMEOUT

APP_ID = 700000000000000001
BOT_ID = 700000000000000002
GUILD_ID = 700000000000000010
CHANNEL_ID = 700000000000000011
EPOCH = "2027-01-04T15:00:00.000000+00:00"


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "global_name": name, "discriminator": "0",
            "avatar": None, "bot": bot, "public_flags": 0, "flags": 0}


def member_payload(user_id: int, name: str, permissions: int = 0) -> dict[str, Any]:
    return {"user": user_payload(user_id, name), "roles": [], "joined_at": EPOCH,
            "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None,
            "premium_since": None, "pending": False, "permissions": str(permissions)}


def channel_payload(channel_id: int = CHANNEL_ID, guild_id: int = GUILD_ID,
                    name: str = "em-interest") -> dict[str, Any]:
    return {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": name,
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
            "topic": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}


def guild_payload(guild_id: int = GUILD_ID) -> dict[str, Any]:
    return {
        "id": str(guild_id), "name": "EM Interest", "icon": None, "splash": None,
        "discovery_splash": None, "owner_id": str(BOT_ID), "afk_channel_id": None,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "features": [], "mfa_level": 0,
        "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
        "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
        "premium_progress_bar_enabled": False, "unavailable": False, "large": False,
        "member_count": 1, "joined_at": EPOCH, "emojis": [], "stickers": [],
        "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "2248473465835073",
                   "position": 0, "color": 0, "hoist": False, "managed": False,
                   "mentionable": False, "flags": 0}],
        "channels": [channel_payload(guild_id=guild_id)], "threads": [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "members": [member_payload(BOT_ID, "mentorbot")],
    }


@dataclass
class Recorded:
    method: str
    path: str  # below /api/v10
    query: dict[str, str]
    body: Any

    @property
    def allowed_mentions(self) -> Any:
        return self.body.get("allowed_mentions") if isinstance(self.body, dict) else None

    def pings_nobody(self) -> bool:
        """Whether the message's allowed_mentions rule out @everyone, @here and roles
        (an absent allowed_mentions would let Discord parse them from the content)."""
        rule = self.allowed_mentions
        if not isinstance(rule, dict):
            return False
        return not ({"everyone", "roles"} & set(rule.get("parse", []))) \
            and not rule.get("roles")

    @property
    def custom_ids(self) -> list[str]:
        body = self.body if isinstance(self.body, dict) else {}
        return [c["custom_id"] for row in body.get("components") or []
                for c in row.get("components", []) if "custom_id" in c]


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class FakeDiscord:
    """Start with `await fake.start()`; `patched()` points discord.py at it."""

    requests: list[Recorded] = field(default_factory=list)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _failures: list[Failure] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(800000000000000000))
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _answering: int = 0  # REST requests received and not yet answered
    nonce_window: float = 300.0
    created: list[dict[str, Any]] = field(default_factory=list)
    _nonces: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @contextmanager
    def patched(self) -> Iterator[None]:
        """discord.py's REST base and gateway URL, pointed here and restored afterwards."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            f"ws://127.0.0.1:{self.port}/gw")
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # --- scripting -----------------------------------------------------------------------

    def fail(self, method: str, path_regex: str, status: int, *, code: int = 0,
             message: str = "", retry_after: float | None = None, times: int = 1) -> None:
        """Answer the next `times` matching requests with an error instead."""
        body: dict[str, Any] = {"message": message or f"error {status}", "code": code}
        headers: dict[str, str] = {}
        if status == 429:
            body.update(retry_after=retry_after or 0.01, **{"global": False})
            headers = {"Via": "1.1 google", "Retry-After": str(retry_after or 0.01),
                       "X-RateLimit-Scope": "user"}
        self._failures.append(Failure(method, re.compile(path_regex), status, body, headers,
                                      times))

    def matching(self, method: str, path_regex: str) -> list[Recorded]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    async def wait_for(self, method: str, path_regex: str, count: int = 1,
                       timeout: float = 5.0) -> list[Recorded]:
        async def enough() -> list[Recorded]:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: len(self.matching(method, path_regex)) >= count)
            return self.matching(method, path_regex)

        return await asyncio.wait_for(enough(), timeout)

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until no REST request is being answered (fails after `timeout` seconds)."""
        async def idle() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self._answering == 0)

        try:
            await asyncio.wait_for(idle(), timeout)
        except TimeoutError:
            raise AssertionError(f"the fake Discord: {self._answering} request(s) still "
                                 f"being answered after {timeout:g} s") from None

    # --- gateway -------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for ws in self.sockets:
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq),
                                          "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                if payload["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif payload["op"] == 2:
                    await self._ready(ws)
        finally:
            self.sockets.remove(ws)
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        ready = {
            "v": 10, "user": user_payload(BOT_ID, "mentorbot", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gw",
            "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "shard": [0, 1],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq),
                                      "d": guild_payload()}))
        self.identified.set()

    # --- interactions --------------------------------------------------------------------

    def interaction(self, *, kind: int, data: dict[str, Any], user_id: int,
                    user_name: str = "Student", guild: bool = True, permissions: int = 0,
                    message: dict[str, Any] | None = None, guild_id: int = GUILD_ID,
                    channel_id: int = CHANNEL_ID) -> dict[str, Any]:
        """An INTERACTION_CREATE payload; its `token` names its callback and follow-ups.
        `guild_id`/`channel_id`: where it comes from (another server than the one the fake
        announced at READY is allowed: Discord sends interactions from every server)."""
        interaction_id = next(self._ids)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind,
            "token": f"token-{interaction_id}", "version": 1, "data": data,
            "locale": "en-US", "app_permissions": "2248473465835073", "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)} if guild else {},
            "context": 0 if guild else 1, "attachment_size_limit": 10485760,
        }
        if guild:
            payload.update(guild_id=str(guild_id), channel_id=str(channel_id),
                           channel=channel_payload(channel_id, guild_id), guild_locale="en-US",
                           member=member_payload(user_id, user_name, permissions))
        else:
            dm_id = next(self._ids)
            payload.update(channel_id=str(dm_id), user=user_payload(user_id, user_name),
                           channel={"id": str(dm_id), "type": 1, "last_message_id": None,
                                    "recipients": [user_payload(user_id, user_name)]})
        if message is not None:
            payload["message"] = message
        return payload

    def message(self, channel_id: int, body: dict[str, Any], *,
                flags: int = 0) -> dict[str, Any]:
        """A message object as Discord returns it (and as a button press carries it)."""
        return {
            "id": str(next(self._ids)), "channel_id": str(channel_id),
            "author": user_payload(BOT_ID, "mentorbot", bot=True),
            "content": body.get("content") or "", "timestamp": EPOCH,
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "pinned": False, "type": 0,
            "flags": flags | int(body.get("flags") or 0), "application_id": str(APP_ID),
        }

    # --- REST ----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        self._answering += 1
        try:
            return await self._rest_answer(request)
        finally:
            self._answering -= 1
            async with self._changed:
                self._changed.notify_all()

    async def _rest_answer(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await _body(request)
        async with self._changed:
            self.requests.append(Recorded(request.method, path, dict(request.query), body))
            self._changed.notify_all()
        for failure in self._failures:
            if failure.times > 0 and failure.method == request.method \
                    and failure.pattern.fullmatch(path):
                failure.times -= 1
                return _json(failure.body, failure.status, failure.headers)
        return self._answer(request.method, path, request.query, body)

    def _answer(self, method: str, path: str, query: Any, body: Any) -> web.Response:
        if method == "GET" and path == "/users/@me":
            return _json(user_payload(BOT_ID, "mentorbot", bot=True))
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json({"id": str(APP_ID), "name": "mentorbot", "description": "",
                          "icon": None, "bot_public": True, "bot_require_code_grant": False,
                          "verify_key": "0" * 64, "flags": 0,
                          "owner": user_payload(BOT_ID + 100, "owner")})
        if method == "GET" and path in {"/gateway", "/gateway/bot"}:
            return _json({"url": f"ws://127.0.0.1:{self.port}/gw", "shards": 1,
                          "session_start_limit": {"total": 1000, "remaining": 999,
                                                  "reset_after": 0, "max_concurrency": 1}})
        callback = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        if method == "POST" and callback:
            flags = int((body.get("data") or {}).get("flags") or 0)
            return _json({"interaction": {
                "id": callback.group(1), "type": 2, "response_message_id": None,
                "response_message_loading": body.get("type") == 5,
                "response_message_ephemeral": bool(flags & 64)},
                "resource": {"type": body.get("type")}})
        if re.fullmatch(r"/webhooks/\d+/[^/]+", path) and method == "POST":
            if query.get("wait") in {"true", "1"}:
                return _json(self.message(CHANNEL_ID, body))
            return web.Response(status=204)
        if re.fullmatch(r"/webhooks/\d+/[^/]+/messages/[^/]+", path):
            return _json(self.message(CHANNEL_ID, body if isinstance(body, dict) else {}))
        if method == "POST" and path == "/users/@me/channels":
            recipient = int(body["recipient_id"])
            return _json({"id": str(recipient + 1), "type": 1, "last_message_id": None,
                          "recipients": [user_payload(recipient, "someone")]})
        posted = re.fullmatch(r"/channels/(\d+)/messages", path)
        if method == "POST" and posted:
            return _json(self._create(int(posted.group(1)), body))
        commands = re.fullmatch(r"/applications/\d+(?:/guilds/(\d+))?/commands", path)
        if method == "PUT" and commands:
            out = []
            for command in body:
                stored = dict(command, id=str(next(self._ids)), application_id=str(APP_ID),
                              version="1", default_member_permissions=None)
                if commands.group(1):
                    stored["guild_id"] = commands.group(1)
                out.append(stored)
            return _json(out)
        return _json({"message": f"not in the fake: {method} {path}", "code": 0}, 404)


    def _create(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """A new message, unless `enforce_nonce` names a nonce used within the window."""
        nonce = str(body.get("nonce")) if body.get("nonce") is not None else None
        now = asyncio.get_running_loop().time()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(nonce)
            if seen is not None and now - seen[0] < self.nonce_window:
                return seen[1]
        message = self.message(channel_id, body)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[nonce] = (now, message)
        self.created.append(message)
        return message


async def _body(request: web.Request) -> Any:
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        payload: Any = {}
        files = []
        contents = []
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                files.append(part.filename)  # type: ignore[union-attr]
                contents.append(bytes(await part.read()))  # type: ignore[union-attr]
        if isinstance(payload, dict):
            payload["_files"] = files  # the uploaded files' names…
            payload["_file_data"] = contents  # …and their bytes, in the same order
        return payload
    raw = await request.read()
    return json.loads(raw) if raw else None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py reads JSON only when the content type is exactly application/json.
    return web.Response(status=status, body=json.dumps(data).encode(),
                        headers={"Content-Type": "application/json", **(headers or {})})

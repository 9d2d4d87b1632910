"""A Socket Mode endpoint on 127.0.0.1 (aiohttp websockets), so the real slack_sdk Socket
Mode client can connect: `apps.connections.open` on the fake Web API returns its URL. It
greets with `hello`, pushes envelopes (slash commands, interactivity, events) and records
the acknowledgements the app sends back."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web

_envelopes = itertools.count(1)


class FakeSocketMode:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.acks: dict[str, dict[str, Any]] = {}
        self.connected = threading.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._lock = threading.Lock()
        self._acked = threading.Condition(self._lock)  # notified on every acknowledgement
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="fake-socket-mode")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "debug_info": {"host": "fake"},
                                      "connection_info": {"app_id": "A0MENTOR"}}))
        with self._lock:
            self._sockets.append(ws)
        self.connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    with self._lock:
                        self.acks[data["envelope_id"]] = {**data, "at": time.monotonic()}
                        self._acked.notify_all()
        return ws

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Send an envelope (`slash_commands`, `interactive`, `events_api`); returns its id."""
        envelope_id = f"env-{next(_envelopes)}"
        body = json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload,
                           "accepts_response_payload": kind != "events_api",
                           "retry_attempt": 0, "retry_reason": ""})
        with self._lock:
            ws = self._sockets[-1]
        asyncio.run_coroutine_threadsafe(ws.send_str(body), self.loop).result(5)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        with self._acked:
            if not self._acked.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for {envelope_id}")
            return self.acks[envelope_id]

    def stop(self) -> None:
        async def close() -> None:
            for ws in list(self._sockets):
                await ws.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

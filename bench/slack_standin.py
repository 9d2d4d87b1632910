"""The Slack Web API stand-in of the test suite (tests/support/slack_api.FakeSlackApi: same
methods, answers, recording and rate limiting) served by aiohttp on one event loop instead
of a thread per connection, so that in throughput benchmarks the stand-in is not the
bottleneck. Prints its URL (…/api) on the first line. `GET /_calls`, `GET /_messages` and
`POST /_config` as in tests/support/slack_api.py.

Usage: python -m bench.slack_standin [--channel-rate-limit N]"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.support.slack_api import FakeSlackApi


def make_app(api: FakeSlackApi) -> web.Application:
    async def calls(request: web.Request) -> web.Response:
        return web.json_response([c.__dict__ for c in api.calls()])

    async def messages(request: web.Request) -> web.Response:
        return web.json_response(api.history())

    async def config(request: web.Request) -> web.Response:
        api.config(await request.json())
        return web.json_response({"ok": True})

    async def method(request: web.Request) -> web.Response:
        raw = (await request.read()).decode()
        params: dict[str, Any] = dict(request.query)
        if "json" in request.headers.get("Content-Type", ""):
            params.update(json.loads(raw) if raw else {})
        else:
            params.update(parse_qsl(raw, keep_blank_values=True))
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else params.get("token")
        status, body, headers = api.handle(request.match_info["method"], params, token)
        return web.json_response(body, status=status, headers=headers)

    app = web.Application()
    app.router.add_get("/_calls", calls)
    app.router.add_get("/_messages", messages)
    app.router.add_post("/_config", config)
    app.router.add_post("/api/{method}", method)
    app.router.add_get("/api/{method}", method)
    return app


async def serve(channel_rate_limit: float | None) -> None:
    # Its own threaded server is never started. The benchmarks deliver with the real clock:
    # messages are stamped with it too.
    api = FakeSlackApi(clock=time.time)
    api.limit_channels(channel_rate_limit)
    runner = web.AppRunner(make_app(api), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}/api", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channel-rate-limit", type=float, default=None)
    args = parser.parse_args()
    asyncio.run(serve(args.channel_rate_limit))


if __name__ == "__main__":
    main()

"""Slow connections against the real Slack endpoint: N connections that send a byte every
few seconds (half in their headers, half in their body), opened anew when the server closes
one, from one address and then from several loopback addresses (127.0.0.x); beside them a
genuine signed slash command every half second from another address (Slack's). Prints how
long each genuine command took to be answered, and what became of the slow connections
(refused at once, timed out, still open).

Two processes: this one runs the real Slack service (the HTTP server, the edge, Bolt, the
core on a SQLite file) and the fake Slack Web API in a third; the slow clients and the
genuine commands come from a second process, so the attack competes with the app only for
the CPU. Everything goes to 127.0.0.x.

`--server` picks the HTTP server behind the same application: `mentorbot` (waitress with
`adapters.http_limits`), `waitress` (stock waitress as configured before: at most 256
connections, a 15-second inactivity timeout), `cheroot` (CherryPy's server, a thread pool;
`pip install cheroot` first).

Usage: python -m bench.bench_slowloris [--small] [--connections 300] [--addresses 1,20]
       [--interval 2] [--seconds 12] [--server mentorbot|waitress|cheroot]
`--small` (CI): 100 connections, a byte a second, 6 s of commands per scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLACK_ADDRESS = "127.0.0.2"
"""Where the genuine commands come from: an address of its own, as Slack's is."""
ANSWER_TIMEOUT = 20.0
"""Seconds a genuine command is waited for (Slack gives up after 3)."""


# --- the attack and the genuine commands (a separate process) ---------------------------


def attack(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.bench_slack_http import SECRET
    from tests.support.slack_requests import SlackHttp
    from tests.support.slow_clients import SlowClients

    addresses = int(args.addresses)
    sources = ["127.0.0.1"] if addresses == 1 else [
        f"127.0.0.{10 + i}" for i in range(addresses)]
    slow = SlowClients(args.port, interval=args.interval, reopen=True)
    opened = time.monotonic()
    slow.open(args.connections // 2, kind="headers", sources=sources)
    slow.open(args.connections - args.connections // 2, kind="body", sources=sources)
    opening = time.monotonic() - opened
    time.sleep(min(2.0, args.seconds / 3))  # let the server accept and the bytes trickle
    genuine = SlackHttp(args.port, source=SLACK_ADDRESS, secret=SECRET)
    count = max(1, int(args.seconds * 2))
    results: list[dict[str, Any]] = [{} for _ in range(count)]

    def send(i: int) -> None:
        started = time.perf_counter()
        try:
            status = genuine.command("/mentor", "help", user_id="U0GENUINE",
                                     response_url=f"{args.response_base}/g{i}").status
        except OSError as exc:
            status = type(exc).__name__
        results[i] = {"status": status, "seconds": time.perf_counter() - started}

    threads = []
    start = time.monotonic()
    for i in range(count):
        delay = start + i * 0.5 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=send, args=(i,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(ANSWER_TIMEOUT + 5)
    slow.poll()
    connections = slow.connections
    lifetimes = [c.lifetime for c in connections if c.lifetime is not None and not c.refused]
    summary = {
        "opening": opening,
        "genuine": results,
        "opened": len(connections),
        "refused": sum(1 for c in connections if c.refused),
        "timed_out": sum(1 for c in connections if c.timed_out),
        "closed_silently": sum(1 for c in connections
                               if c.closed is not None and not c.answer),
        "open_at_end": len(slow.open_now()),
        "peak_open": slow.peak_open,
        "lifetimes": lifetimes,
    }
    slow.close()
    print(json.dumps(summary))


# --- the servers ---------------------------------------------------------------------------


def server_factory(name: str) -> Callable[..., Any] | None:
    """None: the service's own (mentorbot's)."""
    if name == "mentorbot":
        return None
    if name == "waitress":
        from waitress.server import create_server

        from adapters.http import HTTP_THREADS, MAX_REQUEST_BODY, HttpServer

        class StockWaitress(HttpServer):
            def __init__(self, application: Any, host: str, port: int) -> None:
                self.limits = None  # type: ignore[assignment]
                self.server = create_server(
                    application, host=host, port=port, threads=HTTP_THREADS,
                    connection_limit=256, channel_timeout=15, cleanup_interval=5,
                    max_request_body_size=MAX_REQUEST_BODY, expose_tracebacks=False,
                    clear_untrusted_proxy_headers=True)
                self._thread = None

        return StockWaitress
    if name == "cheroot":
        from cheroot.wsgi import Server as CherootServer

        class Cheroot:
            def __init__(self, application: Any, host: str, port: int) -> None:
                self.server = CherootServer((host, port), application, numthreads=8)
                self.server.prepare()

            @property
            def port(self) -> int:
                return int(self.server.bind_addr[1])

            def start(self) -> None:
                threading.Thread(target=self.server.serve, daemon=True).start()

            def stop(self) -> None:
                self.server.stop()

        return Cheroot
    raise SystemExit(f"unknown server {name!r}: mentorbot, waitress or cheroot")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f})"


def report(server: str, args: argparse.Namespace, addresses: int,
           result: dict[str, Any]) -> None:
    genuine = result["genuine"]
    answered = [g for g in genuine if g.get("status") == 200]
    times = sorted(g["seconds"] * 1000 for g in answered)
    where = "one address" if addresses == 1 else f"{addresses} addresses"
    print(f"\n[{server}] {args.connections} slow connections from {where} "
          f"(half in headers, half in body, a byte every {args.interval:g} s, reopened "
          f"when closed), opened in {result['opening']:.1f} s; {load()}")
    if times:
        print(f"  genuine signed commands answered 200: {len(answered)}/{len(genuine)}; "
              f"answer time p50 {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms; "
              f"over 1 s: {sum(1 for t in times if t > 1000)}")
    else:
        print(f"  genuine signed commands answered 200: 0/{len(genuine)}")
    failed = [g for g in genuine if g.get("status") != 200]
    if failed:
        print(f"  not answered: {len(failed)} ({', '.join(sorted({str(g.get('status')) for g in failed}))}"
              f", waited up to {ANSWER_TIMEOUT:g} s)")
    lifetimes = sorted(result["lifetimes"])
    life = (f"lifetime of those closed: median {statistics.median(lifetimes):.1f} s, "
            f"max {lifetimes[-1]:.1f} s" if lifetimes else "none closed")
    print(f"  slow connections: {result['opened']} opened in all, {result['refused']} refused "
          f"at once (429), {result['timed_out']} timed out (408), "
          f"{result['closed_silently']} closed without an answer, at most "
          f"{result['peak_open']} open at once, {result['open_at_end']} open at the end; {life}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--addresses", default="1,20",
                        help="scenarios: how many loopback addresses the attack comes from")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--server", default="mentorbot")
    parser.add_argument("--attack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--response-base", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attack:
        attack(args)
        return
    if args.small:
        args.connections, args.interval, args.seconds = 100, 1.0, 6.0

    import logging

    logging.basicConfig(level=logging.ERROR)
    from adapters.slack.service import SlackService
    from bench.bench_slack_http import SECRET, fake_api
    from bot.app.core import Core
    from bot.infra.db import Database
    from bot.infra.settings import Settings

    print(f"bench_slowloris: server {args.server}; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'slowloris.sqlite3'}"
        Database(url).upgrade()
        api, api_url = fake_api()
        try:
            settings = Settings(database_url=url, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                                slack_signing_secret=SECRET, slack_api_url=api_url, port=0,
                                _env_file=None)
            core = Core(db=Database(url), settings=settings)
            factory = server_factory(args.server)
            service = (SlackService(core, settings, host="127.0.0.1") if factory is None
                       else SlackService(core, settings, host="127.0.0.1", server=factory))
            service.start()
            assert service._http is not None
            try:
                for addresses in (int(a) for a in args.addresses.split(",")):
                    attacker = subprocess.run(
                        [sys.executable, "-m", "bench.bench_slowloris", "--attack",
                         "--port", str(service._http.port),
                         "--connections", str(args.connections),
                         "--addresses", str(addresses), "--interval", str(args.interval),
                         "--seconds", str(args.seconds),
                         "--response-base", api_url.rsplit("/api", 1)[0] + "/respond"],
                        cwd=ROOT, capture_output=True, text=True, check=True,
                        env={**os.environ, "PYTHONPATH": str(ROOT)})
                    report(args.server, args, addresses, json.loads(attacker.stdout))
                    time.sleep(1.0)  # what is left of the attack closes before the next
            finally:
                service.stop()
                core.db.dispose()
        finally:
            api.terminate()
            api.wait(10)


if __name__ == "__main__":
    main()

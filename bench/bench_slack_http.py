"""Slack HTTP mode under load: signed slash commands at a steady rate, sent from a second
process over loopback, against a database of N faculty; prints the acknowledgement latency
(p50 / p99 / max), how many took over Slack's 3-second limit, and how long the replies
(the work after the ack) took to arrive. The same load first goes to a bare slack-bolt app
(a few lines: ack, then respond() in a lazy listener) behind the same HTTP server, in the
same run, and the ratio of the two is printed: what the project adds to an acknowledgement.

Processes: this one runs the real Slack service (Bolt behind the HTTP server and the edge,
the core, the database); the bare app runs in a process of its own before it; the fake Slack
Web API runs in its own process (`python -m tests.support.slack_api`) and receives
users.info, respond(), views.publish…; the load generator is another process, so it
competes with the app only for the CPU.

Usage: python -m bench.bench_slack_http [--small] [--rate 50] [--seconds 20]
       [--faculty 20000] [--students 300] [--database-url URL]
`--small` (CI): 20 commands/s for 3 s against 1,000 faculty.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
SPECIALTIES = ("Emergency Medicine", "General Surgery", "Pediatrics", "Internal Medicine",
               "Psychiatry", "Neurology")
RESEARCH = ("sepsis", "ultrasound", "trauma", "asthma", "stroke", "medical education",
            "health equity", "critical care")


# --- the load generator (a separate process) ----------------------------------------------


def generate(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.slack_requests import signed_headers, slash_command

    lines: list[str] = json.loads(args.lines)
    total = int(args.rate * args.seconds)
    latencies: list[float | None] = [None] * total
    statuses: list[int] = [0] * total
    rng = random.Random(7)

    def send(i: int) -> None:
        root, _, text = lines[i % len(lines)].partition(" ")
        user = f"U{rng.randrange(args.students):07d}"
        body = slash_command(root, text, user_id=user, team_id=TEAM,
                             response_url=f"{args.response_base}{i}")
        headers = signed_headers(body, secret=SECRET)
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[i] = response.status
        except OSError:
            statuses[i] = -1
        latencies[i] = time.perf_counter() - started

    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(64) as pool:
        for i in range(total):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, i)
    sent_for = time.perf_counter() - start
    print(json.dumps({"latencies": latencies, "statuses": statuses, "sent_for": sent_for}))


# --- the app side ------------------------------------------------------------------------


def seed(url: str, faculty: int, students: int) -> None:
    from bot.groups import roster
    from bot.infra.db import Database

    db = Database(url)
    db.upgrade()
    now = datetime(2027, 1, 4, 15, tzinfo=UTC)
    rng = random.Random(3)
    faculty_rows = roster.to_csv("faculty", (
        {"name": f"Dr. Faculty {i}", "email": f"faculty{i}@example.edu",
         "specialty": SPECIALTIES[i % len(SPECIALTIES)], "title": "Assistant Professor",
         "research": rng.sample(RESEARCH, 2), "capacity": i % 6, "accepting": i % 4 != 0,
         "stages": ["ms3", "ms4"], "timezone": "America/New_York",
         "slack_id": f"UF{i:07d}", "discord_id": ""}
        for i in range(faculty)))
    student_rows = roster.to_csv("students", (
        {"name": f"Student {i}", "email": f"student{i}@example.edu",
         "stage": ("ms1", "ms2", "ms3", "ms4")[i % 4],
         "interests": [SPECIALTIES[i % len(SPECIALTIES)].lower()],
         "research": rng.sample(RESEARCH, 1), "timezone": "America/Chicago",
         "slack_id": f"U{i:07d}", "discord_id": ""}
        for i in range(students)))
    with db.session() as session:
        roster.import_csv(session, faculty_rows, "faculty", now=now)
        roster.import_csv(session, student_rows, "students", now=now)
    db.dispose()


def command_lines() -> list[str]:
    return ["/mentor help", "/mentor profile", "/mentor list", "/letter list", "/letter help",
            "/mentor find sepsis ultrasound", "/mentor find specialty:pediatrics"]


def fake_api() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "tests.support.slack_api", "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    return process, url


def fake_calls(url: str) -> list[dict[str, Any]]:
    root = url.rsplit("/api", 1)[0]
    with urllib.request.urlopen(f"{root}/_calls", timeout=30) as response:
        return json.loads(response.read())


def configure(url: str, students: int) -> None:
    root = url.rsplit("/api", 1)[0]
    users = [{"user_id": f"U{i:07d}", "name": f"Student {i}", "email": f"student{i}@example.edu",
              "tz": "America/Chicago", "team_id": TEAM} for i in range(students)]
    request = urllib.request.Request(f"{root}/_config", data=json.dumps({"users": users}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


# --- the bare slack-bolt app (a separate process) ------------------------------------------


def serve_bare(api_url: str) -> None:
    """A bare Bolt app on the same HTTP server: acknowledges, then answers "ok" through
    the response_url in a lazy listener. Prints its port; serves until stdin closes."""
    sys.path.insert(0, str(ROOT))
    from slack_bolt import Ack, App, Respond
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from adapters.http import HttpServer

    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-bare", base_url=api_url),
              token_verification_enabled=False, process_before_response=True)

    def ack(ack: Ack) -> None:
        ack()

    def reply(respond: Respond) -> None:
        respond("ok")

    for name in ("/mentor", "/letter"):
        app.command(name)(ack=ack, lazy=[reply])
    server = HttpServer(SlackRequestHandler(app), "127.0.0.1", 0)
    server.start()
    print(server.port, flush=True)
    sys.stdin.read()
    server.stop()


def run_load(port: int, args: argparse.Namespace, response_base: str,
             lines: list[str]) -> dict[str, Any]:
    generator = subprocess.run(
        [sys.executable, "-m", "bench.bench_slack_http", "--generate",
         "--port", str(port), "--rate", str(args.rate),
         "--seconds", str(args.seconds), "--students", str(args.students),
         "--response-base", response_base, "--lines", json.dumps(lines)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    result: dict[str, Any] = json.loads(generator.stdout)
    return result


def wait_replies(api_url: str, prefix: str, total: int) -> tuple[int, float]:
    """Replies through response_url whose path starts with `prefix`, and how long after
    now the last arrived (up to 180 s)."""
    started = time.perf_counter()
    replies = 0
    while time.perf_counter() - started < 180:
        replies = len({c["params"].get("response_url") for c in fake_calls(api_url)
                       if c["method"] == "respond"
                       and str(c["params"].get("response_url", "")).rsplit("/", 1)[-1]
                       .startswith(prefix)})
        if replies >= total:
            break
        time.sleep(0.5)
    return replies, time.perf_counter() - started


def cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f})"


def summary(name: str, result: dict[str, Any], total: int) -> dict[str, float]:
    latencies = [x for x in result["latencies"] if x is not None]
    ok = sum(1 for s in result["statuses"] if s == 200)
    ms = [x * 1000 for x in latencies]
    figures = {"p50": statistics.median(ms), "p99": percentile(ms, 99), "max": max(ms),
               "mean": statistics.fmean(ms), "ok": ok,
               "over": sum(1 for x in latencies if x > 3.0)}
    print(f"{name}: acks {ok}/{total} HTTP 200 (sent over {result['sent_for']:.1f} s); "
          f"ack latency ms: p50 {figures['p50']:.1f}  p99 {figures['p99']:.1f}  "
          f"max {figures['max']:.1f}  mean {figures['mean']:.1f}; over 3 s: {figures['over']}")
    return figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--faculty", type=int, default=20000)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--response-base", default="", help=argparse.SUPPRESS)
    parser.add_argument("--lines", default="[]", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args)
        return
    if args.seed_only:
        seed(args.database_url, args.faculty, args.students)
        return
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    if args.small:
        args.rate, args.seconds, args.faculty, args.students = 20.0, 3.0, 1000, 50

    import logging

    logging.basicConfig(level=logging.WARNING)
    from adapters.slack.service import SlackService
    from bot.app.core import Core
    from bot.infra.db import Database
    from bot.infra.settings import Settings

    total = int(args.rate * args.seconds)
    lines = command_lines()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        started = time.perf_counter()
        # In its own process, so the service below starts with a heap like production's.
        subprocess.run([sys.executable, "-m", "bench.bench_slack_http", "--seed-only",
                        "--database-url", url, "--faculty", str(args.faculty),
                        "--students", str(args.students)], cwd=ROOT, check=True)
        print(f"seeded {args.faculty:,} faculty and {args.students} students in "
              f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        api, api_url = fake_api()
        respond_base = api_url.rsplit("/api", 1)[0] + "/respond"
        print(f"sending {total} signed slash commands at {args.rate:g}/s for "
              f"{args.seconds:g} s from a second process, on a new connection each; "
              f"mix: {', '.join(lines)}")
        try:
            configure(api_url, args.students)
            # 1. The bare slack-bolt app, in a process of its own.
            print(f"bare slack-bolt app: {load_average()}")
            bare = subprocess.Popen([sys.executable, "-m", "bench.bench_slack_http",
                                     "--serve-bare", api_url], cwd=ROOT, text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    env={**os.environ, "PYTHONPATH": str(ROOT)})
            assert bare.stdout is not None and bare.stdin is not None
            bare_port = int(bare.stdout.readline())
            bare_result = run_load(bare_port, args, respond_base + "/b", lines)
            bare_replies, _ = wait_replies(api_url, "b", total)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            bare.stdin.close()
            bare.wait(30)
            bare_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN)) - cpu_seconds(
                children)
            # 2. The project, right after, in this process.
            print(f"mentorbot: {load_average()}")
            settings = Settings(database_url=url, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                                slack_signing_secret=SECRET, slack_api_url=api_url, port=0,
                                _env_file=None)
            core = Core(db=Database(url), settings=settings)
            service = SlackService(core, settings, host="127.0.0.1")
            service.start()
            assert service._http is not None
            server_times: list[float] = []
            if os.environ.get("BENCH_VERBOSE"):
                inner = service._http.server.application

                def timed(environ: Any, start_response: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return inner(environ, start_response)
                    finally:
                        server_times.append((time.perf_counter() - t0) * 1000)

                service._http.server.application = timed
            before = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
            result = run_load(service._http.port, args, respond_base + "/c", lines)
            replies, drained = wait_replies(api_url, "c", total)
            project_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - before
            service.stop()
            core.db.dispose()
            print(f"after both: {load_average()}")
        finally:
            api.terminate()
            api.wait(10)

    print()
    bare_figures = summary("bare slack-bolt app", bare_result, total)
    figures = summary("mentorbot          ", result, total)
    ratio = {k: figures[k] / bare_figures[k] for k in ("p50", "p99", "max")}
    print(f"ratio mentorbot / bare: p50 {ratio['p50']:.2f}x  p99 {ratio['p99']:.2f}x  "
          f"max {ratio['max']:.2f}x")
    if os.environ.get("BENCH_VERBOSE"):
        ms = [x * 1000 for x in result["latencies"] if x is not None]
        print("slowest (index, ms):", sorted(enumerate(ms), key=lambda p: -p[1])[:10])
        print("server-side slowest ms:", sorted(server_times, reverse=True)[:10])
        per_second = [max(ms[i:i + int(args.rate)]) for i in range(0, len(ms), int(args.rate))]
        print("max per second:", " ".join(f"{x:.0f}" for x in per_second))
    print(f"replies delivered via response_url: bare {bare_replies}/{total}; mentorbot "
          f"{replies}/{total}, the last {drained:.1f} s after the last command was sent")
    print(f"CPU time of the serving process (acks and the work after them): bare "
          f"{bare_cpu:.1f} s, mentorbot {project_cpu:.1f} s "
          f"({project_cpu / total * 1000:.0f} ms per command)")
    goal = (ratio["p99"] <= 1.5 and figures["over"] == 0 and figures["ok"] == total)
    print(f"goal (p99 <= 1.5x the bare app's, none over 3 s, all acknowledged): "
          f"{'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()

"""The real `mentorbot run` delivering a wave: N first-time recipients (one nudge each, about
a mentorship or an action item, worded when sent) through one or more `mentorbot run`
processes on one PostgreSQL database, to the Slack Web API stand-in (aiohttp, its own
process, no limits of its own).

Prints the Web API calls per nudge by method (every call the workers made while the wave
went out: chat.postMessage, and whatever else a DM costs), nudges/s (first to last message
at the stand-in), the workers' CPU per nudge (from /proc, over the wave), the send budget's
database round trips, whether every nudge went out exactly once, and the machine's load.

The workers run as configured in production except `SLACK_SEND_RATE` (`--send-rate`,
default 1000 a second: the stand-in takes anything, and the figure measured is the cost per
message; with Slack's own default of 5 a second a 10,000-message wave takes 37 minutes).
The nudges are written once the workers are up, so start-up is not counted; the workers
find them at their next sweep.

PostgreSQL: TEST_POSTGRES_URL (an admin URL), else a throwaway server
(tests/support/postgres.py).

Usage: python -m bench.bench_run [--small] [--scale N] [--workers W] [--send-rate R]"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:  # run as a script (python bench/X.py): the project importable
    sys.path.insert(0, ROOT_DIR)

from sqlalchemy import func, select  # noqa: E402

from bench.bench_soak import Worker, posted_nudges  # noqa: E402
from bench.nudge_support import StandIn, add_due_nudges, add_people, postgres_factory  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.infra.models import Nudge  # noqa: E402
from bot.vocab.nudges import NudgeState  # noqa: E402

BASE = 10_000
"""Recipients at scale 1."""
SMALL = 500
READY = b"starting scheduler"
"""What a worker logs once its scheduler (and with it the sweep) is starting."""
TIMEOUT = 1800.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(workers: list[Worker], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(READY in w.log.read_bytes()[w.offset:] for w in workers):
            return
        time.sleep(0.2)
    raise SystemExit("the workers did not start: " + ", ".join(str(w.log) for w in workers))


def _pending(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Nudge)
                                  .where(Nudge.state == NudgeState.PENDING)) or 0)


def run(db: Database, recipients: int, workers_count: int, send_rate: float,
        workdir: Path) -> None:
    people = add_people(db, recipients)
    with StandIn() as standin:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(DATABASE_URL=db.url, SLACK_BOT_TOKEN="xoxb-run",
                   SLACK_SIGNING_SECRET="run-secret", SLACK_API_URL=standin.url + "/",
                   SLACK_SEND_RATE=str(send_rate), LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
                   HOST="127.0.0.1")
        workers = [Worker(f"w{i}", env, workdir / f"run-w{i}.log") for i in range(workers_count)]
        for worker in workers:
            worker.start()
        try:
            _wait_ready(workers)
            before = {w.name: cpu_seconds(w.proc.pid) for w in workers if w.proc}
            calls_before = len(standin.calls())
            due = add_due_nudges(db, people, recipients,
                                 datetime.now(UTC) - timedelta(minutes=1),
                                 mix=("mentorship", "action item"))
            deadline = time.monotonic() + TIMEOUT
            while _pending(db) and time.monotonic() < deadline:
                time.sleep(0.5)
            cpu = sum(cpu_seconds(w.proc.pid) - before[w.name] for w in workers if w.proc)
        finally:
            for worker in workers:
                worker.stop()
        calls = standin.calls()[calls_before:]
        counts = posted_nudges(standin_messages(standin))
    posts = [c["at"] for c in calls if c["method"] == "chat.postMessage"]
    nudges = len(due)
    seconds = max(posts) - min(posts) if len(posts) > 1 else float("nan")
    methods = Counter(c["method"] for c in calls)
    lost = len(set(due) - counts.keys())
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(f"mentorbot run x{workers_count} (PostgreSQL), {nudges:,} nudges to {recipients:,} "
          f"first-time recipients, SLACK_SEND_RATE={send_rate:g}")
    print(f"  {nudges / seconds:,.0f} nudges/s (first to last message, {seconds:.1f} s); "
          f"CPU of the workers {1000 * cpu / nudges:.2f} ms per nudge")
    print(f"  Web API calls: {sum(methods.values()) / nudges:.2f} per nudge: " + ", ".join(
        f"{method} {count / nudges:.2f}" for method, count in methods.most_common()))
    print(f"  lost {lost}, duplicated {duplicated}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    if lost or duplicated:
        sys.exit(1)


def standin_messages(standin: StandIn) -> list[dict[str, Any]]:
    with urllib.request.urlopen(standin.root + "/_messages", timeout=120) as response:
        return list(json.load(response))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help=f"{SMALL} recipients (CI)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help=f"recipients = {BASE:,} x scale (1, 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--send-rate", type=float, default=1000.0)
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here")
    args = parser.parse_args()
    recipients = SMALL if args.small else int(BASE * args.scale)
    with postgres_factory() as factory, tempfile.TemporaryDirectory() as tmp:
        logs = args.logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        db = Database(factory.new_url())
        try:
            run(db, recipients, args.workers, args.send_rate, logs)
        finally:
            db.dispose()


if __name__ == "__main__":
    main()

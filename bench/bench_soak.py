"""Soak: two `mentorbot run` processes deliver N due nudges through the Slack Web API
stand-in (its own process) on one PostgreSQL database, under storms of 429 (short and long
`Retry-After`) and 500 (some after the message was posted: the answer is lost), once with
no kills and once with a worker killed (SIGKILL) at intervals and restarted.

Prints, for each run: nudges sent, lost (never posted), duplicated (posted more than once),
duplicates avoided (a lost answer found in the DM's history, so not sent again), the time
taken, and the machine's load average. Goal: 0 lost and 0 duplicated in both runs.

PostgreSQL: TEST_POSTGRES_URL (an admin URL), else a throwaway server
(tests/support/postgres.py). The lease is shortened (NUDGE_LEASE_SECONDS) so a killed
worker's nudges are taken over within seconds, as they would be after 5 minutes.

Usage: python -m bench.bench_soak [--small] [--nudges N] [--kill-every SECONDS]"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:  # run as a script (python bench/X.py): the project importable
    sys.path.insert(0, ROOT_DIR)

from sqlalchemy import func, select  # noqa: E402

from bench.nudge_support import ROOT, StandIn, add_due_nudges, add_people, postgres_factory  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.infra.models import Nudge  # noqa: E402
from bot.vocab.nudges import NudgeState  # noqa: E402

LEASE_SECONDS = 6
"""The workers' lease: a killed worker's nudges are free again this soon."""
FOUND_IN_HISTORY = "was delivered by an earlier attempt"
"""What a worker logs when the history check spares a repeat (jobs/delivery.py)."""
SWEPT = b"jobs.scheduler: sweep:"
"""What a worker logs after a sweep that claimed something."""
POLL = 0.5
SEND_RATE = 100.0
"""The workers' shared send budget (SLACK_SEND_RATE): well above what the storms let
through, so the run measures exactly-once under 429s and kills, not the budget (a 429
still holds both workers back, as in production)."""


@dataclass(frozen=True)
class Size:
    nudges: int
    storm_seconds: float
    long_retry_after: float
    server_errors: bool  # 500 storms: each costs the nudges it hits a retry after a minute
    kill_every: float
    timeout: float


FULL = Size(nudges=6_000, storm_seconds=4.0, long_retry_after=8.0, server_errors=True,
            kill_every=5.0, timeout=900.0)
SMALL = Size(nudges=200, storm_seconds=1.5, long_retry_after=2.0, server_errors=False,
             kill_every=2.0, timeout=40.0)


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _configure(standin: StandIn, body: dict[str, Any]) -> None:
    request = urllib.request.Request(standin.root + "/_config", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


def _messages(standin: StandIn) -> list[dict[str, Any]]:
    with urllib.request.urlopen(standin.root + "/_messages", timeout=120) as response:
        return list(json.load(response))


def posted_nudges(messages: list[dict[str, Any]]) -> Counter[int]:
    """Messages posted per nudge id (the first part of each, from the message metadata)."""
    counts: Counter[int] = Counter()
    for message in messages:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if "nudge_id" in payload and payload.get("part", 0) == 0:
            counts[int(payload["nudge_id"])] += 1
    return counts


@dataclass
class Worker:
    """One `mentorbot run` process, restarted after a kill; its log is kept across lives."""

    name: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    lives: int = 0
    offset: int = 0  # the log's size when this life started

    def start(self) -> None:
        env = dict(self.env, PORT=str(_free_port()))
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT,
                                         env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        self.lives += 1
        self.offset = self.log.stat().st_size if self.log.exists() else 0

    def sending(self) -> bool:
        """Whether this life has delivered something yet (a sweep logged since its start):
        its start-up (imports, Slack's auth.test) takes seconds on a busy machine."""
        with self.log.open("rb") as log:
            log.seek(self.offset)
            return SWEPT in log.read()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Outcome:
    label: str
    nudges: int
    sent: int
    lost: int
    duplicated: int
    avoided: int
    states: dict[str, int]
    kills: int
    seconds: float

    def line(self) -> str:
        states = ", ".join(f"{state} {count}" for state, count in sorted(self.states.items()))
        return (f"{self.label}: {self.nudges} nudges, 2 workers, {self.kills} kills: "
                f"sent {self.sent}, lost {self.lost}, duplicated {self.duplicated}, "
                f"duplicates avoided by the history check {self.avoided}; "
                f"{self.seconds:.1f} s ({self.sent / self.seconds:.0f} nudges/s); "
                f"rows: {states}")


def _storms(standin: StandIn, size: Size, stop: threading.Event) -> None:
    """Storms one after another until `stop`: short and long Retry-After, 500s (plain and
    after the post) when the size allows them."""
    kinds: list[dict[str, Any]] = [
        {"share": 0.5, "status": 429, "retry_after": 0.5},
        {"share": 0.3, "status": 429, "retry_after": size.long_retry_after},
    ]
    if size.server_errors:
        kinds += [{"share": 0.05, "status": 500}, {"share": 0.05, "status": 500,
                                                    "after_post": True}]
    for seed, kind in enumerate(_cycle(kinds, stop)):
        _configure(standin, {"storms": [dict(kind, methods=["chat.postMessage"],
                                             seconds=size.storm_seconds, seed=seed)]})
        if stop.wait(size.storm_seconds * 2):
            return


def _cycle(kinds: list[dict[str, Any]], stop: threading.Event) -> Iterator[dict[str, Any]]:
    while not stop.is_set():
        yield from kinds


def _states(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {str(state): int(count) for state, count in session.execute(
            select(Nudge.state, func.count()).group_by(Nudge.state))}


def soak(db: Database, size: Size, *, kills: bool, label: str, workdir: Path) -> Outcome:
    people = add_people(db, size.nudges)
    add_due_nudges(db, people, size.nudges, datetime.now(UTC) - timedelta(minutes=1))
    with StandIn(threaded=True) as standin:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(DATABASE_URL=db.url, SLACK_BOT_TOKEN="xoxb-soak",
                   SLACK_SIGNING_SECRET="soak-secret", SLACK_API_URL=standin.url + "/",
                   NUDGE_LEASE_SECONDS=str(LEASE_SECONDS), LOG_LEVEL="INFO",
                   PYTHONUNBUFFERED="1", HOST="127.0.0.1", SLACK_SEND_RATE=str(SEND_RATE))
        workers = [Worker(f"{label} w{i}", env, workdir / f"{label}-w{i}.log".replace(" ", "-"))
                   for i in range(2)]
        stop = threading.Event()
        storms = threading.Thread(target=_storms, args=(standin, size, stop), daemon=True)
        started = time.monotonic()
        for worker in workers:
            worker.start()
        storms.start()
        killed = 0
        next_kill = started + size.kill_every
        rng = random.Random(11)
        # A worker is killed once it is sending, `kill_every` seconds after the last kill.
        try:
            while time.monotonic() - started < size.timeout:
                if _states(db).get(NudgeState.PENDING, 0) == 0:
                    break
                now = time.monotonic()
                ripe = [w for w in workers if kills and now >= next_kill and w.sending()]
                if ripe:
                    victim = rng.choice(ripe)
                    victim.kill()
                    victim.start()
                    killed += 1
                    next_kill = now + size.kill_every
                time.sleep(POLL)
            seconds = time.monotonic() - started
        finally:
            stop.set()
            for worker in workers:
                worker.stop()
            storms.join(timeout=30)
        counts = posted_nudges(_messages(standin))
    with db.session() as session:
        ids = set(session.scalars(select(Nudge.id)))
    avoided = sum(worker.log.read_text(errors="replace").count(FOUND_IN_HISTORY)
                  for worker in workers)
    return Outcome(label=label, nudges=size.nudges, sent=len(counts.keys() & ids),
                   lost=len(ids - counts.keys()),
                   duplicated=sum(n - 1 for n in counts.values() if n > 1),
                   avoided=avoided, states=_states(db), kills=killed, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a few hundred nudges (CI)")
    parser.add_argument("--nudges", type=int, default=None)
    parser.add_argument("--kill-every", type=float, default=None)
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here")
    parser.add_argument("--no-kills", action="store_true", help="only the run without kills")
    args = parser.parse_args()
    size = SMALL if args.small else FULL
    if args.nudges:
        size = Size(**{**size.__dict__, "nudges": args.nudges})
    if args.kill_every:
        size = Size(**{**size.__dict__, "kill_every": args.kill_every})
    outcomes = []
    runs = [("no kills", False)] + ([] if args.no_kills else [("kills", True)])
    with postgres_factory() as factory, tempfile.TemporaryDirectory() as tmp:
        logs = args.logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        for label, kills in runs:
            db = Database(factory.new_url())
            try:
                outcomes.append(soak(db, size, kills=kills, label=label, workdir=logs))
            finally:
                db.dispose()
    for outcome in outcomes:
        print(outcome.line())
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} cores)")
    if any(o.lost or o.duplicated for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Sweep throughput: due nudges delivered through the real SlackChannel (slack_sdk WebClient
over kept-alive connections, `adapters.slack.transport`) to the Slack Web API stand-in
(tests/support/slack_api.py, served by aiohttp: bench/slack_standin.py) running in another
process on 127.0.0.1 with no rate limit (so the channel's per-person pacing is off). Each
person gets several nudges; a DM is one chat.postMessage to the user's id. The nudges are
planned by the real planners from follow-ups, action items and letters (`nudge_support.MIX`)
and worded when they are sent, from their subjects' state read once per batch and subject
type. The send budget is on, at a rate the stand-in never reaches (`--send-rate`), so its
round trips to the database are counted in the CPU.

Prints nudges/s, the sweeping process's CPU per nudge, the Web API calls per nudge by
method, the send budget's database round trips, lost and duplicated messages, and the
machine's load average. `--scale 10` is ten times the nudges and people.

Usage: python -m bench.bench_sweep [--small] [--scale N] [--nudges N] [--people P]
       [--threads T] [--send-rate R | --no-budget] [--urllib]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:  # run as a script (python bench/X.py): the project importable
    sys.path.insert(0, ROOT_DIR)

from sqlalchemy import func, select  # noqa: E402

from bench.nudge_support import (  # noqa: E402
    StandIn,
    add_due_nudges,
    add_people,
    nudge_id,
    scratch_sqlite,
    slack_channel,
)
from bot.app.nudges import nudge_catalog  # noqa: E402
from bot.framework.channels import Router  # noqa: E402
from bot.infra.clock import SystemClock  # noqa: E402
from bot.infra.models import Nudge  # noqa: E402
from jobs.delivery import Sweeper  # noqa: E402

NUDGES, PEOPLE = 20_000, 4_000
"""Scale 1: 20,000 nudges to 4,000 people (5 each)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--scale", type=float, default=1.0,
                        help=f"{NUDGES:,} nudges to {PEOPLE:,} people times this (1, 10)")
    parser.add_argument("--nudges", type=int)
    parser.add_argument("--people", type=int)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--send-rate", type=float, default=100_000.0,
                        help="the send budget (SLACK_SEND_RATE), far above the stand-in's pace")
    parser.add_argument("--no-budget", action="store_true", help="no send budget at all")
    parser.add_argument("--urllib", action="store_true",
                        help="slack_sdk's own urllib transport (a new connection per call)")
    parser.add_argument("--threaded-standin", action="store_true",
                        help="serve the stand-in with the test suite's thread-per-connection "
                        "server instead of aiohttp")
    args = parser.parse_args()
    nudges = args.nudges or (1000 if args.small else int(NUDGES * args.scale))
    people = args.people or max(nudges // 5, 1)
    rate = None if args.no_budget else args.send_rate
    with scratch_sqlite() as db, StandIn(threaded=args.threaded_standin) as api:
        ids = add_people(db, people)
        due = add_due_nudges(db, ids, nudges, datetime.now(UTC) - timedelta(minutes=1))
        nudges = len(due)
        channel = slack_channel(api.url, db, dm_interval=0.0, send_rate=rate,
                                kept_alive=not args.urllib)
        sweeper = Sweeper(db, SystemClock(), Router([channel]), nudge_catalog(),
                          threads=args.threads, budget=channel.budget)
        started, cpu = time.perf_counter(), time.process_time()
        result = sweeper.run()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        calls = api.calls()
        with db.session() as session:
            states = dict(session.execute(
                select(Nudge.state, func.count()).group_by(Nudge.state)).all())
    methods = Counter(c["method"] for c in calls)
    posted = Counter(nudge_id(call["params"]) for call in calls
                     if call["method"] == "chat.postMessage")
    duplicated = sum(1 for n in posted.values() if n > 1)
    lost = len(set(due) - set(posted))
    transport = "urllib, a connection per call" if args.urllib else "kept-alive connections"
    budget = "no send budget" if rate is None else \
        f"send budget {rate:g}/s: {channel.budget.grants} grants from the database"
    print(f"sweep: {result.sent:,} of {nudges:,} nudges to {people:,} people in {elapsed:.2f} s "
          f"= {result.sent / elapsed:,.0f} nudges/s ({args.threads} sending threads, "
          f"{transport}, {budget})")
    print(f"CPU in the sweeping process: {1000 * cpu / max(result.sent, 1):.2f} ms per nudge "
          f"(claim, read the subjects, take, word, render, HTTP client, bookkeeping); the "
          f"stand-in runs in its own process")
    print(f"Web API calls: {sum(methods.values()) / nudges:.2f} per nudge: " + ", ".join(
        f"{method} {count / nudges:.2f} ({count:,})" for method, count in methods.most_common()))
    print(f"rows: {states}; lost {lost}, duplicated {duplicated}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

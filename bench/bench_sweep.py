"""Sweep throughput: due nudges delivered through the real SlackChannel (slack_sdk
WebClient) to the Slack Web API stand-in (tests/support/slack_api.py, served by aiohttp:
bench/slack_standin.py) running in another process on 127.0.0.1 with no rate limit (so the
channel's per-person pacing is off). Each person gets several nudges: the first costs
conversations.open + chat.postMessage, the rest one chat.postMessage. The nudges are planned
by the real planners from follow-ups, action items and letters (`nudge_support.MIX`) and
worded when they are sent, from their subjects' state read once per batch and subject type.

Usage: python -m bench.bench_sweep [--small] [--nudges N] [--people P] [--threads T]"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bench.nudge_support import (
    StandIn,
    add_due_nudges,
    add_people,
    nudge_id,
    scratch_sqlite,
    slack_channel,
)
from bot.app.nudges import nudge_catalog
from bot.framework.channels import Router
from bot.infra.clock import SystemClock
from bot.infra.models import Nudge
from jobs.delivery import Sweeper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--nudges", type=int)
    parser.add_argument("--people", type=int)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--threaded-standin", action="store_true",
                        help="serve the stand-in with the test suite's thread-per-connection "
                        "server instead of aiohttp")
    args = parser.parse_args()
    nudges = args.nudges or (1000 if args.small else 20000)
    people = args.people or max(nudges // 5, 1)
    with scratch_sqlite() as db, StandIn(threaded=args.threaded_standin) as api:
        ids = add_people(db, people)
        due = add_due_nudges(db, ids, nudges, datetime.now(UTC) - timedelta(minutes=1))
        nudges = len(due)
        channel = slack_channel(api.url, db, dm_interval=0.0)
        sweeper = Sweeper(db, SystemClock(), Router([channel]), nudge_catalog(),
                          threads=args.threads)
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
    expected = set(due)
    duplicated = sum(1 for n in posted.values() if n > 1)
    lost = len(expected - set(posted))
    print(f"sweep: {result.sent} of {nudges} nudges to {people} people in {elapsed:.2f} s "
          f"= {result.sent / elapsed:,.0f} nudges/s ({args.threads} sending threads)")
    print(f"CPU in the sweeping process: {1000 * cpu / max(result.sent, 1):.2f} ms per nudge "
          f"(claim, read the subjects, word, HTTP client, bookkeeping); the stand-in runs in "
          f"its own process")
    print(f"Web API calls: {methods.get('conversations.open', 0)} conversations.open, "
          f"{methods.get('chat.postMessage', 0)} chat.postMessage "
          f"({(methods.get('chat.postMessage', 0) + methods.get('conversations.open', 0)) / nudges:.2f} "
          f"calls per nudge)")
    print(f"rows: {states}; lost {lost}, duplicated {duplicated}")


if __name__ == "__main__":
    main()

"""Delivery under Slack's per-channel rate limit: the Web API stand-in (another process)
allows 1 message per second per channel and answers 429 with Retry-After beyond that. The
sweep paces each person's DMs by SlackChannel.dm_interval (1 s, measured from the end of
one call to the start of the next) and waits out any 429 it still gets. Printed: the rate
achieved per channel against the allowed one, and lost / duplicated messages.

Usage: python -m bench.bench_ratelimit [--small] [--people P] [--per-person M]"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from bot.framework.channels import Address, Delivery, DeliveryError, Router  # noqa: E402
from bot.framework.replies import Reply  # noqa: E402
from bot.infra.clock import SystemClock  # noqa: E402
from bot.infra.models import Nudge  # noqa: E402
from bot.vocab.nudges import NudgeState  # noqa: E402
from jobs.delivery import Sweeper  # noqa: E402

ALLOWED = 1.0  # messages per second per channel


class Observed:
    """Wraps the Slack channel to note, per person, when each send was accepted and which
    messages drew a 429 (so resends after a 429 are not counted as duplicates)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dm_interval = inner.dm_interval
        self.accepted: dict[int, list[float]] = defaultdict(list)
        self.limited: Counter[int] = Counter()  # by nudge id
        self.lock = threading.Lock()

    def can_reach(self, address: Address) -> bool:
        return bool(self.inner.can_reach(address))

    def send_dm(self, address: Address, reply: Reply,
                delivery: Delivery | None = None) -> bool | None:
        try:
            answer = self.inner.send_dm(address, reply, delivery)
        except DeliveryError as exc:
            if exc.retry_after is not None and delivery is not None:
                with self.lock:
                    self.limited[delivery.nudge_id] += 1
            raise
        with self.lock:
            self.accepted[address.person_id].append(time.monotonic())
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--per-person", type=int)
    args = parser.parse_args()
    per_person = args.per_person or (4 if args.small else 30)
    total = args.people * per_person
    with scratch_sqlite() as db, StandIn(channel_rate_limit=ALLOWED) as api:
        ids = add_people(db, args.people)
        due = add_due_nudges(db, ids, total, datetime.now(UTC) - timedelta(minutes=1))
        total = len(due)
        channel = Observed(slack_channel(api.url, db, dm_interval=1.0 / ALLOWED))
        sweeper = Sweeper(db, SystemClock(), Router([channel]), nudge_catalog(),
                          threads=args.people)
        started = time.perf_counter()
        result = sweeper.run()
        elapsed = time.perf_counter() - started
        calls = [c for c in api.calls() if c["method"] == "chat.postMessage"]
        with db.session() as session:
            states = dict(session.execute(
                select(Nudge.state, func.count()).group_by(Nudge.state)).all())
    received = Counter(found for c in calls if (found := nudge_id(c["params"])) is not None)
    expected = set(due)
    lost = len(expected - set(received)) + sum(n for s, n in states.items() if s != NudgeState.SENT)
    duplicated = sum(max(0, n - channel.limited[t] - 1) for t, n in received.items())
    rates = [
        (len(times) - 1) / (times[-1] - times[0])
        for times in channel.accepted.values() if len(times) > 1
    ]
    print(f"rate limit: {args.people} channels x {per_person} messages, allowed "
          f"{ALLOWED:g}/s per channel; swept in {elapsed:.1f} s "
          f"(ideal {(per_person - 1) / ALLOWED:.0f} s)")
    print(f"achieved per channel: mean {statistics.mean(rates):.3f}/s "
          f"({100 * statistics.mean(rates) / ALLOWED:.1f}% of allowed), worst "
          f"{min(rates):.3f}/s ({100 * min(rates) / ALLOWED:.1f}%)")
    print(f"429 answers: {sum(channel.limited.values())}; sent {result.sent} of {total}; "
          f"lost {lost}, duplicated {duplicated}; rows {states}")


if __name__ == "__main__":
    main()

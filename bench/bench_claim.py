"""Claiming due nudges among many future ones: with N pending nudges in the future and
1,000 due, how long one sweep's claim (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
LOCKED) RETURNING …) takes, on SQLite and on PostgreSQL. The (state, due_at) index makes
it proportional to what is due, not to what is pending; the plan is printed as proof.

Ends with the curve over `--scale` (`--scale 1,10`: a million and ten million pending).

Usage: python -m bench.bench_claim [--small] [--scale 1,10] [--pending N] [--due D]
                                   [--backend sqlite|postgres|both]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:  # run as a script (python bench/X.py): the project importable
    sys.path.insert(0, ROOT_DIR)

from sqlalchemy import text  # noqa: E402

from bench.nudge_support import add_due_nudges, add_people, scratch_postgres, scratch_sqlite  # noqa: E402
from bench.scale import Curve, add_scale, load_average, scaled  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.nudges import store  # noqa: E402
from bot.nudges.plans import PlannedNudge  # noqa: E402
from bot.vocab.nudges import NudgeKind, Subject  # noqa: E402

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
FUTURE = datetime(2027, 1, 5, tzinfo=UTC)
FILL_BATCH = 50_000


def future_nudges(people: list[int], start: int, stop: int) -> list[PlannedNudge]:
    """Nudges due over the coming year (one a minute, wrapping), none of them due now."""
    return [PlannedNudge(people[n % len(people)], NudgeKind.FOLLOWUP,
                         FUTURE + timedelta(minutes=n % 500_000), Subject.NONE, n, "future")
            for n in range(start, stop)]


def fill(db: Database, pending: int, due: int) -> None:
    people = add_people(db, 1000)
    started = time.perf_counter()
    for start in range(0, pending, FILL_BATCH):
        with db.session() as session:
            store.insert_bulk(session, future_nudges(people, start, min(start + FILL_BATCH,
                                                                         pending)),
                              now=NOW - timedelta(days=1))
    add_due_nudges(db, people, due, NOW - timedelta(minutes=5))
    with db.session() as session:
        session.execute(text("ANALYZE"))
    if db.dialect == "postgresql":
        with db.session() as session:
            options = session.scalar(text(
                "SELECT reloptions FROM pg_class WHERE relname = 'nudges'"))
        print(f"  nudges table storage options: {options}")
    print(f"  filled {pending:,} future + {due:,} due nudges in "
          f"{time.perf_counter() - started:.1f} s")


def plan(db: Database) -> str:
    """The query plan of the claim's inner SELECT, as the store builds it."""
    query = store.claimable(NOW, limit=1000)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + str(compiled)).all()
    return " | ".join(str(r[-1]) for r in rows)


def measure(db: Database, due: int, rounds: int) -> list[float]:
    timings = []
    for round_no in range(rounds):
        worker = f"bench-{round_no}"
        started = time.perf_counter()
        with db.session() as session:
            claimed = store.claim(session, worker=worker, now=NOW, limit=due)
        timings.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == due, len(claimed)
        with db.session() as session:  # give them back for the next round
            store.release(session, worker, [c.id for c in claimed])
    return timings


def run(backend: str, pending: int, due: int, rounds: int) -> dict[str, float]:
    scratch = scratch_postgres if backend == "postgres" else scratch_sqlite
    print(f"{backend}:")
    with scratch() as db:
        fill(db, pending, due)
        print(f"  plan: {plan(db)}")
        timings = measure(db, due, rounds)
    print(f"  claim {due:,} due among {pending:,} pending: median "
          f"{statistics.median(timings):.1f} ms, best {min(timings):.1f} ms, worst "
          f"{max(timings):.1f} ms over {rounds} rounds; {load_average()}")
    return {"median": statistics.median(timings), "best": min(timings),
            "worst": max(timings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--pending", type=int)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    add_scale(parser)
    args = parser.parse_args()
    pending = args.pending or (20_000 if args.small else 1_000_000)
    curve = Curve(f"claiming {args.due:,} due nudges", units=dict.fromkeys(
        ("median", "best", "worst"), "ms"))
    for factor in args.scale:
        count = scaled(pending, factor)
        for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
            curve.add(backend, factor, f"{count:,} pending",
                      **run(backend, count, args.due, args.rounds))
    curve.print()


if __name__ == "__main__":
    main()

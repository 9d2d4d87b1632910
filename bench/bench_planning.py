"""Planning throughput: the planner's bulk write of nudge rows (bot.nudges.store: the keys
already stored looked up as one bound list per 5,000, then the new rows as ready-made
tuples, executemany on SQLite and COPY on PostgreSQL) against the naive alternative, one
APScheduler job per nudge in a SQLAlchemyJobStore on a SQLite file (measured once, at its
own size: its rate does not depend on how many are planned). The goal is 50,000 nudges/s.
Prints the wall rate and the rate by this process's CPU (the machines are shared), and
the curve over `--scale` (`--scale 1,10`: 200,000 and 2,000,000 nudges).

Usage: python -m bench.bench_planning [--small] [--scale 1,10] [--nudges N] [--jobs J]
                                      [--backend sqlite|postgres|both]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:  # run as a script (python bench/X.py): the project importable
    sys.path.insert(0, ROOT_DIR)

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # noqa: E402
from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench.nudge_support import add_people, scratch_postgres, scratch_sqlite  # noqa: E402
from bench.scale import Curve, add_scale, load_average, scaled  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.infra.models import Nudge  # noqa: E402
from bot.nudges.planning import Plan, PlannedNudge, store_plans  # noqa: E402
from bot.vocab.nudges import NudgeKind, Subject  # noqa: E402

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def deliver_one(nudge_id: int) -> None:
    """What each naive job would run (never runs here: the scheduler stays paused)."""


def plans(people: list[int], count: int) -> list[Plan]:
    result = []
    for i in range(count):
        nudge = PlannedNudge(person_id=people[i % len(people)], kind=NudgeKind.FOLLOWUP,
                             due_at=NOW + timedelta(minutes=i % 100_000),
                             subject_type=Subject.MENTORSHIP, subject_id=i,
                             occurrence="2027-02-15")
        result.append(Plan(Subject.MENTORSHIP, i, [nudge]))
    return result


def bulk(db: Database, label: str, count: int) -> dict[str, float]:
    people = add_people(db, 1000)
    planned = plans(people, count)
    started, cpu = time.perf_counter(), time.process_time()
    with db.session() as session:
        added = store_plans(session, planned, now=NOW)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Nudge))
    if db.dialect == "postgresql":  # as autovacuum would have by the next planning run:
        with db.engine.begin() as conn:  # with no statistics for the table just filled,
            conn.execute(text("ANALYZE nudges"))  # re-planning 100,000 took 31 s, not 5
    # Planning again is idempotent: nothing new, nothing cancelled.
    started_again, cpu_again = time.perf_counter(), time.process_time()
    with db.session() as session:
        again = store_plans(session, planned, now=NOW)
    again_elapsed = time.perf_counter() - started_again
    cpu_again = time.process_time() - cpu_again
    assert stored == count, stored
    rate = count / elapsed
    print(f"[{label}] bulk planner: {count:,} nudges written in {elapsed:.2f} s = "
          f"{rate:,.0f} nudges/s ({count / cpu:,.0f} per CPU second of this process; "
          f"reported new: {added:,}); planning the same again: {again} new in "
          f"{again_elapsed:.2f} s = {count / again_elapsed:,.0f} nudges/s; {load_average()}")
    return {"planned": rate, "planned per CPU second": count / cpu,
            "planned again": count / again_elapsed,
            "planned again per CPU second": count / cpu_again}


def naive(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLAlchemyJobStore(url=f"sqlite:///{Path(tmp) / 'jobs.sqlite3'}")
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
        scheduler.start(paused=True)
        try:
            started = time.perf_counter()
            for i in range(count):
                scheduler.add_job("bench.bench_planning:deliver_one", "date",
                                  run_date=NOW + timedelta(days=365, minutes=i), args=[i],
                                  id=f"nudge-{i}", misfire_grace_time=None)
            elapsed = time.perf_counter() - started
            assert len(scheduler.get_jobs()) == count
        finally:
            scheduler.shutdown(wait=False)
    rate = count / elapsed
    print(f"naive: {count:,} APScheduler jobs added to a SQLAlchemyJobStore in {elapsed:.2f} s "
          f"= {rate:,.0f} jobs/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--nudges", type=int)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    add_scale(parser)
    args = parser.parse_args()
    nudges = args.nudges or (20_000 if args.small else 200_000)
    jobs = args.jobs or (300 if args.small else 3_000)
    print(f"planning benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load_average()}")
    curve = Curve("planning nudges in bulk", units=dict.fromkeys(
        ("planned", "planned per CPU second", "planned again",
         "planned again per CPU second"), "/s"),
        goals={"planned": "at least 50,000 nudges/s"})
    first_rate = 0.0
    for factor in args.scale:
        count = scaled(nudges, factor)
        backends = [("sqlite", scratch_sqlite)] if args.backend != "postgres" else []
        backends += [("postgresql", scratch_postgres)] if args.backend != "sqlite" else []
        for label, scratch in backends:
            with scratch() as db:
                figures = bulk(db, label, count)
            curve.add(label, factor, f"{count:,} nudges", **figures)
            first_rate = first_rate or figures["planned"]
    naive_rate = naive(jobs)
    print(f"ratio: bulk rows are {first_rate / naive_rate:,.0f}x faster to plan than one "
          "APScheduler job per nudge")
    curve.print()


if __name__ == "__main__":
    main()

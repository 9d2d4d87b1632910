"""Planning throughput: the planner's bulk write of nudge rows (bot.nudges.store, one
multi-row INSERT … ON CONFLICT DO NOTHING per 5,000) against the naive alternative, one
APScheduler job per nudge in a SQLAlchemyJobStore, on SQLite files.

Usage: python -m bench.bench_planning [--small] [--nudges N] [--jobs J]"""

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
from sqlalchemy import func, select  # noqa: E402

from bench.nudge_support import add_people, scratch_sqlite  # noqa: E402
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


def bulk(count: int) -> float:
    with scratch_sqlite() as db:
        people = add_people(db, 1000)
        planned = plans(people, count)
        started = time.perf_counter()
        with db.session() as session:
            added = store_plans(session, planned, now=NOW)
        elapsed = time.perf_counter() - started
        with db.session() as session:
            stored = session.scalar(select(func.count()).select_from(Nudge))
        # Planning again is idempotent: nothing new, nothing cancelled.
        started_again = time.perf_counter()
        with db.session() as session:
            again = store_plans(session, planned, now=NOW)
        again_elapsed = time.perf_counter() - started_again
    assert stored == count, stored
    rate = count / elapsed
    print(f"bulk planner: {count:,} nudges written in {elapsed:.2f} s = {rate:,.0f} nudges/s "
          f"(reported new: {added:,}); planning the same again: {again} new in "
          f"{again_elapsed:.2f} s")
    return rate


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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--nudges", type=int)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    nudges = args.nudges or (20_000 if args.small else 200_000)
    jobs = args.jobs or (300 if args.small else 3_000)
    rate = bulk(nudges)
    naive_rate = naive(jobs)
    print(f"ratio: bulk rows are {rate / naive_rate:,.0f}x faster to plan than one "
          "APScheduler job per nudge")


if __name__ == "__main__":
    main()

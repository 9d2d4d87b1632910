"""Relationship planning throughput: N students, each with one main mentorship whose
follow-up is due, a few logged contacts and one overdue action item, so every student is
owed a `followup` and an `action-item` nudge. Prints the time to plan (rules and texts), to
store, and a re-run that finds everything already planned.

Usage: python bench/bench_relationship_planning.py [--small] [--scale 1,10] [--students N]
                                                   [--url URL]
(default 20,000 students, --small 2,000; a fresh SQLite file in a temporary directory;
`--scale 1,10`: the default size and ten times it, then the curve)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's `bot`

from scale import Curve, add_scale, load_average, scaled  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bot.infra.db import Database  # noqa: E402
from bot.infra.models import ActionItem, Contact, Mentorship, Person, Role  # noqa: E402
from bot.mentoring.planning import plan_relationships  # noqa: E402
from bot.nudges.planning import store_plans  # noqa: E402

T0 = datetime(2027, 1, 4, 15, tzinfo=UTC)
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", None)


def seed(db: Database, n: int) -> None:
    with db.session() as s:
        s.execute(insert(Person), [{"name": f"Dr. Mentor {i}", "email": f"m{i}@example.edu",
                                    "created_at": T0} for i in range(max(n // 10, 1))])
        s.execute(insert(Person), [{"name": f"Student {i}", "email": f"s{i}@example.edu",
                                    "timezone": ZONES[i % len(ZONES)], "created_at": T0}
                                   for i in range(n)])
        mentors = list(s.scalars(select(Person.id).where(Person.email.like("m%"))))
        students = list(s.scalars(select(Person.id).where(Person.email.like("s%"))))
        s.execute(insert(Role), [{"person_id": p, "role": "faculty"} for p in mentors]
                  + [{"person_id": p, "role": "student"} for p in students])
        s.execute(insert(Mentorship), [
            {"student_id": sid, "mentor_id": mentors[i % len(mentors)], "kind": "career",
             "cadence_days": 42, "active": True, "source": "match", "started_at": T0,
             "last_contact_at": T0 + timedelta(days=1)}
            for i, sid in enumerate(students)])
        s.execute(insert(Contact), [
            {"student_id": sid, "mentor_id": mentors[i % len(mentors)],
             "at": T0 + timedelta(days=1, hours=-k), "note": f"update {k}",
             "is_ask": k == 1, "created_at": T0}
            for i, sid in enumerate(students) for k in range(3)])
        s.execute(insert(ActionItem), [
            {"student_id": sid, "mentor_id": mentors[i % len(mentors)],
             "task": "read the sepsis guidelines", "due_at": T0 + timedelta(days=20),
             "created_at": T0, "done_note": "", "decided_not": False}
            for i, sid in enumerate(students)])


def run(n: int, url: str) -> dict[str, float]:
    db = Database(url)
    db.upgrade()
    seed(db, n)
    now = T0 + timedelta(days=44)
    figures = {}
    for label in ("first run", "re-run", "re-run again"):
        with db.session() as session:
            started = time.perf_counter()
            plans = plan_relationships(session, now, "UTC")
            planned = time.perf_counter()
            added = store_plans(session, plans, now=now)
            stored = time.perf_counter()
        count = sum(len(p.nudges) for p in plans)
        total = stored - started
        print(f"{label}: {n:,} students, {count:,} nudges owed, {added:,} new; "
              f"plan {planned - started:.2f}s, store {stored - planned:.2f}s, "
              f"total {total:.2f}s = {count / total:,.0f} nudges/s "
              f"({db.dialect}; {load_average()})")
        figures[label] = count / total
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--students", type=int)
    parser.add_argument("--url", help="an empty database to use instead of a SQLite file")
    add_scale(parser)
    args = parser.parse_args()
    if args.url and len(args.scale) > 1:
        parser.error("--url is one empty database: give one --scale factor with it")
    n = args.students or (2_000 if args.small else 20_000)
    curve = Curve("planning relationships' nudges", units=dict.fromkeys(
        ("first run", "re-run", "re-run again"), "nudges/s"))
    for factor in args.scale:
        students = scaled(n, factor)
        with tempfile.TemporaryDirectory() as tmp:
            url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            figures = run(students, url)
        curve.add("postgresql" if "postgres" in url else "sqlite", factor,
                  f"{students:,} students", **figures)
    curve.print()


if __name__ == "__main__":
    main()

"""Relationship planning throughput: N students, each with one main mentorship whose
follow-up is due, a few logged contacts and one overdue action item, so every student is
owed a `followup` and an `action-item` nudge. Prints the time to plan (rules and texts), to
store, and a re-run that finds everything already planned.

Usage: python -m bench.relationship_planning [N] [DATABASE_URL]  (default 20000, a fresh
SQLite file in a temporary directory)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.db import Database
from bot.models import ActionItem, Contact, Mentorship, Person, Role
from bot.planning.relationships import plan_relationships
from bot.planning.store import store_plans

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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        db.upgrade()
        seed(db, n)
        now = T0 + timedelta(days=44)
        for label in ("first run", "re-run"):
            with db.session() as session:
                started = time.perf_counter()
                plans = plan_relationships(session, now, "UTC")
                planned = time.perf_counter()
                added = store_plans(session, plans, now=now)
                stored = time.perf_counter()
            count = sum(len(p.nudges) for p in plans)
            total = stored - started
            print(f"{label}: {n} students, {count} nudges owed, {added} new; "
                  f"plan {planned - started:.2f}s, store {stored - planned:.2f}s, "
                  f"total {total:.2f}s = {count / total:,.0f} nudges/s "
                  f"({db.dialect})")
        db.dispose()


if __name__ == "__main__":
    main()

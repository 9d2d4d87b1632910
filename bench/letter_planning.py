"""Letter nudge planning timing: N students with 4 letters each in assorted states, planned
once (inserting every nudge) and again (nothing new: the idempotent steady state the periodic
job sees). Usage: python -m bench.letter_planning [N] [DATABASE_URL]  (default 5000 students,
a fresh SQLite file in a temporary directory)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.app.planning import plan_all
from bot.infra.db import Database
from bot.infra.models import Letter, LetterEvent, Nudge, Person, Role
from bot.infra.settings import Settings
from bot.vocab.letters import LetterKind, LetterState, Portal

STATES = (LetterState.PLANNED, LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT,
          LetterState.SUBMITTED, LetterState.THANKED, LetterState.DECLINED)
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", None)


def seed(db: Database, n: int, now: datetime) -> None:
    with db.session() as session:
        session.execute(insert(Person), [
            {"id": i + 1, "name": f"Student {i}", "email": f"s{i}@example.edu",
             "timezone": ZONES[i % len(ZONES)], "created_at": now} for i in range(n)])
        session.execute(insert(Role), [{"person_id": i + 1, "role": "student"}
                                       for i in range(n)])
        letters, events = [], []
        for i in range(n * 4):
            state = STATES[i % len(STATES)]
            letters.append({
                "id": i + 1, "student_id": i // 4 + 1, "writer_name": f"Dr. Writer {i % 97}",
                "program": "EM residency", "kind": LetterKind.SPECIALTY, "portal": Portal.ERAS,
                "deadline": date(2027, 2, 1) + timedelta(days=i % 120), "state": state,
                "state_reason": "", "packet": {"cv": True} if i % 3 else {},
                "created_at": now, "updated_at": now})
            events.append({"letter_id": i + 1, "from_state": None, "to_state": state,
                           "at": now, "note": ""})
        session.execute(insert(Letter), letters)
        session.execute(insert(LetterEvent), events)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        db.upgrade()
        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        now = datetime(2027, 1, 4, 15, tzinfo=UTC)
        seed(db, n, now)
        for label in ("first plan", "plan again"):
            started = time.perf_counter()
            with db.session() as session:
                added = plan_all(session, now, settings)
            elapsed = time.perf_counter() - started
            print(f"{label}: {n * 4} letters of {n} students in {elapsed:.2f} s, "
                  f"{added} new nudges")
        with db.session() as session:
            total = session.scalar(select(func.count()).select_from(Nudge))
        print(f"nudges stored: {total}")
        db.dispose()


if __name__ == "__main__":
    main()

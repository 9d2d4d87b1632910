"""Roster import timing: a first import of N faculty, then the same file again (all
unchanged). Usage: python -m bench.roster_import [N] [DATABASE_URL]  (default 20000, a
fresh SQLite file in a temporary directory)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot import roster
from bot.db import Database


def rows(n: int) -> str:
    return roster.to_csv("faculty", (
        {"name": f"Dr. Bench {i}", "email": f"bench{i}@example.edu",
         "specialty": ("Emergency Medicine", "Surgery", "Pediatrics")[i % 3],
         "title": "Assistant Professor", "research": ["sepsis", "ultrasound"],
         "capacity": i % 6, "accepting": i % 4 != 0, "stages": ["ms3", "ms4"],
         "timezone": "America/New_York", "slack_id": f"U{i:09d}",
         "discord_id": str(300000000000000000 + i)}
        for i in range(n)))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        db.upgrade()
        text = rows(n)
        now = datetime(2027, 1, 4, 15, tzinfo=UTC)
        for label in ("first import", "same file again"):
            started = time.perf_counter()
            with db.session() as session:
                result = roster.import_csv(session, text, "faculty", now=now)
            elapsed = time.perf_counter() - started
            print(f"{label}: {n} rows in {elapsed:.2f} s ({n / elapsed:,.0f} rows/s) — "
                  f"{result.summary()}")
        started = time.perf_counter()
        roster.parse(text, "faculty")
        print(f"parse and check only: {time.perf_counter() - started:.2f} s")
        db.dispose()


if __name__ == "__main__":
    main()

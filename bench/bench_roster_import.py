"""Roster import timing: a first import of N faculty (all created), then the same file again
(all unchanged), on a fresh SQLite file or the database at --url.

    python3 bench/bench_roster_import.py             # 20,000 rows
    python3 bench/bench_roster_import.py --small     # 1,000 rows, as CI runs it
    python3 bench/bench_roster_import.py --url postgresql://…/scratch_db
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.groups import roster
from bot.infra.db import Database


def roster_text(n: int) -> str:
    return roster.to_csv("faculty", (
        {"name": f"Dr. Bench {i}", "email": f"bench{i}@example.edu",
         "specialty": ("Emergency Medicine", "General Surgery", "Pediatrics")[i % 3],
         "title": "Assistant Professor", "research": ["sepsis", "ultrasound"],
         "capacity": i % 6, "accepting": i % 4 != 0, "stages": ["ms3", "ms4"],
         "timezone": "America/New_York", "slack_id": f"U{i:09d}",
         "discord_id": str(300000000000000000 + i)}
        for i in range(n)))


def run(n: int, url: str) -> None:
    db = Database(url)
    db.upgrade()
    text = roster_text(n)
    now = datetime(2027, 1, 4, 15, tzinfo=UTC)
    started = time.perf_counter()
    roster.parse(text, "faculty")
    print(f"parse and check {n} rows: {time.perf_counter() - started:.2f} s")
    for label in ("first import", "same file again"):
        started = time.perf_counter()
        with db.session() as session:
            result = roster.import_csv(session, text, "faculty", now=now)
        elapsed = time.perf_counter() - started
        print(f"{label}: {n} rows in {elapsed:.2f} s ({n / elapsed:,.0f} rows/s); "
              f"{result.summary()}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--small", action="store_true", help="1,000 rows")
    parser.add_argument("--url", help="an empty scratch database (default: a temporary "
                        "SQLite file)")
    args = parser.parse_args()
    n = 1000 if args.small else args.rows
    if args.url:
        run(n, args.url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(n, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")


if __name__ == "__main__":
    main()

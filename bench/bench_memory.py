"""Memory of one long-running process across re-imports of the same people: what
`mentorbot run` holds after an organizer re-imports a roster of 3,000 (1,500 faculty, 1,500
students) again and again.

One process, one SQLite file. After the first import and after each re-import it does what
a running bot does with the rows: rebuilds the finder's index, answers `/mentor find` for
200 students, plans nudges and reloads the autocomplete directory. Each re-import is the
same people (names, emails, accounts) as the roster system exports them again: research
and interests reworded a little each time (`--same`: byte for byte the same file).

Prints the resident set size (RSS, from /proc/self/status) after each step, how many
entries the text caches hold, and the machine's load average.

    python bench/bench_memory.py [--people 3000] [--reimports 3] [--same]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from datagen import SPECIALTY_NAMES, STAGES, TITLES, TOPICS  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.app.core import Core, Request  # noqa: E402
from bot.app.planning import plan_all  # noqa: E402
from bot.groups import roster  # noqa: E402
from bot.infra.clock import FixedClock  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.infra.models import Person, Role  # noqa: E402
from bot.infra.settings import Settings  # noqa: E402
from bot.matching import finder, fit  # noqa: E402
from bot.people import directory  # noqa: E402
from bot.vocab import specialties  # noqa: E402

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
FIRST = ["Maya", "Omar", "Ana", "Wei", "Elena", "Sam", "Priya", "Jon", "Lena", "Carlos"]
LAST = ["Patel", "Reyes", "Lima", "Xu", "Ramirez", "Lee", "Shah", "Kim", "Nguyen", "Garcia"]
WORDING = ["", " outcomes", " research", " in practice", " and quality", " care"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rosters(people: int, version: int, same: bool) -> tuple[str, str]:
    """The faculty and student files as exported for the `version`-th time."""
    rng = random.Random(11)
    tag = 0 if same else version

    def topics(n: int) -> list[str]:
        return [f"{t}{WORDING[(tag + i) % len(WORDING)]}" for i, t in
                enumerate(rng.sample(TOPICS, n))]

    half = people // 2
    faculty = roster.to_csv("faculty", (
        {"name": f"Dr. {rng.choice(FIRST)} {rng.choice(LAST)} {i}",
         "email": f"faculty{i}@example.edu", "specialty": rng.choice(SPECIALTY_NAMES),
         "title": rng.choice(TITLES), "research": topics(3), "capacity": i % 5,
         "accepting": True, "stages": ["ms3", "ms4"], "timezone": "America/New_York",
         "slack_id": f"U{i:09d}", "discord_id": str(300000000000000000 + i)}
        for i in range(half)))
    students = roster.to_csv("students", (
        {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
         "email": f"student{i}@example.edu", "stage": rng.choice(STAGES),
         "interests": topics(2), "research": topics(1), "timezone": "America/Chicago",
         "slack_id": f"W{i:09d}", "discord_id": str(400000000000000000 + i)}
        for i in range(people - half)))
    return faculty, students


def cache_entries() -> dict[str, int]:
    return {"fold": specialties.fold.cache_info().currsize,
            "words_of": specialties.words_of.cache_info().currsize,
            "student terms": fit._student_terms.cache_info().currsize,  # noqa: SLF001
            "faculty research": len(getattr(finder, "_research_of", None)  # noqa: B009
                                    or getattr(finder, "_research_cache", {}))}


def what_a_running_bot_does(core: Core, settings: Settings, searchers: list[int]) -> None:
    for index in list(finder._indexes.values()):  # noqa: SLF001 - the 5-minute rebuild, now
        index.built_at = 0.0
    for student in searchers:
        core.handle(Request(root="mentor", actor_id=student, text="find"))
    with core.db.session() as session:
        plan_all(session, NOW, settings)
        directory.listing(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--reimports", type=int, default=3)
    parser.add_argument("--same", action="store_true",
                        help="re-import byte for byte the same files")
    parser.add_argument("--small", action="store_true",
                        help="CI size: 300 people, 2 re-imports")
    args = parser.parse_args()
    if args.small:
        args.people, args.reimports = 300, 2
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'memory.sqlite3'}"
        db = Database(url)
        db.upgrade()
        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        core = Core(db=db, clock=FixedClock(NOW), settings=settings)
        searchers: list[int] = []
        print(f"start: {rss_mb():.0f} MB")
        for version in range(args.reimports + 1):
            faculty, students = rosters(args.people, version, args.same)
            with db.session() as session:
                roster.import_csv(session, faculty, "faculty", now=NOW)
                roster.import_csv(session, students, "students", now=NOW)
            if not searchers:
                with db.session() as session:
                    searchers = list(session.scalars(
                        select(Person.id).join(Role).where(Role.role == "student")
                        .order_by(Person.id).limit(200)))
            what_a_running_bot_does(core, settings, searchers)
            gc.collect()
            label = "first import" if version == 0 else f"re-import {version}"
            entries = ", ".join(f"{k} {v:,}" for k, v in cache_entries().items())
            print(f"{label}: {rss_mb():.0f} MB  ({entries})")
        db.dispose()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

"""`/mentor find` latency through the core (parse, unit of work, search, reply) on SQLite
and PostgreSQL, with generated data: 20,000 faculty and 100,000 students by default
(`--small`: 2,000 and 10,000, for CI). Prints p50/p95/max over a mix of searches: the
student's own profile, keywords (some with typos), specialty: and kind: filters, and the
curve over `--scale` (`--scale 1,10`: 200,000 faculty and a million students at 10×, where
the goal is a p95 of 20 ms on both databases).

    python bench/bench_find.py [--small] [--scale 1,10] [--queries N]
                               [--backend sqlite|postgres|both]"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from datagen import (
    NOW,
    SPECIALTY_NAMES,
    TOPICS,
    load,
    percentile,
    postgres_database,
    reset_sequences,
    sqlite_database,
)
from scale import Curve, add_scale, load_average, scaled, sizes_text

from bot.app.core import Core, Request
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.settings import Settings
from bot.matching import finder

TYPOS = ["ultrasund", "sepsys", "pediatircs", "neurolgy", "toxicolgy", "resuscitaton"]
ALIASES = ["EM", "peds", "ortho", "gen surg", "psych", "OB/GYN", "rads", "ENT", "gas", "FM"]


def lines(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        kind = i % 6
        if kind == 0:
            out.append("find")
        elif kind == 1:
            out.append(f"find {rng.choice(TOPICS).split()[-1]}")
        elif kind == 2:
            out.append(f"find {rng.choice(ALIASES)} {rng.choice(TOPICS).split()[-1]}")
        elif kind == 3:
            out.append(f"find {rng.choice(TYPOS)}")
        elif kind == 4:
            out.append(f'find specialty:"{rng.choice(SPECIALTY_NAMES)}" limit:10')
        else:
            out.append(f"find kind:{rng.choice(['research', 'clinical', 'career'])}")
    return out


def run(db: Database, label: str, faculty: int, students: int, queries: int
        ) -> dict[str, float]:
    finder.invalidate_all()  # an index of an earlier run is not this database's
    started = time.perf_counter()
    roster = load(db, faculty=faculty, students=students, mentorships=students // 4)
    reset_sequences(db)
    print(f"[{label}] loaded {faculty:,} faculty and {students:,} students "
          f"in {time.perf_counter() - started:.1f} s")
    settings = Settings(database_url=db.url, _env_file=None)  # type: ignore[call-arg]
    core = Core(db=db, clock=FixedClock(NOW), settings=settings)
    rng = random.Random(11)
    askers = rng.sample(roster.student_ids, queries)
    texts = lines(rng, queries)
    started = time.perf_counter()
    first = core.handle(Request(root="mentor", actor_id=askers[0], text="find"))
    assert not first.error, first.as_text()
    build = (time.perf_counter() - started) * 1000
    print(f"[{label}] first search (builds the faculty index): {build:.0f} ms")
    timings: list[float] = []
    cpu: list[float] = []
    shown = 0
    for actor, text in zip(askers, texts, strict=True):
        t0, c0 = time.perf_counter(), time.process_time()
        reply = core.handle(Request(root="mentor", actor_id=actor, text=text))
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert not reply.error or "specialty" in reply.text, (text, reply.as_text())
        shown += len(reply.sections)
    print(f"[{label}] /mentor find x{queries}: p50 {percentile(timings, 50):.1f} ms, "
          f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms "
          f"({shown / queries:.1f} results per search)")
    print(f"[{label}]   this process's CPU per search: p50 {percentile(cpu, 50):.1f} ms, "
          f"p95 {percentile(cpu, 95):.1f} ms; {load_average()}")
    return {"p50": percentile(timings, 50), "p95": percentile(timings, 95),
            "max": max(timings), "first (index built)": build}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="CI sizes")
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    add_scale(parser)
    args = parser.parse_args()
    faculty, students = (2_000, 10_000) if args.small else (20_000, 100_000)
    queries = args.queries or (120 if args.small else 400)
    print(f"/mentor find benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load_average()}")
    curve = Curve("/mentor find through the core", units=dict.fromkeys(
        ("p50", "p95", "max", "first (index built)"), "ms"),
        goals={"p95": "at most 20 ms at 200,000 faculty / 1,000,000 students, both databases"})
    for factor in args.scale:
        size = (scaled(faculty, factor), scaled(students, factor))
        text = sizes_text([(size[0], "faculty"), (size[1], "students")])
        if args.backend in ("sqlite", "both"):
            with sqlite_database() as db:
                curve.add("sqlite", factor, text, **run(db, "sqlite", *size, queries))
        if args.backend in ("postgres", "both"):
            with postgres_database("mentorbot_bench_find") as pg:
                if pg is not None:
                    curve.add("postgresql", factor, text,
                              **run(pg, "postgresql", *size, queries))
    curve.print()


if __name__ == "__main__":
    main()

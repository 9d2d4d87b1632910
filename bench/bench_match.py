"""Match round benchmark: 20,000 students x 2,000 faculty (capacity 10, each student ranking
10-20 faculty by intro requests, popular faculty asked more), by default; `--small`: 2,000 x
200, for CI. Prints, per backend:

- reading the round from the database, scoring the pairs (fit), and the deferred-acceptance
  algorithm itself (time, and peak memory it allocates, by tracemalloc);
- the same input solved by the `matching` package (hospital-resident, resident-optimal),
  checked to give the same matching, and the ratio of the times. `matching` 1.4.3's game
  classes deep-copy the players and hit Python's recursion limit beyond a few hundred; we
  call its functional solver `matching.algorithms.hospital_resident` instead (the limit is
  not raised);
- the whole round through the core (`/mentor match group:bench`: read, solve, write the
  mentorships, close the requests, queue every DM), and the process's peak memory;

and the curve over `--scale` (`--scale 1,10`: 200,000 students x 20,000 faculty at 10×).

    python bench/bench_match.py [--small] [--scale 1,10] [--backend sqlite|postgres|both]
                                [--no-reference]"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc
from datetime import UTC, datetime

from datagen import NOW, load, postgres_database, reset_sequences, sqlite_database
from scale import Curve, add_scale, load_average, scaled
from sqlalchemy import func, select

from bot.app.core import Core, Request
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import InterestGroup, Mentorship
from bot.infra.settings import Settings
from bot.matching.deferred_acceptance import blocking_pairs, deferred_acceptance
from bot.matching.round_solver import solve
from bot.matching.rounds import load_round
from bot.vocab.mentoring import MentorshipSource
from tests.support.reference_matching import solve_with_matching


def run(db: Database, label: str, students: int, faculty: int, reference: bool
        ) -> dict[str, float]:
    started = time.perf_counter()
    roster = load(db, faculty=faculty, students=students, capacity=10, requests=(10, 20))
    reset_sequences(db)
    print(f"[{label}] loaded {students:,} students, {faculty:,} faculty and their ranked "
          f"requests in {time.perf_counter() - started:.1f} s")

    with db.session() as session:
        group = session.get_one(InterestGroup, roster.group_id)
        t0 = time.perf_counter()
        data = load_round(session, group, NOW)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = solve(data)
        t_solve = time.perf_counter() - t0
        session.rollback()
    pairs = sum(len(p) for p in result.prefs.values())
    matched = len(result.outcome.assignment)
    print(f"[{label}] read the round: {t_read:.2f} s ({len(data.students):,} students, "
          f"{pairs:,} ranked pairs)")
    print(f"[{label}] score pairs + algorithm: {t_solve:.2f} s; deferred acceptance alone: "
          f"{result.algorithm_seconds * 1000:.0f} ms, {result.outcome.proposals:,} proposals, "
          f"{matched:,} matched")

    gc.collect()
    runs = []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        deferred_acceptance(result.prefs, data.free, result.priority)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    da_wall, da_cpu = min(runs)
    print(f"[{label}] deferred acceptance again, best of 3: {da_wall * 1000:.0f} ms wall, "
          f"{da_cpu * 1000:.0f} ms CPU")
    tracemalloc.start()
    outcome = deferred_acceptance(result.prefs, data.free, result.priority)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outcome.assignment == result.outcome.assignment
    print(f"[{label}] deferred acceptance peak allocation: {peak / 2**20:.1f} MiB")
    assert blocking_pairs(result.prefs, data.free, result.priority,
                          result.outcome.assignment) == []
    print(f"[{label}] stable: no blocking pair")

    if reference:
        t0 = time.perf_counter()
        theirs = solve_with_matching(result.prefs, data.free, result.priority)
        t_ref = time.perf_counter() - t0
        same = theirs == result.outcome.assignment
        print(f"[{label}] matching package (functional hospital_resident, resident-optimal, "
              f"incl. building its players): {t_ref:.2f} s; same matching: {same}; "
              f"ours is {t_ref / da_wall:.0f}x faster (wall clock, same run)")
        assert same, "the matching package disagrees"

    settings = Settings(database_url=db.url, _env_file=None)  # type: ignore[call-arg]
    core = Core(db=db, clock=FixedClock(NOW), settings=settings)
    t0, c0 = time.perf_counter(), time.process_time()
    reply = core.handle(Request(root="mentor", actor_id=roster.organizer_id,
                                text="match group:bench"))
    t_round, c_round = time.perf_counter() - t0, time.process_time() - c0
    assert not reply.error, reply.as_text()
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Mentorship).where(
            Mentorship.source == MentorshipSource.MATCH))
    assert stored == matched, (stored, matched)
    print(f"[{label}] whole round through the core (read, solve, write {stored:,} "
          f"mentorships and {len(data.students) + len(result.outcome.mentees):,} DMs): "
          f"{t_round:.2f} s wall, {c_round:.2f} s CPU in this process; {load_average()}")
    again = core.handle(Request(root="mentor", actor_id=roster.organizer_id,
                                text="match group:bench"))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Mentorship).where(
            Mentorship.source == MentorshipSource.MATCH)) == matched
    print(f"[{label}] second round: {again.text.splitlines()[0]}")
    return {"read": t_read, "score + algorithm": t_solve, "deferred acceptance": da_wall,
            "whole round": t_round, "whole round CPU": c_round}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="CI sizes")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the matching package comparison")
    add_scale(parser)
    args = parser.parse_args()
    students, faculty = (2_000, 200) if args.small else (20_000, 2_000)
    print(f"match round benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load_average()}")
    curve = Curve("a match round", units=dict.fromkeys(
        ("read", "score + algorithm", "deferred acceptance", "whole round",
         "whole round CPU"), "s"))
    for factor in args.scale:
        size = (scaled(students, factor), scaled(faculty, factor))
        text = f"{size[0]:,} students x {size[1]:,} faculty"
        if args.backend in ("sqlite", "both"):
            with sqlite_database() as db:
                curve.add("sqlite", factor, text,
                          **run(db, "sqlite", *size, not args.no_reference))
        if args.backend in ("postgres", "both"):
            with postgres_database("mentorbot_bench_match") as pg:
                if pg is not None:
                    curve.add("postgresql", factor, text,
                              **run(pg, "postgresql", *size, not args.no_reference))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the benchmark process: {peak:.0f} MiB")
    curve.print()


if __name__ == "__main__":
    main()

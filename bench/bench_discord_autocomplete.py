"""Discord autocomplete latency: the roster completer (in-memory index, rapidfuzz) answering
what people type — prefixes, typos, emails, single letters — over N faculty.
Usage: python bench/bench_discord_autocomplete.py [N] [--small] [--scale 1,10]
(default N = 20000; --small: 2000, for CI; --scale: N times each factor, then the curve).
Target: every answer well within 50 ms at 20,000 faculty."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale import Curve, add_scale, load_average, scaled  # noqa: E402

from adapters.discord.autocomplete import Entry, RosterIndex  # noqa: E402
from adapters.discord.client import DiscordBot  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.framework.registry import Option, OptionType  # noqa: E402
from bot.infra.db import Database  # noqa: E402

FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
         "William", "Elizabeth", "David", "Barbara", "Priya", "Wei", "Ahmed", "Fatima",
         "José", "María", "Oluwaseun", "Chen", "Yuki", "Ivan", "Jane", "Aisha", "Kofi"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor",
        "Patel", "Nguyen", "Kim", "Okafor", "Ivanova", "Tanaka", "Haddad", "Silva",
        "Kowalski", "O'Brien", "Núñez", "Schmidt", "Rossi", "Cohen", "Mensah"]
SUFFIX = ["", "", "", "son", "ley", "er", "ski", "ova", "berg", "stein", "wood", "field"]
SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "to", "vi", "zu", "bar", "del", "fen", "gor",
             "han", "jor", "kel", "lun", "mar", "nor", "pel", "quin", "ros", "sel", "tam",
             "ul", "var", "wen", "yor", "zel", "an", "ber", "cas", "dun", "el", "fa", "gi"]
SPECIALTIES = ["Emergency Medicine", "Surgery", "Pediatrics", "Internal Medicine",
               "Radiology", "Psychiatry"]
QUERIES = ["", "j", "ja", "jan", "jane sm", "Jane Smiht", "dr okafr", "garcai", "mary brwn",
           "patel", "nguyen k", "kowalsky", "schmit", "rossi@", "chen.tanaka", "zzzz",
           "o'brien", "nunez", "Dr. Priya", "ivnaova"]


def roster(n: int) -> list[Entry]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        first = rng.choice(FIRST)
        if i % 2:  # half common surnames, half rare ones: a realistic, large vocabulary
            last = rng.choice(LAST) + rng.choice(SUFFIX)
        else:
            last = "".join(rng.choice(SYLLABLES) for _ in range(3)).title()
        out.append(Entry(i + 1, f"Dr. {first} {last}",
                         f"{first.lower()}.{last.lower()}{i}@example.edu",
                         frozenset({"faculty"}), rng.choice(SPECIALTIES)))
    return out


def vocabulary_size(entries: list[Entry]) -> int:
    return len({word for e in entries for word in e.key.split()})


def refresh_seconds(entries: list[Entry]) -> float:
    """Time to rebuild the index from a database holding these people (what the bot does
    in the background every few minutes)."""
    import tempfile

    from bot.infra.models import FacultyProfile, Person, Role

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.upgrade()
        with db.session() as session:
            session.execute(Person.__table__.insert(), [
                {"id": e.person_id, "name": e.name, "email": e.email} for e in entries])
            session.execute(Role.__table__.insert(), [
                {"person_id": e.person_id, "role": "faculty"} for e in entries])
            session.execute(FacultyProfile.__table__.insert(), [
                {"person_id": e.person_id, "specialty": e.detail, "research": [],
                 "stages": []} for e in entries])
        index = RosterIndex(Core(db=db).directory)
        started = time.perf_counter()
        index.refresh()
        elapsed = time.perf_counter() - started
        assert len(index.search("", "faculty")) == 25
        db.dispose()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", help="faculty (default 20,000)")
    parser.add_argument("--small", action="store_true", help="2,000 faculty, for CI")
    add_scale(parser)
    args = parser.parse_args()
    n = args.n or (2000 if args.small else 20000)
    curve = Curve("Discord roster autocomplete", units=dict.fromkeys(
        ("median", "p95", "max", "index build"), "ms"),
        goals={"max": "well within 50 ms at 20,000 faculty"})
    slow = False
    for factor in args.scale:
        count = scaled(n, factor)
        figures = measure(count)
        curve.add("in memory", factor, f"{count:,} faculty", **figures)
        slow = slow or (factor <= 1 and figures["max"] > 50)
    curve.print()
    if slow:
        raise SystemExit("slower than 50 ms")


def measure(n: int) -> dict[str, float]:
    entries = roster(n)
    index = RosterIndex()
    started = time.perf_counter()
    index.load(entries)
    build_ms = (time.perf_counter() - started) * 1000
    core = Core(db=Database("sqlite://"))
    bot = DiscordBot(core, roster=index)
    complete = bot.autocompleter(Option("mentor", OptionType.PERSON, role="faculty"))
    assert complete is not None

    async def run() -> list[tuple[float, str]]:
        for query in QUERIES:  # warm-up: first calls pay for imports and caches
            await complete(None, query)  # type: ignore[arg-type]
        timings = []
        for _ in range(5):
            for query in QUERIES:
                t0 = time.perf_counter()
                await complete(None, query)  # type: ignore[arg-type]
                timings.append(((time.perf_counter() - t0) * 1000, query))
        return timings

    measured = asyncio.run(run())
    slowest = max(measured)
    timings = [t for t, _ in measured]
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"discord autocomplete, {n} faculty, {len(timings)} queries: "
          f"median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
          f"max {timings[-1]:.2f} ms (index build {build_ms:.0f} ms, "
          f"{vocabulary_size(entries)} distinct name words; slowest query {slowest[1]!r})")
    print(f"index refresh from SQLite ({n} people): {refresh_seconds(entries):.2f} s "
          f"(in the background, every 5 minutes); {load_average()}")
    return {"median": statistics.median(timings), "p95": p95, "max": timings[-1],
            "index build": build_ms}


if __name__ == "__main__":
    main()

"""Web pages benchmark: the organizer's dashboard of a group of 2,000 students (200 faculty,
10,000 contacts, 5,000 letters and the rest of a year's history in proportion, as
bench/bench_report.py makes them) by default; `--small`: 400 students, for CI. Prints, per
backend, with the machine's load average, p50, p95 and the slowest of `--requests` requests
over HTTP as a browser gets them (waitress, Flask, the session check, the report, the tiles,
the SVG chart, the template), after a few to warm up:

- the page with its figures counted afresh for each request (the clock moves on a minute
  between requests, past the minute a dashboard keeps its figures): the budget's case;
- the same view again within that minute (a reload, the CSV);
- other filters each time (1 to 52 weeks back: the longer, the more to count);

and where the time goes: the report's figures alone, and the page from those figures
(tiles, SVG, template), each the best of 5. The budget is 150 ms at p95 for 2,000 students.

    python bench/bench_web.py [--small] [--backend sqlite|postgres|both] [--requests N]"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench_report import populate
from datagen import NOW, postgres_database, sqlite_database
from flask import render_template

from adapters.web.app import COOKIES, create_app
from adapters.web.service import WebService
from bot.app.nudges import nudge_catalog
from bot.app.web import REPORT_FRESH, WebPages
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import InterestGroup
from bot.infra.settings import Settings
from bot.pages.port import Filters
from bot.reports import dashboard, store
from bot.web import links
from bot.web.rules import Page

BUDGET_MS = 150
WARM_UP = 3


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def run(db: Database, label: str, *, students: int, requests: int) -> None:
    t0 = time.perf_counter()
    populate(db, students=students, faculty=students // 10, contacts=students * 5,
             letters=students * 5 // 2)
    print(f"[{label}] loaded {students:,} students and a year of their history in "
          f"{time.perf_counter() - t0:.1f} s")
    settings = Settings(database_url=db.url, public_url="http://127.0.0.1",  # type: ignore[call-arg]
                        _env_file=None)
    clock = FixedClock(NOW)
    pages = WebPages(db, clock, settings)
    app = create_app(pages)
    service = WebService(app.wsgi_app, "127.0.0.1", 0)
    service.start()
    try:
        with db.session() as session:
            url = links.issue(session, settings, person_id=1, page=Page.REPORT, group_id=1,
                              now=clock.now()).url
        opened = pages.open_link(url.rsplit("/", 1)[1])
        assert not isinstance(opened, str), opened
        cookie = f"{COOKIES[Page.REPORT]}={opened.cookie}"

        def measure(paths: list[str], every: timedelta | None = None
                    ) -> tuple[list[float], int]:
            """Each path's time; `every`: the clock moves on that much before each one, so
            the figures kept for a minute are counted again."""
            times, size = [], 0
            for index, path in enumerate(paths):
                if every is not None:
                    clock.advance(every)
                conn = http.client.HTTPConnection("127.0.0.1", service.bound_port, timeout=30)
                started = time.perf_counter()
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
                took = time.perf_counter() - started
                conn.close()
                assert response.status == 200, (response.status, body[:300])
                size = len(body)
                if index >= WARM_UP:
                    times.append(took)
            return sorted(times), size

        def line(what: str, times: list[float], size: int) -> str:
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            verdict = "within" if p95 * 1000 <= BUDGET_MS else "OVER"
            return (f"[{label}] {what} ({size / 1024:.0f} KiB), {len(times)} requests: p50 "
                    f"{_ms(statistics.median(times))}, p95 {_ms(p95)}, slowest "
                    f"{_ms(times[-1])}: {verdict} the {BUDGET_MS} ms budget ({_load()})")

        count = WARM_UP + requests
        fresh, size = measure([opened.path] * count, every=REPORT_FRESH)
        print(line("dashboard, figures counted afresh for each request", fresh, size))
        kept, size = measure([opened.path] * count)
        print(line("dashboard, the same view again within the minute", kept, size))
        changed, size = measure([f"{opened.path}?weeks={1 + i % 52}" for i in range(count)])
        print(line("dashboard, other filters each time (1 to 52 weeks)", changed, size))

        figures, page = [], []
        visitor = pages.visitor(Page.REPORT, opened.cookie)
        assert visitor is not None and not isinstance(visitor, str)
        for _ in range(5):
            t0 = time.perf_counter()
            with db.session() as session:
                report = store.report(session, session.get_one(InterestGroup, 1), NOW,
                                      nudge_catalog())
            figures.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with app.test_request_context():  # the template, as the route renders it
                view = dashboard.build(report)
                render_template("dashboard.html", view=view, visitor=visitor,
                                filters=Filters(), stages=pages.STAGES, kinds=pages.KINDS,
                                csv_link="", max_weeks=52)
            page.append(time.perf_counter() - t0)
        print(f"[{label}]   of which: the report's figures {_ms(min(figures))}, the page from "
              f"them (tiles, SVG, template) {_ms(min(page))} (best of 5; {_load()})")
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="CI size: 400 students")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=40, metavar="N")
    args = parser.parse_args()
    students = 400 if args.small else 2_000
    requests = min(args.requests, 20) if args.small else args.requests
    print(f"web benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {_load()} on "
          f"{os.cpu_count()} CPUs")
    if args.backend in ("sqlite", "both"):
        with sqlite_database() as db:
            run(db, "sqlite", students=students, requests=requests)
    if args.backend in ("postgres", "both"):
        with postgres_database("mentorbot_bench_web") as pg:
            if pg is not None:
                run(pg, "postgresql", students=students, requests=requests)


if __name__ == "__main__":
    main()

"""`mentorbot demo`: load the demo data set into DATABASE_URL."""

from __future__ import annotations

import argparse

from bot.app import demo
from bot.app.cli.common import clock, database, fail
from bot.errors import UserError
from bot.infra.schema import Purpose


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "demo", help="load a realistic demo data set",
        description="Load a realistic demo data set into DATABASE_URL: interest groups, "
        f"{len(demo.FACULTY)} faculty across many specialties, {len(demo.STUDENTS)} students "
        "from premed to resident, mentorships with their contact history, action items, "
        "intro requests and letters in every state. Dates are relative to today. Safe to "
        "run twice: only what is missing is added.")
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    try:
        with database(Purpose.CREATE).session() as session:
            result = demo.load(session, clock())
    except UserError as exc:
        return fail(exc.message)
    print(result.summary())
    return 0

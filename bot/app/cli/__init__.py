"""`mentorbot` (also `python -m bot`): the command line. Each verb group lives in its own
module with a `register(subparsers)` function; this module only assembles them."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.app import early_signals
from bot.infra.db import DriverMissing
from bot.infra.schema import DatabaseUnavailable
from bot.infra.settings import describe_invalid, get_settings

VERB_MODULES = (
    "bot.app.cli.db",
    "bot.app.cli.roster",
    "bot.app.cli.demo",
    "bot.app.cli.shell",
    "bot.app.cli.run",
    "bot.app.cli.organizer",
    "bot.app.cli.discord",
    "bot.app.cli.nudges",
    "bot.app.cli.report",
    "bot.app.cli.person",
    "bot.app.cli.web",
    "bot.app.cli.residency",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot",
        description="Mentor matching, follow-up nudges and recommendation-letter tracking "
        "for specialty interest groups, on Slack, Discord or the console.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for name in VERB_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C: what a verb was doing is rolled back with its unit of work; one line,
        # not a traceback.
        print("mentorbot: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handles_stop_signals", False):
        early_signals.release()
    try:
        settings = get_settings()
    except ValidationError as exc:  # a setting out of its range, or not a number
        print(f"mentorbot: {describe_invalid(exc)}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.upper() != "DEBUG":
        # Migrations run on every verb and the scheduler reports every run: not news to the
        # person at the prompt.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        result: int = args.func(args)
    except (DatabaseUnavailable, DriverMissing) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as exc:
        # The database went away while the verb ran (a restart, a network cut): one line,
        # not a traceback; nothing half-done was committed (each unit of work rolls back).
        print(f"mentorbot: the database stopped answering: {str(exc.orig).splitlines()[0]}",
              file=sys.stderr)
        return 2
    return result

"""`mentorbot report GROUP [--weeks N] [--stage S] [--kind K] [--json] [--csv FILE]
[--chart FILE.png]`: a group's program health from the command line (the whole group, or
the part the filters name), as text or JSON, with the figures as CSV and the chart as a PNG
for a spreadsheet or a slide. Reads only: the database is opened for reading
and nothing is written to it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from bot.app.cli.common import clock, database, fail
from bot.app.cli.nudges import parse_moment
from bot.app.nudges import nudge_catalog
from bot.errors import UserError
from bot.groups.store import find_group
from bot.infra.schema import Purpose
from bot.infra.settings import get_settings
from bot.reports import chart, export, messages, store
from bot.reports.rules import DEFAULT_WEEKS, MAX_WEEKS, TARGET_MATCH_RATE, Report, Scope
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.stages import STAGES

STDOUT = "-"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser(
        "report", help="a group's program health: text, JSON, CSV and a PNG chart",
        description="A group's program health over the last weeks: participants, match rate "
        f"({TARGET_MATCH_RATE:.0%} is the usual target), mentor networks, relationship "
        "health, intro requests, "
        "meetings, letters (counted only) and nudges, each with how it is counted. Reads "
        "the database, never writes to it.")
    report.add_argument("group", metavar="GROUP", help="the group's short name, e.g. "
                        "em-interest")
    report.add_argument("--weeks", type=weeks, default=DEFAULT_WEEKS, metavar="N",
                        help=f"how many weeks to look back (1–{MAX_WEEKS}; default "
                        f"{DEFAULT_WEEKS})")
    report.add_argument("--stage", choices=STAGES, metavar="STAGE",
                        help="count only students at this stage (" + ", ".join(STAGES) + ")")
    report.add_argument("--kind", choices=MENTOR_KINDS, metavar="KIND",
                        help="count only mentorships and intro requests of this kind of "
                        "mentor (" + ", ".join(MENTOR_KINDS) + ") in the figures about them")
    report.add_argument("--json", action="store_true",
                        help="print the figures as JSON instead of text")
    report.add_argument("--csv", metavar="FILE",
                        help="also write the figures as CSV to FILE (- for standard output)")
    report.add_argument("--chart", metavar="FILE.png",
                        help="also write the chart (match rate and contacts per week) as PNG")
    report.add_argument("--at", type=parse_moment, metavar="ISO-DATETIME",
                        help="the moment the report is as of (default: now): 2027-02-16 or "
                        "2027-02-16T10:00 (UTC unless an offset is given)")
    report.set_defaults(func=run_report)


def weeks(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of weeks: {value!r}") from None
    if not 1 <= number <= MAX_WEEKS:
        raise argparse.ArgumentTypeError(f"--weeks must be between 1 and {MAX_WEEKS}")
    return number


def _writable(path: str, what: str, suffix: str | None = None) -> str | None:
    """Why `path` can't take the output (checked before anything is computed), or None."""
    target = Path(path)
    if suffix is not None and target.suffix.lower() != suffix:
        return f"{what} takes a {suffix} file name, not {path}"
    if not target.parent.is_dir():
        return f"{what}: there is no directory {target.parent}"
    if target.is_dir():
        return f"{what}: {path} is a directory"
    return None


def run_report(args: argparse.Namespace) -> int:
    problems = [problem for problem in (
        _writable(args.chart, "--chart", ".png") if args.chart else None,
        _writable(args.csv, "--csv") if args.csv and args.csv != STDOUT else None,
    ) if problem]
    if args.json and args.csv == STDOUT:
        problems.append("--json and --csv - both print to standard output: write the CSV to a "
                        "file")
    if problems:
        return fail("; ".join(problems) + ".")
    at: datetime = args.at or clock().now()
    db = database(Purpose.READ)
    try:
        with db.session() as session:
            group = find_group(session, args.group)
            found = store.report(session, group, at, nudge_catalog(), weeks=args.weeks,
                                 default_tz=get_settings().default_timezone,
                                 scope=Scope(stage=args.stage, kind=args.kind))
    except UserError as exc:
        return fail(exc.message)
    finally:
        db.dispose()
    return _write(found, args)


def _write(found: Report, args: argparse.Namespace) -> int:
    # With JSON or CSV on standard output, notes go to standard error so the data stays clean.
    notes = sys.stderr if args.json or args.csv == STDOUT else sys.stdout
    if args.json:
        json.dump(export.as_json(found), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.csv != STDOUT:
        print(messages.report_reply(found).as_text())
    if args.csv:
        text = export.as_csv(found)
        if args.csv == STDOUT:
            sys.stdout.write(text)
        else:
            Path(args.csv).write_text(text, encoding="utf-8")
            print(f"Wrote the figures to {args.csv}", file=notes)
    if args.chart:
        Path(args.chart).write_bytes(chart.png(found))
        print(f"Wrote the chart to {args.chart}", file=notes)
    return 0

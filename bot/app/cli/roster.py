"""`mentorbot import faculty|students FILE.csv [--group SLUG]`: roster import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app.cli.common import clock, database, fail
from bot.errors import UserError
from bot.groups import roster

_HELP = {
    "faculty": ("upsert faculty from a CSV file, by email",
                "Columns: " + ", ".join(roster.FACULTY_COLUMNS) + ". Required: "
                + ", ".join(roster.REQUIRED["faculty"]) + ". capacity is a whole number "
                f"from 0 to {roster.MAX_CAPACITY}; accepting is yes or no; stages (premed, "
                "ms1–ms4, resident) and research are ; separated."),
    "students": ("upsert students from a CSV file, by email",
                 "Columns: " + ", ".join(roster.STUDENT_COLUMNS) + ". Required: "
                 + ", ".join(roster.REQUIRED["students"]) + ". stage is one of premed, "
                 "ms1–ms4, resident; interests and research are ; separated."),
}
_COMMON = ("The file is UTF-8 CSV with a header row; extra columns are ignored and an empty "
           "cell leaves the stored value alone. The import is all-or-nothing: if any row has "
           "a problem, every bad row is listed with its row number (the header is row 1) and "
           "nothing is written.")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("import", help="import a faculty or student roster (CSV)",
                            description="Import a faculty or student roster from CSV, "
                            "upserting people by email. " + _COMMON)
    kinds = parser.add_subparsers(dest="import_kind", metavar="KIND")
    kinds.required = True
    for kind in roster.KINDS:
        summary, columns = _HELP[kind]
        verb = kinds.add_parser(kind, help=summary, description=f"{summary[0].upper()}"
                                f"{summary[1:]}. {columns} {_COMMON}")
        verb.add_argument("file", metavar="FILE.csv", type=Path, help="the roster file")
        verb.add_argument("--group", metavar="SLUG",
                          help="also add everyone in the file to this interest group "
                          "(it must exist: see `mentorbot organizer add`)")
        verb.set_defaults(func=run_import, kind=kind)


def run_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return fail(f"Can't read {args.file}: {exc.strerror or exc}.")
    now = clock().now()
    try:
        with database().session() as session:
            result = roster.import_csv(session, data, args.kind, now=now, group=args.group)
    except roster.RosterError as exc:
        return fail(f"{args.file}: {exc.message}")
    except UserError as exc:
        return fail(exc.message)
    print(result.summary())
    sys.stdout.flush()
    return 0

"""`mentorbot nudges …`: looking at and working the nudge queue from the command line.

Each subcommand is added by its own `_add_*` function below, so new ones slot in beside
`due` without touching it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot.app.cli import nudges_delivery
from bot.app.cli.common import clock, database
from bot.app.planning import plan_all
from bot.infra.models import Nudge, Person
from bot.infra.schema import Purpose
from bot.infra.settings import get_settings
from bot.nudges.policy import REMINDERS
from bot.nudges.vocab import NudgeState


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    nudges = sub.add_parser("nudges", help="inspect and deliver nudges",
                            description="Inspect and deliver the nudges the bot owes people.")
    verbs = nudges.add_subparsers(dest="nudges_verb", metavar="VERB")
    verbs.required = True
    _add_due(verbs)
    nudges_delivery.add_run(verbs)
    nudges_delivery.add_failed(verbs)


# --- due ---------------------------------------------------------------------------------------


def _add_due(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    due = verbs.add_parser(
        "due", help="the nudges that would go out at a moment, without sending anything",
        description="Plan nudges as of --at (default: now) and list those due by then. "
        "Nothing is written: planning runs in a transaction that is rolled back.")
    due.add_argument("--at", type=parse_moment, metavar="ISO-DATETIME",
                     help="the moment to look at: 2027-02-16 (midnight UTC) or "
                     "2027-02-16T10:00 (UTC unless an offset is given, e.g. -05:00)")
    due.add_argument("--json", action="store_true",
                     help="print a JSON array of {person, kind, due_at, text, …}")
    due.set_defaults(func=show_due)


def parse_moment(value: str) -> datetime:
    """An ISO date or datetime; naive values are UTC, a bare date is its midnight UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO date or datetime: {value!r} (e.g. 2027-02-16 or 2027-02-16T10:00)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def due_nudges(session: Any, at: datetime) -> list[dict[str, Any]]:
    """Plan as of `at` in `session` and describe every pending nudge due by then. The
    caller owns the transaction (and rolls it back for a preview)."""
    plan_all(session, at, get_settings())
    rows = session.execute(
        select(Nudge.id, Nudge.kind, Nudge.due_at, Nudge.text, Nudge.subject_type,
               Nudge.subject_id, Nudge.dedup_key, Person.email, Person.name)
        .join(Person, Person.id == Nudge.person_id)
        .where(Nudge.state == NudgeState.PENDING, Nudge.due_at <= at,
               Nudge.kind.in_(REMINDERS))
        .order_by(Nudge.due_at, Nudge.id)
    )
    return [
        {
            "person": r.email,
            "name": r.name,
            "kind": r.kind,
            "due_at": r.due_at.isoformat(),
            "text": r.text,
            "subject_type": r.subject_type,
            "subject_id": r.subject_id,
            "dedup_key": r.dedup_key,
        }
        for r in rows
    ]


def show_due(args: argparse.Namespace) -> int:
    at: datetime = args.at or clock().now()
    db = database(Purpose.READ)
    session = db.sessions()
    try:
        items = due_nudges(session, at)
    finally:  # a preview never writes: the plan made above is thrown away
        session.rollback()
        session.close()
        db.dispose()
    if args.json:
        json.dump(items, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not items:
        print(f"No nudges due at {at.isoformat()}.")
        return 0
    print(f"{len(items)} nudge(s) due at {at.isoformat()}:")
    for item in items:
        print()
        print(f"{item['due_at']}  {item['kind']}  to {item['name']} <{item['person']}>")
        print("    " + item["text"].replace("\n", "\n    "))
    return 0

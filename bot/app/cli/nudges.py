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
from bot.app.nudges import nudge_catalog
from bot.app.planning import plan_all
from bot.framework.replies import Reply
from bot.infra.db import as_utc
from bot.infra.models import Nudge, Person
from bot.infra.schema import Purpose
from bot.infra.settings import get_settings
from bot.nudges.store import due_of
from bot.vocab.nudges import NudgeState


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
        description="Plan nudges as of --at (default: now) and list the reminders due by "
        "then, each worded as it would be sent at that moment in its person's time zone. "
        "One whose subject moved on (it would be cancelled, not sent) is left out. Nothing "
        "is written: planning runs in a transaction that is rolled back.")
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
    return as_utc(moment)


def due_nudges(session: Any, at: datetime) -> list[dict[str, Any]]:
    """Plan as of `at` in `session` and describe every pending reminder due by then, with
    the words it would be sent with at `at` (the same wording the delivery sweep uses, from
    the subjects' state in this session); one that would be cancelled as moot is left out.
    The caller owns the transaction (and rolls it back for a preview)."""
    settings = get_settings()
    plan_all(session, at, settings)
    catalog = nudge_catalog()
    rows = session.execute(
        select(Nudge, Person.email, Person.name, Person.timezone)
        .join(Person, Person.id == Nudge.person_id)
        .where(Nudge.state == NudgeState.PENDING, Nudge.due_at <= at,
               Nudge.kind.in_(catalog.reminders))
        .order_by(Nudge.due_at, Nudge.id)
    ).all()
    words = catalog.render(session, [due_of(r.Nudge) for r in rows], now=at,
                           default_tz=settings.default_timezone,
                           zones={r.Nudge.person_id: r.timezone for r in rows if r.timezone})
    return [
        {
            "person": r.email,
            "name": r.name,
            "kind": r.Nudge.kind,
            "due_at": r.Nudge.due_at.isoformat(),
            "text": said.as_text(),
            "subject_type": r.Nudge.subject_type,
            "subject_id": r.Nudge.subject_id,
            "dedup_key": r.Nudge.dedup_key,
        }
        for r in rows
        if isinstance(said := words[r.Nudge.id], Reply)
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

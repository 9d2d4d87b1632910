"""`mentorbot nudges run` and `mentorbot nudges failed`: delivering from the command line
and showing organizers what could not be delivered."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import select

from bot.app.cli.common import core as make_core
from bot.app.cli.common import database
from bot.infra.clock import SystemClock
from bot.infra.models import Nudge, Person
from bot.nudges import store
from bot.nudges.vocab import NudgeState


def add_run(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = verbs.add_parser(
        "run", help="run one delivery sweep now",
        description="Deliver every nudge that is due now, once, through the configured "
        "adapters (Slack, Discord; the console prints them when none is configured), then "
        "exit. Safe beside a running `mentorbot run`: each claims its own nudges.")
    run.set_defaults(func=run_sweep)


def add_failed(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    failed = verbs.add_parser(
        "failed", help="nudges that could not be delivered, with the error",
        description="List nudges whose delivery failed after the last attempt, with the "
        "error the platform gave. --retry puts them back in the queue.")
    failed.add_argument("--json", action="store_true", help="print a JSON array")
    failed.add_argument("--retry", action="store_true",
                        help="queue them again (due now, attempts reset)")
    failed.set_defaults(func=show_failed)


def run_sweep(args: argparse.Namespace) -> int:
    from bot.app.runner import delivery_router  # lazy: loads the configured adapters
    from jobs.delivery import Sweeper  # lazy: only this verb delivers

    core = make_core()
    router = delivery_router(core, core.settings)
    result = Sweeper(core.db, core.clock, router,
                     default_timezone=core.settings.default_timezone).run()
    print(f"claimed {result.claimed}, sent {result.sent}, deferred to after quiet hours "
          f"{result.deferred}, to retry {result.retried}, failed {result.failed}")
    return 0


def failed_nudges(session: Any) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Nudge.id, Nudge.kind, Nudge.due_at, Nudge.attempts, Nudge.last_error,
               Nudge.text, Person.email, Person.name)
        .join(Person, Person.id == Nudge.person_id)
        .where(Nudge.state == NudgeState.FAILED)
        .order_by(Nudge.due_at, Nudge.id)
    )
    return [
        {"id": r.id, "person": r.email, "name": r.name, "kind": r.kind,
         "due_at": r.due_at.isoformat(), "attempts": r.attempts, "error": r.last_error or "",
         "text": r.text}
        for r in rows
    ]


def show_failed(args: argparse.Namespace) -> int:
    db = database()
    with db.session() as session:
        items = failed_nudges(session)
        if args.retry and items:
            store.requeue_failed(session, [i["id"] for i in items], now=SystemClock().now())
    if args.json:
        print(json.dumps(items, indent=2))
    elif not items:
        print("No failed nudges.")
    else:
        for item in items:
            who = item["person"] or item["name"]
            print(f"#{item['id']} {item['kind']} for {who}, due {item['due_at']}, "
                  f"{item['attempts']} attempt(s): {item['error']}")
        if args.retry:
            print(f"Queued {len(items)} again.")
    db.dispose()
    return 0

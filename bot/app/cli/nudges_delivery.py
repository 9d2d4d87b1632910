"""`mentorbot nudges run` and `mentorbot nudges failed`: delivering from the command line
and showing organizers what could not be delivered."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.app.cli.common import clock, database
from bot.app.cli.common import core as make_core
from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.infra.models import Nudge, Person
from bot.infra.schema import Purpose
from bot.nudges import store
from bot.vocab.nudges import NudgeState

if TYPE_CHECKING:
    from jobs.delivery import SweepResult


def add_run(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = verbs.add_parser(
        "run", help="plan, then run one delivery sweep now",
        description="Plan what is owed now (as the scheduler does), then deliver every nudge "
        "that is due, once, through the configured adapters (Slack, Discord; the console "
        "prints them when none is configured), and exit: whatever `mentorbot nudges due` "
        "lists for now goes out, or waits for the end of its person's quiet hours. Safe "
        "beside a running `mentorbot run`: each claims its own nudges.")
    run.set_defaults(func=run_sweep)


def add_failed(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    failed = verbs.add_parser(
        "failed", help="nudges that could not be delivered, with the reason",
        description="List nudges whose delivery failed after the last attempt, with the "
        "error the platform gave, and apart from them the nudges waiting for someone no "
        "platform can reach yet (no account linked, none found by email), with the reason. "
        "--retry puts the failed ones back in the queue; the unreachable ones go out by "
        "themselves once an account appears. Without --retry nothing is written.")
    failed.add_argument("--json", action="store_true",
                        help="print a JSON array (each item has a state: failed or "
                        "unreachable)")
    failed.add_argument("--retry", action="store_true",
                        help="queue the failed ones again (due now, attempts reset)")
    failed.set_defaults(func=show_failed)


def deliver_due(core: Core, router: Router) -> tuple[int, SweepResult]:
    """Plan at the core's now (what `nudges due` previews), then sweep: whatever is due now
    is claimed, and sent or deferred past its person's quiet hours. Returns how many nudges
    planning added, and the sweep's result."""
    from jobs.delivery import Sweeper  # lazy: only this verb delivers

    with core.db.session() as session:
        planned = plan_all(session, core.clock.now(), core.settings)
    sweeper = Sweeper(core.db, core.clock, router, core.nudge_catalog,
                      default_timezone=core.settings.default_timezone)
    return planned, sweeper.run()


def run_sweep(args: argparse.Namespace) -> int:
    from bot.app.runner import delivery_router  # lazy: loads the configured adapters

    core = make_core(Purpose.WRITE)
    planned, result = deliver_due(core, delivery_router(core, core.settings))
    print(f"planned {planned} new; claimed {result.claimed}, sent {result.sent}, deferred "
          f"to after quiet hours {result.deferred}, to retry {result.retried}, failed "
          f"{result.failed}, waiting for an account {result.unreachable}, cancelled as moot "
          f"{result.moot}")
    core.db.dispose()
    return 0


def undelivered(session: Any) -> list[dict[str, Any]]:
    """Failed nudges, then those waiting for an account, each with its reason."""
    rows = session.execute(
        select(Nudge.id, Nudge.kind, Nudge.state, Nudge.due_at, Nudge.attempts,
               Nudge.last_error, Nudge.text, Person.email, Person.name)
        .join(Person, Person.id == Nudge.person_id)
        .where(Nudge.state.in_((NudgeState.FAILED, NudgeState.UNREACHABLE)))
        .order_by(Nudge.state, Nudge.due_at, Nudge.id)
    )
    return [
        {"id": r.id, "state": r.state, "person": r.email, "name": r.name, "kind": r.kind,
         "due_at": r.due_at.isoformat(), "attempts": r.attempts, "error": r.last_error or "",
         "text": r.text}
        for r in rows
    ]


def show_failed(args: argparse.Namespace) -> int:
    db = database(Purpose.WRITE if args.retry else Purpose.READ)
    with db.session() as session:
        items = undelivered(session)
        failed = [i for i in items if i["state"] == NudgeState.FAILED]
        waiting = [i for i in items if i["state"] == NudgeState.UNREACHABLE]
        if args.retry and failed:
            store.requeue_failed(session, [i["id"] for i in failed], now=clock().now())
        if not args.retry:
            session.rollback()  # a listing writes nothing
    db.dispose()
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    if not failed:
        print("No failed nudges.")
    for item in failed:
        print(f"#{item['id']} {item['kind']} for {item['person'] or item['name']}, due "
              f"{item['due_at']}, {item['attempts']} attempt(s): {item['error']}")
    if args.retry and failed:
        print(f"Queued {len(failed)} again.")
    if waiting:
        print(f"\nUnreachable: {len(waiting)} waiting for an account (sent once one is "
              "linked or found by email):")
    for item in waiting:
        print(f"#{item['id']} {item['kind']} for {item['person'] or item['name']}: "
              f"{item['error']}")
    return 0

"""Nudge planning: each feature's pure rules decide which nudges are owed; `bot.nudges.store`
writes them in bulk, idempotently, and cancels the ones a change made moot.

A planner is a function `(session, now, settings) -> Iterable[Plan]`. A `Plan` covers one
subject (a mentorship, an action item, a letter…): the nudges it owes now. Pending nudges of
that subject that are no longer owed are cancelled. The list of planners is not kept here:
the program's assembly (`bot.app.planning`) passes it in, so no feature registers itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.infra.settings import Settings
from bot.nudges import store
from bot.nudges.plans import Plan, PlannedNudge

__all__ = ["Maintenance", "Plan", "PlannedNudge", "Planner", "plan_all", "store_plans"]


Planner = Callable[[Session, datetime, Settings], Iterable[Plan]]
"""What one feature owes at `now`, as plans."""

Maintenance = Callable[[Session, datetime, Settings], None]
"""A state change that time alone causes (an unanswered intro request expiring), run before
the planners by the same periodic job."""


def plan_all(session: Session, now: datetime, settings: Settings, *,
             planners: Sequence[Planner], maintenance: Sequence[Maintenance] = ()) -> int:
    """Run the maintenance tasks, then every planner, and store the result; returns how many
    nudges were new."""
    for task in maintenance:
        task(session, now, settings)
    plans: list[Plan] = []
    for planner in planners:
        plans.extend(planner(session, now, settings))
    return store_plans(session, plans, now=now)


def store_plans(session: Session, plans: Sequence[Plan], *, now: datetime) -> int:
    """Cancel what the planned subjects no longer owe, then insert what is new."""
    owed: dict[tuple[str, int], set[str]] = {}
    for plan in plans:
        owed.setdefault((plan.subject_type, plan.subject_id), set()).update(
            n.dedup_key for n in plan.nudges)
    store.cancel_moot(session, owed)
    return store.insert_bulk(session, [n for plan in plans for n in plan.nudges], now=now)

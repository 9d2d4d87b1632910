"""Nudge planning: each feature's pure rules decide which nudges are owed; `bot.nudges.store`
writes them in bulk, idempotently, and cancels the ones a change made moot.

A planner is a function `(session, now, settings) -> Iterable[Plan]`. A `Plan` covers one
subject (a mentorship, an action item, a letter…): the nudges it owes now. Pending nudges of
that subject that are no longer owed are cancelled. The list of planners is not kept here:
the program's assembly (`bot.app.planning`) passes it in, so no feature registers itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.infra.settings import Settings
from bot.nudges import policy, store
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
    return store_plans(session, plans, now=now, wave_rate=wave_rate(settings))


def wave_rate(settings: Settings) -> float | None:
    """The pace a wave of nudges is spread at: the slowest send budget in force (None:
    none is)."""
    rates = [r for r in (settings.slack_send_rate, settings.discord_send_rate) if r > 0]
    return min(rates) if rates else None


def store_plans(session: Session, plans: Sequence[Plan], *, now: datetime,
                wave_rate: float | None = None) -> int:
    """Cancel what the planned subjects no longer owe, then insert what is new; a wave
    (many people's nudges at one instant) spread over their morning at `wave_rate`
    (`policy.spread_wave`)."""
    owed: dict[tuple[str, int], set[str]] = {}
    for plan in plans:
        owed.setdefault((plan.subject_type, plan.subject_id), set()).update(
            n.dedup_key for n in plan.nudges)
    store.cancel_moot(session, owed)
    nudges = [n for plan in plans for n in plan.nudges]
    if wave_rate:
        nudges = spread_waves(nudges, wave_rate)
    return store.insert_bulk(session, nudges, now=now)


def spread_waves(nudges: Sequence[PlannedNudge], rate: float) -> list[PlannedNudge]:
    """The nudges, each wave among them (those falling at one instant) spread as
    `policy.spread_wave` says; a nudge already stored keeps the time it was stored with."""
    people: dict[datetime, set[int]] = defaultdict(set)
    for nudge in nudges:
        people[nudge.due_at].add(nudge.person_id)
    waves = {due: policy.spread_wave(due, sorted(who), rate)
             for due, who in people.items() if len(who) / rate >= policy.WAVE.total_seconds()}
    if not waves:
        return list(nudges)
    return [replace(n, due_at=waves[n.due_at][n.person_id]) if n.due_at in waves else n
            for n in nudges]

"""Nudge planning: pure rules decide which nudges are owed (see the modules beside this one);
`store` writes them in bulk, idempotently, and cancels the ones a change made moot.

Each domain planner is a function `(session, now, settings) -> Iterable[Plan]`, listed in
`PLANNERS`. A `Plan` covers one subject (a mentorship, an action item, a letter…): the nudges
it owes now. Pending nudges of that subject that are no longer owed are cancelled."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.settings import Settings


@dataclass(frozen=True)
class PlannedNudge:
    person_id: int
    kind: str  # one of bot.vocab.NUDGE_KINDS
    due_at: datetime  # UTC; delivery moves it out of the person's quiet hours
    subject_type: str  # "mentorship", "action_item", "letter", "intro_request", "outcome"…
    subject_id: int
    occurrence: str  # what makes this one distinct: a date, a counter
    reply: Reply

    @property
    def dedup_key(self) -> str:
        return f"{self.kind}:{self.subject_type}:{self.subject_id}:{self.occurrence}"


@dataclass
class Plan:
    subject_type: str
    subject_id: int
    nudges: list[PlannedNudge] = field(default_factory=list)


Planner = Callable[[Session, datetime, Settings], Iterable[Plan]]

PLANNERS: list[Planner] = []
"""Domain planners, registered by the modules that own the rules (see `register`)."""

Maintenance = Callable[[Session, datetime, Settings], None]
MAINTENANCE: list[Maintenance] = []
"""State changes that time alone causes (an unanswered intro request expiring), run before
the planners by the same periodic job."""


def register_maintenance(task: Maintenance) -> Maintenance:
    MAINTENANCE.append(task)
    return task


def register(planner: Planner) -> Planner:
    PLANNERS.append(planner)
    return planner


def plan_all(session: Session, now: datetime, settings: Settings) -> int:
    """Run every planner and store the result; returns how many nudges were new."""
    from bot.nudges.store import store_plans

    _load_planners()
    for task in MAINTENANCE:
        task(session, now, settings)
    plans: list[Plan] = []
    for planner in PLANNERS:
        plans.extend(planner(session, now, settings))
    return store_plans(session, plans, now=now)


def _load_planners() -> None:
    """Import the modules that register planners (kept here so the list has one home)."""
    import importlib

    for name in PLANNER_MODULES:
        importlib.import_module(name)  # registration happens once, on first import


PLANNER_MODULES: tuple[str, ...] = (
    "bot.letters.planning",
    "bot.mentoring.planning",
    "bot.matching.planning",
)

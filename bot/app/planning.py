"""The planners and time-driven maintenance of every feature, listed once: the scheduler's
planning job, `mentorbot nudges due` and `mentorbot nudges run` all plan through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.infra.settings import Settings
from bot.letters.planning import plan_letters
from bot.matching.planning import (
    expire_unanswered,
    plan_pending,
    plan_still_mentoring,
    stop_unanswered,
)
from bot.mentoring.planning import plan_mentoring
from bot.mentoring.store import ask_checkins
from bot.nudges import planning
from bot.nudges.planning import Maintenance, Planner
from bot.residency.planning import plan_residency_dates

MAINTENANCE: tuple[Maintenance, ...] = (expire_unanswered, stop_unanswered, ask_checkins)
PLANNERS: tuple[Planner, ...] = (plan_letters, plan_mentoring, plan_pending,
                                 plan_still_mentoring, plan_residency_dates)


def plan_all(session: Session, now: datetime, settings: Settings) -> int:
    """Everything owed at `now`, stored; returns how many nudges were new."""
    return planning.plan_all(session, now, settings, planners=PLANNERS, maintenance=MAINTENANCE)

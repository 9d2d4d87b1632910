"""The scheduler of `mentorbot run`: APScheduler 3 (BackgroundScheduler, beside the sync
Slack app and discord.py's own loop thread) running a few periodic jobs:

- `delivery-sweep`, every minute (and at once when a command queues a direct message);
- `nudge-planner`, every 15 minutes: maintenance tasks and planners write nudge rows;
- `digest-catch-up`, every 15 minutes and at start: a digest missed while nothing ran (or
  one that failed) is posted; it also keeps the per-group jobs in step with the groups;
- `digest:<group id>`, weekly at the group's local day and hour.

Jobs live in APScheduler's memory store, added with stable ids and `replace_existing`,
coalescing and a misfire grace time. Durable work is in our tables, never in a job store
(several processes must not share one): nudges are rows any worker can claim, and each
digest is guarded by a unique (group, week) row. So a restart neither repeats a digest (the
row exists) nor skips one (the catch-up job posts it), and two workers post it once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.channels import Channel, Router
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import InterestGroup
from bot.infra.settings import Settings
from jobs.delivery import Sweeper
from jobs.digest import catch_up, post_digest

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
PLAN_EVERY = timedelta(minutes=15)
CATCH_UP_EVERY = timedelta(minutes=15)
DIGEST_GRACE = timedelta(hours=6)
"""A weekly digest whose moment was missed by less than this (the process was busy or
suspended) runs late from the trigger; later than that the catch-up job posts it."""

SWEEP_JOB = "delivery-sweep"
PLAN_JOB = "nudge-planner"
CATCH_UP_JOB = "digest-catch-up"

JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1,
                                "misfire_grace_time": None}


PlanAll = Callable[[Session, datetime, Settings], int]
"""Every feature's planners at `now`, stored; returns how many nudges were new. Passed in by
the program's assembly (`bot.app.planning.plan_all`), which knows the list of planners."""


class Host(Protocol):
    """What the scheduler needs of the core: its database, clock and settings, and a way to
    hear that a command queued a direct message."""

    db: Database
    clock: Clock
    settings: Settings

    def on_delivery_needed(self, listener: Callable[[], None]) -> None: ...

    def on_groups_changed(self, listener: Callable[[], None]) -> None: ...


def digest_job_id(group_id: int) -> str:
    return f"digest:{group_id}"


def digest_trigger(weekday: int, hour: int, tz: str) -> CronTrigger:
    return CronTrigger(day_of_week=weekday, hour=hour, minute=0, timezone=tz)


@dataclass
class SchedulerService:
    core: Host
    router: Router
    plan_all: PlanAll
    scheduler: BackgroundScheduler = field(
        default_factory=lambda: BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS))
    name: str = "scheduler"

    def __post_init__(self) -> None:
        self.sweeper = Sweeper(self.core.db, self.core.clock, self.router,
                               default_timezone=self.core.settings.default_timezone)
        self._poked = threading.Event()
        self.core.on_delivery_needed(self.poke)
        self.core.on_groups_changed(self.sync_digest_jobs)

    # --- Service -----------------------------------------------------------------------

    def start(self) -> None:
        self.add_jobs()
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def channel(self) -> Channel | None:
        return None

    # --- jobs --------------------------------------------------------------------------

    def add_jobs(self) -> None:
        now = datetime.now(UTC)
        add = self.scheduler.add_job
        add(self.sweep, IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), id=SWEEP_JOB,
            name="deliver due nudges", replace_existing=True, next_run_time=now)
        add(self.plan, IntervalTrigger(seconds=PLAN_EVERY.total_seconds()), id=PLAN_JOB,
            name="plan nudges", replace_existing=True, next_run_time=now)
        add(self.catch_up, IntervalTrigger(seconds=CATCH_UP_EVERY.total_seconds()),
            id=CATCH_UP_JOB, name="post missed digests", replace_existing=True,
            next_run_time=now)
        self.sync_digest_jobs()

    def sync_digest_jobs(self) -> None:
        """One weekly job per group at its local day and hour; groups that changed get a new
        trigger, deleted ones and those whose digest is off lose their job. Run at start, by
        the catch-up, and at once after a command changed a group's digest settings."""
        with self.core.db.session() as session:
            groups = session.execute(
                select(InterestGroup.id, InterestGroup.digest_weekday,
                       InterestGroup.digest_hour, InterestGroup.timezone)
                .where(InterestGroup.digest_enabled.is_(True))
            ).all()
        wanted = set()
        for g in groups:
            job_id = digest_job_id(g.id)
            wanted.add(job_id)
            trigger = digest_trigger(g.digest_weekday, g.digest_hour, g.timezone)
            existing = self.scheduler.get_job(job_id)
            if existing is not None and str(existing.trigger) == str(trigger):
                continue
            self.scheduler.add_job(
                self.digest, trigger, args=[g.id], id=job_id, name=f"weekly digest {g.id}",
                replace_existing=True, misfire_grace_time=int(DIGEST_GRACE.total_seconds()))
        for job in self.scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id not in wanted:
                job.remove()

    def poke(self) -> None:
        """A command queued a direct message: sweep now rather than within the minute."""
        self._poked.set()
        job = self.scheduler.get_job(SWEEP_JOB)
        if job is not None and self.scheduler.running:
            job.modify(next_run_time=datetime.now(UTC))

    def sweep(self) -> None:
        while True:
            self._poked.clear()
            result = self.sweeper.run()
            if result.claimed:
                log.info("sweep: %s", result)
            if not self._poked.is_set():
                return

    def plan(self) -> None:
        with self.core.db.session() as session:
            added = self.plan_all(session, self.core.clock.now(), self.core.settings)
        if added:
            log.info("planned %d new nudges", added)
            self.poke()

    def catch_up(self) -> None:
        self.sync_digest_jobs()
        for result in catch_up(self.core.db, self.router, self.core.clock,
                               worker=self.sweeper.worker):
            log.info("digest catch-up: %s", result)

    def digest(self, group_id: int) -> None:
        result = post_digest(self.core.db, self.router, self.core.clock, group_id,
                             worker=self.sweeper.worker)
        log.info("digest: %s", result)


def build(core: Host, router: Router, plan_all: PlanAll) -> SchedulerService:
    return SchedulerService(core, router, plan_all)

"""The scheduler of `mentorbot run`: APScheduler 3 (BackgroundScheduler, beside the sync
Slack app and discord.py's own loop thread) running a few periodic jobs:

- `delivery-sweep`, every minute, at once when a command queues a direct message, and early
  when a nudge falls due (or a dead worker's lease ends) before the next minute;
- `nudge-planner`, every 15 minutes: maintenance tasks and planners write nudge rows;
- `digest-catch-up`, every 15 minutes and at start: a digest missed while nothing ran (or
  one that failed) is posted; it also keeps the per-group jobs in step with the groups;
- `digest:<group id>`, weekly at the group's local day and hour;
- `retention`, daily and at start: finished nudges and processed-event records past their
  retention are deleted (jobs/retention.py).

Jobs live in APScheduler's memory store, added with stable ids and `replace_existing`,
coalescing and a misfire grace time. Durable work is in our tables, never in a job store
(several processes must not share one): nudges are rows any worker can claim, and each
digest is guarded by a unique (group, week) row. So a restart neither repeats a digest (the
row exists) nor skips one (the catch-up job posts it), and two workers post it once.

Stopping (`stop`) never waits inside APScheduler's shutdown: that holds the scheduler's lock
while it waits for running jobs, and jobs take the same lock (a poke, the digest jobs kept
in step), which hung `mentorbot run` on SIGTERM. Instead the jobs are told to stop (the
sweep finishes its sends in flight and gives back the rest), the scheduler is shut down
without waiting, and the service waits a bounded time for its own jobs to return."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
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
from bot.nudges import store
from bot.nudges.kinds import NudgeCatalog
from bot.nudges.policy import LEASE
from jobs.budget import SendBudgets
from jobs.delivery import Sweeper
from jobs.digest import catch_up, post_digest
from jobs.retention import Retention, prune

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
PLAN_EVERY = timedelta(minutes=15)
CATCH_UP_EVERY = timedelta(minutes=15)
RETENTION_EVERY = timedelta(days=1)
DIGEST_GRACE = timedelta(hours=6)
"""A weekly digest whose moment was missed by less than this (the process was busy or
suspended) runs late from the trigger; later than that the catch-up job posts it."""
SOON = timedelta(seconds=1)
"""A nudge falling due this soon after a sweep is waited for inside the sweep job; a later
one (within the minute) moves the job's next run to its moment."""
STOP_WAIT = 5.0
"""Seconds `stop` waits for running jobs (a send in flight, a planning transaction)."""

SWEEP_JOB = "delivery-sweep"
PLAN_JOB = "nudge-planner"
CATCH_UP_JOB = "digest-catch-up"
RETENTION_JOB = "retention"

JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1,
                                "misfire_grace_time": None}


PlanAll = Callable[[Session, datetime, Settings], int]
"""Every feature's planners at `now`, stored; returns how many nudges were new. Passed in by
the program's assembly (`bot.app.planning.plan_all`), which knows the list of planners."""


class Host(Protocol):
    """What the scheduler needs of the core: its database, clock, settings and catalog of
    nudge kinds, and a way to hear that a command queued a direct message."""

    db: Database
    clock: Clock
    settings: Settings
    nudge_catalog: NudgeCatalog

    def on_delivery_needed(self, listener: Callable[[], None]) -> None: ...

    def on_groups_changed(self, listener: Callable[[], None]) -> None: ...

    def send_budget(self) -> SendBudgets: ...


def digest_job_id(group_id: int) -> str:
    return f"digest:{group_id}"


def digest_trigger(weekday: int, hour: int, tz: str) -> CronTrigger:
    return CronTrigger(day_of_week=weekday, hour=hour, minute=0, timezone=tz)


def lease_of(settings: Settings) -> timedelta:
    """The delivery lease: `NUDGE_LEASE_SECONDS` when set, else the policy's."""
    seconds = settings.nudge_lease_seconds
    return timedelta(seconds=seconds) if seconds else LEASE


@dataclass
class SchedulerService:
    core: Host
    router: Router
    plan_all: PlanAll
    short_lived: Mapping[str, timedelta] = field(default_factory=dict)
    """`seen_events` records that matter only for a window of their own (see Retention)."""
    scheduler: BackgroundScheduler = field(
        default_factory=lambda: BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS))
    name: str = "scheduler"

    def __post_init__(self) -> None:
        self.sweeper = Sweeper(self.core.db, self.core.clock, self.router,
                               self.core.nudge_catalog,
                               default_timezone=self.core.settings.default_timezone,
                               lease=lease_of(self.core.settings),
                               budget=self.core.send_budget())
        self.retention = Retention.from_settings(self.core.settings, self.short_lived)
        self._poked = threading.Event()
        self._stopping = threading.Event()
        self._running = 0
        self._idle = threading.Condition()
        self.core.on_delivery_needed(self.poke)
        self.core.on_groups_changed(self.sync_digest_jobs)

    # --- Service -----------------------------------------------------------------------

    def start(self) -> None:
        self.add_jobs()
        self.scheduler.start()

    def stop(self, timeout: float = STOP_WAIT) -> bool:
        """Stop the jobs and the scheduler; True when every running job returned within
        `timeout`. A job still running after it (a long planning transaction) is left to
        die with the process: it has written nothing yet, and a send in flight is found
        by the next worker after its lease (its attempt is recorded)."""
        self._stopping.set()
        self.sweeper.stop()
        self._poked.set()  # a sweep waiting for the next due nudge returns now
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self._idle:
            idle = self._idle.wait_for(lambda: self._running == 0, timeout)
        if not idle:
            log.warning("scheduler stopped with %d job(s) still running", self._running)
        return idle

    def channel(self) -> Channel | None:
        return None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @contextmanager
    def _job(self) -> Iterator[bool]:
        """Count a running job, so `stop` can wait for it; yields False when stopping."""
        with self._idle:
            if self.stopping:
                yield False
                return
            self._running += 1
        try:
            yield True
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

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
        add(self.prune, IntervalTrigger(seconds=RETENTION_EVERY.total_seconds()),
            id=RETENTION_JOB, name="delete what is past its retention",
            replace_existing=True, next_run_time=now)
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

    def poke(self, delay: timedelta = timedelta(0)) -> None:
        """Sweep now (a command queued a direct message), or after `delay` (a nudge falls
        due then), rather than at the next minute."""
        if self.stopping:
            return
        if not delay:
            self._poked.set()
        job = self.scheduler.get_job(SWEEP_JOB)
        if job is None or not self.scheduler.running:
            return
        at = datetime.now(UTC) + delay
        if job.next_run_time is not None and job.next_run_time <= at:
            return
        with suppress(JobLookupError):  # removed by a stop meanwhile
            job.modify(next_run_time=at)

    def sweep(self) -> None:
        with self._job() as running:
            while running and not self.stopping:
                self._poked.clear()
                result = self.sweeper.run()
                if result.claimed:
                    log.info("sweep: %s", result)
                if self._poked.is_set():
                    continue
                delay = self._until_next_due()
                if delay is None or (delay <= timedelta(0) and not result.claimed):
                    return
                if delay > SOON:
                    self.poke(delay)
                    return
                self._poked.wait(max(delay.total_seconds(), 0.0))

    def _until_next_due(self) -> timedelta | None:
        """How long until the next pending nudge can be claimed, if that is within the
        minute (a rate limit's Retry-After, a short backoff, a dead worker's lease)."""
        now = self.core.clock.now()
        with self.core.db.session() as session:
            moment = store.next_claimable(session, now=now, within=SWEEP_EVERY)
        return None if moment is None else moment - now

    def plan(self) -> None:
        with self._job() as running:
            if not running:
                return
            with self.core.db.session() as session:
                added = self.plan_all(session, self.core.clock.now(), self.core.settings)
            if added:
                log.info("planned %d new nudges", added)
                self.poke()

    def catch_up(self) -> None:
        with self._job() as running:
            if not running:
                return
            self.sync_digest_jobs()
            for result in catch_up(self.core.db, self.router, self.core.clock,
                                   worker=self.sweeper.worker, stop=self._stopping):
                log.info("digest catch-up: %s", result)

    def digest(self, group_id: int) -> None:
        with self._job() as running:
            if not running:
                return
            result = post_digest(self.core.db, self.router, self.core.clock, group_id,
                                 worker=self.sweeper.worker)
            log.info("digest: %s", result)

    def prune(self) -> None:
        with self._job() as running:
            if running:
                prune(self.core.db, self.core.clock.now(), self.retention)


def build(core: Host, router: Router, plan_all: PlanAll,
          short_lived: Mapping[str, timedelta] | None = None) -> SchedulerService:
    return SchedulerService(core, router, plan_all, dict(short_lived or {}))

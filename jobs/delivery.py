"""The delivery sweep: sends due nudges and notices, each exactly once, through the router.

Nudges are rows, not scheduler jobs, so a million future ones cost nothing until due. The
rows' every change is a named transition of `bot.nudges.store`; this module is the loop
around them, in three steps per batch:

1. **Claim** due rows with this worker's id and a lease (`store.claim`).
2. **Quiet hours.** A claimed reminder whose person is in their quiet hours is moved to the
   end of the window and released (`store.defer`).
3. **Send.** People are served in parallel, one person's messages in order and paced to the
   channel's `dm_interval`. Each outcome is written as soon as it is known: sent (with the
   channel), rescheduled (rate limit: after `Retry-After`; other errors: the policy's
   backoff) or failed after the last attempt, with the error kept for organizers. While
   sends are still to come, the lease on unsent rows is renewed.

A worker that dies after claiming leaves rows with a lease; once it expires any worker
takes them over. A send confirmed by the platform is marked in the next write, so the only
window for a repeat is a crash between the platform's answer and that write."""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.framework.channels import Address, Channel, DeliveryError, Router
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import Identity, Person
from bot.infra.zones import zone
from bot.nudges import store
from bot.nudges.policy import (
    LEASE,
    MAX_ATTEMPTS,
    MAX_INLINE_WAIT,
    reply_for,
    retry_delay,
    waits_for_daytime,
)
from bot.nudges.quiet_hours import next_allowed
from bot.nudges.store import Claimed, Deferral, Failure, Outcome, Release, Retry, Sent
from bot.nudges.vocab import NudgeKind

log = logging.getLogger(__name__)

BATCH = 500
"""Rows claimed per batch."""


def default_worker_id() -> str:
    """This process's name on the rows it claims: host, pid and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # moved out of quiet hours

    def add(self, other: SweepResult) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.deferred += other.deferred

    def count(self, outcome: Outcome) -> None:
        if isinstance(outcome, Sent):
            self.sent += 1
        elif isinstance(outcome, Retry):
            self.retried += 1
        elif isinstance(outcome, Failure):
            self.failed += 1


def _people(db: Database, ids: set[int]) -> dict[int, tuple[Address, str | None, str | None]]:
    """Address, time zone and quiet hours of each person, in two queries."""
    people = Person.__table__
    identities = Identity.__table__
    with db.session() as session:
        conn = session.connection()
        rows = conn.execute(
            select(people.c.id, people.c.name, people.c.email, people.c.timezone,
                   people.c.quiet_hours, people.c.notify_platform, people.c.last_platform)
            .where(people.c.id.in_(ids))
        ).all()
        accounts: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for i in conn.execute(
            select(identities.c.person_id, identities.c.platform, identities.c.workspace,
                   identities.c.external_id)
            .where(identities.c.person_id.in_(ids)).order_by(identities.c.id)
        ):
            accounts[i.person_id].append((i.platform, i.workspace, i.external_id))
    return {
        r.id: (Address(r.id, r.name, r.email, tuple(accounts[r.id]),
                       notify_platform=r.notify_platform, last_platform=r.last_platform),
               r.timezone, r.quiet_hours)
        for r in rows
    }


# --- the sweep ---------------------------------------------------------------------------


@dataclass
class _Job:
    """One person's claimed messages for this batch, sent in order through one channel."""

    address: Address
    channel: Channel
    nudges: list[Claimed]


@dataclass
class Sweeper:
    """Delivers due nudges. One per process; `run()` is one sweep (the scheduler calls it
    every minute, `mentorbot nudges run` once). Remembers when each person was last sent
    to, so pacing holds across sweeps."""

    db: Database
    clock: Clock
    router: Router
    default_timezone: str = "UTC"
    worker: str = field(default_factory=default_worker_id)
    batch: int = BATCH
    threads: int = 8
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    max_inline_wait: float = MAX_INLINE_WAIT
    _last_send: dict[tuple[str, int], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, *, kinds: Iterable[NudgeKind] | None = None, max_batches: int | None = None
            ) -> SweepResult:
        """Sweep until nothing claimable is due (or `max_batches`). Safe to call from
        several threads or processes at once: each claims its own rows."""
        total = SweepResult()
        done = 0
        with ThreadPoolExecutor(self.threads, thread_name_prefix="deliver") as pool:
            while max_batches is None or done < max_batches:
                result = self._batch(pool, kinds)
                total.add(result)
                done += 1
                if result.claimed < self.batch:
                    break
        return total

    def _batch(self, pool: ThreadPoolExecutor, kinds: Iterable[NudgeKind] | None
               ) -> SweepResult:
        now = self.clock.now()
        with self.db.session() as session:
            claimed = store.claim(session, worker=self.worker, now=now, limit=self.batch,
                                  kinds=kinds, lease=self.lease)
        result = SweepResult(claimed=len(claimed))
        if not claimed:
            return result
        jobs, early = self._prepare(claimed, now, result)
        if early:
            self._record(early)
        outcomes: queue.Queue[Outcome | None] = queue.Queue()
        for job in jobs:
            pool.submit(self._send_all, job, outcomes)
        self._collect(outcomes, jobs, result)
        return result

    def _prepare(self, claimed: list[Claimed], now: datetime, result: SweepResult
                 ) -> tuple[list[_Job], list[Outcome]]:
        """Group by person, apply quiet hours, choose each person's channel. Plain rows,
        not ORM objects: this runs for every batch and must stay cheap."""
        people = _people(self.db, {c.person_id for c in claimed})
        by_person: dict[int, list[Claimed]] = defaultdict(list)
        for nudge in claimed:
            by_person[nudge.person_id].append(nudge)
        jobs: list[_Job] = []
        early: list[Outcome] = []
        deferrals: list[Deferral] = []
        for person_id, nudges in by_person.items():
            found = people.get(person_id)
            if found is None:  # deleted since the claim; its nudges went with it
                continue
            address, tz, quiet = found
            allowed = next_allowed(now, zone(tz, self.default_timezone), quiet)
            ready: list[Claimed] = []
            for nudge in nudges:
                if waits_for_daytime(nudge.kind) and allowed > now:
                    deferrals.append(Deferral(nudge.id, allowed))
                else:
                    ready.append(nudge)
            if not ready:
                continue
            channel = self.router.channel_for(address)
            if channel is None:
                early += [self._failure(n, now, "no delivery channel reaches this person")
                          for n in ready]
                continue
            keep = self._per_person_limit(channel)
            early += [Release(n.id) for n in ready[keep:]]
            jobs.append(_Job(address, channel, ready[:keep]))
        if deferrals:
            with self.db.session() as session:
                store.defer(session, self.worker, deferrals)
        result.deferred += len(deferrals)
        for outcome in early:
            result.count(outcome)
        return jobs, early

    def _per_person_limit(self, channel: Channel) -> int:
        """How many of one person's messages fit in half a lease at the channel's pace."""
        interval = float(getattr(channel, "dm_interval", 0.0) or 0.0)
        if interval <= 0:
            return self.batch
        return max(1, int(self.lease.total_seconds() / 2 / interval))

    def _collect(self, outcomes: queue.Queue[Outcome | None], jobs: list[_Job],
                 result: SweepResult) -> None:
        """Write outcomes as they arrive: whatever is ready goes in one transaction. While
        sends are still to come (people paced to a rate limit wait their turn), renew the
        lease on the unsent rows every third of a lease, so no other worker takes them."""
        unsent = {n.id for job in jobs for n in job.nudges}
        finished = 0
        while finished < len(jobs):
            pending: list[Outcome] = []
            try:
                item = outcomes.get(timeout=self.lease.total_seconds() / 3)
            except queue.Empty:
                with self.db.session() as session:
                    store.renew_leases(session, worker=self.worker, ids=unsent,
                                       now=self.clock.now(), lease=self.lease)
                continue
            while True:
                if item is None:
                    finished += 1
                else:
                    pending.append(item)
                try:
                    item = outcomes.get_nowait()
                except queue.Empty:
                    break
            if pending:
                self._record(pending)
                for outcome in pending:
                    unsent.discard(outcome.nudge_id)
                    result.count(outcome)

    def _record(self, outcomes: list[Outcome]) -> None:
        """Outcomes in one transaction."""
        with self.db.session() as session:
            store.record(session, self.worker, outcomes)

    def _send_all(self, job: _Job, outcomes: queue.Queue[Outcome | None]) -> None:
        try:
            for nudge in job.nudges:
                outcomes.put(self._send_one(job, nudge))
        except Exception as exc:  # pragma: no cover - a bug: never leave the collector waiting
            log.exception("delivery to person %s failed", job.address.person_id)
            now = self.clock.now()
            for nudge in job.nudges:
                outcomes.put(self._failure(nudge, now, f"internal error: {exc}"))
        finally:
            outcomes.put(None)

    def _send_one(self, job: _Job, nudge: Claimed) -> Outcome:
        channel = job.channel
        key = (channel.name, job.address.person_id)
        interval = float(getattr(channel, "dm_interval", 0.0) or 0.0)
        reply = reply_for(nudge.id, nudge.kind, nudge.payload)
        while True:
            if interval > 0:
                self._pace(key, interval)
            try:
                channel.send_dm(job.address, reply)
            except DeliveryError as exc:
                self._mark_sent_time(key)
                now = self.clock.now()
                if exc.permanent:
                    return Failure(nudge.id, str(exc), nudge.attempts + 1)
                if exc.retry_after is not None:
                    if exc.retry_after <= self.max_inline_wait:
                        time.sleep(max(exc.retry_after, 0.0))
                        continue
                    # A rate limit is not a failed attempt: the count stays.
                    due = now + timedelta(seconds=exc.retry_after)
                    return Retry(nudge.id, due, str(exc), nudge.attempts)
                return self._failure(nudge, now, str(exc))
            except Exception as exc:  # a client library error we did not translate
                self._mark_sent_time(key)
                log.warning("sending nudge %s raised %r", nudge.id, exc)
                return self._failure(nudge, self.clock.now(), f"{type(exc).__name__}: {exc}")
            self._mark_sent_time(key)
            return Sent(nudge.id, self.clock.now(), channel.name, nudge.attempts + 1)

    def _failure(self, nudge: Claimed, now: datetime, error: str) -> Failure | Retry:
        """A failed attempt: retried after the policy's backoff, or given up after the
        last one."""
        attempts = nudge.attempts + 1
        if attempts >= self.max_attempts:
            return Failure(nudge.id, error, attempts)
        return Retry(nudge.id, now + retry_delay(attempts), error, attempts)

    def _pace(self, key: tuple[str, int], interval: float) -> None:
        with self._lock:
            last = self._last_send.get(key)
        if last is not None:
            wait = last + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _mark_sent_time(self, key: tuple[str, int]) -> None:
        with self._lock:
            self._last_send[key] = time.monotonic()


def sweep(db: Database, clock: Clock, router: Router, *, limit: int = BATCH,
          kinds: Iterable[NudgeKind] | None = None, default_timezone: str = "UTC"
          ) -> SweepResult:
    """One sweep with a throw-away sweeper (the console shell after each command,
    `mentorbot nudges run`)."""
    # One thread: what a console prints stays in the order the messages were queued.
    sweeper = Sweeper(db, clock, router, default_timezone=default_timezone, batch=limit,
                      threads=1)
    return sweeper.run(kinds=kinds)

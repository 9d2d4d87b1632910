"""The delivery sweep: sends due nudges and notices, each exactly once, through the router.

Nudges are rows, not scheduler jobs, so a million future ones cost nothing until due. A
sweep works in three steps per batch:

1. **Claim.** One `UPDATE … WHERE id IN (SELECT … ORDER BY due_at LIMIT n FOR UPDATE SKIP
   LOCKED) RETURNING …` stamps due rows with this worker's id and a lease. On PostgreSQL
   two workers never claim the same row; SQLite serialises writers, so the same statement
   is safe there too (one worker is expected). The `(state, due_at)` index makes the claim
   cost proportional to what is due, not to what is pending.
2. **Quiet hours.** A claimed nudge (not a notice) whose person is in their quiet hours is
   moved to the end of the window and released.
3. **Send.** People are served in parallel, one person's messages in order and paced to the
   channel's `dm_interval`. Each outcome is written as soon as it is known: sent (with the
   channel), rescheduled (rate limit: after `Retry-After`; other errors: exponential
   backoff) or failed after the last attempt, with the error kept for organizers.

A worker that dies after claiming leaves rows with a lease; once it expires any worker
takes them over. A send confirmed by the platform is marked in the next write, so the only
window for a repeat is a crash between the platform's answer and that write."""

from __future__ import annotations

import json
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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, bindparam, cast, or_, select, update

from bot.framework.channels import Address, Channel, DeliveryError, Router
from bot.framework.replies import Action, Reply
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import Identity, Nudge, Person
from bot.infra.zones import zone
from bot.nudges.quiet_hours import next_allowed
from bot.nudges.vocab import NudgeKind

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claim holds: longer than any batch takes, short enough that a dead worker's
claims are soon taken over."""
MAX_ATTEMPTS = 8
"""Failed sends before a nudge is marked failed (rate-limit answers do not count)."""
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
MAX_INLINE_WAIT = 5.0
"""A `Retry-After` up to this many seconds is waited out inside the sweep; a longer one
reschedules the nudge."""
BATCH = 500

NUDGES = Nudge.__table__


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed send: 1, 2, 4 … minutes, capped."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def nudge_actions(nudge_id: int) -> tuple[Action, ...]:
    """The buttons every planned nudge carries besides its own: snooze and dismiss."""
    args = {"id": str(nudge_id)}
    return (
        Action("Snooze 1 week", "mentor nudge snooze", args),
        Action("Not relevant", "mentor nudge dismiss", args, "danger"),
    )


def reply_for(nudge_id: int, kind: str, payload: dict[str, Any]) -> Reply:
    reply = Reply.from_dict(payload)
    if kind == NudgeKind.NOTICE:
        return reply
    return replace(reply, actions=reply.actions + nudge_actions(nudge_id))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Claimed:
    id: int
    person_id: int
    kind: str
    payload_json: str  # decoded by the sending thread, not while rows are locked
    attempts: int

    @property
    def payload(self) -> dict[str, Any]:
        value = json.loads(self.payload_json) if self.payload_json else {}
        return value if isinstance(value, dict) else {}


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


# --- claiming ----------------------------------------------------------------------------


def claim(db: Database, now: datetime, worker: str, *, limit: int = BATCH,
          kinds: Iterable[str] | None = None, lease: timedelta = LEASE) -> list[Claimed]:
    """Claim up to `limit` due, unleased pending nudges for `worker`, oldest first."""
    kinds = tuple(kinds or ())
    due = (
        select(NUDGES.c.id)
        .where(
            NUDGES.c.state == "pending",
            NUDGES.c.due_at <= now,
            or_(NUDGES.c.lease_until.is_(None), NUDGES.c.lease_until <= now),
            *([NUDGES.c.kind.in_(kinds)] if kinds else []),
        )
        .order_by(NUDGES.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(NUDGES)
        .where(NUDGES.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, lease_until=now + lease)
        .returning(NUDGES.c.id, NUDGES.c.person_id, NUDGES.c.kind,
                   cast(NUDGES.c.payload, Text), NUDGES.c.attempts)
    )
    with db.session() as session:
        rows = session.execute(stmt).all()
    rows = sorted(rows, key=lambda r: r[0])  # RETURNING order is unspecified; keep creation order
    return [Claimed(r[0], r[1], r[2], r[3] or "", r[4]) for r in rows]


def _people(db: Database, ids: set[int]) -> dict[int, tuple[Address, str | None, str | None]]:
    """Address, time zone and quiet hours of each person, in two queries."""
    people = Person.__table__
    identities = Identity.__table__
    with db.session() as session:
        conn = session.connection()
        rows = conn.execute(
            select(people.c.id, people.c.name, people.c.email, people.c.timezone,
                   people.c.quiet_hours).where(people.c.id.in_(ids))
        ).all()
        accounts: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for i in conn.execute(
            select(identities.c.person_id, identities.c.platform, identities.c.workspace,
                   identities.c.external_id)
            .where(identities.c.person_id.in_(ids)).order_by(identities.c.id)
        ):
            accounts[i.person_id].append((i.platform, i.workspace, i.external_id))
    return {
        r.id: (Address(r.id, r.name, r.email, tuple(accounts[r.id])), r.timezone,
               r.quiet_hours)
        for r in rows
    }


def renew_leases(db: Database, worker: str, ids: Iterable[int], now: datetime,
                 lease: timedelta = LEASE) -> int:
    """Extend this worker's claim on rows it has not sent yet; returns how many it holds."""
    ids = list(ids)
    held = 0
    with db.session() as session:
        for start in range(0, len(ids), 900):
            result = session.execute(
                update(NUDGES)
                .where(NUDGES.c.id.in_(ids[start : start + 900]), NUDGES.c.state == "pending",
                       NUDGES.c.claimed_by == worker)
                .values(lease_until=now + lease)
                .returning(NUDGES.c.id)
            )
            held += len(result.all())
    return held


# --- outcomes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    nudge_id: int
    state: str  # sent | retry | failed | release
    at: datetime
    via: str | None = None
    due_at: datetime | None = None
    error: str | None = None
    attempts: int = 0


_SENT = (
    update(NUDGES)
    .where(NUDGES.c.id == bindparam("b_id"), NUDGES.c.state == "pending")
    .values(state="sent", sent_at=bindparam("b_at"), delivered_via=bindparam("b_via"),
            attempts=bindparam("b_attempts"), lease_until=None, last_error=None)
)
_RETRY = (
    update(NUDGES)
    .where(NUDGES.c.id == bindparam("b_id"), NUDGES.c.state == "pending")
    .values(due_at=bindparam("b_due"), attempts=bindparam("b_attempts"),
            last_error=bindparam("b_error"), lease_until=None, claimed_by=None)
)
_FAILED = (
    update(NUDGES)
    .where(NUDGES.c.id == bindparam("b_id"), NUDGES.c.state == "pending")
    .values(state="failed", attempts=bindparam("b_attempts"), last_error=bindparam("b_error"),
            lease_until=None)
)
_RELEASE = (
    update(NUDGES)
    .where(NUDGES.c.id == bindparam("b_id"), NUDGES.c.state == "pending")
    .values(lease_until=None, claimed_by=None)
)
_DEFER = (
    update(NUDGES)
    .where(NUDGES.c.id == bindparam("b_id"), NUDGES.c.state == "pending")
    .values(due_at=bindparam("b_due"), lease_until=None, claimed_by=None)
)


def record(db: Database, outcomes: list[Outcome]) -> None:
    """Write outcomes in one transaction, one executemany per kind of outcome."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        row: dict[str, Any] = {"b_id": o.nudge_id, "b_attempts": o.attempts}
        if o.state == "sent":
            row |= {"b_at": o.at, "b_via": o.via}
        elif o.state == "retry":
            row |= {"b_due": o.due_at, "b_error": o.error}
        elif o.state == "failed":
            row |= {"b_error": o.error}
        groups[o.state].append(row)
    statements = {"sent": _SENT, "retry": _RETRY, "failed": _FAILED}
    with db.session() as session:
        conn = session.connection()
        for state, rows in groups.items():
            if state == "release":
                conn.execute(_RELEASE, [{"b_id": r["b_id"]} for r in rows])
            else:
                conn.execute(statements[state], rows)


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

    def run(self, *, kinds: Iterable[str] | None = None, max_batches: int | None = None
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

    def _batch(self, pool: ThreadPoolExecutor, kinds: Iterable[str] | None) -> SweepResult:
        now = self.clock.now()
        claimed = claim(self.db, now, self.worker, limit=self.batch, kinds=kinds,
                        lease=self.lease)
        result = SweepResult(claimed=len(claimed))
        if not claimed:
            return result
        jobs, early = self._prepare(claimed, now, result)
        if early:
            record(self.db, early)
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
        deferrals: list[dict[str, Any]] = []
        for person_id, nudges in by_person.items():
            found = people.get(person_id)
            if found is None:  # deleted since the claim; its nudges went with it
                continue
            address, tz, quiet = found
            allowed = next_allowed(now, zone(tz, self.default_timezone), quiet)
            ready: list[Claimed] = []
            for nudge in nudges:
                if nudge.kind != NudgeKind.NOTICE and allowed > now:
                    deferrals.append({"b_id": nudge.id, "b_due": allowed})
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
            early += [Outcome(n.id, "release", now) for n in ready[keep:]]
            jobs.append(_Job(address, channel, ready[:keep]))
        if deferrals:
            with self.db.session() as session:
                session.connection().execute(_DEFER, deferrals)
        result.deferred += len(deferrals)
        for outcome in early:
            self._count(outcome, result)
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
                renew_leases(self.db, self.worker, unsent, self.clock.now(), self.lease)
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
                record(self.db, pending)
                for outcome in pending:
                    unsent.discard(outcome.nudge_id)
                    self._count(outcome, result)

    @staticmethod
    def _count(outcome: Outcome, result: SweepResult) -> None:
        if outcome.state == "sent":
            result.sent += 1
        elif outcome.state == "retry":
            result.retried += 1
        elif outcome.state == "failed":
            result.failed += 1

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
                    return Outcome(nudge.id, "failed", now, error=str(exc),
                                   attempts=nudge.attempts + 1)
                if exc.retry_after is not None:
                    if exc.retry_after <= self.max_inline_wait:
                        time.sleep(max(exc.retry_after, 0.0))
                        continue
                    due = now + timedelta(seconds=exc.retry_after)
                    return Outcome(nudge.id, "retry", now, due_at=due, error=str(exc),
                                   attempts=nudge.attempts)
                return self._failure(nudge, now, str(exc))
            except Exception as exc:  # a client library error we did not translate
                self._mark_sent_time(key)
                log.warning("sending nudge %s raised %r", nudge.id, exc)
                return self._failure(nudge, self.clock.now(), f"{type(exc).__name__}: {exc}")
            self._mark_sent_time(key)
            return Outcome(nudge.id, "sent", self.clock.now(), via=channel.name,
                           attempts=nudge.attempts + 1)

    def _failure(self, nudge: Claimed, now: datetime, error: str) -> Outcome:
        attempts = nudge.attempts + 1
        if attempts >= self.max_attempts:
            return Outcome(nudge.id, "failed", now, error=error, attempts=attempts)
        return Outcome(nudge.id, "retry", now, due_at=now + retry_delay(attempts), error=error,
                       attempts=attempts)

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
          kinds: Iterable[str] | None = None, default_timezone: str = "UTC") -> SweepResult:
    """One sweep with a throw-away sweeper (the console shell after each command,
    `mentorbot nudges run`)."""
    # One thread: what a console prints stays in the order the messages were queued.
    sweeper = Sweeper(db, clock, router, default_timezone=default_timezone, batch=limit,
                      threads=1)
    return sweeper.run(kinds=kinds)

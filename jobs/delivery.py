"""The delivery sweep: sends due nudges and notices, each exactly once, through the router.

Nudges are rows, not scheduler jobs, so a million future ones cost nothing until due. The
rows' every change is a named transition of `bot.nudges.store`; this module is the loop
around them, in five steps per batch:

1. **Claim** due rows with this worker's id and a lease (`store.claim`).
2. **Quiet hours.** A claimed nudge of a kind that waits for daytime (its `NudgeSpec`) whose
   person is in their quiet hours is moved to the end of the window and released
   (`store.defer`).
3. **Read.** The current state of the batch's subjects is read, one read per subject type
   (`NudgeCatalog.rendering`): the words are built from it at send time, not stored.
4. **Reach.** Someone no channel reaches is looked up (Slack: by email) and their account
   linked; if nobody is found the nudge waits as `unreachable`, with the reason, until an
   account appears or the next lookup is due.
5. **Send.** People are served in parallel (a few per thread, one after the other), one
   person's messages in order and paced to the channel's `dm_interval` (and to the
   channel's send budget, shared by every worker). Just before a thread's sends its rows
   are taken again, in one statement (`store.take_all`: still this worker's? the attempt
   recorded; `TAKE_TOGETHER` rows at most), so a row another worker took over is skipped;
   a row taken and then not sent (the batch's span used up, a stop) goes back with the
   attempt it had, not this one. Then each is worded, from its subject's state and the moment of sending in the
   person's zone (a state read longer than `FRESH_FOR` ago is read again first); a nudge
   whose subject moved on is cancelled as moot instead of sent. Each outcome is written as
   soon as it is known, only where this worker still holds the row: sent (with the channel
   and the words), cancelled (moot, with the reason), rescheduled (rate limit: after
   `Retry-After`; other errors: the policy's backoff) or failed after the last attempt,
   with the error kept for organizers.

Exactly once between live workers: the batch renews its lease on a timer while it runs; it
stops starting sends, and stops waiting out rate limits inline, once it has used its share of
the lease (`BATCH_SPAN`); every send is preceded by the conditional take and every outcome
by the holder check. Across a crash (kill -9): the attempt is recorded before the platform
is called, so a worker that takes the row over after the lease knows an answer may be
missing and passes `Delivery.since` to the channel, which looks before sending where the
platform allows (Slack: the DM's history, searched for the nudge id the message carries in
its metadata; Discord drops a repeated nonce by itself). A message is recognised by its
nudge id and round, never by its words, so a retry worded a day later (or after the
subject changed) is still the same message."""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.framework.channels import Address, Channel, Delivery, DeliveryError, Router
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import Identity, Person
from bot.infra.zones import zone
from bot.nudges import messages, store
from bot.nudges.kinds import Moment, Moot, NudgeCatalog, Rendering, Words
from bot.nudges.policy import (
    BATCH_SPAN,
    FRESH_FOR,
    LEASE,
    MAX_ATTEMPTS,
    MAX_INLINE_WAIT,
    RENEW_EVERY,
    UNREACHABLE_RECHECK,
    reply_for,
    retry_delay,
    waits_for_daytime,
)
from bot.nudges.quiet_hours import next_allowed
from bot.nudges.store import (
    Cancelled,
    Claimed,
    Deferral,
    Failure,
    Outcome,
    Release,
    Retry,
    Sent,
    Unreachable,
)
from bot.vocab.nudges import NudgeKind
from jobs.budget import SendBudgets

log = logging.getLogger(__name__)

BATCH = 500
"""Rows claimed per batch."""

RECORD_WITHIN = 0.05
RECORD_ROWS = 100
"""Outcomes are written in one transaction once `RECORD_ROWS` are waiting or the first of
them has waited `RECORD_WITHIN` seconds: a unit of work costs more than the rows in it.
A send whose outcome is not written yet when the worker dies has its attempt recorded, so
the next worker looks for it before sending again."""

TAKE_TOGETHER = 16
"""Rows one sending thread takes again in one statement, just before it sends them: a few
people's, served one after the other (fewer when the batch is small, so every thread has
some). One round trip instead of one per message; each row is still taken by this worker
before its send, and its lease from that take outlasts the few sends before it."""


def default_worker_id() -> str:
    """This process's name on the rows it claims: host, pid and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Skipped:
    """A claimed row another worker took over before this one sent it: nothing to write."""

    nudge_id: int


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # moved out of quiet hours
    unreachable: int = 0  # waiting for an account
    found: int = 0  # sent by an earlier attempt whose answer was lost: not sent again
    skipped: int = 0  # taken over by another worker before this one sent them
    released: int = 0  # given back unsent (the batch's span was used up, or a stop)
    moot: int = 0  # cancelled unsent: their subject moved on since they were planned

    def add(self, other: SweepResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count(self, outcome: Outcome | Skipped) -> None:
        match outcome:
            case Sent():
                self.sent += 1
                self.found += outcome.found
            case Retry():
                self.retried += 1
            case Failure():
                self.failed += 1
            case Unreachable():
                self.unreachable += 1
            case Skipped():
                self.skipped += 1
            case Release():
                self.released += 1
            case Cancelled():
                self.moot += 1


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
    """One person's claimed messages for this batch, sent in order through one channel
    (None: no channel reaches them yet; the sending thread looks them up first), worded in
    their zone `tz` from the batch's `rendering`."""

    address: Address
    channel: Channel | None
    nudges: list[Claimed]
    tz: str
    rendering: Rendering | None = None


@dataclass
class Sweeper:
    """Delivers due nudges. One per process; `run()` is one sweep (the scheduler calls it
    every minute, `mentorbot nudges run` once). Remembers when each person was last sent
    to, so pacing holds across sweeps. `stop()` ends a sweep early without losing anything:
    sends in flight finish and are recorded, the rest is given back."""

    db: Database
    clock: Clock
    router: Router
    catalog: NudgeCatalog
    default_timezone: str = "UTC"
    worker: str = field(default_factory=default_worker_id)
    batch: int = BATCH
    threads: int = 8
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    max_inline_wait: float = MAX_INLINE_WAIT
    backoff: Callable[[int], timedelta] = retry_delay
    # The process's send budget, told to stop with the sweep (its waits end at once).
    budget: SendBudgets | None = None
    _last_send: dict[tuple[str, int], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Finish the sends in flight, give back the rest, start no new batch."""
        self._stopping.set()
        if self.budget is not None:
            self.budget.stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, kinds: Iterable[NudgeKind] | None = None, max_batches: int | None = None,
            ids: Sequence[int] | None = None) -> SweepResult:
        """Sweep until nothing claimable is due (or `max_batches`, or a stop); only the
        rows `ids` when given (the console's own notices). Safe to call from several
        threads or processes at once: each claims its own rows."""
        total = SweepResult()
        if kinds is None and ids is None and not self.stopping:
            with self.db.session() as session:
                store.wake_unreachable(session, now=self.clock.now(),
                                       platforms=[c.name for c in self.router.channels])
        done = 0
        with ThreadPoolExecutor(self.threads, thread_name_prefix="deliver") as pool:
            while (max_batches is None or done < max_batches) and not self.stopping:
                result = self._batch(pool, kinds, ids)
                total.add(result)
                done += 1
                if result.claimed < self.batch:
                    break
        return total

    def _batch(self, pool: ThreadPoolExecutor, kinds: Iterable[NudgeKind] | None,
               ids: Sequence[int] | None = None) -> SweepResult:
        now = self.clock.now()
        deadline = time.monotonic() + self.lease.total_seconds() * BATCH_SPAN
        with self.db.session() as session:
            claimed = store.claim(session, worker=self.worker, now=now, limit=self.batch,
                                  kinds=kinds, lease=self.lease, ids=ids)
        result = SweepResult(claimed=len(claimed))
        if not claimed:
            return result
        jobs, early = self._prepare(claimed, now, result)
        if early:
            self._record(early)
        self._read_subjects(jobs, now)
        outcomes: queue.Queue[Outcome | Skipped | None] = queue.Queue()
        for group in self._groups(jobs):
            pool.submit(self._send_group, group, deadline, outcomes)
        self._collect(outcomes, jobs, result)
        for channel in self.router.channels:  # what a channel learned, written in one go
            flush = getattr(channel, "flush", None)
            if flush is not None:
                flush()
        return result

    def _groups(self, jobs: list[_Job]) -> list[list[_Job]]:
        """People in groups of about `TAKE_TOGETHER` rows (fewer when the batch is small,
        so every thread has some), each group served by one thread, person after person."""
        rows = sum(len(job.nudges) for job in jobs)
        size = max(1, min(TAKE_TOGETHER, -(-rows // self.threads)))
        groups: list[list[_Job]] = []
        current: list[_Job] = []
        count = 0
        for job in jobs:
            if current and count + len(job.nudges) > size:
                groups.append(current)
                current, count = [], 0
            current.append(job)
            count += len(job.nudges)
        if current:
            groups.append(current)
        return groups

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
        can_look_up = bool(self.router.can_look_up())
        for person_id, nudges in by_person.items():
            found = people.get(person_id)
            if found is None:  # deleted since the claim; its nudges went with it
                continue
            address, tz, quiet = found
            where = zone(tz, self.default_timezone)
            allowed = next_allowed(now, where, quiet)
            ready: list[Claimed] = []
            for nudge in nudges:
                if waits_for_daytime(self.catalog[nudge.kind]) and allowed > now:
                    deferrals.append(Deferral(nudge.id, allowed))
                else:
                    ready.append(nudge)
            if not ready:
                continue
            channel = self.router.channel_for(address)
            if channel is None and not can_look_up:
                early += self._unreachable(ready, address, now, looked_up=[])
                continue
            keep = self._per_person_limit(channel)
            early += [Release(n.id, n.attempted_at) for n in ready[keep:]]
            jobs.append(_Job(address, channel, ready[:keep], where.key))
        if deferrals:
            with self.db.session() as session:
                store.defer(session, self.worker, deferrals)
        result.deferred += len(deferrals)
        for outcome in early:
            result.count(outcome)
        return jobs, early

    def _read_subjects(self, jobs: list[_Job], now: datetime) -> None:
        """Read the state of every subject the batch's nudges are about, one read per
        subject type, each in a unit of work of its own: a type whose read fails leaves its
        nudges to fail (and be retried) when they are worded, and the others go out."""
        rendering = self.catalog.rendering(now=now, default_tz=self.default_timezone)
        dues = [nudge.due() for job in jobs for nudge in job.nudges]
        for subject, group in rendering.by_subject(dues).items():
            try:
                with self.db.session() as session:
                    rendering.read_subject(session, subject, group)
            except Exception as exc:
                log.exception("reading the %s state of %d nudges failed", subject.type,
                              len(group))
                rendering.failed(subject, f"{type(exc).__name__}: {exc}")
        for job in jobs:
            job.rendering = rendering

    def _words(self, job: _Job, nudge: Claimed, now: datetime) -> Words:
        """The nudge's words as read now in the person's zone, from its subject's state as
        read for the batch, or read again when that is older than `FRESH_FOR`."""
        assert job.rendering is not None
        due = nudge.due()
        rendering = job.rendering
        if now - rendering.read_at > FRESH_FOR and self.catalog[nudge.kind].subject:
            rendering = self.catalog.rendering(now=now, default_tz=self.default_timezone)
            with self.db.session() as session:
                rendering.read(session, [due])
        return rendering.words(due, Moment(now, job.tz))

    def _unreachable(self, nudges: list[Claimed], address: Address, now: datetime, *,
                     looked_up: list[str]) -> list[Outcome]:
        platforms = [c.name for c in self.router.channels]
        reason = messages.unreachable(platforms, address.email, looked_up)
        return [Unreachable(n.id, reason, now + UNREACHABLE_RECHECK) for n in nudges]

    def _per_person_limit(self, channel: Channel | None) -> int:
        """How many of one person's messages fit in the batch's span at the channel's
        pace; the rest wait for the next batch."""
        interval = float(getattr(channel, "dm_interval", 0.0) or 0.0)
        if interval <= 0:
            return self.batch
        return max(1, int(self.lease.total_seconds() * BATCH_SPAN / interval))

    def _collect(self, outcomes: queue.Queue[Outcome | Skipped | None], jobs: list[_Job],
                 result: SweepResult) -> None:
        """Write outcomes as they arrive, a few at a time: whatever came in within
        `RECORD_WITHIN` of the first one waiting (or `RECORD_ROWS` of them) goes in one
        transaction. On a timer (a third of the lease), however outcomes trickle in, renew
        the lease on the rows not settled yet, so no other worker takes them while this
        batch runs."""
        unsent = {n.id for job in jobs for n in job.nudges}
        every = self.lease.total_seconds() * RENEW_EVERY
        renew_at = time.monotonic() + every
        finished = 0
        pending: list[Outcome] = []
        write_by = float("inf")
        while finished < len(jobs) or pending:
            try:
                until = min(renew_at, write_by) if finished < len(jobs) else 0.0
                item = outcomes.get(timeout=max(until - time.monotonic(), 0.0))
                while True:
                    if item is None:
                        finished += 1
                    elif isinstance(item, Skipped):
                        unsent.discard(item.nudge_id)
                        result.count(item)
                    else:
                        if not pending:
                            write_by = time.monotonic() + RECORD_WITHIN
                        pending.append(item)
                    item = outcomes.get_nowait()
            except queue.Empty:
                pass
            if pending and (len(pending) >= RECORD_ROWS or time.monotonic() >= write_by
                            or finished >= len(jobs)):
                self._record(pending)
                for outcome in pending:
                    unsent.discard(outcome.nudge_id)
                    result.count(outcome)
                pending, write_by = [], float("inf")
            if unsent and time.monotonic() >= renew_at:
                with self.db.session() as session:
                    store.renew_leases(session, worker=self.worker, ids=unsent,
                                       now=self.clock.now(), lease=self.lease)
                renew_at = time.monotonic() + every

    def _record(self, outcomes: list[Outcome]) -> None:
        """Outcomes in one transaction."""
        with self.db.session() as session:
            store.record(session, self.worker, outcomes)

    def _send_group(self, group: list[_Job], deadline: float,
                    outcomes: queue.Queue[Outcome | Skipped | None]) -> None:
        """One thread's share of a batch: a few people, one after the other. Someone no
        channel reaches yet is looked up first; then every row of the group is taken again
        in one statement (`store.take_all`: still this worker's? the attempt recorded) and
        each person's messages are sent in order. Each person's end is marked on
        `outcomes` (None) once all their outcomes are there."""
        left = list(group)
        reached: list[_Job] = []
        try:
            for job in group:
                if job.channel is None and not self._reach(job, outcomes):
                    left.remove(job)
                    outcomes.put(None)  # their nudges wait (or were rescheduled)
                else:
                    reached.append(job)
            held = set() if self.stopping or not reached else self._take(reached)
        except Exception as exc:  # the database went away, or a bug: retried, never lost
            log.exception("delivery to %d people failed", len(left))
            now = self.clock.now()
            for job in left:
                for nudge in job.nudges:
                    outcomes.put(self._failure(nudge, now, f"internal error: {exc}",
                                               nudge.attempted_at or now))
                outcomes.put(None)
            return
        for job in reached:
            self._send_person(job, held, deadline, outcomes)

    def _take(self, jobs: list[_Job]) -> set[int]:
        """Take the group's rows again, in one statement, just before their sends: the ids
        still this worker's (their attempt recorded)."""
        with self.db.session() as session:
            return store.take_all(session, worker=self.worker,
                                  ids=[n.id for job in jobs for n in job.nudges],
                                  now=self.clock.now(), lease=self.lease)

    def _send_person(self, job: _Job, held: set[int], deadline: float,
                     outcomes: queue.Queue[Outcome | Skipped | None]) -> None:
        """One person's messages of the batch, in order, each row taken (`held`) or
        skipped as another worker's; on a stop, the rest goes back as it was claimed."""
        remaining = list(job.nudges)
        try:
            if self.stopping:
                return
            for nudge in [n for n in remaining if n.id not in held]:
                outcomes.put(Skipped(nudge.id))  # another worker's now
                remaining.remove(nudge)
            while remaining:
                nudge = remaining[0]
                outcomes.put(Release(nudge.id, nudge.attempted_at) if self.stopping
                             else self._send_one(job, nudge, deadline))
                remaining.pop(0)
        except Exception as exc:  # the database went away, or a bug: retried, never lost
            log.exception("delivery to person %s failed", job.address.person_id)
            now = self.clock.now()
            for nudge in remaining:
                outcomes.put(self._failure(nudge, now, f"internal error: {exc}",
                                           nudge.attempted_at or now))
            remaining.clear()
        finally:
            for nudge in remaining:  # a stop: given back as claimed
                outcomes.put(Release(nudge.id, nudge.attempted_at))
            outcomes.put(None)

    def _reach(self, job: _Job, outcomes: queue.Queue[Outcome | Skipped | None]) -> bool:
        """Find and link an account for someone no channel reaches; False when none was
        found (their nudges wait as unreachable) or the lookup must be tried again later."""
        now = self.clock.now()
        try:
            found = self.router.find_account(job.address)
        except DeliveryError as exc:
            for nudge in job.nudges:
                if exc.retry_after is not None:  # a rate limit is not a failed attempt
                    due = now + timedelta(seconds=exc.retry_after)
                    outcomes.put(Retry(nudge.id, due, str(exc), nudge.attempts,
                                       nudge.attempted_at))
                else:
                    outcomes.put(self._failure(nudge, now, str(exc), nudge.attempted_at))
            return False
        channel = self.router.channel_for(found) if found is not None else None
        if found is None or channel is None:
            for outcome in self._unreachable(job.nudges, job.address, now,
                                             looked_up=self.router.can_look_up()):
                outcomes.put(outcome)
            return False
        log.info("linked a %s account to person %s, found by email", channel.name,
                 found.person_id)
        job.address, job.channel = found, channel
        return True

    def _send_one(self, job: _Job, nudge: Claimed, deadline: float) -> Outcome | Skipped:
        """One nudge of a person's, taken (`_take`) and not yet sent."""
        channel = job.channel
        assert channel is not None
        key = (channel.name, job.address.person_id)
        interval = float(getattr(channel, "dm_interval", 0.0) or 0.0)
        if interval > 0 and not self._pace(key, interval):
            return Release(nudge.id, nudge.attempted_at)
        taken_at = self.clock.now()
        try:
            words = self._words(job, nudge, taken_at)
        except Exception as exc:  # its subject could not be read: retried, never lost
            log.warning("wording nudge %s failed: %r", nudge.id, exc)
            return self._failure(nudge, self.clock.now(), f"wording failed: {exc}",
                                 nudge.attempted_at)
        if isinstance(words, Moot):
            return Cancelled(nudge.id, f"moot: {words.reason}")
        spec = self.catalog[nudge.kind]
        reply = reply_for(nudge.id, spec, words)
        delivery = Delivery(nudge.id, nudge.snoozes, nudge.attempted_at)
        # The earliest attempt that may have gone through without its answer recorded.
        unsure = nudge.attempted_at or taken_at
        while True:
            try:
                found = channel.send_dm(job.address, reply, delivery)
            except DeliveryError as exc:
                self._mark_sent_time(key)
                now = self.clock.now()
                if exc.permanent:
                    return Failure(nudge.id, str(exc), nudge.attempts + 1)
                if exc.retry_after is not None:
                    wait = max(exc.retry_after, 0.0)
                    if wait <= self.max_inline_wait and time.monotonic() + wait < deadline \
                            and not self._stopping.wait(wait):
                        continue
                    # A rate limit refused the message: not a failed attempt, and not sent
                    # (unless the earlier messages of a long reply went: look next time).
                    return Retry(nudge.id, now + timedelta(seconds=exc.retry_after), str(exc),
                                 nudge.attempts, unsure if exc.partly else nudge.attempted_at)
                return self._failure(nudge, now, str(exc), unsure)
            except Exception as exc:  # a client library error we did not translate
                self._mark_sent_time(key)
                log.warning("sending nudge %s raised %r", nudge.id, exc)
                return self._failure(nudge, self.clock.now(), f"{type(exc).__name__}: {exc}",
                                     unsure)
            self._mark_sent_time(key)
            if found:
                log.info("nudge %s was delivered by an earlier attempt (found on %s): not "
                         "sent again", nudge.id, channel.name)
            return Sent(nudge.id, self.clock.now(), channel.name, nudge.attempts + 1,
                        found=bool(found), text=words.as_text())

    def _failure(self, nudge: Claimed, now: datetime, error: str,
                 unsure: datetime | None) -> Failure | Retry:
        """A failed attempt: retried after the policy's backoff, or given up after the
        last one. `unsure`: from when the message may be on the platform anyway."""
        attempts = nudge.attempts + 1
        if attempts >= self.max_attempts:
            return Failure(nudge.id, error, attempts)
        return Retry(nudge.id, now + self.backoff(attempts), error, attempts, unsure)

    def _pace(self, key: tuple[str, int], interval: float) -> bool:
        """Wait until this person may be sent to again (bounded: `_per_person_limit`);
        False if a stop came meanwhile."""
        with self._lock:
            last = self._last_send.get(key)
        wait = 0.0 if last is None else last + interval - time.monotonic()
        if wait <= 0:
            return not self.stopping
        return not self._stopping.wait(wait)

    def _mark_sent_time(self, key: tuple[str, int]) -> None:
        with self._lock:
            self._last_send[key] = time.monotonic()


def sweep(db: Database, clock: Clock, router: Router, catalog: NudgeCatalog, *,
          limit: int = BATCH, kinds: Iterable[NudgeKind] | None = None,
          default_timezone: str = "UTC", ids: Sequence[int] | None = None) -> SweepResult:
    """One sweep with a throw-away sweeper (the console shell after each command, only
    its own notices: `ids`; `mentorbot nudges run`)."""
    # One thread: what a console prints stays in the order the messages were queued.
    sweeper = Sweeper(db, clock, router, catalog, default_timezone=default_timezone,
                      batch=limit, threads=1)
    return sweeper.run(kinds=kinds, ids=ids)

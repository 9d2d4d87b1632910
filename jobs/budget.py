"""The send budget of one process: its sending threads spend slots granted to it from the
budgets every worker shares (`bot.nudges.budget`, one row per platform, workspace or bot,
and method), so all the workers on one database together keep to one rate, and a 429 any
of them is answered slows them all.

A channel calls `wait(key, rate)` just before each platform call: the thread takes the next
slot this process holds for `key` (asking the database for a short run of them when it has
none: `bot.nudges.slots.grant_size`), sleeps until it, and makes its call. A slot the
thread reaches more than `slots.LATE` after its instant (a busy machine) is dropped and the
next one taken: a call never starts late, which is what keeps any second at or under the
rate. A grant starts at most `slots.GRANT_SPAN` after it is asked for; when the budget is
booked further ahead by other workers, the thread waits and asks again just before.

A channel told 429 calls `slow_down(key, seconds)`: the shared row is held until then
(every worker's next grant starts after it) and this process drops the slots it holds for
that budget at once, including one a thread is already waiting for. Another worker may
still spend the slots it was granted before it hears (by its next grant): at most
`2 * slots.GRANT_SPAN` seconds after the 429, every worker is held back.

A slot further away than `max_wait` (the budget is held back by a long 429) is not waited
for here: `wait` raises `DeliveryError(retry_after=…)`, and the sweep treats it like the
platform's own rate limit (waits inline if that is short, else reschedules the nudge: not a
failed attempt). Nothing is sent during `stop()`: waits end at once with the same error.

Slots are instants on the database's clock; each grant says what that clock read, so a
slot becomes a wait on this process's monotonic clock, started when the grant arrived (a
little late, never early, by the round trip)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.framework.channels import BudgetKey, DeliveryError
from bot.infra.db import Database
from bot.nudges import budget, slots
from bot.nudges.policy import MAX_INLINE_WAIT

log = logging.getLogger(__name__)

SHORT = 0.002
"""Seconds: a wait this short for a slot is a plain sleep."""


@dataclass
class _Held:
    """The slots this process holds for one budget (monotonic instants, in order), and
    until when a 429 heard here holds it back."""

    slots: deque[float] = field(default_factory=deque)
    resume_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class SendBudgets:
    """Every send budget of this process (one per process, shared by all its channels and
    threads). `rate` None or 0 means no budget: the call goes at once."""

    db: Database
    max_wait: float = MAX_INLINE_WAIT
    monotonic: Callable[[], float] = time.monotonic
    _held: dict[BudgetKey, _Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    grants: int = 0  # round trips to the database, for the benchmarks

    def stop(self) -> None:
        """End every wait now (sends in flight finish; none starts)."""
        self._stopping.set()

    def wait(self, key: BudgetKey, rate: float | None) -> None:
        """Return at this process's next slot of `key`'s budget at `rate` a second; raise
        `DeliveryError(retry_after=…)` when that is more than `max_wait` away or the
        process is stopping."""
        if not rate or rate <= 0:
            return
        held = self._for(key)
        while True:
            if self._stopping.is_set():
                raise DeliveryError("stopping: not sent", retry_after=0.0)
            pause = 0.0
            with held.lock:
                now = self.monotonic()
                if held.resume_at > now + self.max_wait:
                    raise DeliveryError(f"{key.method} is held back by a rate limit",
                                        retry_after=held.resume_at - now)
                while held.slots and held.slots[0] < max(now - slots.LATE, held.resume_at):
                    held.slots.popleft()  # missed (never used late), or inside a hold
                if not held.slots:
                    pause = self._refill(key, held, rate)
                slot = held.slots.popleft() if held.slots else None
            if slot is None:  # booked ahead by other workers, or held: ask again then
                if self._stopping.wait(pause):
                    raise DeliveryError("stopping: not sent", retry_after=0.0)
                continue
            delay = slot - self.monotonic()
            if 0 < delay < SHORT:
                time.sleep(delay)  # a stop can wait that long; an Event costs more
            elif delay > 0 and self._stopping.wait(delay):
                raise DeliveryError("stopping: not sent", retry_after=0.0)
            if held.resume_at > slot:
                continue  # a 429 was heard here while waiting: not this slot
            if self.monotonic() - slot <= slots.LATE:
                return

    def slow_down(self, key: BudgetKey, seconds: float) -> None:
        """The platform answered 429 with `Retry-After: seconds`: hold `key`'s budget back
        for every worker, and drop this process's slots for it now."""
        held = self._for(key)
        with held.lock:
            held.slots.clear()
            held.resume_at = max(held.resume_at, self.monotonic() + seconds)
        try:
            with self.db.session() as session:
                budget.hold(session, key, seconds=seconds)
        except Exception:  # the local hold stands; the others learn from their own 429
            log.exception("could not hold the send budget %s back for %.1f s", key, seconds)

    def _for(self, key: BudgetKey) -> _Held:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                held = self._held[key] = _Held()
            return held

    def _refill(self, key: BudgetKey, held: _Held, rate: float) -> float:
        """A short run of slots from the shared row (the caller holds `held.lock`); when
        none is close enough yet, how long to wait before asking again."""
        with self.db.session() as session:
            granted = budget.grant(session, key, rate=rate, want=slots.grant_size(rate))
        arrived = self.monotonic()
        self.grants += 1
        allotment = granted.allotment
        if allotment.count == 0:
            wait = allotment.start - granted.now
            if wait > self.max_wait:
                raise DeliveryError(f"the {key.method} budget is booked or held for "
                                    f"{wait:.1f} s", retry_after=wait)
            return max(wait - slots.GRANT_SPAN, 0.001)
        # The database's `now` was read before `arrived`: slots land late, never early.
        held.slots.extend(arrived + allotment.at(i) - granted.now
                          for i in range(allotment.count))
        return 0.0

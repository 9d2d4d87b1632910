"""Send slots: how a send budget of `rate` calls a second is handed out to workers, as pure
arithmetic on instants (seconds on one clock, the database's). The store
(`bot.nudges.budget`) applies it to the shared row; each process's pacer (`jobs.budget`)
spends what it was given.

Slots are instants `spacing` apart, handed out in order, each to one worker, never two
workers the same: a grant of n slots moves the budget's `next_slot` past them. A call may
start at its slot and at most `LATE` seconds after it (a slot missed by more is dropped,
never used late), and slots are spaced a little wider than `1 / rate`: `rate` of them span
`1 + HEADROOM` seconds, where `HEADROOM` covers that lateness and `JITTER`, the spread of
the time calls take to reach the platform. So any `rate + 1` calls, whoever makes them,
arrive at least a second apart from first to last: no second ever holds more than `rate`.

A worker asks for a short run of slots (`grant_size`: about `GRANT_SPAN` seconds' worth, so
one database round trip buys many messages at a high rate), and a grant starts at most
`GRANT_SPAN` after it was asked for: a budget booked further ahead by other workers, or held
back by a 429, answers with its first free slot instead, and the worker asks again just
before it. So no worker ever holds slots more than `2 * GRANT_SPAN` ahead, and a 429 any
worker is answered holds every other one back within that time."""

from __future__ import annotations

import math
from dataclasses import dataclass

LATE = 0.05
"""Seconds after its slot a call may still start; later, the slot is dropped unused."""

JITTER = 0.05
"""Seconds by which the time calls take to reach the platform may differ."""

HEADROOM = LATE + JITTER
"""Seconds `rate` slots span beyond one: the platform sees no more than `rate` calls in any
second although a call starts up to `LATE` after its slot and travels up to `JITTER`
longer than another (at the default Slack rate, 4.5 messages a second rather than 5)."""

GRANT_SPAN = 0.25
"""Seconds of slots a worker asks for at a time (at least one slot, at most `GRANT_MAX`),
and how far ahead of the asking a grant may start."""

GRANT_MAX = 64
"""Slots in one grant at most: at a high rate one round trip to the database buys this
many sends."""


def spacing(rate: float) -> float:
    """Seconds between two slots of a budget of `rate` calls a second: `rate` slots span
    `1 + HEADROOM` seconds, so `rate + 1` calls never reach the platform within one."""
    return (1.0 + HEADROOM) / rate


def grant_size(rate: float) -> int:
    """How many slots a worker asks for at a time at `rate`."""
    return max(1, min(GRANT_MAX, math.floor(rate * GRANT_SPAN)))


@dataclass(frozen=True)
class Allotment:
    """Slots `start`, `start + spacing`, … (`count` of them), or none (`count` 0) when the
    first free slot is further ahead than the grant may reach: `start` is then that slot,
    and the caller asks again shortly before it."""

    start: float
    spacing: float
    count: int

    @property
    def end(self) -> float:
        """The budget's next free slot after this grant."""
        return self.start + self.count * self.spacing

    def at(self, index: int) -> float:
        return self.start + index * self.spacing


def allot(*, next_slot: float, blocked_until: float, now: float, rate: float, want: int,
          ahead: float = GRANT_SPAN) -> Allotment:
    """The next `want` slots of a budget of `rate` a second whose first free slot is
    `next_slot` and which a 429 holds back until `blocked_until`, asked for at `now`: none
    when the first would be more than `ahead` seconds away. A budget idle since its last
    slot starts again at `now` (unused time is not saved up: no burst)."""
    gap = spacing(rate)
    start = max(next_slot, now, blocked_until)
    if start - now > ahead:
        return Allotment(start, gap, 0)
    return Allotment(start, gap, max(want, 1))


def busiest(starts: list[float], window: float = 1.0) -> int:
    """The most of `starts` (instants, in any order) within any half-open `window` seconds:
    what a budget promises to keep at or under its rate."""
    ordered = sorted(starts)
    most = 0
    first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most

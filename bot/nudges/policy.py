"""Delivery policy: when nudges fall, which ones wait out quiet hours, and the buttons every
nudge carries. Rules of the product, in one place, used by planners and the sweep alike."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.infra.zones import local_time_utc
from bot.nudges.vocab import NudgeKind

NUDGE_HOUR = time(10, 0)
"""The local wall-clock time at which a nudge owed on a given day falls: mid-morning, well
clear of any quiet hours, so it lands while the person can act on it."""


def nudge_at(day: date, tz: str | None) -> datetime:
    """The UTC instant of the nudge hour on `day` in `tz` (DST-correct)."""
    return local_time_utc(day, NUDGE_HOUR, tz)


def waits_for_daytime(kind: NudgeKind) -> bool:
    """A direct answer to something just done goes out at once; everything else waits for
    the end of the person's quiet hours."""
    return kind != NudgeKind.NOTICE

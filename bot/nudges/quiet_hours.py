"""Quiet hours (SPEC "Nudges"): a nudge is never delivered inside the person's quiet window
(default 21:00–08:00 in their own zone); one due inside it waits for the window's end.

Pure: plain datetimes and strings in, an instant out. Wall-clock times are compared in the
person's zone, so a window means the same hours on either side of a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.vocab.stages import DEFAULT_QUIET_HOURS


def parse_window(window: str | None) -> tuple[time, time]:
    """`"21:00-08:00"` → (start, end). An empty value means the default window."""
    text = (window or DEFAULT_QUIET_HOURS).strip()
    start, _, end = text.partition("-")
    return _time(start), _time(end)


def _time(part: str) -> time:
    hour, _, minute = part.strip().partition(":")
    return time(int(hour), int(minute or 0))


def in_window(wall: time, start: time, end: time) -> bool:
    """Whether wall-clock `wall` falls in [start, end). A window may wrap past midnight;
    start == end means no quiet hours at all."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def next_allowed(due: datetime, tz: str | ZoneInfo, window: str | None = None) -> datetime:
    """The first instant at or after `due` (aware) outside the person's quiet hours, in UTC.

    The window's end is a wall-clock time on the local day it falls on. When DST makes that
    wall time not exist (a spring-forward gap), zoneinfo reads it with the offset from before
    the change, which lands after the gap: never inside the window."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    start, end = parse_window(window)
    local = due.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if not in_window(wall, start, end):
        return due.astimezone(UTC)
    end_day: date = local.date()
    if start > end and wall >= start:  # evening part of a window that wraps midnight
        end_day = end_day + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)

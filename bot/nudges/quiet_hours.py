"""Quiet hours (SPEC "Nudges"): a nudge is never delivered inside the person's quiet window
(default 21:00–08:00 in their own zone); one due inside it waits for the window's end.

Pure: plain datetimes and strings in, an instant out. Wall-clock times are compared in the
person's zone, so a window means the same hours on either side of a DST change."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError

DEFAULT_QUIET_HOURS = "21:00-08:00"
"""SPEC: nudges never fall inside a person's quiet hours, 21:00–08:00 unless they set theirs."""

MIN_AWAKE = timedelta(hours=8)
"""The least of each day a quiet window must leave for nudges: a window of 00:00–23:59
would hold every reminder until 23:59 and deliver them all at once, at night."""
_DAY_MINUTES = 24 * 60


def normalize_quiet_hours(value: str) -> str:
    """`21:00-08:00` (also `21-8`, `9pm`-style is not accepted) → canonical `HH:MM-HH:MM`,
    leaving at least `MIN_AWAKE` of the day outside it."""
    start, sep, end = value.replace("–", "-").replace(" ", "").partition("-")
    if not sep:
        raise UserError(f"quiet: takes a range such as 21:00-08:00, not “{value}”.")
    window = f"{_hhmm(start, value)}-{_hhmm(end, value)}"
    awake = awake_minutes(window)
    if awake < MIN_AWAKE.total_seconds() // 60:
        hours = int(MIN_AWAKE.total_seconds() // 3600)
        raise UserError(f"quiet: {window} leaves {awake // 60} h {awake % 60:02d} min of the "
                        f"day for nudges; quiet hours must leave at least {hours} hours "
                        f"(e.g. {DEFAULT_QUIET_HOURS}).")
    return window


def awake_minutes(window: str) -> int:
    """Minutes of the day outside quiet window `window` ("HH:MM-HH:MM"); a window that
    starts where it ends is no quiet hours at all."""
    start, end = parse_window(window)
    quiet = ((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)) % _DAY_MINUTES
    return _DAY_MINUTES - quiet


_HHMM = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


def _hhmm(part: str, whole: str) -> str:
    match = _HHMM.match(part)
    hour = int(match.group(1)) if match else -1
    minute = int(match.group(2) or 0) if match else -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise UserError(f"quiet: takes a range such as 21:00-08:00, not “{whole}”.")
    return f"{hour:02d}:{minute:02d}"


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

"""Time-zone names and the conversions between UTC storage and a person's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.infra.db import as_utc

_ALIASES = {
    "utc": "UTC",
    "gmt": "UTC",
    "eastern": "America/New_York",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "central": "America/Chicago",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mountain": "America/Denver",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pacific": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
}


class UnknownTimeZone(ValueError):
    pass


def validate_zone(name: str) -> str:
    """Return the canonical IANA name for `name` or raise UnknownTimeZone."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise UnknownTimeZone("a time zone is required")
    alias = _ALIASES.get(cleaned.lower())
    if alias:
        return alias
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        lowered = {z.lower(): z for z in available_timezones()}
        if cleaned.lower() in lowered:
            return lowered[cleaned.lower()]
        raise UnknownTimeZone(
            f"unknown time zone {cleaned!r} (use an IANA name such as America/New_York)"
        ) from None
    return cleaned


@lru_cache(maxsize=1024)
def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The zone called `name`, else `default` (an unknown stored name never breaks a nudge)."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def to_local(moment: datetime, tz: str | None, default: str = "UTC") -> datetime:
    """`moment` on the wall clock of `tz` (an aware instant converts directly; a naive one is
    taken to be UTC, as stored). Bulk planning calls this for every nudge it words."""
    return as_utc(moment).astimezone(zone(tz, default))


def local_day(moment: datetime, tz: str | None, default: str = "UTC") -> date:
    """The calendar day `moment` falls on for someone in `tz`: the one local-day rule."""
    return to_local(moment, tz, default).date()


def local_midnight_utc(day: date, tz: str | None, default: str = "UTC") -> datetime:
    return local_time_utc(day, time(0, 0), tz, default)


def local_time_utc(day: date, at: time, tz: str | None, default: str = "UTC") -> datetime:
    """The UTC instant of wall-clock `at` on `day` in zone `tz` (DST-aware through zoneinfo;
    a wall time skipped by a spring-forward gap resolves to the later offset)."""
    return datetime.combine(day, at, tzinfo=zone(tz, default)).astimezone(UTC)


def format_local(moment: datetime, tz: str | None, default: str = "UTC") -> str:
    local = to_local(moment, tz, default)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def format_day(day: date) -> str:
    return day.strftime("%a %d %b %Y")

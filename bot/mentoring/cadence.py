"""How often a student should be in touch with a mentor (SPEC: main mentor every 4–8 weeks,
default 6; a mentor the student actively works with, weekly), and when the next follow-up
falls due.

Everything here is a pure function of plain values. Due instants are computed on the
person's own calendar (local day + N days, at a daytime hour) and only then converted to
UTC, so a follow-up due "in six weeks" arrives at the same local hour across a DST change."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.framework.errors import UserError

MAIN_MENTOR_WEEKS = 6
MAIN_MENTOR_RANGE_WEEKS = (4, 8)
ACTIVE_MENTOR_DAYS = 7
ACTIVE_KINDS = frozenset({"research", "clinical"})
MIN_CADENCE_DAYS = 7
MAX_CADENCE_DAYS = 84  # 12 weeks: beyond this a relationship is not being kept alive

NUDGE_HOUR = time(10, 0)
"""Local wall-clock time at which a follow-up on a given day is due: mid-morning, well clear
of any quiet hours, so the nudge lands while the person can act on it."""


def default_cadence_days(kind: str, group_weeks: int | None = None) -> int:
    """The rhythm a new mentorship of `kind` starts with. A group may set its main-mentor
    rhythm within 4–8 weeks; research and clinical mentors are weekly."""
    if kind in ACTIVE_KINDS:
        return ACTIVE_MENTOR_DAYS
    low, high = MAIN_MENTOR_RANGE_WEEKS
    weeks = MAIN_MENTOR_WEEKS if group_weeks is None else min(max(group_weeks, low), high)
    return weeks * 7


def clamp_cadence_days(days: int) -> int:
    return min(max(days, MIN_CADENCE_DAYS), MAX_CADENCE_DAYS)


# --- reading and showing a rhythm -------------------------------------------------------

_WORDS = {
    "weekly": 7,
    "every week": 7,
    "biweekly": 14,
    "bi-weekly": 14,
    "fortnightly": 14,
    "every other week": 14,
    "every two weeks": 14,
    "monthly": 28,
    "every month": 28,
}
_NUMBER_WORDS = {
    "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_UNIT_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7,
              "m": 28, "mo": 28, "month": 28, "months": 28}
_AMOUNT = re.compile(r"^(?:every\s+)?(\d{1,3}|[a-z]+)\s*([a-z]*)$")


def parse_cadence(text: str, *, what: str = "cadence:") -> int:
    """A rhythm as typed (`weekly`, `6w`, `4 weeks`, `every 10 days`, `monthly`, or a bare
    number of weeks) → days. Outside 1–12 weeks is refused, not silently clamped, so the
    student sees what they will actually get."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip().lower())
    days = _WORDS.get(cleaned)
    if days is None:
        match = _AMOUNT.match(cleaned)
        if match is None:
            raise _bad_cadence(text, what)
        amount_text, unit = match.groups()
        amount = int(amount_text) if amount_text.isdigit() else _NUMBER_WORDS.get(amount_text)
        per = _UNIT_DAYS.get(unit or "w")
        if amount is None or per is None:
            raise _bad_cadence(text, what)
        days = amount * per
    if not MIN_CADENCE_DAYS <= days <= MAX_CADENCE_DAYS:
        raise UserError(
            f"{what} {text.strip()} is outside the sensible range: keep in touch at least "
            f"every {MAX_CADENCE_DAYS // 7} weeks and at most weekly."
        )
    return days


def _bad_cadence(text: str, what: str) -> UserError:
    return UserError(
        f"{what} takes a rhythm such as weekly, 2w, \"6 weeks\" or \"10 days\", not “{text}”."
    )


def describe_cadence(days: int) -> str:
    """`7` → "weekly", `42` → "every 6 weeks", `10` → "every 10 days"."""
    if days == 7:
        return "weekly"
    if days % 7 == 0:
        return f"every {days // 7} weeks"
    return f"every {days} days"


# --- when things fall due ---------------------------------------------------------------


@lru_cache(maxsize=1024)
def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(moment: datetime, tz: str | None) -> date:
    """The calendar day `moment` falls on for someone in `tz`."""
    return moment.astimezone(_zone(tz)).date()


def daytime_on(day: date, tz: str | None, at: time = NUDGE_HOUR) -> datetime:
    """The UTC instant of `at` local time on `day` (DST-aware through zoneinfo; a wall time
    skipped by a spring-forward gap resolves to the later offset)."""
    return datetime.combine(day, at, tzinfo=_zone(tz)).astimezone(UTC)


def next_followup(last_contact: datetime | None, started_at: datetime, cadence_days: int,
                  tz: str | None) -> datetime:
    """When the next follow-up is due: `cadence_days` calendar days after the day of the last
    contact (or of the mentorship's start, before any contact), at 10:00 local time."""
    base = last_contact if last_contact is not None else started_at
    return daytime_on(local_day(base, tz) + timedelta(days=cadence_days), tz)


def latest_occurrence(first_day: date, every_days: int, tz: str | None,
                      now: datetime) -> tuple[int, datetime] | None:
    """For a reminder due at 10:00 local on `first_day` and then every `every_days` days:
    the index and instant of the latest one at or before `now`, or None before the first.
    Stale occurrences are superseded rather than piled up."""
    if daytime_on(first_day, tz) > now:
        return None
    elapsed = (local_day(now, tz) - first_day).days
    index = max(elapsed // every_days, 0)
    due = daytime_on(first_day + timedelta(days=index * every_days), tz)
    if due > now:  # today's occurrence is later today
        index -= 1
        due = daytime_on(first_day + timedelta(days=index * every_days), tz)
    return index, due

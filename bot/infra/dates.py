"""Reading dates the way people write them, in the person's own time zone.

dateparser reads most plain English; a few forms it reads differently from most people are
read here first: "next friday" is the Friday of next week (dateparser gives the coming
Friday, even on a Wednesday), "friday next week" and "this coming friday" are understood,
and "a week from today" is a week ahead (dateparser goes a week back). Replies show the
date read, so a reading the person did not mean is seen at once."""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timedelta
from typing import Literal

from bot.errors import UserError
from bot.infra.zones import to_local

DateWhen = Literal["future", "past", "any"]
"""Which side of today a date may fall on."""

WEEK_STARTS = 0
"""The weekday a week starts on (Monday, as ISO 8601 and dateparser count): "next friday"
is the Friday of the week after the one today is in."""

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_DAY = "(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?"
_NEXT_WEEKS = (
    re.compile(rf"^(?:on\s+)?next\s+{_DAY}$"),
    re.compile(rf"^(?:on\s+)?{_DAY}\s+(?:of\s+|in\s+)?next\s+week$"),
    re.compile(rf"^next\s+week\s+(?:on\s+)?{_DAY}$"),
)
_COMING = re.compile(rf"^(?:on\s+)?(?:this\s+)?coming\s+{_DAY}$")
_FROM_TODAY = re.compile(r"^(.+?)\s+from\s+(?:today|now)$")

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_NUMERIC = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})\s*$")


def parse_day(text: str, *, tz: str, now: datetime, when: DateWhen = "future",
              what: str = "date") -> date:
    """`text` as a calendar day in `tz` relative to `now`: ISO (`2027-03-01`) or plain English
    (`in 6 weeks`, `next friday`, `March 1`). Impossible dates and dates on the wrong side of
    today are errors that say so."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise UserError(f"{what} needs a date, such as 2027-03-01 or “in 6 weeks”.")
    today = to_local(now, tz).date()
    day = _explicit(cleaned, what) or _weekday_phrase(cleaned, today) or _natural(
        cleaned, tz=tz, now=now, when=when, what=what)
    if when == "future" and day < today:
        raise UserError(f"{what} {day.isoformat()} is in the past (today is {today.isoformat()}).")
    if when == "past" and day > today:
        raise UserError(
            f"{what} {day.isoformat()} is in the future; give today or an earlier date."
        )
    return day


def _explicit(text: str, what: str) -> date | None:
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _NUMERIC.match(text)
        if not match:
            return None
        month, day, year = (int(g) for g in match.groups())
        year = year + 2000 if year < 100 else year
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError(f"{what} {text} is not a real date.") from None


def week_start(day: date) -> date:
    """The first day of the week `day` is in."""
    return day - timedelta(days=(day.weekday() - WEEK_STARTS) % 7)


def _weekday_phrase(text: str, today: date) -> date | None:
    """The weekday forms read here rather than by dateparser (see the module docstring)."""
    folded = " ".join(text.lower().split())
    for pattern in _NEXT_WEEKS:
        match = pattern.match(folded)
        if match:
            weekday = _WEEKDAYS[match.group(1)]
            return week_start(today) + timedelta(days=7 + (weekday - WEEK_STARTS) % 7)
    match = _COMING.match(folded)
    if match:
        ahead = (_WEEKDAYS[match.group(1)] - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    return None


def _natural(text: str, *, tz: str, now: datetime, when: DateWhen, what: str) -> date:
    import dateparser  # lazy: 170 ms to import, and most commands read no date

    local_now = to_local(now, tz).replace(tzinfo=None)
    settings: dict[str, object] = {
        "RELATIVE_BASE": local_now,
        "PREFER_DATES_FROM": "past" if when == "past" else "future",
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
        "REQUIRE_PARTS": [],
    }
    ahead = _FROM_TODAY.match(" ".join(text.lower().split()))
    if ahead:
        text = f"in {ahead.group(1)}"  # "a week from today": dateparser reads it as a week ago
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        raise UserError(
            f"I can't read “{text}” as a date. Try 2027-03-01, “March 1” or “in 6 weeks”."
        )
    return parsed.date()

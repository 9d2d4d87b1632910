"""Reading dates the way people write them, in the person's own time zone."""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime
from typing import Literal

from bot.framework.errors import UserError
from bot.infra.zones import to_local

DateWhen = Literal["future", "past", "any"]
"""Which side of today a date may fall on."""

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
    day = _explicit(cleaned, what) or _natural(cleaned, tz=tz, now=now, when=when, what=what)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        raise UserError(
            f"I can't read “{text}” as a date. Try 2027-03-01, “March 1” or “in 6 weeks”."
        )
    return parsed.date()

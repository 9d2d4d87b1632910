"""Calendar-month arithmetic.

A span of months is calendar months everywhere (Nov 30 + 3 months = Feb 28), never 90 or 91
days. The spans themselves belong to the policies they serve: how long a letter writer
should have known the student (`bot.letters.rules.WRITER_KNOWN_MONTHS`), how long an
ask-only stretch runs before it is flagged (`bot.mentoring.rules.ASK_ONLY_MONTHS`), how
often a thanked writer hears news (`bot.mentoring.rules.KEEP_IN_TOUCH_MONTHS`) and how far
back a draft update looks for news (`bot.mentoring.rules.NEWS_LOOKBACK_MONTHS`)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day (Nov 30 + 3
    months = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def months_after(moment: datetime, months: int) -> datetime:
    """`moment` moved by whole calendar months on its own (UTC) calendar, clamped like
    `add_months`, at the same time of day."""
    day = add_months(moment.date(), months)
    return moment + timedelta(days=(day - moment.date()).days)

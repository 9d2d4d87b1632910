"""When a relationship with a mentor owes the student a nudge: follow-ups on the rhythm,
overdue action items, ask-only ("transactional") relationships and keeping in touch with a
letter writer. Pure functions of plain values; `bot.mentoring.planning` feeds them rows.

Each rule returns the occurrence it owes at `now` (a key that names it, and its due instant)
or None. Only the latest occurrence is ever owed: a reminder that was missed is superseded by
the next one rather than delivered late alongside it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.infra.months import QUARTER_MONTHS, add_months, months_after, whole_months_between
from bot.infra.zones import local_day
from bot.mentoring.cadence import followup_day, latest_occurrence
from bot.nudges.policy import nudge_at

ACTION_FIRST_REMINDER_DAYS = 1
"""An overdue action item is first raised this many days after its due day…"""

ACTION_REMINDER_DAYS = 7
"""…then again every this many days while it stays open."""


def followup_due(last_contact: datetime | None, started_at: datetime, cadence_days: int,
                 tz: str | None, now: datetime) -> tuple[date, datetime] | None:
    """The follow-up owed at `now`: first at `next_followup` (what `/mentor list` shows),
    then again each rhythm while nothing is logged. Keyed by its local due day."""
    return followup_owed(followup_day(last_contact, started_at, cadence_days, tz),
                         cadence_days, tz, now)


def followup_owed(first_day: date, cadence_days: int, tz: str | None,
                  now: datetime) -> tuple[date, datetime] | None:
    """`followup_due` from the first due day (`followup_day`), when it is known already."""
    found = latest_occurrence(first_day, cadence_days, tz, now)
    if found is None:
        return None
    index, due = found
    return first_day + timedelta(days=index * cadence_days), due


def action_item_due(item_due_at: datetime, tz: str | None,
                    now: datetime) -> tuple[int, datetime] | None:
    """The reminder owed for an open item due on the local day of `item_due_at`: numbered
    0 the day after that day, then 1, 2… each ACTION_REMINDER_DAYS."""
    first_day = local_day(item_due_at, tz) + timedelta(days=ACTION_FIRST_REMINDER_DAYS)
    return latest_occurrence(first_day, ACTION_REMINDER_DAYS, tz, now)


def transactional_since(started_at: datetime, last_news: datetime | None,
                        last_ask: datetime | None, now: datetime) -> datetime | None:
    """The start of an ask-only stretch of at least QUARTER_MONTHS calendar months, or None.
    The stretch runs from the last contact that carried news (or the start of the
    mentorship) to now, and counts only if the student did get in touch in it — to ask for
    something."""
    since = max(started_at, last_news) if last_news is not None else started_at
    if last_ask is None or last_ask <= since:
        return None
    if now < months_after(since, QUARTER_MONTHS):
        return None
    return since


def transactional_flag_at(since: datetime, last_ask: datetime) -> datetime:
    """When the flag went up: QUARTER_MONTHS into the stretch, or at the ask that made it
    one."""
    return max(months_after(since, QUARTER_MONTHS), last_ask)


def keep_in_touch_due(last_touch: datetime, tz: str | None,
                      now: datetime) -> tuple[date, datetime] | None:
    """Every QUARTER_MONTHS calendar months after the later of the thank-you and the last
    logged contact, on the student's calendar. Each occurrence is counted from that day (not
    from the previous occurrence), so a clamped month end (Nov 30 → Feb 28) does not drift
    the later ones (→ May 30)."""
    base = local_day(last_touch, tz)
    quarters = whole_months_between(base, local_day(now, tz)) // QUARTER_MONTHS
    while quarters > 0:
        day = add_months(base, quarters * QUARTER_MONTHS)
        due = nudge_at(day, tz)
        if due <= now:
            return day, due
        quarters -= 1  # today's occurrence is later today
    return None


_DECIDED_NOT = re.compile(
    r"^\s*(?:i\s+)?(?:decided|chose|choose|choosing|deciding)\s+not\b"
    r"|^\s*(?:i\s+)?(?:won'?t|will\s+not|am\s+not\s+going|not\s+going|skipp?(?:ed|ing)?)\b"
    r"|^\s*(?:not\s+doing|no\s+longer)\b",
    re.IGNORECASE,
)


def is_decided_not(note: str) -> bool:
    """Whether a closing note says the student chose not to act ("decided not to, because…").
    That still closes the item: circling back with a reason is the point."""
    return bool(_DECIDED_NOT.search(note or ""))

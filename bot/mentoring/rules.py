"""When a relationship with a mentor owes the student a nudge: follow-ups on the rhythm,
overdue action items, ask-only ("transactional") relationships and keeping in touch with a
letter writer. Pure functions of plain values; `bot.planning.relationships` feeds them rows.

Each rule returns the occurrence it owes at `now` (a key that names it, and its due instant)
or None. Only the latest occurrence is ever owed: a reminder that was missed is superseded by
the next one rather than delivered late alongside it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.mentoring.cadence import latest_occurrence, local_day

ACTION_REMINDER_DAYS = 7
"""An overdue action item is raised the day after its due day, then weekly while open."""

TRANSACTIONAL_DAYS = 90
"""Three months in which every contact was an ask flags the relationship as transactional."""

KEEP_IN_TOUCH_DAYS = 91
"""After a letter is submitted and thanked, keep the writer posted about every three months."""


def followup_due(last_contact: datetime | None, started_at: datetime, cadence_days: int,
                 tz: str | None, now: datetime) -> tuple[date, datetime] | None:
    """The follow-up owed at `now`: first `cadence_days` after the last contact (or the start),
    then again each rhythm while nothing is logged. Keyed by its local due day."""
    base = last_contact if last_contact is not None else started_at
    first_day = local_day(base, tz) + timedelta(days=cadence_days)
    found = latest_occurrence(first_day, cadence_days, tz, now)
    if found is None:
        return None
    index, due = found
    return first_day + timedelta(days=index * cadence_days), due


def action_item_due(item_due_at: datetime, tz: str | None,
                    now: datetime) -> tuple[int, datetime] | None:
    """The reminder owed for an open item due on the local day of `item_due_at`: numbered
    0 the day after that day, then 1, 2… each week."""
    first_day = local_day(item_due_at, tz) + timedelta(days=1)
    return latest_occurrence(first_day, ACTION_REMINDER_DAYS, tz, now)


def transactional_since(started_at: datetime, last_news: datetime | None,
                        last_ask: datetime | None, now: datetime) -> datetime | None:
    """The start of an ask-only stretch of at least three months, or None. The stretch runs
    from the last contact that carried news (or the start of the mentorship) to now, and
    counts only if the student did get in touch in it — to ask for something."""
    since = max(started_at, last_news) if last_news is not None else started_at
    if last_ask is None or last_ask <= since:
        return None
    if now < since + timedelta(days=TRANSACTIONAL_DAYS):
        return None
    return since


def transactional_flag_at(since: datetime, last_ask: datetime) -> datetime:
    """When the flag went up: three months into the stretch, or at the ask that made it one."""
    return max(since + timedelta(days=TRANSACTIONAL_DAYS), last_ask)


def keep_in_touch_due(last_touch: datetime, tz: str | None,
                      now: datetime) -> tuple[date, datetime] | None:
    """Every ~3 months after the later of the thank-you and the last logged contact."""
    first_day = local_day(last_touch, tz) + timedelta(days=KEEP_IN_TOUCH_DAYS)
    found = latest_occurrence(first_day, KEEP_IN_TOUCH_DAYS, tz, now)
    if found is None:
        return None
    index, due = found
    return first_day + timedelta(days=index * KEEP_IN_TOUCH_DAYS), due


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

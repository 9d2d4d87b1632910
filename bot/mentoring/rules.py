"""When a relationship with a mentor owes the student a nudge: follow-ups on the rhythm,
overdue action items, ask-only ("transactional") relationships, keeping in touch with a
letter writer and "Did you meet?" check-ins; which follow-ups suggest offering something
back; how a meeting is rated. Pure functions of plain values; `bot.mentoring.planning` and
`bot.mentoring.store` feed them rows.

Each rule returns the occurrence it owes at `now` (a key that names it, and its due instant)
or None. Only the latest occurrence is ever owed: a reminder that was missed is superseded by
the next one rather than delivered late alongside it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.infra.months import add_months, months_after, whole_months_between
from bot.infra.zones import local_day
from bot.mentoring.cadence import followup_day, latest_occurrence
from bot.mentoring.vocab import CheckinAnswer
from bot.nudges.policy import nudge_at

ACTION_FIRST_REMINDER_DAYS = 1
"""An overdue action item is first raised this many days after its due day…"""

ACTION_REMINDER_DAYS = 7
"""…then again every this many days while it stays open."""

ASK_ONLY_MONTHS = 3
"""Calendar months of contacts that only ask for something before the student is nudged
to share news with no ask attached (the transactional-relationship flag)."""

KEEP_IN_TOUCH_MONTHS = 3
"""A thanked letter writer hears from the student every this many calendar months."""

NEWS_LOOKBACK_MONTHS = 3
"""How far back a draft update looks for news to share with someone the student has no
logged contact or mentorship with."""


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
    """The start of an ask-only stretch of at least ASK_ONLY_MONTHS calendar months, or None.
    The stretch runs from the last contact that carried news (or the start of the
    mentorship) to now, and counts only if the student did get in touch in it — to ask for
    something."""
    since = max(started_at, last_news) if last_news is not None else started_at
    if last_ask is None or last_ask <= since:
        return None
    if now < months_after(since, ASK_ONLY_MONTHS):
        return None
    return since


def transactional_flag_at(since: datetime, last_ask: datetime) -> datetime:
    """When the flag went up: ASK_ONLY_MONTHS into the stretch, or at the ask that made it
    one."""
    return max(months_after(since, ASK_ONLY_MONTHS), last_ask)


def last_touch(thanked_at: datetime, last_contact: datetime | None) -> datetime:
    """Where keeping a writer posted counts from: the later of the thank-you and the last
    contact logged with them."""
    return last_contact if last_contact is not None and last_contact > thanked_at \
        else thanked_at


def keep_in_touch_due(last_touch: datetime, tz: str | None,
                      now: datetime) -> tuple[date, datetime] | None:
    """Every KEEP_IN_TOUCH_MONTHS calendar months after the later of the thank-you and the last
    logged contact, on the student's calendar. Each occurrence is counted from that day (not
    from the previous occurrence), so a clamped month end (Nov 30 → Feb 28) does not drift
    the later ones (→ May 30)."""
    base = local_day(last_touch, tz)
    quarters = whole_months_between(base, local_day(now, tz)) // KEEP_IN_TOUCH_MONTHS
    while quarters > 0:
        day = add_months(base, quarters * KEEP_IN_TOUCH_MONTHS)
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


# --- "Did you meet?" check-ins ------------------------------------------------------------

CHECKIN_AFTER_DAYS = 14
"""A new mentorship's first "Did you meet?" falls this many days after it starts…"""

CHECKIN_AGAIN_DAYS = 7
"""…after a "not yet", it is asked again this many days later…"""

CHECKIN_LAST_ROUND = 2
"""…at most twice: rounds 0, 1 and 2, one `checkins` row each."""

CHECKIN_FRESH_DAYS = 7
"""A check-in not asked within this many days of its day is skipped: a mentorship that
began long ago (recorded by an import, or while the bot was stopped) is not asked whether
it has begun."""


def _checkin_due(base_day: date, days: int, tz: str | None, now: datetime) -> datetime | None:
    day = base_day + timedelta(days=days)
    due = nudge_at(day, tz)
    if due <= now < nudge_at(day + timedelta(days=CHECKIN_FRESH_DAYS), tz):
        return due
    return None


def first_checkin_due(started_at: datetime, tz: str | None, now: datetime) -> datetime | None:
    """When round 0 is asked, if it is owed at `now`: CHECKIN_AFTER_DAYS after the local day
    the mentorship started, at the nudge hour (an accepted intro and a match round alike)."""
    return _checkin_due(local_day(started_at, tz), CHECKIN_AFTER_DAYS, tz, now)


def before_mentorship(contact_at: datetime, started_at: datetime, tz: str | None) -> bool:
    """Whether a contact falls on a day (the student's) before their mentorship began: it is
    refused, since the mentorship's rhythm, check-ins and record count from its first day
    (a contact that day, at any hour, is part of it)."""
    return local_day(contact_at, tz) < local_day(started_at, tz)


def met_since(last_contact: datetime | None, since: datetime) -> bool:
    """Whether a logged contact answers "Did you meet?": one logged on or after `since` (the
    mentorship's start, or the last "not yet"). They met; the question is not asked, and one
    already asked is answered by it."""
    return last_contact is not None and last_contact >= since


def checkin_again_day(answered_at: datetime, tz: str | None) -> date:
    """The local day a "not yet" is followed by the next question."""
    return local_day(answered_at, tz) + timedelta(days=CHECKIN_AGAIN_DAYS)


def asks_again(round_: int, answer: str | None) -> bool:
    """Whether an answer to round `round_` is followed by another question."""
    return answer == CheckinAnswer.NOT_YET and round_ < CHECKIN_LAST_ROUND


def next_checkin_due(round_: int, answer: str | None, answered_at: datetime | None,
                     tz: str | None, now: datetime) -> tuple[int, datetime] | None:
    """The next round and when it is asked, if it is owed at `now`: only after a "not yet",
    CHECKIN_AGAIN_DAYS later, and never past CHECKIN_LAST_ROUND."""
    if answered_at is None or not asks_again(round_, answer):
        return None
    due = _checkin_due(local_day(answered_at, tz), CHECKIN_AGAIN_DAYS, tz, now)
    return None if due is None else (round_ + 1, due)


# --- rating a meeting ----------------------------------------------------------------------

RATING_SCALE = (1, 4)
"""How useful a meeting was, from the lowest to the highest mark (`contacts.rating`)."""

RATE_WITHIN = timedelta(days=2)
"""`/mentor log MENTOR rating:N` with nothing else to log rates the contact with that mentor
logged within this long (the "We met" of a check-in logs it just before), rather than
logging a second one."""


def rates_recent_contact(*, rating: int | None, note: str, on_given: bool, is_ask: bool,
                         cadence_given: bool) -> bool:
    """Whether a `/mentor log` only rates a contact already logged: a rating and nothing
    that describes a new contact."""
    return rating is not None and not note.strip() and not on_given and not is_ask \
        and not cadence_given


def is_rateable(logged_at: datetime, now: datetime) -> bool:
    """Whether a contact logged at `logged_at` can still be rated without logging another."""
    return now - RATE_WITHIN <= logged_at <= now


# --- offering something back ---------------------------------------------------------------

OFFER_VALUE_EVERY = 3
"""Every this-many-th follow-up of a mentorship suggests one concrete way to help the
mentor, so the relationship does not only run one way."""


class ValueOffer(StrEnum):
    """Where an offer to help the mentor comes from: what the bot knows about them."""

    RESEARCH = "research"  # their research areas: a paper to share, help with a project
    OFFICE_HOURS = "office-hours"  # their office hours: stop by and offer a hand
    GROUP = "group"  # a group both belong to: invite them to speak at it
    THANKS = "thanks"  # nothing known: tell them which advice worked


def offers_value_back(followup_number: int) -> bool:
    """Whether the `followup_number`-th follow-up (1-based) of a mentorship carries an
    offer."""
    return followup_number > 0 and followup_number % OFFER_VALUE_EVERY == 0


def value_offer(followup_number: int, *, research: Sequence[str], office_hours: str | None,
                group: str | None) -> ValueOffer | None:
    """The offer the `followup_number`-th follow-up carries, if any: the sources the bot
    knows for this mentor, taken in turn, so successive offers differ."""
    if not offers_value_back(followup_number):
        return None
    known = [offer for offer, present in (
        (ValueOffer.RESEARCH, bool(research)),
        (ValueOffer.OFFICE_HOURS, bool(office_hours and office_hours.strip())),
        (ValueOffer.GROUP, bool(group)),
        (ValueOffer.THANKS, True),
    ) if present]
    return known[(followup_number // OFFER_VALUE_EVERY - 1) % len(known)]

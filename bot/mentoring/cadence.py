"""How often a student should be in touch with a mentor (SPEC: main mentor every 4–8 weeks,
default 6; a mentor the student actively works with, weekly), what counts as the last
contact, and when the next follow-up falls due.

Everything here is a pure function of plain values. Due instants are computed on the
person's own calendar (local day + N days, at the nudge hour) and only then converted to
UTC, so a follow-up due "in six weeks" arrives at the same local hour across a DST change.
The planner, `/mentor list`, the dashboard and the group digest all date a follow-up with
`last_contact` and `next_followup`, so they cannot disagree."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.errors import UserError
from bot.infra.zones import local_day
from bot.nudges.policy import nudge_at
from bot.vocab.mentoring import MentorKind

MAIN_MENTOR_WEEKS = 6
MAIN_MENTOR_RANGE_WEEKS = (4, 8)
ACTIVE_MENTOR_DAYS = 7
ACTIVE_KINDS = frozenset({MentorKind.RESEARCH, MentorKind.CLINICAL})
MIN_CADENCE_DAYS = 7
MAX_CADENCE_DAYS = 84  # 12 weeks: beyond this a relationship is not being kept alive


def default_cadence_days(kind: str, group_weeks: int | None = None) -> int:
    """The rhythm a new mentorship of `kind` starts with. A group may set its main-mentor
    rhythm within MAIN_MENTOR_RANGE_WEEKS; research and clinical mentors are weekly."""
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
    number of weeks) → days. Outside MIN–MAX_CADENCE_DAYS is refused, not silently clamped,
    so the student sees what they will actually get. Reading a rhythm and wording one
    (`describe_cadence`) stay side by side: each is the other's inverse."""
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
            f"{describe_cadence(MAX_CADENCE_DAYS)} and at most "
            f"{describe_cadence(MIN_CADENCE_DAYS)}."
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


def last_contact(recorded: datetime | None, logged: datetime | None) -> datetime | None:
    """The one "last contact" of a mentorship: the later of the mentorship's own record
    (`Mentorship.last_contact_at`) and the latest contact in the log for the student and
    mentor (`contacts`, which also holds contacts made before the mentorship began, or
    written by an import without touching the mentorship)."""
    if recorded is None or (logged is not None and logged > recorded):
        return logged
    return recorded


def next_followup(last_contact: datetime | None, started_at: datetime, cadence_days: int,
                  tz: str | None) -> datetime:
    """When the next follow-up is due: `cadence_days` calendar days after the local day of
    the last contact (see `last_contact`), at the nudge hour in `tz`. The clock starts with
    the mentorship: before any contact, or when the last one predates it, it counts from
    the start. While nothing is logged the planner raises it again each rhythm; this is
    the first one, which `/mentor list` marks overdue once it has passed."""
    return nudge_at(followup_day(last_contact, started_at, cadence_days, tz), tz)


def followup_day(last_contact: datetime | None, started_at: datetime, cadence_days: int,
                 tz: str | None) -> date:
    """The local day of `next_followup` in `tz`."""
    base = started_at if last_contact is None else max(last_contact, started_at)
    return local_day(base, tz) + timedelta(days=cadence_days)


def latest_occurrence(first_day: date, every_days: int, tz: str | None,
                      now: datetime) -> tuple[int, datetime] | None:
    """For a reminder due at the nudge hour on `first_day` and then every `every_days`
    days: the index and instant of the latest one at or before `now`, or None before the
    first. Stale occurrences are superseded rather than piled up."""
    if nudge_at(first_day, tz) > now:
        return None
    elapsed = (local_day(now, tz) - first_day).days
    index = max(elapsed // every_days, 0)
    due = nudge_at(first_day + timedelta(days=index * every_days), tz)
    if due > now:  # today's occurrence is later today
        index -= 1
        due = nudge_at(first_day + timedelta(days=index * every_days), tz)
    return index, due

"""The weekly group digest as pure rules: when a group's digest falls due, which week it
belongs to, the stretch of days it looks ahead over, and the facts it is built from. The
facts hold only faculty lines and counts, so a student's name, letters or deadlines cannot
appear in a digest (SPEC "Nudges").

Every day here is a day on the group's own calendar (`bot.infra.zones`): a digest posted at
9:00 on a Monday in Auckland is still Sunday in UTC, and must count that Monday's deadlines,
not Sunday's."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.infra.zones import local_day, local_midnight_utc, local_time_utc
from bot.vocab.specialties import canonical_specialty, fold

HORIZON_WEEKS = 4
"""How far ahead the digest counts letters and follow-ups."""
NEW_FACULTY_DAYS = 7
"""Faculty who started accepting mentees this recently are listed as newly accepting."""
MAX_LISTED = 10
"""The most faculty a digest lists under one heading."""


def last_moment(now: datetime, weekday: int, hour: int, tz: str) -> datetime:
    """The latest digest moment at or before `now` (UTC): `weekday` (0 = Monday) at `hour`
    o'clock on the group's wall clock, so it stays 9:00 local on both sides of DST."""
    today = local_day(now, tz)
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    moment = local_time_utc(day, time(hour), tz)
    if moment > now:
        moment = local_time_utc(day - timedelta(days=7), time(hour), tz)
    return moment


def next_moment(now: datetime, weekday: int, hour: int, tz: str) -> datetime:
    """The first digest moment after `now` (UTC), on the group's wall clock: what an
    organizer is told after changing the day, hour or zone, and when the scheduler's weekly
    job fires next (`jobs.scheduler.digest_trigger` keeps the same rule)."""
    last = last_moment(now, weekday, hour, tz)
    return local_time_utc(local_day(last, tz) + timedelta(days=7), time(hour), tz)


def week_key(moment: datetime, tz: str) -> str:
    """The ISO week (e.g. 2027-W03) of the group's local date at `moment`: one digest each."""
    year, week, _ = local_day(moment, tz).isocalendar()
    return f"{year}-W{week:02d}"


def owed_week(now: datetime, weekday: int, hour: int, tz: str, *, created_at: datetime,
              enabled: bool, settled: Collection[str]) -> tuple[datetime, str] | None:
    """The digest a group owes at `now`, as (moment, ISO week), or None: its latest moment
    has passed, the group existed then, its digest is on, and that week is not `settled`
    (posted, nowhere to post, or being posted). What the catch-up posts, and what a change
    of day or hour must not make owed after the fact."""
    if not enabled:
        return None
    moment = last_moment(now, weekday, hour, tz)
    week = week_key(moment, tz)
    if created_at > moment or week in settled:
        return None
    return moment, week


@dataclass(frozen=True)
class Window:
    """The days a digest looks ahead over, on the group's calendar: `first` (the digest's
    own day) through `last`, inclusive."""

    first: date
    last: date
    ends_at: datetime  # the UTC instant the day after `last` begins in the group's zone

    def has_day(self, day: date) -> bool:
        return self.first <= day <= self.last

    def by_end(self, moment: datetime) -> bool:
        """Whether something due at `moment` falls due by the end of the window (overdue
        counts: it is still waiting)."""
        return moment < self.ends_at


def window(now: datetime, tz: str, weeks: int = HORIZON_WEEKS) -> Window:
    """The `weeks` weeks that start on the group's local day at `now`."""
    first = local_day(now, tz)
    last = first + timedelta(weeks=weeks)
    return Window(first, last, local_midnight_utc(last + timedelta(days=1), tz))


def newly_accepting(accepting: bool, capacity: int, accepting_since: datetime | None,
                    now: datetime) -> bool:
    """Whether a faculty member is listed as newly accepting mentees."""
    return (accepting and capacity > 0 and accepting_since is not None
            and accepting_since >= now - timedelta(days=NEW_FACULTY_DAYS))


def specialty_key(text: str) -> str:
    """What two specialties are compared by: the ERAS name when the text names one, so a
    group of "emergency medicine" finds a profile that says "EM"."""
    return canonical_specialty(text) or fold(text)


@dataclass(frozen=True)
class FacultyLine:
    name: str
    title: str = ""
    detail: str = ""  # research interests, or the office-hours text


@dataclass(frozen=True)
class DigestFacts:
    group_name: str
    specialty: str
    newly_accepting: Sequence[FacultyLine]
    office_hours: Sequence[FacultyLine]
    letters_due: int
    followups_due: int
    weeks: int = HORIZON_WEEKS

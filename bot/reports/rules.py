"""How a group's program health is counted (SPEC "Reports"), as constants and pure functions
of plain values and a `now` / `today`. `bot.reports.store` reads the rows and hands them
here; `bot.reports.messages` words every figure from the same constants, with one line on
how it is counted and, where it is poor, what an organizer can do about it.

Privacy is decided here, not in the wording: a figure that could point at one person is
never computed into the report (the mean meeting rating is withheld until enough mentors
were rated), and letters are only ever counted."""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.letters.rules import LAST_CALL_WEEKS, PERSONAL_DEADLINE_DAYS
from bot.vocab.letters import LetterState
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.nudges import NudgeState

# --- the period -------------------------------------------------------------------------------

DEFAULT_WEEKS = 12
"""How many weeks a report looks back over unless asked otherwise."""
MAX_WEEKS = 52
"""The longest period a report covers (a year: longer says more about history than health)."""


@dataclass(frozen=True)
class Period:
    """The `weeks` whole weeks that end at `end` (the moment of the report)."""

    end: datetime
    weeks: int = DEFAULT_WEEKS

    @property
    def start(self) -> datetime:
        return self.end - timedelta(weeks=self.weeks)

    def week_bounds(self) -> list[tuple[datetime, datetime]]:
        """Each week of the period, oldest first: [start, end)."""
        first = self.start
        return [(first + timedelta(weeks=i), first + timedelta(weeks=i + 1))
                for i in range(self.weeks)]


# --- which part of the group ------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The part of the group a report counts (the dashboard's filters; `mentorbot report
    --stage --kind`). The whole group by default.

    - `stage` narrows the students: every figure about students counts only those at that
      stage (their mentorships, requests, check-ins, ratings, letters, reminders, the
      week-by-week history). Faculty figures stay whole (`FACULTY_FIGURES`).
    - `kind` narrows mentorships and intro requests to that kind of mentor: the match rate
      (students with an active mentor of that kind), relationship health, intro requests and
      the weekly match rate (`KIND_FIGURES`). Mentor networks compare the kinds, so they stay
      whole, as do the figures that are not about one mentorship (who is looking, meetings,
      letters, reminders, contacts per week)."""

    stage: str | None = None
    kind: str | None = None

    @property
    def whole(self) -> bool:
        return self.stage is None and self.kind is None


WHOLE_GROUP = Scope()
"""The report of the whole group (no filter)."""
FACULTY_FIGURES = ("participants.faculty", "participants.faculty_accepting")
"""Figures about the group's faculty: no stage narrows them."""
KIND_FIGURES = ("matching.match_rate", "health.", "intros.", "weeks.match_rate")
"""Figures (keys, or key prefixes ending in a dot) that a mentor kind narrows."""


def _matches(key: str, patterns: Iterable[str]) -> bool:
    return any(key.startswith(p) if p.endswith(".") else key == p for p in patterns)


def narrowed_by(key: str, scope: Scope) -> tuple[str | None, str | None]:
    """(stage, kind) of `scope` that narrow the figure `key` (None where one does not)."""
    stage = None if _matches(key, FACULTY_FIGURES) else scope.stage
    kind = scope.kind if _matches(key, KIND_FIGURES) else None
    return stage, kind


# --- matching and mentor networks -----------------------------------------------------------

TARGET_MATCH_RATE = 0.70
"""The share of students with a mentor that mentoring programs usually aim for."""
SEVERAL_KINDS_TARGET = 0.5
"""Below this share of mentored students with more than one kind of mentor, the report
suggests looking for the kind a student lacks (a healthy network has more than one)."""


def share(part: int, whole: int) -> float | None:
    """`part / whole`, or None when there is nothing to divide (no students, no answers)."""
    return part / whole if whole else None


def below(value: float | None, target: float) -> bool:
    """Whether a share misses its target (an undefined share misses nothing)."""
    return value is not None and value < target


@dataclass(frozen=True)
class Matching:
    students: int  # students of the group
    matched: int  # … with at least one active mentor

    @property
    def rate(self) -> float | None:
        return share(self.matched, self.students)

    @property
    def poor(self) -> bool:
        return below(self.rate, TARGET_MATCH_RATE)


@dataclass(frozen=True)
class Coverage:
    """Mentored students by the kinds of mentor they have."""

    matched: int
    by_kind: Mapping[str, int]  # kind -> students with at least one active mentor of it
    several_kinds: int  # students with mentors of more than one kind

    @property
    def several_share(self) -> float | None:
        return share(self.several_kinds, self.matched)

    @property
    def poor(self) -> bool:
        return below(self.several_share, SEVERAL_KINDS_TARGET)

    @property
    def rarest(self) -> str:
        """The kind of mentor fewest students have (the first of the vocabulary on a tie)."""
        return min(MENTOR_KINDS, key=lambda kind: self.by_kind.get(kind, 0))


def networks(mentor_kinds: Iterable[tuple[int, str]], students: int) -> tuple[Matching, Coverage]:
    """Match rate and coverage from (student id, mentor kind), one per active mentorship of
    the group's students."""
    kinds: dict[int, set[str]] = {}
    for student_id, kind in mentor_kinds:
        kinds.setdefault(student_id, set()).add(kind)
    by_kind = Counter(kind for held in kinds.values() for kind in held)
    several = sum(1 for held in kinds.values() if len(held) > 1)
    return (Matching(students, len(kinds)),
            Coverage(len(kinds), {kind: by_kind.get(kind, 0) for kind in MENTOR_KINDS}, several))


# --- relationship health --------------------------------------------------------------------

DUE_SOON_DAYS = 7
"""A follow-up due within this many days (or already due) makes a relationship "due soon"."""
CHECKIN_RHYTHMS = 2
"""More than this many rhythms without a logged contact: the relationship needs a check-in."""


class Health(StrEnum):
    ON_TRACK = "on-track"
    DUE_SOON = "due-soon"
    NEEDS_CHECKIN = "needs-check-in"


def health(due_day: date, cadence_days: int, today: date) -> Health:
    """Where a mentorship stands on `today` (the student's local day), from its next
    follow-up day (`bot.mentoring.history.Followup.due_day`: one rhythm after the last
    contact, or after the start when nothing was logged)."""
    last_day = due_day - timedelta(days=cadence_days)
    if (today - last_day).days > CHECKIN_RHYTHMS * cadence_days:
        return Health.NEEDS_CHECKIN
    if (due_day - today).days <= DUE_SOON_DAYS:
        return Health.DUE_SOON
    return Health.ON_TRACK


@dataclass(frozen=True)
class HealthCounts:
    on_track: int = 0
    due_soon: int = 0
    needs_checkin: int = 0

    @property
    def total(self) -> int:
        return self.on_track + self.due_soon + self.needs_checkin

    @property
    def poor(self) -> bool:
        return self.needs_checkin > 0


def health_counts(states: Iterable[Health]) -> HealthCounts:
    counted = Counter(states)
    return HealthCounts(counted[Health.ON_TRACK], counted[Health.DUE_SOON],
                        counted[Health.NEEDS_CHECKIN])


# --- intro requests -------------------------------------------------------------------------

SLOW_ANSWER_HOURS = 72
"""A median answer slower than this many hours is worth raising with faculty."""
EXPIRED_SHARE_LIMIT = 0.25
"""More than this share of the period's requests expiring unanswered is poor."""


@dataclass(frozen=True)
class Intros:
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    waiting: int = 0
    median_hours: float | None = None  # to an answer (accepted or declined)

    @property
    def expired_share(self) -> float | None:
        return share(self.expired, self.sent)

    @property
    def slow(self) -> bool:
        return self.median_hours is not None and self.median_hours > SLOW_ANSWER_HOURS

    @property
    def poor(self) -> bool:
        expired = self.expired_share
        return self.slow or (expired is not None and expired > EXPIRED_SHARE_LIMIT)


def answer_hours(asked_at: datetime, answered_at: datetime) -> float:
    return max((answered_at - asked_at).total_seconds() / 3600, 0.0)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class SilentFaculty:
    """A faculty member who let requests expire in the period, or whose accepting the bot
    turned off because they did not answer whether they still mentor. Faculty are staff:
    organizers see them by name."""

    name: str
    expired: int  # requests to them that expired unanswered in the period
    asked: int  # requests to them in the period
    turned_off: datetime | None = None  # when the bot set accepting to no


# --- meetings -------------------------------------------------------------------------------

MET = "met"
"""The check-in answer that says the first meeting took place."""
MET_SHARE_TARGET = 0.5
"""Fewer answered check-ins than this share saying "we met" is poor."""
RATING_SCALE = (1, 4)
"""How useful a meeting was, from the student's `/mentor log … rating:`."""
LOW_RATING = 2.5
"""A mean rating below this is poor."""
MIN_RATED_MENTORS = 3
"""The mean rating is shown only when at least this many mentors were rated in the period,
so no organizer who is also a mentor (nor anyone) can read one mentor's ratings from it."""


@dataclass(frozen=True)
class Meetings:
    asked: int = 0  # "Did you meet?" questions in the period
    answers: Mapping[str, int] = field(default_factory=dict)  # answer -> count
    ratings: int = 0
    rated_mentors: int = 0
    mean_rating: float | None = None  # None while withheld (see MIN_RATED_MENTORS)

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def met_share(self) -> float | None:
        return share(self.answers.get(MET, 0), self.answered)

    @property
    def withheld(self) -> bool:
        return self.ratings > 0 and self.mean_rating is None

    @property
    def poor(self) -> bool:
        low = self.mean_rating is not None and self.mean_rating < LOW_RATING
        return low or below(self.met_share, MET_SHARE_TARGET)


def meetings(asked: int, answers: Mapping[str, int],
             ratings: Mapping[int, tuple[int, int]]) -> Meetings:
    """`ratings`: per mentor rated in the period, (how many ratings, their sum)."""
    count = sum(n for n, _ in ratings.values())
    total = sum(t for _, t in ratings.values())
    mean = total / count if count and len(ratings) >= MIN_RATED_MENTORS else None
    return Meetings(asked, dict(answers), count, len(ratings), mean)


# --- letters (counted, never named) ---------------------------------------------------------

ASK_AT_RISK_DAYS = LAST_CALL_WEEKS * 7
"""A letter still only planned this close to its deadline is at risk (a last-minute ask)."""
AGREE_AT_RISK_DAYS = PERSONAL_DEADLINE_DAYS
"""A letter asked for but not agreed to by the personal deadline is at risk."""


class LetterRisk(StrEnum):
    NOT_ASKED = "not-asked"
    NOT_AGREED = "not-agreed"


def letter_risk(state: str, deadline: date, today: date) -> LetterRisk | None:
    """Why a letter is at risk on `today`, or None. A deadline already past is not "at
    risk" any more (it was met or missed)."""
    days = (deadline - today).days
    if days < 0:
        return None
    if state == LetterState.PLANNED and days <= ASK_AT_RISK_DAYS:
        return LetterRisk.NOT_ASKED
    if state == LetterState.ASKED and days <= AGREE_AT_RISK_DAYS:
        return LetterRisk.NOT_AGREED
    return None


@dataclass(frozen=True)
class Letters:
    by_state: Mapping[str, int] = field(default_factory=dict)
    not_asked: int = 0
    not_agreed: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def at_risk(self) -> int:
        return self.not_asked + self.not_agreed

    @property
    def poor(self) -> bool:
        return self.at_risk > 0


def letters(counted: Iterable[tuple[str, date, int]], today: date) -> Letters:
    """`counted`: (state, deadline, how many letters) for the letters in the report."""
    by_state: Counter[str] = Counter()
    risks: Counter[LetterRisk | None] = Counter()
    for state, deadline, n in counted:
        by_state[state] += n
        risks[letter_risk(state, deadline, today)] += n
    return Letters({state: by_state.get(state, 0) for state in LetterState},
                   risks[LetterRisk.NOT_ASKED], risks[LetterRisk.NOT_AGREED])


# --- nudges and whether they were acted on --------------------------------------------------

ACTED_WITHIN = timedelta(days=7)
"""A reminder counts as acted on when what it asked for happened this soon after it was
sent."""
ACTED_SHARE_TARGET = 0.5
"""Fewer reminders acted on than this share is poor."""

def judged_if_sent_by(now: datetime) -> datetime:
    """Reminders sent at or before this instant have had their whole ACTED_WITHIN."""
    return now - ACTED_WITHIN


def acted_on(sent_at: datetime, first_answer: datetime | None) -> bool:
    """Whether a reminder was acted on, from the first answer recorded at or after it was
    sent (None: nothing yet)."""
    return first_answer is not None and sent_at <= first_answer <= sent_at + ACTED_WITHIN


@dataclass(frozen=True)
class Nudges:
    planned: int = 0  # reminders planned in the period
    sent: int = 0
    failed: int = 0
    snoozed: int = 0  # reminders snoozed at least once
    dismissed: int = 0
    judged: int = 0  # sent at least ACTED_WITHIN ago, with an answer the bot can see
    acted: int = 0  # … acted on within ACTED_WITHIN

    @property
    def acted_share(self) -> float | None:
        return share(self.acted, self.judged)


def nudges(tallies: Iterable[tuple[str, bool, bool, int]],
           judged: Iterable[tuple[datetime, datetime | None]]) -> Nudges:
    """`tallies`: (state, has a sent time, snoozed at least once, how many reminders);
    `judged`: (sent at, first answer at or after it) of each reminder judged."""
    planned = sent = failed = snoozed = dismissed = 0
    for state, was_sent, was_snoozed, n in tallies:
        planned += n
        sent += n if was_sent or state == NudgeState.SENT else 0
        failed += n if state == NudgeState.FAILED else 0
        dismissed += n if state == NudgeState.DISMISSED else 0
        snoozed += n if was_snoozed else 0
    outcomes = [acted_on(sent_at, first) for sent_at, first in judged]
    return Nudges(planned, sent, failed, snoozed, dismissed, len(outcomes), sum(outcomes))


# --- week by week ---------------------------------------------------------------------------

Span = tuple[datetime, datetime | None]
"""When a mentorship was active: from its start to its end (None: still active)."""


def mentorship_span(started_at: datetime, active: bool, ended_at: datetime | None
                    ) -> Span | None:
    """An ended mentorship with no recorded end is left out of the history: when it ended
    is unknown, so it is not counted as active at any moment."""
    if active:
        return (started_at, None)
    return (started_at, ended_at) if ended_at is not None else None


def match_rates(moments: Sequence[datetime], joined: Mapping[int, datetime],
                spans: Mapping[int, Sequence[Span]]) -> list[float | None]:
    """The match rate at each of `moments` (in time order): students who had joined the
    group by then and had an active mentor then, over the students who had joined by
    then."""
    members = [0] * (len(moments) + 1)
    matched = [0] * (len(moments) + 1)
    for student_id, since in joined.items():
        first = bisect_left(moments, since)  # the first moment they are a member at
        members[first] += 1
        covered = sorted((max(bisect_left(moments, start), first),
                          len(moments) if end is None else bisect_left(moments, end))
                         for start, end in spans.get(student_id, ()))
        reach = first
        for low, high in covered:  # each moment counted once, however many mentors
            low = max(low, reach)
            if low < high:
                matched[low] += 1
                matched[high] -= 1
                reach = high
    rates: list[float | None] = []
    member_count = matched_count = 0
    for index in range(len(moments)):
        member_count += members[index]
        matched_count += matched[index]
        rates.append(share(matched_count, member_count))
    return rates


@dataclass(frozen=True)
class Week:
    first_day: date  # the week's first day on the group's calendar
    match_rate: float | None  # at the week's end
    contacts: int  # contacts dated in the week


# --- the whole report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Participants:
    students: int
    faculty: int
    faculty_accepting: int  # faculty with an open place now


@dataclass(frozen=True)
class Report:
    group_slug: str
    group_name: str
    period: Period
    first_day: date  # the period on the group's calendar
    last_day: date
    participants: Participants
    matching: Matching
    coverage: Coverage
    health: HealthCounts
    intros: Intros
    silent_faculty: tuple[SilentFaculty, ...]
    looking: tuple[str, ...]  # students looking for a mentor and not matched, by name
    meetings: Meetings
    letters: Letters
    nudges: Nudges
    weeks: tuple[Week, ...]
    scope: Scope = WHOLE_GROUP


@dataclass(frozen=True)
class Headline:
    """What an organizer's App Home shows of a group: three numbers and the way to more."""

    group_slug: str
    group_name: str
    matching: Matching
    needs_checkin: int
    letters_at_risk: int

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
from bot.nudges.vocab import NudgeKind, NudgeState
from bot.vocab.letters import LetterState
from bot.vocab.mentoring import MENTOR_KINDS

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


def meetings(asked: int, answers: Mapping[str, int], ratings: Sequence[tuple[int, int]]
             ) -> Meetings:
    """`ratings`: (mentor id, rating) of every rated meeting in the period."""
    mentors = {mentor for mentor, _ in ratings}
    mean = (statistics.fmean(r for _, r in ratings)
            if ratings and len(mentors) >= MIN_RATED_MENTORS else None)
    return Meetings(asked, dict(answers), len(ratings), len(mentors), mean)


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


def risk_window(today: date) -> tuple[date, date]:
    """The deadlines `letter_risk` can flag on `today` (for narrowing a query)."""
    return today, today + timedelta(days=max(ASK_AT_RISK_DAYS, AGREE_AT_RISK_DAYS))


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


def letters(by_state: Mapping[str, int], near: Iterable[tuple[str, date]],
            today: date) -> Letters:
    """`near`: (state, deadline) of letters whose deadline is within `risk_window`."""
    risks = Counter(letter_risk(state, deadline, today) for state, deadline in near)
    return Letters({state: by_state.get(state, 0) for state in LetterState},
                   risks[LetterRisk.NOT_ASKED], risks[LetterRisk.NOT_AGREED])


# --- nudges and whether they were acted on --------------------------------------------------

ACTED_WITHIN = timedelta(days=7)
"""A reminder counts as acted on when what it asked for happened this soon after it was
sent."""
ACTED_SHARE_TARGET = 0.5
"""Fewer reminders acted on than this share is poor."""

Pair = tuple[int, int]
"""(student id, mentor id)."""

LETTER_MOVES: Mapping[NudgeKind, frozenset[LetterState]] = {
    NudgeKind.LETTER_ASK: frozenset({LetterState.ASKED}),
    NudgeKind.LETTER_ASK_LATE: frozenset({LetterState.ASKED}),
    NudgeKind.LETTER_PACKET: frozenset({LetterState.PACKET_SENT}),
    NudgeKind.LETTER_CHECKIN: frozenset({LetterState.AGREED, LetterState.DECLINED,
                                         LetterState.PACKET_SENT, LetterState.SUBMITTED}),
    NudgeKind.LETTER_DEADLINE: frozenset({LetterState.SUBMITTED}),
    NudgeKind.LETTER_THANKS: frozenset({LetterState.THANKED}),
    NudgeKind.WRITER_DEADLINE: frozenset({LetterState.SUBMITTED}),
}
"""The state change each letter reminder asks for: the letter entering one of these states
answers it."""
CONTACT_ANSWERED = (NudgeKind.FOLLOWUP, NudgeKind.KEEP_IN_TOUCH)
"""Reminders answered by any logged contact with the mentor (or letter writer)."""
NEWS_ANSWERED = (NudgeKind.TRANSACTIONAL,)
"""Reminders answered only by a contact that was not an ask (sharing news)."""
DONE_ANSWERED = (NudgeKind.ACTION_ITEM,)
"""Reminders answered by marking the item done (or decided against)."""
CHECKIN_ANSWERED = (NudgeKind.CHECKIN,)
"""Reminders answered by answering the "Did you meet?" question."""
MEASURED: frozenset[NudgeKind] = frozenset(
    (*LETTER_MOVES, *CONTACT_ANSWERED, *NEWS_ANSWERED, *DONE_ANSWERED, *CHECKIN_ANSWERED))
"""Reminders whose answer the bot can see in its own records; the others (an intro request
still pending, sharing an outcome, still mentoring?) are sent and counted, not judged."""


@dataclass(frozen=True)
class Answers:
    """What happened after reminders, by what they were about: plain values from the store.
    Every sequence is in time order."""

    contacts: Mapping[Pair, Sequence[tuple[datetime, bool]]] = field(default_factory=dict)
    """(logged at, was an ask) per student and mentor."""
    mentorship_pairs: Mapping[int, Pair] = field(default_factory=dict)
    thanked_letter_pairs: Mapping[int, Pair] = field(default_factory=dict)
    items_closed: Mapping[int, datetime] = field(default_factory=dict)
    checkins_answered: Mapping[int, Sequence[datetime]] = field(default_factory=dict)
    """When "Did you meet?" was answered, per mentorship."""
    letter_moves: Mapping[int, Sequence[tuple[str, datetime]]] = field(default_factory=dict)
    """(state entered, when) per letter."""


def answer_moments(kind: NudgeKind, subject_id: int | None, answers: Answers
                   ) -> list[datetime]:
    """Every moment something happened that answers a reminder of `kind` about
    `subject_id`, in time order."""
    if subject_id is None:
        return []
    if kind in CONTACT_ANSWERED or kind in NEWS_ANSWERED:
        pairs = (answers.thanked_letter_pairs if kind == NudgeKind.KEEP_IN_TOUCH
                 else answers.mentorship_pairs)
        pair = pairs.get(subject_id)
        logged = answers.contacts.get(pair, ()) if pair is not None else ()
        news_only = kind in NEWS_ANSWERED
        return [at for at, is_ask in logged if not (news_only and is_ask)]
    if kind in DONE_ANSWERED:
        closed = answers.items_closed.get(subject_id)
        return [closed] if closed is not None else []
    if kind in CHECKIN_ANSWERED:
        return list(answers.checkins_answered.get(subject_id, ()))
    wanted = LETTER_MOVES.get(kind)
    if wanted is None:
        return []
    return [at for state, at in answers.letter_moves.get(subject_id, ()) if state in wanted]


def acted_within(sent_at: datetime, moments: Sequence[datetime]) -> bool:
    """Whether one of `moments` (in time order) falls within ACTED_WITHIN after `sent_at`."""
    index = bisect_left(moments, sent_at)
    return index < len(moments) and moments[index] <= sent_at + ACTED_WITHIN


@dataclass(frozen=True)
class NudgeRow:
    kind: NudgeKind
    state: str
    subject_id: int | None
    sent_at: datetime | None
    snoozes: int = 0


@dataclass(frozen=True)
class Nudges:
    planned: int = 0  # reminders planned in the period
    sent: int = 0
    failed: int = 0
    snoozed: int = 0  # reminders snoozed at least once
    dismissed: int = 0
    measured: int = 0  # sent at least ACTED_WITHIN ago, with an answer the bot can see
    acted: int = 0  # … acted on within ACTED_WITHIN

    @property
    def acted_share(self) -> float | None:
        return share(self.acted, self.measured)

    @property
    def poor(self) -> bool:
        return self.failed > 0 or below(self.acted_share, ACTED_SHARE_TARGET)


def nudges(rows: Iterable[NudgeRow], answers: Answers, now: datetime) -> Nudges:
    planned = sent = failed = snoozed = dismissed = measured = acted = 0
    for row in rows:
        planned += 1
        if row.sent_at is not None or row.state == NudgeState.SENT:
            sent += 1
        failed += row.state == NudgeState.FAILED
        dismissed += row.state == NudgeState.DISMISSED
        snoozed += row.snoozes > 0
        if (row.kind in MEASURED and row.sent_at is not None
                and row.sent_at + ACTED_WITHIN <= now):
            measured += 1
            acted += acted_within(row.sent_at, answer_moments(row.kind, row.subject_id,
                                                              answers))
    return Nudges(planned, sent, failed, snoozed, dismissed, measured, acted)


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


def active_at(spans: Sequence[Span], moment: datetime) -> bool:
    return any(start <= moment and (end is None or moment < end) for start, end in spans)


def match_rates(moments: Sequence[datetime], joined: Mapping[int, datetime],
                spans: Mapping[int, Sequence[Span]]) -> list[float | None]:
    """The match rate at each of `moments`: students who had joined the group by then and
    had an active mentor then, over the students who had joined by then."""
    rates: list[float | None] = []
    for moment in moments:
        members = matched = 0
        for student_id, since in joined.items():
            if since <= moment:
                members += 1
                held = spans.get(student_id)
                if held and active_at(held, moment):
                    matched += 1
        rates.append(share(matched, members))
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


@dataclass(frozen=True)
class Headline:
    """What an organizer's App Home shows of a group: three numbers and the way to more."""

    group_slug: str
    group_name: str
    matching: Matching
    needs_checkin: int
    letters_at_risk: int

"""The residency plan's rules, as pure functions of plain values: where a program sits for a
student (tiers from Step 2 CK against the program's reported mean, with named thresholds),
who may apply where (eligibility), how far the list is adjusted for visible risks, how the
list is balanced between tiers and ranked inside a tier, where signals go first, which
letters go first, which cycle a student applies in, which dates are still ahead and when a
`residency-date` nudge falls.

The thresholds and percentages here are this planner's rules, not published figures (those
are data: `bot.vocab.cycles`); the words that state them (`bot.residency.messages`) are
built from these constants, and say which is which. No database, no clock: callers pass
`today` or `now`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.infra.zones import local_day
from bot.letters.cycle import ACADEMIC_YEAR_START, SCHOOL_YEAR
from bot.letters.mix import RESIDENCY_TOTAL
from bot.nudges.policy import nudge_at
from bot.vocab.cycles import cycle_name, cycle_years
from bot.vocab.letters import Portal
from bot.vocab.residency import (
    Applicant,
    ProgramType,
    Region,
    SignalTier,
    Tier,
    Visa,
)
from bot.vocab.specialties import EMERGENCY_MEDICINE, lineage

# --- Step 2 CK and tiers ----------------------------------------------------------------

STEP2_RANGE = (1, 300)
"""The USMLE Step 2 CK score scale, as a profile and the program CSV accept it."""

REACH_BELOW = 5
"""A program is a reach when the student's Step 2 CK is more than this many points below
the program's reported mean."""
LIKELY_ABOVE = 5
"""A program is likely when the student's Step 2 CK is more than this many points above the
program's reported mean; in between (within these points either way) it is a target."""


_REACH, _TARGET, _LIKELY, _UNKNOWN = Tier.REACH, Tier.TARGET, Tier.LIKELY, Tier.UNKNOWN


def tier(step2: int | None, mean: int | None) -> Tier:
    """Reach, target or likely from Step 2 CK against the program's mean; unknown when
    either is missing. Never a probability: a tier says where the score sits, nothing
    more."""
    if step2 is None or mean is None:
        return _UNKNOWN
    if step2 < mean - REACH_BELOW:
        return _REACH
    if step2 > mean + LIKELY_ABOVE:
        return _LIKELY
    return _TARGET


def check_step2(value: int) -> int:
    low, high = STEP2_RANGE
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}–{high}")
    return value


# --- programs and eligibility -----------------------------------------------------------


@dataclass(frozen=True)
class ProgramFacts:
    """A program of a group's list, as the rules read it. `None` is "not stated"."""

    id: int
    name: str
    specialty: str
    state: str
    city: str = ""
    region: Region | None = None
    type: ProgramType | None = None
    positions: int | None = None
    visas: frozenset[Visa] | None = None  # sponsored; frozenset() is "sponsors none"
    takes_do: bool | None = None
    takes_img: bool | None = None
    step2_mean: int | None = None
    portal: Portal | None = None
    signals: bool | None = None  # takes program signals
    url: str = ""


_NO_VISA, _DO, _IMG = Visa.NONE, Applicant.DO, Applicant.IMG


class Why(StrEnum):
    """Why a program is closed to a student: never in their plan."""

    VISA = "visa"
    DO = "do"
    IMG = "img"


def ineligible(program: ProgramFacts, *, applicant: Applicant | None,
               visa: Visa | None) -> tuple[Why, ...]:
    """Every stated reason the student cannot apply to the program. What the program's row
    leaves unsaid is not a reason (the plan says to check it instead)."""
    if (visa is None or visa == _NO_VISA) and applicant is not _DO and applicant is not _IMG:
        return ()
    why: list[Why] = []
    if visa not in (None, Visa.NONE) and program.visas is not None and \
            visa not in program.visas:
        why.append(Why.VISA)
    if applicant == Applicant.DO and program.takes_do is False:
        why.append(Why.DO)
    if applicant == Applicant.IMG and program.takes_img is False:
        why.append(Why.IMG)
    return tuple(why)


def unstated(program: ProgramFacts, *, applicant: Applicant | None,
             visa: Visa | None) -> tuple[Why, ...]:
    """What the student needs that the program's row does not say it offers."""
    out: list[Why] = []
    if visa not in (None, Visa.NONE) and program.visas is None:
        out.append(Why.VISA)
    if applicant == Applicant.DO and program.takes_do is None:
        out.append(Why.DO)
    if applicant == Applicant.IMG and program.takes_img is None:
        out.append(Why.IMG)
    return tuple(out)


# --- how many ---------------------------------------------------------------------------


class Risk(StrEnum):
    VISA = "visa"
    IMG = "img"
    COUPLES = "couples"
    REACH_HEAVY = "reach-heavy"


RISK_PERCENT: Mapping[Risk, int] = {
    Risk.VISA: 25,
    Risk.IMG: 25,
    Risk.COUPLES: 20,
    Risk.REACH_HEAVY: 20,
}
"""How much each visible risk adds to the published number of applications per applicant,
in percent of it: fewer programs sponsor a visa; an IMG's figure, where the published one
is not for IMGs, understates what IMGs send; a couple needs programs in the same places; a
pool of programs that is mostly reaches needs more of them. This planner's rule, stated as
such: not a published figure."""

REACH_HEAVY_SHARE = 0.5
"""A pool is reach-heavy when more than this share of the programs with a reported mean are
reaches for the student."""


@dataclass(frozen=True)
class Adjustment:
    risk: Risk
    percent: int
    amount: int


def adjustments(base: float, *, visa: Visa | None, applicant: Applicant | None,
                figure_for_img: bool, couples: bool, reach_share: float | None
                ) -> tuple[Adjustment, ...]:
    """The risks that apply, each with its share of `base` in whole programs."""
    risks: list[Risk] = []
    if visa not in (None, Visa.NONE):
        risks.append(Risk.VISA)
    if applicant == Applicant.IMG and not figure_for_img:
        risks.append(Risk.IMG)
    if couples:
        risks.append(Risk.COUPLES)
    if reach_share is not None and reach_share > REACH_HEAVY_SHARE:
        risks.append(Risk.REACH_HEAVY)
    return tuple(Adjustment(r, RISK_PERCENT[r], round(base * RISK_PERCENT[r] / 100))
                 for r in risks)


MAX_COUNT = 300
"""The largest `count:` accepted (the most ranks a rank order list may hold, NRMP)."""


# --- choosing and ranking -----------------------------------------------------------------

TIER_MIX: Mapping[Tier, int] = {Tier.REACH: 20, Tier.TARGET: 50, Tier.LIKELY: 30}
"""The balance of a list with known tiers, in percent of the programs chosen: mostly
targets, some likely programs to be safe, some reaches. Programs of unknown tier, and any
tier short of its share, fill what is left (targets first, then likely, unknown, reach)."""
FILL_ORDER: tuple[Tier, ...] = (Tier.TARGET, Tier.LIKELY, Tier.UNKNOWN, Tier.REACH)
TIER_ORDER: tuple[Tier, ...] = (Tier.REACH, Tier.TARGET, Tier.LIKELY, Tier.UNKNOWN)
"""How a plan lists its tiers."""


@dataclass(frozen=True)
class Preference:
    """How well a program fits what the student asked for: the home program or an away
    rotation, a region they chose, a type they chose."""

    rotated: bool
    region: bool
    type: bool



def preference_rank(program: ProgramFacts, rotated: Collection[int],
                    regions: Collection[Region], types: Collection[ProgramType]) -> int:
    """`preference(...)` as one number that sorts the same way (lower first), without
    building the value: what a long list is sorted by."""
    return -(4 * (program.id in rotated) + 2 * (program.region in regions)
             + (program.type in types))


def preference(program: ProgramFacts, *, rotated: Collection[int],
               regions: Collection[Region], types: Collection[ProgramType]) -> Preference:
    return Preference(rotated=program.id in rotated,
                      region=program.region is not None and program.region in regions,
                      type=program.type is not None and program.type in types)


def quotas(slots: int) -> dict[Tier, int]:
    """Programs of each known tier in a list of `slots`, from `TIER_MIX` (rounded so they
    add up: the remainder goes to targets)."""
    out = {t: slots * share // 100 for t, share in TIER_MIX.items()}
    out[Tier.TARGET] += slots - sum(out.values())
    return out


def choose(ranked: Mapping[Tier, Sequence[int]], slots: int) -> list[int]:
    """Up to `slots` program ids from each tier's ranked ids: the tier mix first, then the
    rest in `FILL_ORDER`."""
    if slots <= 0:
        return []
    chosen: list[int] = []
    taken: dict[Tier, int] = {}
    for t, quota in quotas(slots).items():
        take = list(ranked.get(t, ()))[:quota]
        chosen += take
        taken[t] = len(take)
    for t in FILL_ORDER:
        if len(chosen) >= slots:
            break
        rest = list(ranked.get(t, ()))[taken.get(t, 0):]
        chosen += rest[:slots - len(chosen)]
    return chosen


# --- signals ------------------------------------------------------------------------------

SIGNAL_ORDER: tuple[Tier, ...] = (Tier.TARGET, Tier.REACH, Tier.UNKNOWN, Tier.LIKELY)
"""Signals go to the student's top targets first (gold ones only there, where a specialty
tiers its signals), then to reaches, then to programs of unknown tier, and to likely
programs last: a signal matters most where an interview is not a given."""

HOME_AWAY_UNSIGNALLED: frozenset[str] = frozenset({EMERGENCY_MEDICINE})
"""Specialties whose guidance is never to signal the home program or an away-rotation
program (emergency medicine: the AAMC's 2025 table and CORD)."""


def no_home_away_signals(specialty: str) -> bool:
    return any(name in HOME_AWAY_UNSIGNALLED for name in lineage(specialty))


def may_signal(program: ProgramFacts, *, rotated: Collection[int]) -> bool:
    """A program can get a signal unless it takes none, or it is the home or an away program
    in a specialty that says not to signal those."""
    if program.signals is False:
        return False
    return not (program.id in rotated and no_home_away_signals(program.specialty))


# --- letters ------------------------------------------------------------------------------

EXPECTED_LETTERS = RESIDENCY_TOTAL
"""Letters a residency program expects in all (the letter mix's residency total). Which
letters a program gets first, up to its portal's cap, is the letter mix's rule
(`bot.letters.mix.choose_letters`), which `/letter plan` applies too."""


# --- cycles -------------------------------------------------------------------------------

CYCLES_AHEAD = 4
"""How many cycles past the current one a profile may name (an MS1 applies three ahead)."""


def school_year_start(today: date) -> int:
    """The calendar year in which the current school year started (the letters' rule)."""
    return today.year if (today.month, today.day) >= ACADEMIC_YEAR_START else today.year - 1


def current_cycle(today: date) -> str:
    """The cycle under way: the one whose applications go in this school year."""
    return cycle_name(school_year_start(today))


APPLYING_SCHOOL_YEAR = 4
"""Students apply to residency in their fourth year (as MS4s)."""


def applying_cycle(stage: str | None, today: date) -> str:
    """The cycle a student applies in: an MS4's is the current one, an MS3's the next, and
    so on; anyone else (a resident, a graduate) the current one."""
    year = SCHOOL_YEAR.get(stage or "")
    ahead = APPLYING_SCHOOL_YEAR - year if year is not None else 0
    return cycle_name(school_year_start(today) + max(ahead, 0))


def cycle_problem(name: str, today: date) -> str | None:
    """Why a cycle can't be planned for now, or None."""
    try:
        first, _ = cycle_years(name)
    except ValueError as exc:
        return str(exc)
    current, _ = cycle_years(current_cycle(today))
    if first < current:
        return "over"
    if first > current + CYCLES_AHEAD:
        return "far"
    return None


# --- dates and their nudges ---------------------------------------------------------------

DATE_NUDGE_DAYS: tuple[int, ...] = (14, 3)
"""A `residency-date` nudge falls this many days before each of the cycle's dates."""


def upcoming(days: Iterable[date], today: date) -> list[date]:
    """The days still ahead (today included): a plan never shows a past date."""
    return sorted(d for d in days if d >= today)


@dataclass(frozen=True)
class DateNudge:
    day: date  # the cycle's date
    days_before: int
    due_at: datetime  # UTC

    @property
    def occurrence(self) -> str:
        return f"{self.day.isoformat()}:{self.days_before}"


def date_nudges(days: Iterable[date], *, tz: str, now: datetime) -> list[DateNudge]:
    """The nudges owed before each date, at the nudge hour in the student's zone: none for
    a date already past, and none whose day is gone (one whose hour passed earlier today is
    still owed, and goes out at once)."""
    today = local_day(now, tz)
    out = []
    for day in sorted(set(days)):
        if day < today:
            continue
        for before in DATE_NUDGE_DAYS:
            on = day - timedelta(days=before)
            if on >= today:
                out.append(DateNudge(day, before, nudge_at(on, tz)))
    return out


# --- group outcomes -----------------------------------------------------------------------

OUTCOME_MIN_PEOPLE = 5
"""A program's group outcome counts are shown only once at least this many people gave
them: fewer could name someone."""


def shown_counts(contributors: int) -> bool:
    return contributors >= OUTCOME_MIN_PEOPLE


SIGNAL_TIERS: tuple[SignalTier, ...] = (SignalTier.GOLD, SignalTier.SILVER)

"""The published figures of each application cycle, as data: one TOML file per cycle in
`cycle_data/` (`2025-26.toml`), each figure with its source and whether that source is primary or
secondary. They are loaded and checked when this module is imported, so a file with a
typo'd specialty, an unknown portal, a fee schedule with a gap or a figure without a source
stops the program at start-up rather than misleading a student later.

The rest of the bot asks here, never guesses: a figure a cycle does not have is `None`, and
where a plan still needs one (how many programs to apply to, what a list would cost) it asks
for the latest earlier figure, which comes back with its own cycle (`Found.cycle`) so the
words can say whose it is. Dates are never borrowed from another cycle; neither are signal
allotments (a plan proposes signals only within its own cycle's allotment).

They sit with the vocabularies, beneath every feature, because more than the residency plan
reads them: the letters (`bot.letters`: a portal's cap per program, a specialty's
standardized letters, which portal a specialty's letters go through in a cycle) count and
warn by the same figures the plan assigns letters by."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.vocab.letters import RESIDENCY_PORTALS, Portal
from bot.vocab.residency import ALL, Applicant, Event, SourceKind
from bot.vocab.specialties import canonical_specialty, lineage

DATA_DIR = Path(__file__).with_name("cycle_data")
CYCLE_NAME = re.compile(r"^(\d{4})-(\d{2})$")


def cycle_years(name: str) -> tuple[int, int]:
    """("2025-26") → (2025, 2026): the year applications go in and the year of the Match."""
    found = CYCLE_NAME.match(name)
    if found is None:
        raise ValueError(f"“{name}” is not a cycle (like 2026-27)")
    first = int(found.group(1))
    if int(found.group(2)) != (first + 1) % 100:
        raise ValueError(f"“{name}” is not a cycle: the second year must follow the first "
                         f"(like {first}-{(first + 1) % 100:02d})")
    return first, first + 1


def cycle_name(first_year: int) -> str:
    return f"{first_year}-{(first_year + 1) % 100:02d}"


def cycle_label(name: str) -> str:
    """As people write it: "2025–26"."""
    return name.replace("-", "–")


# --- the figures ------------------------------------------------------------------------


def _specialty(value: str) -> str:
    found = canonical_specialty(value)
    if found is None or found != value:
        raise ValueError(f"“{value}” is not a canonical name of the specialty vocabulary "
                         f"(bot/vocab/specialties.py){f'; did you mean “{found}”' if found else ''}")
    return found


def _residency_portal(value: str) -> Portal:
    portal = Portal(value)
    if portal not in RESIDENCY_PORTALS:
        raise ValueError(f"{value} is not a residency portal ({', '.join(RESIDENCY_PORTALS)})")
    return portal


class Sourced(BaseModel):
    """What every figure carries: where it comes from, what kind of source that is, and
    anything a reader needs to know about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    source_kind: SourceKind
    note: str = ""

    @field_validator("source")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise ValueError(f"the source must be a web address, not “{value}”")
        return value


class Signals(Sourced):
    """A specialty's signal allotment in a cycle: gold and silver, or one number of
    untiered signals, or `none` (the specialty takes no signals that cycle)."""

    specialties: tuple[str, ...] = Field(min_length=1)
    portal: Portal = Portal.ERAS
    gold: int | None = Field(default=None, ge=0)
    silver: int | None = Field(default=None, ge=0)
    total: int | None = Field(default=None, ge=0)
    none: bool = False

    @field_validator("specialties")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_specialty(v) for v in value)

    @model_validator(mode="after")
    def _counts(self) -> Signals:
        tiered = self.gold is not None or self.silver is not None
        if self.none and (tiered or self.total is not None):
            raise ValueError("a specialty with no signals has no counts")
        if not self.none and not tiered and self.total is None:
            raise ValueError("give gold and silver, or total, or none = true")
        if tiered and (self.gold is None or self.silver is None):
            raise ValueError("tiered signals need both gold and silver")
        if tiered and self.total is not None and self.total != (self.gold or 0) + (self.silver or 0):
            raise ValueError("total must be gold + silver")
        return self

    @property
    def tiered(self) -> bool:
        return self.gold is not None

    @property
    def count(self) -> int:
        """Signals in all (0 for a specialty that takes none)."""
        if self.none:
            return 0
        if self.tiered:
            return (self.gold or 0) + (self.silver or 0)
        return self.total or 0


class PortalUse(Sourced):
    """Which portal a specialty's programs receive applications through in a cycle."""

    specialty: str
    portal: Portal

    @field_validator("specialty")
    @classmethod
    def _name(cls, value: str) -> str:
        return _specialty(value)

    @field_validator("portal")
    @classmethod
    def _portal(cls, value: Portal) -> Portal:
        return _residency_portal(value)


class FeeTier(BaseModel):
    """Programs `first`..`last` (no `last`: and every one after) cost `flat_usd` together
    plus `each_usd` each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: int = Field(ge=1)
    last: int | None = None
    flat_usd: int = Field(default=0, ge=0)
    each_usd: int = Field(default=0, ge=0)


class Fees(Sourced):
    """A portal's application fees in a cycle, for one specialty or (none named) all."""

    portal: Portal
    specialty: str | None = None
    tiers: tuple[FeeTier, ...] = Field(min_length=1)

    @field_validator("portal")
    @classmethod
    def _portal(cls, value: Portal) -> Portal:
        return _residency_portal(value)

    @field_validator("specialty")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _specialty(value)

    @model_validator(mode="after")
    def _contiguous(self) -> Fees:
        expected = 1
        for index, tier in enumerate(self.tiers):
            if tier.first != expected:
                raise ValueError(f"fee tiers must run on from program 1 without a gap or an "
                                 f"overlap: a tier starts at {tier.first}, not {expected}")
            is_last = index == len(self.tiers) - 1
            if tier.last is None and not is_last:
                raise ValueError("only the last fee tier may be open-ended")
            if is_last and tier.last is not None:
                raise ValueError("the last fee tier must be open-ended (no last)")
            if tier.last is not None:
                if tier.last < tier.first:
                    raise ValueError("a fee tier ends before it starts")
                expected = tier.last + 1
        return self

    def total(self, programs: int) -> int:
        """What applying to `programs` programs costs, in US dollars."""
        if programs <= 0:
            return 0
        cost = 0
        for tier in self.tiers:
            if programs < tier.first:
                break
            top = programs if tier.last is None else min(programs, tier.last)
            cost += tier.flat_usd + tier.each_usd * (top - tier.first + 1)
        return cost


class Applications(Sourced):
    """The mean number of applications sent per applicant: for a specialty (or `all`) and
    an applicant type (or `all`)."""

    specialty: str
    applicant: str
    mean: float = Field(gt=0)

    @field_validator("specialty")
    @classmethod
    def _name(cls, value: str) -> str:
        return value if value == ALL else _specialty(value)

    @field_validator("applicant")
    @classmethod
    def _applicant(cls, value: str) -> str:
        if value != ALL and value not in tuple(Applicant):
            raise ValueError(f"applicant must be md, do, img or all, not “{value}”")
        return value


class MatchRate(Sourced):
    """The share of one group of applicants that matched in the cycle's Main Residency
    Match (PGY-1)."""

    applicant: Applicant
    group: str
    percent: float = Field(gt=0, le=100)


class CycleDate(Sourced):
    """A key date of the cycle; `portal` for those that differ by application service."""

    event: Event
    day: date
    portal: Portal | None = None


class LetterRule(Sourced):
    """How a portal handles letters: the most it assigns to one program, and whether each
    must be assigned by hand."""

    portal: Portal
    max_per_program: int | None = Field(default=None, ge=1)
    manual_assignment: bool = False


class StandardizedLetter(Sourced):
    """A specialty's standardized letter (SLOE, SLOR, eSLOR): how many programs want,
    whether they require it, and how many letters they expect in all."""

    specialty: str
    name: str
    wanted: int = Field(ge=1)
    required: bool = True
    expected_total: int | None = Field(default=None, ge=1)
    full_name: str = ""  # what the abbreviation stands for ("Standardized Letter of Evaluation")
    written_by: str = ""  # who writes it, and from what: as the specialty's body says

    @field_validator("specialty")
    @classmethod
    def _name(cls, value: str) -> str:
        return _specialty(value)


class Missing(BaseModel):
    """What was looked for and not found, and when: shown with the cycle's sources."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str
    looked_on: date
    detail: str


class Cycle(BaseModel):
    """One data file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cycle: str
    names: str
    signals: tuple[Signals, ...] = ()
    portals: tuple[PortalUse, ...] = ()
    fees: tuple[Fees, ...] = ()
    applications: tuple[Applications, ...] = ()
    match_rates: tuple[MatchRate, ...] = ()
    dates: tuple[CycleDate, ...] = ()
    letters: tuple[LetterRule, ...] = ()
    standardized_letters: tuple[StandardizedLetter, ...] = ()
    missing: tuple[Missing, ...] = ()

    @field_validator("cycle")
    @classmethod
    def _cycle(cls, value: str) -> str:
        cycle_years(value)
        return value

    @model_validator(mode="after")
    def _once(self) -> Cycle:
        seen: set[str] = set()
        for figure in self.signals:
            for name in figure.specialties:
                if name in seen:
                    raise ValueError(f"two signal allotments for {name}")
                seen.add(name)
        dates = [(d.event, d.portal) for d in self.dates]
        if len(dates) != len(set(dates)):
            raise ValueError("a date is given twice for the same event and portal")
        return self

    @property
    def label(self) -> str:
        return cycle_label(self.cycle)

    @property
    def years(self) -> tuple[int, int]:
        return cycle_years(self.cycle)


Figure = Signals | PortalUse | Fees | Applications | MatchRate | CycleDate | LetterRule | \
    StandardizedLetter


class CycleDataError(ValueError):
    """A data file that cannot be used, with the file and every problem in it."""


def load_file(path: Path) -> Cycle:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CycleDataError(f"{path.name}: not valid TOML: {exc}") from None
    try:
        cycle = Cycle.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: "
            f"{str(err['msg']).removeprefix('Value error, ')}" for err in exc.errors())
        raise CycleDataError(f"{path.name}: {problems}") from None
    if path.stem != cycle.cycle:
        raise CycleDataError(f"{path.name} holds cycle {cycle.cycle}: name it {cycle.cycle}.toml")
    return cycle


def load_dir(directory: Path) -> dict[str, Cycle]:
    return {c.cycle: c for c in (load_file(p) for p in sorted(directory.glob("*.toml")))}


CYCLES: dict[str, Cycle] = load_dir(DATA_DIR)
"""Every cycle the bot has data for, by name; loaded (and checked) on import."""


# --- asking for a figure --------------------------------------------------------------------

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Found(Generic[T_co]):
    """A figure, and the cycle it is from (`cycle`), which is the cycle asked for (`asked`)
    unless that one has none and an earlier cycle's is the latest published."""

    value: T_co
    cycle: str
    asked: str

    @property
    def earlier(self) -> bool:
        return self.cycle != self.asked

    def whose(self) -> str:
        """Which cycle the figure is from, said plainly when it is not the one asked for:
        "2025–26", or "2025–26, the latest published; none found for 2027–28"."""
        if self.earlier:
            return (f"{cycle_label(self.cycle)}, the latest published; none found for "
                    f"{cycle_label(self.asked)}")
        return cycle_label(self.cycle)


def known_cycles() -> tuple[str, ...]:
    return tuple(sorted(CYCLES))


def cycle(name: str) -> Cycle | None:
    return CYCLES.get(name)


def _newest_first(asked: str) -> list[Cycle]:
    """The cycle asked for, then every earlier one, newest first."""
    return [CYCLES[name] for name in sorted(CYCLES, reverse=True) if name <= asked]


def _latest(asked: str, pick: Callable[[Cycle], T | None]) -> Found[T] | None:
    for data in _newest_first(asked):
        value = pick(data)
        if value is not None:
            return Found(value, data.cycle, asked)
    return None


def _fits(name: str, specialty: str) -> bool:
    """A figure about `name` holds for `specialty` (or a subspecialty of it)."""
    return name in lineage(specialty)


def signals(asked: str, specialty: str) -> Signals | None:
    """The cycle's own signal allotment for the specialty (never an earlier cycle's)."""
    data = CYCLES.get(asked)
    if data is None:
        return None
    return next((s for s in data.signals if any(_fits(n, specialty) for n in s.specialties)),
                None)


def latest_signals(asked: str, specialty: str) -> Found[Signals] | None:
    """The latest published allotment at or before `asked`: context for "not found"."""
    return _latest(asked, lambda data: signals(data.cycle, specialty))


def portal(asked: str, specialty: str) -> Found[Portal] | None:
    """Which portal the specialty's programs use in the cycle: a portal figure, else the
    portal its signal allotment is made through. Only the cycle's own figures count."""
    data = CYCLES.get(asked)
    if data is None:
        return None
    use = next((p for p in data.portals if _fits(p.specialty, specialty)), None)
    if use is not None:
        return Found(use.portal, asked, asked)
    allotment = signals(asked, specialty)
    return Found(allotment.portal, asked, asked) if allotment is not None else None


def latest_portal(asked: str, specialty: str) -> Found[Portal] | None:
    """The portal the specialty's programs use: the cycle's own figure, else the latest
    earlier cycle's, which comes back with its cycle ("ResidencyCAS, 2025–26, the latest
    published"): a letter for a later cycle still needs to know where it goes."""
    return _latest(asked, lambda data: _own_portal(data.cycle, specialty))


def _own_portal(asked: str, specialty: str) -> Portal | None:
    found = portal(asked, specialty)
    return found.value if found is not None else None


def portal_figure(asked: str, specialty: str) -> Sourced | None:
    data = CYCLES.get(asked)
    if data is None:
        return None
    use = next((p for p in data.portals if _fits(p.specialty, specialty)), None)
    return use if use is not None else signals(asked, specialty)


def fees(asked: str, portal_used: Portal, specialty: str) -> Found[Fees] | None:
    """The portal's fee schedule for the specialty: the cycle's own, else the latest
    earlier one (with its cycle)."""

    def pick(data: Cycle) -> Fees | None:
        mine = [f for f in data.fees if f.portal == portal_used]
        return next((f for f in mine if f.specialty is not None
                     and _fits(f.specialty, specialty)), None) or \
            next((f for f in mine if f.specialty is None), None)

    return _latest(asked, pick)


def applications(asked: str, specialty: str, applicant: str) -> Found[Applications] | None:
    """Applications per applicant: the specialty's figure for the applicant type, else for
    all applicants, else the all-specialty figure for the type, else for all; from the cycle
    asked for, else the latest earlier cycle that has one."""
    order = ((specialty, applicant), (specialty, ALL), (ALL, applicant), (ALL, ALL))

    def pick(data: Cycle) -> Applications | None:
        for want_specialty, want_applicant in order:
            for figure in data.applications:
                same = figure.specialty == ALL if want_specialty == ALL \
                    else figure.specialty != ALL and _fits(figure.specialty, want_specialty)
                if same and figure.applicant == want_applicant:
                    return figure
        return None

    return _latest(asked, pick)


def match_rates(asked: str, applicant: str) -> Found[tuple[MatchRate, ...]] | None:
    return _latest(asked, lambda data: tuple(
        r for r in data.match_rates if r.applicant == applicant) or None)


def letter_rule(asked: str, portal_used: Portal) -> Found[LetterRule] | None:
    return _latest(asked, lambda data: next(
        (r for r in data.letters if r.portal == portal_used), None))


def standardized_letter(asked: str, specialty: str) -> Found[StandardizedLetter] | None:
    return _latest(asked, lambda data: next(
        (s for s in data.standardized_letters if _fits(s.specialty, specialty)), None))


def dates(asked: str) -> tuple[CycleDate, ...]:
    """The cycle's own dates (never another cycle's)."""
    data = CYCLES.get(asked)
    return data.dates if data is not None else ()


def missing(asked: str) -> tuple[Missing, ...]:
    data = CYCLES.get(asked)
    return data.missing if data is not None else ()


@cache
def sources_of(name: str) -> tuple[tuple[str, Figure], ...]:
    """Every figure of a cycle with what it is ("signals", "fees"…), in file order."""
    data = CYCLES.get(name)
    if data is None:
        return ()
    kinds: Sequence[tuple[str, Iterable[Figure]]] = (
        ("signals", data.signals), ("portals", data.portals), ("fees", data.fees),
        ("applications", data.applications), ("match rates", data.match_rates),
        ("dates", data.dates), ("letters", data.letters),
        ("standardized letters", data.standardized_letters))
    return tuple((kind, figure) for kind, figures in kinds for figure in figures)


KIND_OF_FIGURE: dict[type, str] = {
    Signals: "signals", PortalUse: "portals", Fees: "fees", Applications: "applications",
    MatchRate: "match rates", CycleDate: "dates", LetterRule: "letters",
    StandardizedLetter: "standardized letters"}


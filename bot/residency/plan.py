"""The residency plan: a pure function of plain values (the student's profile, the group's
programs, what the student did by hand, the letters they track, the cycle's figures and
today) that returns one `Plan`, which the chat reply, the command line's JSON, the CSV
export and a web page all render. It decides, and says why:

- how many programs (the cycle's applications-per-applicant figure, adjusted for visible
  risks, capped by the eligible programs, or the student's `count:`);
- which (eligible only, balanced between tiers, ranked inside a tier by the student's
  preferences, programs kept by hand first, programs dropped by hand never), each with its
  reasons;
- signals within the cycle's allotment (gold and silver apart, gold to top targets, none to
  a program that takes none, none to home or away programs where the specialty says so);
- letters per program from the letters the student tracks (the specialty's standardized
  letter first, never more than the portal's cap);
- the fee by each portal's tiers, and the cycle's dates still ahead.

Every figure it uses comes from `bot.vocab.cycles` with its cycle and source; where the
plan's cycle has none, it says so (and, where it needs a number, uses the latest earlier
one, whose cycle it names)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from bot.letters.mix import choose_letters, counts_as_standardized, letter_rank
from bot.letters.programs import normalize_phrase, read_program
from bot.letters.rules import GONE_STATES, LetterFacts
from bot.residency import rules
from bot.residency.rules import Adjustment, ProgramFacts, Why
from bot.vocab import cycles
from bot.vocab.cycles import (
    Applications,
    CycleDate,
    Fees,
    Found,
    LetterRule,
    MatchRate,
    Signals,
    Sourced,
    StandardizedLetter,
)
from bot.vocab.letters import LetterKind, Portal, ProgramTrack
from bot.vocab.residency import (
    ALL,
    Applicant,
    EntryState,
    Event,
    ProgramType,
    Region,
    SignalTier,
    Tier,
    Visa,
)


@dataclass(frozen=True)
class Profile:
    """The facts a plan uses about the student."""

    specialty: str
    cycle: str
    backup: str | None = None
    applicant: Applicant | None = None
    visa: Visa | None = None
    step2: int | None = None
    home: int | None = None
    aways: tuple[int, ...] = ()
    regions: tuple[Region, ...] = ()
    types: tuple[ProgramType, ...] = ()
    couples: bool = False

    @property
    def rotated(self) -> frozenset[int]:
        """The home program and the away rotations."""
        return frozenset((*self.aways, *((self.home,) if self.home is not None else ())))


@dataclass(frozen=True)
class Entry:
    """What the student did by hand with one program."""

    program_id: int
    state: EntryState | None = None
    signal: SignalTier | None = None


class ReasonKind(StrEnum):
    TIER = "tier"  # Step 2 CK against the mean: a score, shown to a mentor only with scores
    ROTATED = "rotated"
    REGION = "region"
    TYPE = "type"
    HAND = "hand"  # kept or signalled by the student
    SIGNAL = "signal"
    CHECK = "check"  # something the program's row does not state
    COMMENT = "comment"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    detail: str = ""  # facts the words need ("home", "away", a Why)
    number: int | None = None
    other: int | None = None

    @property
    def private(self) -> bool:
        """Holds the student's score: a mentor sees it only when the list is shared with
        scores."""
        return self.kind == ReasonKind.TIER


@dataclass(frozen=True)
class PlannedProgram:
    program: ProgramFacts
    tier: Tier
    portal: Portal | None
    signal: SignalTier | None = None  # gold, silver, or (untiered) SIGNAL_UNTIERED
    signal_by_hand: bool = False
    letters: tuple[int, ...] = ()
    reasons: tuple[Reason, ...] = ()
    added: bool = False
    backup: bool = False
    fee_usd: int | None = None  # what this application adds to its portal's fee


@dataclass(slots=True)
class _Draft:
    """A planned program while the plan is being built (each step fills in its part); it
    becomes a `PlannedProgram` once, at the end."""

    program: ProgramFacts
    tier: Tier
    reasons: list[Reason]
    added: bool
    backup: bool
    portal: Portal | None = None
    signal: SignalTier | None = None
    signal_by_hand: bool = False
    letters: tuple[int, ...] = ()
    fee_usd: int | None = None

    def freeze(self) -> PlannedProgram:
        return PlannedProgram(program=self.program, tier=self.tier, portal=self.portal,
                              signal=self.signal, signal_by_hand=self.signal_by_hand,
                              letters=self.letters, reasons=tuple(self.reasons),
                              added=self.added, backup=self.backup, fee_usd=self.fee_usd)


SIGNAL_UNTIERED = SignalTier.GOLD
"""How an untiered signal is stored on a planned program (`Plan.signals.tiered` says the
specialty does not tier its signals, and the words then say "signal")."""


class Adjust(StrEnum):
    """The cases of `CountPlan`."""

    FIGURE = "figure"  # from the published figure (and adjustments)
    OVERRIDE = "override"  # the student's count:
    NONE = "none"  # no figure: every eligible program is listed


@dataclass(frozen=True)
class CountPlan:
    source: Adjust
    base: Found[Applications] | None
    adjustments: tuple[Adjustment, ...]
    wanted: int | None  # what the figure and adjustments (or count:) ask for
    available: int  # eligible programs of the specialty, dropped ones aside
    count: int  # programs in the plan from the specialty (the backup's aside)

    @property
    def capped(self) -> bool:
        return self.wanted is not None and self.wanted > self.available


class SignalStatus(StrEnum):
    KNOWN = "known"
    NONE = "none"  # the specialty takes no signals this cycle
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class SignalPlan:
    specialty: str
    status: SignalStatus
    allotment: Signals | None
    latest: Found[Signals] | None  # context when not found: an earlier cycle's
    gold: int = 0
    silver: int = 0
    total: int = 0
    unplaced: int = 0  # signals of the allotment no eligible program could take
    home_away_rule: bool = False
    over_by_hand: int = 0  # hand signals beyond the allotment (never placed)

    @property
    def tiered(self) -> bool:
        return self.allotment is not None and self.allotment.tiered


@dataclass(frozen=True)
class LetterPlan:
    specialty: str
    tracked: tuple[LetterFacts, ...]  # residency letters for the specialty, not gone
    cap: Found[LetterRule] | None  # the cap applied (ERAS's), if any program has one
    rules: tuple[Found[LetterRule], ...]  # each portal's letter rule used
    standardized: Found[StandardizedLetter] | None
    standardized_tracked: int
    left_out: tuple[int, ...] = ()  # letters over the cap at every program that can't take them
    short: tuple[str, ...] = ()  # programs getting fewer letters than expected


@dataclass(frozen=True)
class FeeLine:
    portal: Portal | None
    specialty: str
    programs: int
    schedule: Found[Fees] | None

    @property
    def total_usd(self) -> int | None:
        """The fee at the plan cycle's own prices (None when it has none)."""
        if self.schedule is None or self.schedule.earlier:
            return None
        return self.schedule.value.total(self.programs)

    @property
    def estimate_usd(self) -> int | None:
        """At the latest published prices, whatever their cycle."""
        return None if self.schedule is None else self.schedule.value.total(self.programs)


@dataclass(frozen=True)
class DatePlan:
    upcoming: tuple[CycleDate, ...]
    passed: int
    missing: tuple[tuple[Event, Portal | None], ...]


class WarningCode(StrEnum):
    TOO_FEW_LETTERS = "too-few-letters"
    STANDARDIZED_SHORT = "standardized-short"
    LETTERS_OVER_CAP = "letters-over-cap"
    CAPPED = "capped"
    NO_PROGRAMS = "no-programs"
    HAND_SIGNALS_OVER = "hand-signals-over"
    INELIGIBLE_KEPT = "ineligible-kept"
    NO_STEP2 = "no-step2"
    UNSTATED = "unstated"


@dataclass(frozen=True)
class PlanWarning:
    code: WarningCode
    count: int = 0
    expected: int = 0
    names: tuple[str, ...] = ()
    letters: tuple[int, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class UsedSource:
    what: str  # "signals", "fees"…
    cycle: str
    figure: Sourced


@dataclass(frozen=True)
class Plan:
    cycle: str
    cycle_known: bool  # the bot has a data file for it
    profile: Profile
    today: date
    count: CountPlan
    programs: tuple[PlannedProgram, ...]
    ineligible: tuple[tuple[ProgramFacts, tuple[Why, ...]], ...]
    dropped: tuple[ProgramFacts, ...]
    signals: tuple[SignalPlan, ...]
    letters: LetterPlan
    fees: tuple[FeeLine, ...]
    dates: DatePlan
    match_rates: Found[tuple[MatchRate, ...]] | None
    warnings: tuple[PlanWarning, ...] = ()
    sources: tuple[UsedSource, ...] = ()
    missing: tuple[cycles.Missing, ...] = ()
    backup_open: int = 0  # eligible programs of the backup specialty not on the list

    def tier_count(self, t: Tier) -> int:
        return sum(1 for p in self.programs if p.tier == t and not p.backup)

    @property
    def fee_total_usd(self) -> int | None:
        totals = [line.total_usd for line in self.fees]
        return None if not totals or any(t is None for t in totals) else sum(
            t for t in totals if t is not None)

    @property
    def fee_estimate_usd(self) -> int | None:
        totals = [line.estimate_usd for line in self.fees]
        return None if not totals or any(t is None for t in totals) else sum(
            t for t in totals if t is not None)

    def signal_plan(self, specialty: str) -> SignalPlan | None:
        return next((s for s in self.signals if s.specialty == specialty), None)


@dataclass
class _Sources:
    used: dict[tuple[str, str, int], UsedSource] = field(default_factory=dict)

    def add(self, what: str, cycle: str, figure: Sourced | None) -> None:
        if figure is not None:
            self.used.setdefault((what, cycle, id(figure)), UsedSource(what, cycle, figure))

    def found(self, what: str, found: Found[Any] | None) -> None:
        if found is None:
            return
        value = found.value
        figures = value if isinstance(value, tuple) else (value,)
        for figure in figures:
            if isinstance(figure, Sourced):
                self.add(what, found.cycle, figure)


def build_plan(profile: Profile, programs: Sequence[ProgramFacts], *,
               entries: Mapping[int, Entry], letters: Sequence[LetterFacts], today: date,
               count: int | None = None) -> Plan:
    """The plan (see the module's account). `programs` are every program of the student's
    groups; `entries` what the student did by hand, by program id; `count` the student's
    `count:`, if any."""
    sources = _Sources()
    main = profile.specialty
    backup = profile.backup if profile.backup and profile.backup != main else None
    backup_open = 0
    eligible: list[ProgramFacts] = []
    closed: list[tuple[ProgramFacts, tuple[Why, ...]]] = []
    dropped: list[ProgramFacts] = []
    added_backup: list[ProgramFacts] = []
    warnings: list[PlanWarning] = []
    kept_closed: list[str] = []
    # One pass over what may be thousands of programs: who may apply, each eligible one's
    # tier and ranking key, and the ones that are on the list whatever the plan says.
    applicant, visa, step2 = profile.applicant, profile.visa, profile.step2
    rotated = profile.rotated
    regions, types = frozenset(profile.regions), frozenset(profile.types)
    tier_of, rank_of, closed_to = rules.tier, rules.preference_rank, rules.ineligible
    tiers: dict[int, Tier] = {}
    # (preference, name, id): one small tuple per program, sorted as it is; few objects,
    # so a plan over thousands of programs does not set off the garbage collector.
    keys: dict[int, tuple[int, str, int]] = {}
    buckets: dict[Tier, list[tuple[int, str, int]]] = {t: [] for t in Tier}
    forced: list[ProgramFacts] = []
    added_state, dropped_state = EntryState.ADDED, EntryState.DROPPED
    portals_named: set[Portal | None] = set()  # the list's portals: whose dates concern it
    for program in programs:
        entry = entries.get(program.id)
        ours = program.specialty == main
        hand_added = entry is not None and entry.state == added_state
        if ours or hand_added:
            portals_named.add(program.portal)
        else:
            if program.specialty == backup and entry is None and not closed_to(
                    program, applicant=applicant, visa=visa):
                backup_open += 1
            continue
        why = closed_to(program, applicant=applicant, visa=visa)
        if why:
            closed.append((program, why))
            if hand_added:
                kept_closed.append(program.name)
            continue
        if entry is not None and entry.state == dropped_state:
            dropped.append(program)
        elif not ours:
            added_backup.append(program)
        else:
            eligible.append(program)
            pid = program.id
            tiers[pid] = t = tier_of(step2, program.step2_mean)
            keys[pid] = k = (rank_of(program, rotated, regions, types), program.name.lower(),
                             pid)
            if hand_added or pid in rotated:
                forced.append(program)
            else:
                buckets[t].append(k)
    if kept_closed:
        warnings.append(PlanWarning(WarningCode.INELIGIBLE_KEPT, names=tuple(kept_closed)))

    known = [t for t in tiers.values() if t != Tier.UNKNOWN]
    reach_share = (sum(1 for t in known if t == Tier.REACH) / len(known)) if known else None
    counted = _count(profile, len(eligible), count, reach_share, sources)
    forced_ids = {p.id for p in forced}
    slots = max(counted.count - len(forced), 0)
    # Each tier ranked by preference: only as far as the list can reach into it.
    ranked: dict[Tier, list[int]] = {
        t: [key[2] for key in (heapq.nsmallest(slots, bucket) if slots * 4 < len(bucket)
                               else sorted(bucket))]
        for t, bucket in buckets.items()}
    chosen_ids = [p.id for p in forced] + rules.choose(ranked, counted.count - len(forced))
    by_id = {p.id: p for p in eligible}
    chosen = [by_id[i] for i in chosen_ids]
    if counted.capped and counted.source != Adjust.NONE:
        warnings.append(PlanWarning(WarningCode.CAPPED, count=counted.available,
                                    expected=counted.wanted or 0))
    if not eligible and not added_backup:
        warnings.append(PlanWarning(WarningCode.NO_PROGRAMS))
    if profile.step2 is None and eligible:
        warnings.append(PlanWarning(WarningCode.NO_STEP2))

    order = {t: i for i, t in enumerate(rules.TIER_ORDER)}
    ordered = sorted(chosen, key=lambda p: (order[tiers[p.id]], keys[p.id]))
    drafts: list[_Draft] = []
    for p in ordered:
        drafts.append(_row(p, tiers[p.id], profile,
                           rules.preference(p, rotated=rotated, regions=regions, types=types),
                           added=p.id in forced_ids and p.id not in rotated))
    for p in sorted(added_backup, key=lambda p: (p.name.lower(), p.id)):
        drafts.append(_row(p, rules.tier(profile.step2, p.step2_mean), profile,
                           rules.preference(p, rotated=rotated, regions=profile.regions,
                                            types=profile.types),
                           added=True, backup=True))
    _portals(profile, drafts, sources)
    unstated = sorted({Why(r.detail) for d in drafts for r in d.reasons
                       if r.kind == ReasonKind.CHECK})
    if unstated:
        warnings.append(PlanWarning(WarningCode.UNSTATED, names=tuple(unstated)))

    signal_plans: list[SignalPlan] = []
    for specialty in dict.fromkeys(d.program.specialty for d in drafts) or (main,):
        plan = _signals(profile, specialty, drafts, entries, sources)
        signal_plans.append(plan)
        if plan.over_by_hand:
            warnings.append(PlanWarning(WarningCode.HAND_SIGNALS_OVER, count=plan.over_by_hand,
                                        detail=specialty))
    letter_plan = _letters(profile, drafts, letters, sources)
    warnings += _letter_warnings(letter_plan)
    fee_lines = _fees(profile, drafts, sources)
    rows = [d.freeze() for d in drafts]
    dates = _dates(profile, portals_named, today, sources)
    rates = cycles.match_rates(profile.cycle, profile.applicant) \
        if profile.applicant is not None else None
    sources.found("match rates", rates)
    return Plan(
        cycle=profile.cycle, cycle_known=cycles.cycle(profile.cycle) is not None,
        profile=profile, today=today, count=counted, programs=tuple(rows),
        ineligible=tuple(closed), dropped=tuple(dropped), signals=tuple(signal_plans),
        letters=letter_plan, fees=tuple(fee_lines), dates=dates, match_rates=rates,
        warnings=tuple(warnings), sources=tuple(sources.used.values()),
        missing=cycles.missing(profile.cycle), backup_open=backup_open)


# --- how many -----------------------------------------------------------------------------


def _count(profile: Profile, available: int, override: int | None,
           reach_share: float | None, sources: _Sources) -> CountPlan:
    applicant = profile.applicant.value if profile.applicant is not None else ALL
    base = cycles.applications(profile.cycle, profile.specialty, applicant)
    sources.found("applications per applicant", base)
    if override is not None:
        return CountPlan(Adjust.OVERRIDE, base, (), override, available,
                         min(override, available))
    if base is None:
        return CountPlan(Adjust.NONE, None, (), None, available, available)
    mean = base.value.mean
    extra = rules.adjustments(
        mean, visa=profile.visa, applicant=profile.applicant,
        figure_for_img=base.value.applicant == Applicant.IMG, couples=profile.couples,
        reach_share=reach_share)
    wanted = round(mean) + sum(a.amount for a in extra)
    return CountPlan(Adjust.FIGURE, base, extra, wanted, available, min(wanted, available))


# --- one row ------------------------------------------------------------------------------


def _row(program: ProgramFacts, tier: Tier, profile: Profile, pref: rules.Preference, *,
         added: bool, backup: bool = False) -> _Draft:
    reasons: list[Reason] = []
    if tier != Tier.UNKNOWN:
        reasons.append(Reason(ReasonKind.TIER, tier.value, profile.step2, program.step2_mean))
    elif program.step2_mean is None:
        reasons.append(Reason(ReasonKind.TIER, "no-mean"))
    else:
        reasons.append(Reason(ReasonKind.TIER, "no-step2"))
    if program.id == profile.home:
        reasons.append(Reason(ReasonKind.ROTATED, "home"))
    elif program.id in profile.aways:
        reasons.append(Reason(ReasonKind.ROTATED, "away"))
    if pref.region and program.region is not None:
        reasons.append(Reason(ReasonKind.REGION, program.region.value))
    if pref.type and program.type is not None:
        reasons.append(Reason(ReasonKind.TYPE, program.type.value))
    if added:
        reasons.append(Reason(ReasonKind.HAND, "backup" if backup else "added"))
    for why in rules.unstated(program, applicant=profile.applicant, visa=profile.visa):
        reasons.append(Reason(ReasonKind.CHECK, why.value))
    return _Draft(program=program, tier=tier, reasons=reasons, added=added, backup=backup)


# --- signals ------------------------------------------------------------------------------


def _signals(profile: Profile, specialty: str, drafts: list[_Draft],
             entries: Mapping[int, Entry], sources: _Sources) -> SignalPlan:
    """Place the specialty's signals on its drafts; what was placed, as a `SignalPlan`."""
    allotment = cycles.signals(profile.cycle, specialty)
    rule = rules.no_home_away_signals(specialty)
    if allotment is None:
        # No allotment to propose signals against: only the student's own stand, unchecked
        # (never where no signal may go).
        latest = cycles.latest_signals(profile.cycle, specialty)
        sources.found("signals", latest)
        rotated = profile.rotated
        by_hand = 0
        for draft in drafts:
            entry = entries.get(draft.program.id)
            if draft.program.specialty != specialty or entry is None or entry.signal in (
                    None, SignalTier.NONE) or not rules.may_signal(draft.program,
                                                                   rotated=rotated):
                continue
            draft.signal, draft.signal_by_hand = entry.signal, True
            draft.reasons.append(Reason(ReasonKind.SIGNAL, entry.signal.value, 1))
            by_hand += 1
        return SignalPlan(specialty, SignalStatus.NOT_FOUND, None, latest, total=by_hand,
                          home_away_rule=rule)
    sources.add("signals", profile.cycle, allotment)
    if allotment.none:
        return SignalPlan(specialty, SignalStatus.NONE, allotment, None, home_away_rule=rule)
    rotated = profile.rotated
    mine = [d for d in drafts if d.program.specialty == specialty]
    tiered = allotment.tiered
    gold_left = (allotment.gold or 0) if tiered else allotment.count
    silver_left = (allotment.silver or 0) if tiered else 0
    assigned: list[_Draft] = []
    blocked: set[int] = set()
    over = 0

    def give(draft: _Draft, signal: SignalTier, by_hand: bool) -> None:
        draft.signal, draft.signal_by_hand = signal, by_hand
        draft.reasons.append(Reason(ReasonKind.SIGNAL, signal.value if tiered else "signal",
                                    int(by_hand)))
        assigned.append(draft)

    # By hand first: within the allotment, never where no signal may go.
    for draft in mine:
        entry = entries.get(draft.program.id)
        if entry is None or entry.signal is None:
            continue
        if entry.signal == SignalTier.NONE:
            blocked.add(draft.program.id)
            continue
        if not rules.may_signal(draft.program, rotated=rotated):
            continue
        wanted = entry.signal if tiered else SIGNAL_UNTIERED
        if wanted == SignalTier.GOLD and gold_left > 0:
            gold_left -= 1
            give(draft, SignalTier.GOLD, True)
        elif wanted == SignalTier.SILVER and silver_left > 0:
            silver_left -= 1
            give(draft, SignalTier.SILVER, True)
        else:
            over += 1
    # Then the plan's: gold to the top targets, the rest in signal order.
    open_ = [d for d in mine if d.signal is None and d.program.id not in blocked
             and rules.may_signal(d.program, rotated=rotated)]
    by_tier: dict[Tier, list[_Draft]] = {t: [] for t in rules.SIGNAL_ORDER}
    for draft in open_:
        by_tier[draft.tier].append(draft)
    if tiered:
        for draft in by_tier[Tier.TARGET]:
            if gold_left <= 0:
                break
            give(draft, SignalTier.GOLD, False)
            gold_left -= 1
    for t in rules.SIGNAL_ORDER:
        for draft in by_tier[t]:
            if draft.signal is not None:
                continue
            if tiered:
                if silver_left <= 0:
                    break
                give(draft, SignalTier.SILVER, False)
                silver_left -= 1
            else:
                if gold_left <= 0:
                    break
                give(draft, SIGNAL_UNTIERED, False)
                gold_left -= 1
    gold = sum(1 for d in assigned if d.signal == SignalTier.GOLD) if tiered else 0
    silver = sum(1 for d in assigned if d.signal == SignalTier.SILVER)
    return SignalPlan(specialty, SignalStatus.KNOWN, allotment, None, gold=gold,
                      silver=silver, total=len(assigned),
                      unplaced=allotment.count - len(assigned), home_away_rule=rule,
                      over_by_hand=over)


# --- letters ------------------------------------------------------------------------------


def _for_residency(letter: LetterFacts, specialty: str) -> bool:
    """Whether a tracked letter goes to the specialty's residency programs."""
    if letter.state in GONE_STATES:
        return False
    phrase = read_program(letter.program, letter.portal)
    residency = phrase.track == ProgramTrack.RESIDENCY or (
        phrase.track is None and letter.kind in (LetterKind.SLOE, LetterKind.SPECIALTY,
                                                 LetterKind.CLERKSHIP)) or (
        letter.kind == LetterKind.SLOE and phrase.track == ProgramTrack.OTHER)
    return residency and phrase.for_specialty(specialty) and not phrase.prelim


def _letters(profile: Profile, drafts: list[_Draft], letters: Sequence[LetterFacts],
             sources: _Sources) -> LetterPlan:
    """Give each program the letters that go to it, first things first, up to its portal's
    cap; what was tracked and what was left out, as a `LetterPlan`."""
    specialty = profile.specialty
    mine = sorted((x for x in letters if _for_residency(x, specialty)),
                  key=lambda x: letter_rank(x, specialty))
    standardized = cycles.standardized_letter(profile.cycle, specialty)
    sources.found("standardized letters", standardized)
    # A letter naming one program ("County General EM residency") goes to that one only.
    names: dict[tuple[str, ...], int] = {}
    for draft in drafts:
        names.setdefault(tuple(normalize_phrase(draft.program.name).split()), draft.program.id)
    longest = max((len(k) for k in names), default=0)
    aimed: dict[int, int] = {}
    for letter in mine:
        words = normalize_phrase(letter.program).split()
        for size in range(min(longest, len(words)), 0, -1):
            hit = next((names[tuple(words[i:i + size])]
                        for i in range(len(words) - size + 1)
                        if tuple(words[i:i + size]) in names), None)
            if hit is not None:
                aimed[letter.id] = hit
                break
    general = tuple(x for x in mine if x.id not in aimed)
    aimed_at = set(aimed.values())
    caps: dict[Portal | None, Found[LetterRule] | None] = {}
    left_out: set[int] = set()
    cap_used: Found[LetterRule] | None = None
    expected = expected_letters(standardized)
    short: list[str] = []
    for draft in drafts:
        if draft.backup:
            continue
        portal = draft.portal
        if portal not in caps:
            rule = cycles.letter_rule(profile.cycle, portal) if portal is not None else None
            caps[portal] = rule
            sources.found("letters", rule)
        rule = caps[portal]
        limit = rule.value.max_per_program if rule is not None else None
        if limit is not None:
            cap_used = rule
        most = limit if limit is not None else rules.EXPECTED_LETTERS[1]
        if draft.program.id in aimed_at:
            fits = tuple(x for x in mine if aimed.get(x.id, draft.program.id) == draft.program.id)
        else:  # the common case: the same letters go to every program of the portal
            fits = general
        kept, over = choose_letters(fits, most, specialty)
        draft.letters = tuple(x.id for x in kept)
        if limit is not None:
            left_out.update(x.id for x in over)
        if len(draft.letters) < expected:
            short.append(draft.program.name)
    given_anywhere = {i for given in {d.letters for d in drafts} for i in given}
    return LetterPlan(
        specialty=specialty, tracked=tuple(mine), cap=cap_used,
        rules=tuple(found for found in caps.values() if found is not None),
        standardized=standardized,
        standardized_tracked=sum(1 for x in mine if counts_as_standardized(x, specialty)),
        left_out=tuple(sorted(left_out - given_anywhere)), short=tuple(short))


def expected_letters(standardized: Found[StandardizedLetter] | None) -> int:
    """The fewest letters a program of the specialty expects: the residency mix's, or the
    specialty's published total where it has one."""
    total = standardized.value.expected_total if standardized is not None else None
    return max(rules.EXPECTED_LETTERS[0], total or 0)


def _letter_warnings(plan: LetterPlan) -> list[PlanWarning]:
    out: list[PlanWarning] = []
    if plan.short:
        out.append(PlanWarning(WarningCode.TOO_FEW_LETTERS, count=len(plan.short),
                               expected=expected_letters(plan.standardized), names=plan.short))
    wanted = plan.standardized
    if wanted is not None and plan.standardized_tracked < wanted.value.wanted:
        out.append(PlanWarning(WarningCode.STANDARDIZED_SHORT,
                               count=plan.standardized_tracked, expected=wanted.value.wanted,
                               detail=wanted.value.name))
    if plan.left_out:
        cap = plan.cap.value.max_per_program if plan.cap is not None else None
        out.append(PlanWarning(WarningCode.LETTERS_OVER_CAP, count=len(plan.tracked),
                               expected=cap or 0, letters=plan.left_out))
    return out


# --- fees and portals ---------------------------------------------------------------------


def _portals(profile: Profile, drafts: list[_Draft], sources: _Sources) -> None:
    """Each program's portal: the one its row in the group's list names, else the one the
    cycle's figures give its specialty, else unknown."""
    portals: dict[str, Portal | None] = {}
    for draft in drafts:
        specialty = draft.program.specialty
        if specialty not in portals:
            found = cycles.portal(profile.cycle, specialty)
            portals[specialty] = found.value if found is not None else None
            if found is not None:
                sources.add("portals", profile.cycle,
                            cycles.portal_figure(profile.cycle, specialty))
        draft.portal = draft.program.portal or portals[specialty]


def _fees(profile: Profile, drafts: list[_Draft], sources: _Sources) -> list[FeeLine]:
    """The fee of each portal's list (per specialty, as ERAS prices it), and each row's
    share of it: what adding that program in its place added to the total."""
    groups: dict[tuple[Portal | None, str], list[_Draft]] = defaultdict(list)
    for draft in drafts:
        groups[(draft.portal, draft.program.specialty)].append(draft)
    lines: list[FeeLine] = []
    for (portal, specialty), mine in groups.items():
        schedule = cycles.fees(profile.cycle, portal, specialty) if portal is not None else None
        sources.found("fees", schedule)
        lines.append(FeeLine(portal, specialty, len(mine), schedule))
        if schedule is None or schedule.earlier:
            continue
        before = 0
        for position, draft in enumerate(mine, start=1):
            total = schedule.value.total(position)
            draft.fee_usd = total - before
            before = total
    return lines


# --- dates --------------------------------------------------------------------------------

PORTAL_EVENTS = (Event.APPLICATIONS_OPEN, Event.PROGRAMS_RECEIVE, Event.MSPE_RELEASE)
"""Events whose day depends on the application service."""


def date_portals(specialty: str, cycle: str,
                 program_portals: Iterable[Portal | None]) -> frozenset[Portal]:
    """The portals whose dates concern a student: those of the programs of their list's
    specialty (and any they kept), a program that names none counting as the portal the
    cycle's figures give the specialty."""
    fallback = cycles.portal(cycle, specialty)
    default = fallback.value if fallback is not None else None
    found = {p or default for p in program_portals}
    found.discard(None)
    if not found and default is not None:
        found = {default}
    return frozenset(p for p in found if p is not None)


def relevant_dates(cycle: str, portals: frozenset[Portal]) -> list[CycleDate]:
    """The cycle's dates for these portals (all of them when no portal is known), in
    order. What the plan shows and what the `residency-date` nudges are planned from."""
    events = list(Event)
    return sorted((d for d in cycles.dates(cycle)
                   if d.portal is None or not portals or d.portal in portals),
                  key=lambda d: (d.day, events.index(d.event), d.portal or ""))


def _dates(profile: Profile, portals_named: Iterable[Portal | None], today: date,
           sources: _Sources) -> DatePlan:
    used = date_portals(profile.specialty, profile.cycle, portals_named)
    relevant = relevant_dates(profile.cycle, used)
    ahead = tuple(d for d in relevant if d.day >= today)
    for d in ahead:
        sources.add("dates", profile.cycle, d)
    all_dates = cycles.dates(profile.cycle)
    have = {(d.event, d.portal) for d in all_dates}
    have_any = {d.event for d in all_dates}
    missing: list[tuple[Event, Portal | None]] = []
    for event in Event:
        if event in PORTAL_EVENTS:
            portals: list[Portal | None] = [*sorted(used)] or [None]
            for portal in portals:
                if (event, portal) not in have and not (portal is None and event in have_any):
                    missing.append((event, portal))
        elif (event, None) not in have:
            missing.append((event, None))
    return DatePlan(upcoming=ahead, passed=len(relevant) - len(ahead), missing=tuple(missing))

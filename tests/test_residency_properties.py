"""The plan's invariants over generated lists, profiles, hand choices and letters: signals
never exceed the cycle's allotment (gold and silver apart) and never go where they may not;
no ineligible program is ever in a plan; no ERAS program gets more than 4 letters; the fee
is the portal's tier formula, and each row's share adds up to it; no date shown is past."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.residency import rules
from bot.residency.plan import Entry, Profile, SignalStatus, build_plan
from bot.vocab import cycles
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.residency import Applicant, EntryState, SignalTier, Visa
from tests.support.properties import examples
from tests.support.residency import EM, IM, letter, program

CYCLES = ("2024-25", "2025-26", "2026-27", "2027-28")
VISAS = st.one_of(st.none(), st.sets(st.sampled_from([Visa.J1, Visa.H1B]), max_size=2))
FLAG = st.one_of(st.none(), st.booleans())


@st.composite
def programs(draw: st.DrawFn) -> list:  # type: ignore[type-arg]
    size = draw(st.integers(min_value=0, max_value=60))
    out = []
    for pid in range(1, size + 1):
        out.append(program(
            pid, specialty=draw(st.sampled_from([EM, IM])),
            state=draw(st.sampled_from(["MA", "TX", "CA", "IL"])),
            mean=draw(st.one_of(st.none(), st.integers(220, 265))), visas=draw(VISAS),
            takes_do=draw(FLAG), takes_img=draw(FLAG), signals=draw(FLAG),
            portal=draw(st.one_of(st.none(), st.sampled_from([Portal.ERAS,
                                                              Portal.RESIDENCYCAS])))))
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple:  # type: ignore[type-arg]
    listed = draw(programs())
    ids = [p.id for p in listed]
    specialty = draw(st.sampled_from([EM, IM]))
    home = draw(st.one_of(st.none(), st.sampled_from(ids))) if ids else None
    aways = tuple(draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))) if ids else ()
    profile = Profile(
        specialty=specialty, cycle=draw(st.sampled_from(CYCLES)),
        applicant=draw(st.one_of(st.none(), st.sampled_from(list(Applicant)))),
        visa=draw(st.one_of(st.none(), st.sampled_from(list(Visa)))),
        step2=draw(st.one_of(st.none(), st.integers(200, 280))), home=home, aways=aways,
        couples=draw(st.booleans()))
    entries = {}
    for pid in (draw(st.lists(st.sampled_from(ids), max_size=20, unique=True)) if ids else []):
        entries[pid] = Entry(pid, draw(st.one_of(st.none(), st.sampled_from(list(EntryState)))),
                             draw(st.one_of(st.none(), st.sampled_from(list(SignalTier)))))
    letters = [letter(i, kind=draw(st.one_of(st.none(), st.sampled_from(list(LetterKind)))),
                      program=draw(st.sampled_from(["EM residency (ERAS)", "IM residency",
                                                    "SLOE, County EM rotation",
                                                    "Program 001 residency", "",
                                                    "Away rotation: County EM"])),
                      state=draw(st.sampled_from(list(LetterState))))
               for i in range(1, draw(st.integers(0, 9)) + 1)]
    today = date(2024, 6, 1) + timedelta(days=draw(st.integers(0, 1200)))
    count = draw(st.one_of(st.none(), st.integers(1, 80)))
    return profile, listed, entries, letters, today, count


@settings(max_examples=examples(150), deadline=None)
@given(cases())
def test_the_plans_invariants(case: tuple) -> None:  # type: ignore[type-arg]
    profile, listed, entries, letters, today, count = case
    plan = build_plan(profile, listed, entries=entries, letters=letters, today=today,
                      count=count)
    rows = plan.programs
    # no ineligible program, no program twice
    for row in rows:
        assert not rules.ineligible(row.program, applicant=profile.applicant,
                                    visa=profile.visa)
    assert len({r.program.id for r in rows}) == len(rows)
    # signals within each specialty's allotment, never where they may not go
    for signals in plan.signals:
        mine = [r for r in rows if r.program.specialty == signals.specialty]
        given_ = [r for r in mine if r.signal is not None]
        allotment = cycles.signals(plan.cycle, signals.specialty)
        if signals.status != SignalStatus.KNOWN or allotment is None or allotment.none:
            # no allotment to propose against: only the student's own, where one may go
            assert all(r.signal_by_hand and rules.may_signal(r.program,
                                                             rotated=profile.rotated)
                       for r in given_)
            assert allotment is None or given_ == []
            continue
        assert len(given_) <= allotment.count
        if allotment.tiered:
            assert sum(r.signal == SignalTier.GOLD for r in given_) <= (allotment.gold or 0)
            assert sum(r.signal == SignalTier.SILVER for r in given_) <= (allotment.silver or 0)
        for row in given_:
            assert row.program.signals is not False
            assert rules.may_signal(row.program, rotated=profile.rotated)
            entry = entries.get(row.program.id)
            assert entry is None or entry.signal != SignalTier.NONE
    # letters: at most the cap per ERAS program, only tracked ones, never the same twice
    tracked = {x.id for x in plan.letters.tracked}
    for row in rows:
        assert set(row.letters) <= tracked and len(set(row.letters)) == len(row.letters)
        if row.portal == Portal.ERAS:
            cap = cycles.letter_rule(profile.cycle, Portal.ERAS)  # none before 2025-26
            most = cap.value.max_per_program if cap is not None else None
            assert len(row.letters) <= (most or rules.EXPECTED_LETTERS[1])
    # the fee is the tier formula, and the rows' shares add up to it
    for line in plan.fees:
        if line.total_usd is None or line.schedule is None:
            continue
        if line.portal == Portal.ERAS:
            n = line.programs
            assert line.total_usd == 11 * min(n, 30) + 30 * max(n - 30, 0)
        mine = [r.fee_usd for r in rows
                if r.portal == line.portal and r.program.specialty == line.specialty]
        assert sum(f or 0 for f in mine) == line.total_usd
    # dates: none past, each of the plan's own cycle
    own = set(cycles.dates(plan.cycle))
    assert all(d.day >= today and d in own for d in plan.dates.upcoming)


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(min_value=0, max_value=400))
def test_every_fee_schedule_is_its_tiers_summed(n: int) -> None:
    for name in cycles.known_cycles():
        for fees in cycles.cycle(name).fees:  # type: ignore[union-attr]
            expected = 0
            for tier in fees.tiers:
                if n >= tier.first:
                    top = n if tier.last is None else min(n, tier.last)
                    expected += tier.flat_usd + tier.each_usd * (top - tier.first + 1)
            assert fees.total(n) == expected
            assert fees.total(n + 1) >= fees.total(n)  # never cheaper with more programs

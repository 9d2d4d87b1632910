"""The residency plan on lists built to break it, and what it says about each: ineligible
programs, more signal-taking programs than the allotment, more than 30 ERAS programs (the
fee's second tier), an emergency medicine home program, six tracked letters, a figure the
cycle does not have, and dates already past. Pure: plain values in, a `Plan` and its words
out."""

from __future__ import annotations

from datetime import date

from bot.residency import export, messages, rules
from bot.residency.plan import Adjust, Entry, Profile, SignalStatus, WarningCode, build_plan
from bot.residency.rules import Risk
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.residency import Applicant, EntryState, Event, SignalTier, Tier, Visa
from tests.support.residency import EM, IM, letter, program

SUMMER_2025 = date(2025, 7, 1)


def _profile(**changes: object) -> Profile:
    values: dict[str, object] = {"specialty": IM, "cycle": "2025-26",
                                 "applicant": Applicant.MD, "step2": 245}
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


def _text(plan, letters=()) -> str:  # type: ignore[no-untyped-def]
    return messages.plan_reply(plan, letters={x.id: x for x in letters}).as_text()


def test_ineligible_programs_are_never_in_the_plan_and_each_says_why() -> None:
    programs = [program(1, specialty=IM, visas=()),  # sponsors no visa
                program(2, specialty=IM, takes_do=False),
                program(3, specialty=IM, takes_img=False),
                program(4, specialty=IM, visas=None)]  # sponsorship not stated
    plan = build_plan(_profile(visa=Visa.J1, applicant=Applicant.DO), programs, entries={},
                      letters=[], today=SUMMER_2025)
    assert {r.program.id for r in plan.programs} == {3, 4}
    assert {p.id: why for p, why in plan.ineligible} == {1: (rules.Why.VISA,),
                                                        2: (rules.Why.DO,)}
    text = _text(plan)
    assert "Closed to you (2): Program 001 (City, MA) (does not sponsor a J-1); " \
           "Program 002 (City, MA) (does not take DO applicants)." in text
    assert "visa sponsorship not stated: ask the program" in text  # program 4


def test_an_ineligible_program_kept_by_hand_stays_out_and_is_flagged() -> None:
    programs = [program(1, specialty=IM, takes_img=False), program(2, specialty=IM)]
    plan = build_plan(_profile(applicant=Applicant.IMG), programs,
                      entries={1: Entry(1, EntryState.ADDED)}, letters=[], today=SUMMER_2025)
    assert [r.program.id for r in plan.programs] == [2]
    (warning,) = [w for w in plan.warnings if w.code == WarningCode.INELIGIBLE_KEPT]
    assert "You kept Program 001, which your profile makes you ineligible for" in \
        messages.warning_text(warning, plan)


def test_more_signal_taking_programs_than_the_allotment() -> None:
    """Internal medicine, 2025–26: 3 gold and 12 silver. Forty programs take signals: gold
    goes to the top three targets, silver to twelve more, none to a program that takes
    none, and never more than the allotment."""
    programs = [program(i, specialty=IM, mean=245 + (i % 3) - 1, state="NY" if i < 5 else "TX")
                for i in range(1, 41)]
    programs[0] = program(1, specialty=IM, mean=245, state="NY", signals=False)
    profile = _profile(regions=(rules.Region.NORTHEAST,))
    plan = build_plan(profile, programs, entries={}, letters=[], today=SUMMER_2025)
    signals = plan.signal_plan(IM)
    assert signals is not None and signals.status == SignalStatus.KNOWN
    assert (signals.gold, signals.silver, signals.total) == (3, 12, 15)
    gold = [r for r in plan.programs if r.signal == SignalTier.GOLD]
    assert [r.tier for r in gold] == [Tier.TARGET] * 3
    # the top targets by preference: the Northeast ones (2, 3, 4), program 1 takes none
    assert [r.program.id for r in gold] == [2, 3, 4]
    assert next(r for r in plan.programs if r.program.id == 1).signal is None
    assert "Internal medicine, 2025–26: 3 gold and 12 silver signals. Used: 3 gold, 12 " \
           "silver." in _text(plan)
    assert export.plan_json(plan)["signals"]["allotted"] == {"gold": 3, "silver": 12,
                                                            "total": 15}


def test_thirty_five_eras_programs_reach_the_second_fee_tier() -> None:
    programs = [program(i, specialty=IM) for i in range(1, 41)]
    plan = build_plan(_profile(), programs, entries={}, letters=[], today=SUMMER_2025,
                      count=35)
    assert len(plan.programs) == 35 and plan.fee_total_usd == 30 * 11 + 5 * 30 == 480
    fees = [r.fee_usd for r in plan.programs]
    assert fees == [11] * 30 + [30] * 5 and sum(fees) == 480  # each row's share
    assert "ERAS, internal medicine, 35 programs: $480 (30 × $11 + 5 × $30; 2025–26 " \
           "prices)." in _text(plan)
    assert export.plan_json(plan)["fee"] == {
        "portal": "ERAS", "total_usd": 480, "estimate_usd": 480, "lines": [
            {"portal": "ERAS", "specialty": IM, "programs": 35, "total_usd": 480,
             "estimate_usd": 480, "prices_of": "2025-26"}]}


def test_an_emergency_medicine_home_program_is_never_signalled() -> None:
    """2024–25: emergency medicine had 5 untiered signals and its guidance is never to
    signal the home or an away-rotation program, even a top target set by hand."""
    programs = [program(i, specialty=EM, mean=245) for i in range(1, 11)]
    profile = Profile(specialty=EM, cycle="2024-25", applicant=Applicant.MD, step2=245,
                      home=1, aways=(2,))
    plan = build_plan(profile, programs, entries={1: Entry(1, signal=SignalTier.GOLD)},
                      letters=[], today=date(2024, 7, 1))
    by_id = {r.program.id: r for r in plan.programs}
    assert by_id[1].signal is None and by_id[2].signal is None
    assert 1 in by_id and 2 in by_id  # still on the list
    signals = plan.signal_plan(EM)
    assert signals is not None and signals.total == 5 and not signals.tiered
    assert sum(1 for r in plan.programs if r.signal is not None) == 5
    text = _text(plan)
    assert "Emergency medicine: never signal your home or away programs" in text
    assert "Emergency medicine, 2024–25: 5 signals. Used: 5" in text


def test_six_tracked_letters_at_most_four_go_to_each_eras_program() -> None:
    letters = [letter(1, kind=LetterKind.CLERKSHIP), letter(2, kind=LetterKind.SPECIALTY),
               letter(3, kind=LetterKind.SLOE, program="EM residency"),
               letter(4, kind=LetterKind.RESEARCH, program="Emergency Medicine residency"),
               letter(5, kind=LetterKind.SLOE, program="SLOE, ED rotation (ERAS)"),
               letter(6, kind=LetterKind.SPECIALTY, state=LetterState.PLANNED),
               letter(7, program="Away rotation: County EM (VSLO)", portal=None),
               letter(8, program="IM residency (ERAS)"),
               letter(9, state=LetterState.DECLINED)]
    programs = [program(i, specialty=EM, portal=Portal.ERAS) for i in range(1, 6)]
    plan = build_plan(Profile(specialty=EM, cycle="2025-26", applicant=Applicant.MD,
                              step2=245), programs, entries={}, letters=letters,
                      today=SUMMER_2025)
    assert {x.id for x in plan.letters.tracked} == {1, 2, 3, 4, 5, 6}
    for row in plan.programs:
        assert len(row.letters) == 4
        assert row.letters[:2] == (3, 5)  # the SLOEs first
        assert row.letters == (3, 5, 2, 6)  # then specialty letters, secured first
    assert plan.letters.left_out == (1, 4)
    text = _text(plan, letters)
    assert "ERAS assigns at most 4 letters to one program (2025–26)." in text
    assert ("You track 6 letters for these programs; ERAS takes at most 4 per program, so "
            "#1, #4 are left out: choose which go") in text
    assert "Emergency medicine programs expect 2 SLOEs" in text


def test_too_few_letters_and_too_few_sloes_are_warned() -> None:
    programs = [program(i, specialty=EM) for i in range(1, 4)]
    plan = build_plan(Profile(specialty=EM, cycle="2025-26", applicant=Applicant.MD),
                      programs, entries={}, letters=[letter(1, kind=LetterKind.SLOE)],
                      today=SUMMER_2025)
    text = _text(plan, [letter(1, kind=LetterKind.SLOE)])
    assert "3 programs would get fewer than 3 letters" in text
    assert ("You track only 1 SLOE; emergency medicine programs expect 2 SLOEs: ask for one "
            "at the end of each rotation") in text


def test_a_missing_figure_is_said_missing_and_never_guessed() -> None:
    """2027–28 has no published figure: no signals are proposed, the fee is an estimate at
    the latest published prices named as such, and every date is not found."""
    programs = [program(i, specialty=EM, portal=Portal.RESIDENCYCAS) for i in range(1, 21)]
    plan = build_plan(Profile(specialty=EM, cycle="2027-28", applicant=Applicant.MD,
                              step2=245), programs, entries={}, letters=[],
                      today=date(2026, 12, 6))
    signals = plan.signal_plan(EM)
    assert signals is not None and signals.status == SignalStatus.NOT_FOUND
    assert all(r.signal is None for r in plan.programs)
    by_hand = build_plan(Profile(specialty=EM, cycle="2027-28", applicant=Applicant.MD),
                         programs, entries={3: Entry(3, signal=SignalTier.GOLD)}, letters=[],
                         today=date(2026, 12, 6))
    assert [r.program.id for r in by_hand.programs if r.signal] == [3]
    assert "Set by hand: 1 signal, which can't be checked against an allotment until one " \
           "is published." in _text(by_hand)
    assert plan.fee_total_usd is None and plan.fee_estimate_usd == 99 + 2 * 18
    assert plan.dates.upcoming == () and len(plan.dates.missing) == 5
    text = _text(plan)
    assert ("Emergency medicine's signal allotment for 2027–28: not found. The latest "
            "published: 5 signals (2024–25, through ERAS).") in text
    assert ("ResidencyCAS fees for 2027–28: not found. At 2025–26 prices (the latest "
            "published) this list would cost $135 ($99 for 1–18 + 2 × $18).") in text
    assert "Base: 46 applications per applicant (emergency medicine, all applicants) — " \
           "2025–26, the latest published; none found for 2027–28." in text
    assert "Not found for 2027–28: applications open (ResidencyCAS)" in text
    data = export.plan_json(plan)
    assert data["signals"]["allotted"] is None and data["signals"]["status"] == "not-found"
    assert data["fee"]["total_usd"] is None and data["dates"] == []


def test_past_dates_are_never_shown() -> None:
    programs = [program(i, specialty=IM) for i in range(1, 4)]
    plan = build_plan(_profile(), programs, entries={}, letters=[], today=date(2026, 3, 10))
    assert [(d.event, d.day) for d in plan.dates.upcoming] == [
        (Event.MATCH_DAY, date(2026, 3, 20))]
    assert plan.dates.passed == 4
    text = _text(plan)
    assert "Fri 20 Mar 2026 — Match Day (NRMP)" in text
    assert "04 Mar 2026" not in text and "24 Sep 2025" not in text
    assert "4 dates of 2025–26 have passed." in text
    on_the_day = build_plan(_profile(), programs, entries={}, letters=[],
                            today=date(2026, 3, 20))
    assert [d.event for d in on_the_day.dates.upcoming] == [Event.MATCH_DAY]


def test_how_many_shows_each_adjustment_with_its_amount_and_reason() -> None:
    programs = [program(i, specialty=EM) for i in range(1, 31)]
    plan = build_plan(Profile(specialty=EM, cycle="2025-26", applicant=Applicant.IMG,
                              visa=Visa.J1, couples=True, step2=245),
                      programs, entries={}, letters=[], today=SUMMER_2025)
    c = plan.count
    assert c.source == Adjust.FIGURE and c.base is not None and c.base.value.mean == 46
    assert [(a.risk, a.percent, a.amount) for a in c.adjustments] == [
        (Risk.VISA, 25, 12), (Risk.IMG, 25, 12), (Risk.COUPLES, 20, 9)]
    assert c.wanted == 46 + 12 + 12 + 9 and c.count == 30 and c.capped
    text = _text(plan)
    assert "+12 (+25%): you need a visa: only programs that sponsor it count" in text
    assert "+9 (+20%): you match as a couple" in text
    assert "These adjustments are this planner's rule, not published figures." in text
    assert "Capped at 30: the eligible emergency medicine programs in your groups' lists." \
        in text


def test_an_applicant_type_figure_is_used_and_not_adjusted_again() -> None:
    """Internal medicine has no figure of its own: the all-specialty figure for the
    applicant type is used (2024–25: IMGs 129), and an IMG is not adjusted twice."""
    programs = [program(i, specialty=IM) for i in range(1, 201)]
    plan = build_plan(_profile(applicant=Applicant.IMG), programs, entries={}, letters=[],
                      today=SUMMER_2025)
    assert plan.count.base is not None and plan.count.base.value.mean == 129
    assert plan.count.base.cycle == "2024-25" and plan.count.adjustments == ()
    assert plan.count.count == 129


def test_a_reach_heavy_pool_adds_programs() -> None:
    programs = [program(i, specialty=EM, mean=260) for i in range(1, 80)]
    plan = build_plan(Profile(specialty=EM, cycle="2025-26", applicant=Applicant.MD,
                              step2=240), programs, entries={}, letters=[], today=SUMMER_2025)
    assert [(a.risk, a.amount) for a in plan.count.adjustments] == [(Risk.REACH_HEAVY, 9)]
    assert plan.count.count == 55


def test_count_overrides_and_no_figure_lists_every_eligible_program() -> None:
    programs = [program(i, specialty=IM) for i in range(1, 21)]
    chosen = build_plan(_profile(), programs, entries={}, letters=[], today=SUMMER_2025,
                        count=40)
    assert chosen.count.source == Adjust.OVERRIDE and chosen.count.count == 20
    assert "You set count:40." in _text(chosen) and "Capped at 20" in _text(chosen)
    unsized = build_plan(_profile(applicant=None), programs, entries={}, letters=[],
                         today=SUMMER_2025)
    assert unsized.count.source == Adjust.NONE and len(unsized.programs) == 20
    assert "No applications-per-applicant figure was found for 2025–26 or any earlier " \
           "cycle: every eligible program is listed (20)" in _text(unsized)


def test_tiers_follow_the_named_thresholds() -> None:
    mean = 245
    assert rules.tier(mean - rules.REACH_BELOW - 1, mean) == Tier.REACH
    assert rules.tier(mean - rules.REACH_BELOW, mean) == Tier.TARGET
    assert rules.tier(mean + rules.LIKELY_ABOVE, mean) == Tier.TARGET
    assert rules.tier(mean + rules.LIKELY_ABOVE + 1, mean) == Tier.LIKELY
    assert rules.tier(None, mean) == rules.tier(mean, None) == Tier.UNKNOWN
    assert messages.TIER_RULE.startswith(
        f"reach: your Step 2 CK is more than {rules.REACH_BELOW} points below")


def test_the_list_is_the_students_kept_dropped_and_signalled_by_hand() -> None:
    programs = [program(i, specialty=IM, mean=245) for i in range(1, 101)]
    entries = {100: Entry(100, EntryState.ADDED), 1: Entry(1, EntryState.DROPPED),
               50: Entry(50, signal=SignalTier.SILVER)}
    plan = build_plan(_profile(), programs, entries=entries, letters=[], today=SUMMER_2025,
                      count=10)
    ids = [r.program.id for r in plan.programs]
    assert 100 in ids and 1 not in ids and len(ids) == 10
    assert [p.id for p in plan.dropped] == [1]
    assert "Dropped by you: Program 001 (City, MA)." in _text(plan)


def test_a_tier_mix_balances_the_list() -> None:
    programs = ([program(i, specialty=IM, mean=260) for i in range(1, 21)]
                + [program(i, specialty=IM, mean=245) for i in range(21, 41)]
                + [program(i, specialty=IM, mean=230) for i in range(41, 61)])
    plan = build_plan(_profile(), programs, entries={}, letters=[], today=SUMMER_2025,
                      count=20)
    mix = {t: plan.tier_count(t) for t in (Tier.REACH, Tier.TARGET, Tier.LIKELY)}
    assert mix == {t: 20 * share // 100 for t, share in rules.TIER_MIX.items()}

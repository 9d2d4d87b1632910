"""The letter rules as pure functions: hand-built cases, no database and no clock."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.infra.models import Letter
from bot.letters import messages, mix, plan_messages, rules
from bot.letters.rules import LetterFacts
from bot.nudges.policy import nudge_at
from bot.vocab.letters import LETTER_STATES, Track
from bot.vocab.nudges import NudgeKind
from bot.vocab.specialties import (
    SPECIALTIES,
    canonical_specialty,
    match_keyword,
    same_specialty,
    specialties_in,
)

ROOT = Path(__file__).resolve().parent.parent


def facts(id: int, *, kind: str | None = None, state: str = "agreed", writer_id: int | None = None,
          writer: str = "", program: str = "", portal: str | None = None,
          specialty: str = "", reason: str = "") -> LetterFacts:
    return LetterFacts(id=id, writer_id=writer_id if writer_id is not None else id,
                       writer_name=writer or f"Writer {id}", program=program, kind=kind,
                       portal=portal, state=state, deadline=date(2027, 9, 1), reason=reason,
                       writer_specialty=specialty)


# --- timeline ----------------------------------------------------------------------------


def test_timeline_dates():
    line = rules.timeline(date(2027, 3, 15))
    assert line.ask_by == date(2027, 2, 1)  # − 6 weeks
    assert line.last_call == date(2027, 2, 15)  # − 4 weeks
    assert line.personal == date(2027, 3, 1)  # − 14 days
    assert line.deadline == date(2027, 3, 15)


def test_timeline_across_a_leap_day():
    line = rules.timeline(date(2028, 3, 10))
    assert line.ask_by == date(2028, 1, 28)
    assert line.personal == date(2028, 2, 25)


def test_nudge_instant_is_ten_local_on_both_sides_of_dst():
    # America/New_York: EST (UTC−5) before 14 Mar 2027, EDT (UTC−4) after.
    assert nudge_at(date(2027, 3, 12), "America/New_York") == datetime(
        2027, 3, 12, 15, 0, tzinfo=UTC)
    assert nudge_at(date(2027, 3, 17), "America/New_York") == datetime(
        2027, 3, 17, 14, 0, tzinfo=UTC)
    # Europe/London changes on 28 Mar 2027.
    assert nudge_at(date(2027, 3, 29), "Europe/London") == datetime(
        2027, 3, 29, 9, 0, tzinfo=UTC)


def test_add_months_clamps_to_month_end():
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.add_months(date(2027, 10, 15), 3) == date(2028, 1, 15)
    assert rules.whole_months_between(date(2026, 10, 5), date(2027, 1, 4)) == 2
    assert rules.whole_months_between(date(2026, 10, 4), date(2027, 1, 4)) == 3


# --- warnings ----------------------------------------------------------------------------

TODAY = date(2027, 1, 4)
A_YEAR_AGO = date(2026, 1, 4)


def warn(deadline: date, *, since: date | None = A_YEAR_AGO, outside=False,
         others=(), program="", writer_id: int | None = 1, name="Dr. Smith"):
    return [messages.warning_text(w) for w in rules.request_warnings(
        today=TODAY, deadline=deadline, writer_name=name, outside_writer=outside,
        relationship_since=since, program=program, others=others, writer_id=writer_id)]


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


@pytest.mark.parametrize(("days", "expected"), [
    (70, []), (42, []), (28, []), (27, ["last-minute"]), (7, ["last-minute"]),
    (6, ["rushed"]), (1, ["rushed"]), (0, ["rushed"]),
])
def test_lateness_warnings(days, expected):

    assert codes(warn(TODAY + timedelta(days=days))) == expected


def test_rushed_warning_says_so_plainly_with_what_to_do():
    (warning,) = warn(date(2027, 1, 8))
    assert "rushed and generic" in warning.message
    assert "4 days" in warning.message
    assert warning.advice


def test_last_minute_warning_names_the_missed_ask_by():
    (warning,) = warn(date(2027, 1, 20))
    assert "last-minute" in warning.message and "Wed 09 Dec 2026" in warning.message
    assert warning.advice.startswith("Ask today")


def test_relationship_warnings():
    assert codes(warn(date(2027, 6, 1), since=None)) == ["no-relationship"]
    outside = warn(date(2027, 6, 1), since=None, outside=True, writer_id=None)
    assert "not on the faculty roster" in outside[0].message
    assert "/mentor log" not in outside[0].advice and "/letter update ID asked" in \
        outside[0].advice  # what works for an outside writer, not /mentor log
    short = warn(date(2027, 6, 1), since=date(2026, 11, 20))
    assert codes(short) == ["short-relationship"]
    assert "1 month" in short[0].message and "at least 3 months" in short[0].message
    assert short[0].advice
    weeks = warn(date(2027, 6, 1), since=date(2026, 12, 20))
    assert "2 weeks" in weeks[0].message
    # exactly three months is enough
    assert warn(date(2027, 6, 1), since=date(2026, 10, 4)) == []
    assert codes(warn(date(2027, 6, 1), since=date(2026, 10, 5))) == ["short-relationship"]


def test_declined_before_and_same_program():
    declined = facts(3, state="declined", writer_id=1, program="IM residency",
                     reason="neutral letter")
    same = facts(4, state="submitted", writer_id=1, program="EM  Residency")
    other_writer = facts(5, state="declined", writer_id=2, program="EM residency")
    got = warn(date(2027, 6, 1), others=[declined, same, other_writer], program="em residency")
    assert codes(got) == ["declined-before", "same-program"]
    assert "neutral letter" in got[0].message and "#3" in got[0].message
    assert "#4" in got[1].message and "/letter update 4" in got[1].advice
    # a different program is not a duplicate
    assert codes(warn(date(2027, 6, 1), others=[same], program="IM residency")) == []


def test_outside_writers_are_matched_by_name():
    earlier = facts(7, state="declined", writer_id=None, writer="Bob  O'Neil")
    earlier = LetterFacts(**{**earlier.__dict__, "writer_id": None})
    got = warn(date(2027, 6, 1), since=None, outside=True, writer_id=None, name="bob o'neil",
               others=[earlier])
    assert "declined-before" in codes(got)


# --- lifecycle ---------------------------------------------------------------------------

LEGAL = {
    ("planned", "asked"), ("asked", "agreed"), ("asked", "declined"),
    ("agreed", "packet-sent"), ("packet-sent", "submitted"), ("submitted", "thanked"),
}


@pytest.mark.parametrize("current", LETTER_STATES)
@pytest.mark.parametrize("wanted", LETTER_STATES)
def test_every_transition(current, wanted):
    if (current, wanted) in LEGAL:
        rules.check_transition(current, wanted)
        return
    with pytest.raises(rules.IllegalTransition) as caught:
        rules.check_transition(current, wanted)
    assert set(caught.value.legal) == {w for c, w in LEGAL if c == current}


def test_final_states_have_no_next_state():
    assert rules.next_states("thanked") == ()
    assert rules.next_states("declined") == ()


# --- packet ------------------------------------------------------------------------------


def test_packet_checklist():
    assert [i.key for i in rules.PACKET_ITEMS] == [
        "cv", "statement", "summary", "strengths", "transcript", "portal", "prompts",
        "deadline"]
    assert not rules.packet_complete({})
    required = {k: True for k in rules.PACKET_KEYS if k != "transcript"}
    assert rules.packet_complete(required)  # the transcript is optional
    assert [i.key for i in rules.packet_missing({"cv": True})] == [
        "statement", "summary", "strengths", "portal", "prompts", "deadline"]


# --- kind inference ----------------------------------------------------------------------


def test_infer_kind_only_when_obvious():
    assert rules.infer_kind(program="Premed committee", portal="AMCAS", writer_name="x") == \
        "committee"
    assert rules.infer_kind(program="EM residency", portal="ERAS", writer_name="x",
                            writer_specialty="Emergency Medicine") == "specialty"
    assert rules.infer_kind(program="", portal="ERAS", writer_name="x",
                            writer_specialty="Emergency Medicine",
                            student_interests=["emergency medicine"]) == "specialty"
    assert rules.infer_kind(program="", portal="ERAS", writer_name="x",
                            writer_specialty="Surgery", mentor_kinds=["research"]) == "research"
    assert rules.infer_kind(program="", portal="AMCAS", writer_name="x",
                            writer_specialty="Biochemistry") == "science"
    assert rules.infer_kind(program="", portal="ERAS", writer_name="x",
                            writer_specialty="Surgery") is None
    assert rules.infer_kind(program="", portal=None, writer_name="x") is None


# --- letter mix --------------------------------------------------------------------------


def evaluate_mix(track, letters, **kwargs) -> plan_messages.MixText:
    return plan_messages.mix_text(mix.evaluate_mix(track, letters, **kwargs), TODAY)


def test_med_school_mix_names_what_is_missing():
    result = evaluate_mix("med-school", [facts(1, kind="science", portal="AMCAS")])
    assert any("Science faculty letters (1 of 2–3)" in c for c in result.covered)
    assert result.missing == [
        "1 more science faculty letter (aim for 2–3)",
        "1 non-science or character letter",
        "A committee letter, if your school has a premed committee",
    ]
    full = evaluate_mix("med-school", [
        facts(1, kind="science"), facts(2, kind="science"), facts(3, kind="character"),
        facts(4, kind="committee"), facts(5, kind="non-science", state="declined"),
    ])
    assert full.missing == [] and full.over == []


def test_med_school_over_limits():
    many = [facts(i, kind="science", portal="AMCAS") for i in range(1, 12)]
    result = evaluate_mix("med-school", many)
    assert any("11 AMCAS letter entries" in o and "at most 10" in o for o in result.over)
    assert any("11 science letters" in o for o in result.over)
    assert evaluate_mix("med-school", many[:10]).over == [
        "10 science letters: schools read 2–3; keep the strongest."]


def test_med_school_ignores_residency_letters_and_declined_ones():
    result = evaluate_mix("med-school", [
        facts(1, kind="science", state="declined"), facts(2, kind="specialty", portal="ERAS")])
    assert result.covered == []
    assert result.missing[0] == "2 more science faculty letters (aim for 2–3)"


def test_residency_mix_for_emergency_medicine():
    """Emergency medicine wants two SLOEs (the cycle data): one is not complete."""
    result = evaluate_mix("residency", [facts(1, kind="clerkship", program="State EM")],
                          specialty="emergency medicine")
    assert "2 more letters (aim for 3–4 in all)" in result.missing
    assert any(m.startswith("2 SLOEs — emergency medicine programs expect 2")
               for m in result.missing)
    assert not any("core clerkships" in m for m in result.missing)
    one = evaluate_mix("residency", [facts(1, kind="sloe", program="EM residency"),
                                     facts(2, kind="clerkship", program="EM residency"),
                                     facts(3, kind="research", program="EM residency")],
                       specialty="EM")
    assert any(m.startswith("1 more SLOE — emergency medicine programs expect 2")
               for m in one.missing), one.missing
    assert "SLOEs (standardized letters) (1 of 2): #1 Writer 1, EM residency (agreed)" \
        in one.covered
    two = evaluate_mix("residency", [facts(1, kind="sloe", program="EM residency"),
                                     facts(2, kind="sloe", program="EM residency"),
                                     facts(3, kind="clerkship", program="EM residency")],
                       specialty="EM")
    assert two.missing == []


def test_a_sloe_counts_only_from_a_rotation_in_the_specialty():
    """Emergency medicine expects two SLOEs from EM rotations: a "SLOE" from an internal
    medicine writer counts in all but not as a SLOE, and the plan says why; one whose writer
    is off the roster (a group SLOE) counts."""
    letters = [facts(1, kind="sloe", program="EM residency", specialty="Emergency Medicine"),
               facts(2, kind="sloe", program="EM residency", specialty="Internal Medicine",
                     writer="Dr. Ian Medic"),
               facts(3, kind="clerkship", program="EM residency")]
    result = mix.evaluate_mix("residency", letters, specialty="EM")
    sloes = result.part(mix.Part.STANDARDIZED)
    assert sloes is not None and [x.id for x in sloes.secured] == [1]
    assert [x.id for x in result.off_rotation] == [2]
    text = plan_messages.mix_text(result, TODAY)
    assert any(m.startswith("1 more SLOE — emergency medicine programs expect 2")
               for m in text.missing), text.missing
    assert ("#2 Dr. Ian Medic, EM residency (agreed) counts in all but not as one of your "
            "SLOEs: Dr. Ian Medic is Internal Medicine faculty, and emergency medicine "
            "programs expect SLOEs from emergency medicine rotations.") in text.notes
    five = [*letters, facts(5, kind="specialty", program="EM residency"),
            facts(6, kind="research", program="EM residency")]
    kept, over = mix.choose_letters(five, 4, "EM")
    assert [x.id for x in kept] == [1, 5, 3, 6] and [x.id for x in over] == [2]
    group = [*letters[:1], facts(4, kind="sloe", program="EM residency",
                                 writer="EM Clerkship Group SLOE"), letters[2]]
    assert evaluate_mix("residency", group, specialty="EM").missing == []


def test_residency_mix_complete_and_over_eras_limit():
    letters = [
        facts(1, kind="specialty", program="State IM"),
        facts(2, kind="clerkship", program="State IM"),
        facts(3, kind="research", program="State IM"),
        facts(4, kind=None, specialty="Internal Medicine", program="State IM"),
        facts(5, kind="clerkship", program="State IM"),
    ]
    result = evaluate_mix("residency", letters, specialty="internal medicine")
    assert result.missing == []
    assert result.over == [
        "State IM: letters from 5 writers, and ERAS assigns at most 4 to one program (2025–26, "
        "the latest published; none found for 2027–28). Keep #1 Writer 1, specialty, agreed; "
        "#4 Writer 4, agreed; #2 Writer 2, clerkship, agreed; #5 Writer 5, clerkship, agreed. "
        "Leave out #3 Writer 3, research, agreed. Chosen by the standardized letters first, "
        "then letters from the specialty, core clerkships and research, secured before "
        "planned or asked, and among those the writers who have known you longest."]
    assert result.not_counted == []  # the unset-kind letter counts by its writer's specialty
    assert not any("SLOE" in n for n in result.notes)


def test_residency_mix_missing_everything():
    result = evaluate_mix("residency", [], specialty="pediatrics")
    assert result.missing == [
        "3 more letters (aim for 3–4 in all)",
        "At least 1 letter from pediatrics",
        "1–2 letters from core clerkships where you did well",
    ]


# --- next steps and nudge timing ---------------------------------------------------------


def test_next_steps():
    deadline = date(2027, 3, 15)
    assert rules.next_step("planned", deadline, today=TODAY) == rules.NextStep(
        "Ask the writer for a strong letter", rules.Due(date(2027, 2, 1), date(2027, 2, 1)))
    late = rules.next_step("planned", deadline, today=date(2027, 2, 5))
    assert (late.on, late.due.ideal, late.due.late) == (date(2027, 2, 5), date(2027, 2, 1), True)
    assert rules.next_step("agreed", deadline, today=TODAY,
                           agreed_on=date(2027, 1, 2)).on == date(2027, 1, 4)
    assert rules.next_step("packet-sent", deadline, today=TODAY).on == date(2027, 3, 1)
    assert rules.next_step("submitted", deadline, today=TODAY,
                           submitted_on=date(2027, 1, 4)).on == date(2027, 1, 5)
    assert rules.next_step("declined", deadline, today=TODAY).on is None
    assert rules.next_step("withdrawn", deadline, today=TODAY).on is None


def test_no_next_step_falls_in_the_past():
    """Whatever the state and however late, the day a next step asks for is today or
    later; when the ideal day has passed the step says which it was."""
    deadline = date(2027, 3, 15)
    for today in (date(2027, 1, 4), date(2027, 2, 20), date(2027, 3, 10), date(2027, 3, 15),
                  date(2027, 4, 1)):
        for state in LETTER_STATES:
            step = rules.next_step(state, deadline, today=today, agreed_on=date(2026, 12, 1),
                                   submitted_on=date(2026, 12, 1), asked_on=date(2026, 12, 1))
            if step.due is not None:
                assert step.on >= today, (state, today)
                assert step.due.late == (step.due.ideal < today), (state, today)
                assert step.due.late or step.on == step.due.ideal


NY = "America/New_York"
CREATED = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def kinds_at(nudges) -> dict[str, datetime]:
    return {n.kind: n.due_at for n in nudges}


def test_planned_letter_nudges_across_dst():
    got = kinds_at(rules.letter_nudges(state="planned", deadline=date(2027, 4, 19), tz=NY,
                                       created_at=CREATED))
    # ask-by 8 Mar (EST), ask nudge 3 days before; last call 22 Mar (EDT); deadline − 3 days.
    assert got == {
        "letter-ask": datetime(2027, 3, 5, 15, 0, tzinfo=UTC),
        "letter-ask-late": datetime(2027, 3, 22, 14, 0, tzinfo=UTC),
        "letter-deadline": datetime(2027, 4, 16, 14, 0, tzinfo=UTC),
    }


def test_letter_started_late_gets_one_ask_reminder_next_morning():
    got = rules.letter_nudges(state="planned", deadline=date(2027, 1, 20), tz=NY,
                              created_at=CREATED)
    assert kinds_at(got) == {
        "letter-ask-late": datetime(2027, 1, 5, 15, 0, tzinfo=UTC),
        "letter-deadline": datetime(2027, 1, 17, 15, 0, tzinfo=UTC),
    }


def test_nudges_by_state():
    deadline = date(2027, 4, 19)
    agreed = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
    asked = kinds_at(rules.letter_nudges(state="asked", deadline=deadline, tz=NY,
                                         created_at=CREATED))
    assert asked == {"letter-checkin": datetime(2027, 4, 5, 14, 0, tzinfo=UTC),
                     "letter-deadline": datetime(2027, 4, 16, 14, 0, tzinfo=UTC)}
    got = kinds_at(rules.letter_nudges(state="agreed", deadline=deadline, tz=NY,
                                       created_at=CREATED, agreed_at=agreed))
    assert got["letter-packet"] == datetime(2027, 3, 3, 15, 0, tzinfo=UTC)
    complete = {k: True for k in rules.PACKET_KEYS}
    assert "letter-packet" not in kinds_at(rules.letter_nudges(
        state="agreed", deadline=deadline, tz=NY, created_at=CREATED, agreed_at=agreed,
        packet=complete))
    submitted = kinds_at(rules.letter_nudges(
        state="submitted", deadline=deadline, tz=NY, created_at=CREATED,
        submitted_at=datetime(2027, 4, 2, 3, 0, tzinfo=UTC)))  # 1 Apr 23:00 local
    assert submitted == {"letter-thanks": datetime(2027, 4, 2, 14, 0, tzinfo=UTC)}
    for final in ("declined", "thanked"):
        assert rules.letter_nudges(state=final, deadline=deadline, tz=NY,
                                   created_at=CREATED) == []


def test_outcome_nudge_and_kind():
    assert rules.outcome_nudge_at(datetime(2027, 3, 1, 3, 0, tzinfo=UTC), NY) == datetime(
        2027, 3, 1, 15, 0, tzinfo=UTC)  # recorded 28 Feb 22:00 local → 1 Mar 10:00
    assert rules.outcome_kind("Matched at State EM!") == "match"
    assert rules.outcome_kind("accepted at Riverside") == "acceptance"
    assert rules.outcome_kind("interview invite from Lakeside") == "interview"
    assert rules.outcome_kind("published my paper") == "other"


# --- one specialty vocabulary ------------------------------------------------------------


def _aliases():
    for canonical, aliases in SPECIALTIES.items():
        for name in (canonical, *aliases):
            yield canonical, name


def test_kind_inference_and_find_read_specialty_names_alike():
    """Every name and alias `/mentor find` reads as specialty C makes a letter for a
    "<alias> residency" from a C writer a specialty letter, and never one from a writer of
    another specialty; the SLOE rule reads the same names."""
    names = list(SPECIALTIES)
    for canonical, alias in _aliases():
        assert canonical_specialty(alias) == canonical, alias  # find's specialty: option
        assert match_keyword(alias, set()).specialty == canonical, alias  # find's keywords
        assert specialties_in(f"{alias} residency") == (canonical,), alias
        program = f"{alias.upper()} residency"
        assert rules.infer_kind(program=program, portal="ERAS", writer_name="x",
                                writer_specialty=canonical.title()) == "specialty", alias
        other = names[(names.index(canonical) + 1) % len(names)]
        assert rules.infer_kind(program=program, portal="ERAS", writer_name="x",
                                writer_specialty=other) is None, (alias, other)
        assert rules.infer_kind(program="", portal="ERAS", writer_name="x",
                                writer_specialty=alias,
                                student_interests=[canonical]) == "specialty", alias
        assert mix.is_emergency_medicine(alias) == (canonical == "emergency medicine"), alias


@pytest.mark.parametrize("named", ["EM", "ER", "ED", "emergency medicine", "Emergency",
                                   "EM residency", "emergency department"])
def test_every_name_of_emergency_medicine_gets_the_sloe_rule(named):
    """Every name of emergency medicine gets the data's SLOE rule: two, with what a SLOE is."""
    result = evaluate_mix("residency", [], specialty=named)
    assert any(m.startswith("2 SLOEs — emergency medicine programs expect 2 (2025–26, the "
                            "latest published; none found for 2027–28): a SLOE (Standardized "
                            "Letter of Evaluation) is written by emergency medicine faculty")
               for m in result.missing), result.missing


def test_where_the_letter_abbreviations_disagreed_the_vocabulary_wins():
    """The letter rules once kept their own abbreviations (no "ER", "ED"; "EM residency" was
    not emergency medicine for the SLOE rule; "medicine" matched any "... medicine"). The
    specialty vocabulary answers now."""
    em = dict(portal="ERAS", writer_name="x", writer_specialty="Emergency Medicine")
    assert rules.infer_kind(program="ER residency", **em) == "specialty"
    assert rules.infer_kind(program="State ED", **em) == "specialty"
    assert mix.is_emergency_medicine("EM residency")
    # "medicine" is internal medicine, not a part of "emergency medicine"
    assert rules.infer_kind(program="Emergency Medicine residency", portal="ERAS",
                            writer_name="x", writer_specialty="Medicine") is None
    # med-peds is its own specialty, not internal medicine
    assert rules.infer_kind(program="Internal Medicine-Pediatrics residency", portal="ERAS",
                            writer_name="x", writer_specialty="Internal Medicine") is None
    # a general surgeon is not plastic surgery's specialty writer
    assert rules.infer_kind(program="Plastic Surgery residency", portal="ERAS",
                            writer_name="x", writer_specialty="Surgery") is None
    # a subspecialty outside the list is still compared as typed
    assert rules.infer_kind(program="Cardiology fellowship", portal="ERAS", writer_name="x",
                            writer_specialty="Cardiology") == "specialty"


def test_same_specialty_through_names_and_aliases():
    assert same_specialty("EM residency", "emergency medicine")
    assert same_specialty("ER", "Emergency Medicine")
    assert same_specialty("peds", "Pediatrics residency")
    assert not same_specialty("EM", "IM")
    assert not same_specialty("", "emergency medicine")
    assert not same_specialty("cardiology", "")


# --- thresholds in words -------------------------------------------------------------------

LETTER = Letter(id=7, student_id=1, writer_id=2, writer_name="Dr. Smith", program="State EM",
                kind="specialty", portal="ERAS", deadline=date(2027, 4, 19), state="planned",
                packet={})


def test_wording_follows_the_constants(monkeypatch):
    """The words that state a threshold are built from its constant: change the rule and
    the bot says the new one."""
    ask = messages.letter_nudge_reply(NudgeKind.LETTER_ASK, LETTER, today=TODAY)
    assert "Ask by Mon 08 Mar 2027 (6 weeks before the Mon 19 Apr 2027 deadline)" in ask.text
    # read on the day it falls, DEADLINE_LEAD_DAYS before the deadline
    deadline = messages.letter_nudge_reply(
        NudgeKind.LETTER_DEADLINE, LETTER,
        today=LETTER.deadline - timedelta(days=rules.DEADLINE_LEAD_DAYS))
    assert deadline.title == "Dr. Smith's letter for State EM is due in 3 days"
    monkeypatch.setattr(rules, "ASK_BY_WEEKS", 8)
    monkeypatch.setattr(rules, "DEADLINE_LEAD_DAYS", 5)
    monkeypatch.setattr(rules, "LAST_CALL_WEEKS", 3)
    monkeypatch.setattr(rules, "PERSONAL_DEADLINE_DAYS", 10)
    monkeypatch.setattr(rules, "STRENGTHS", (3, 5))
    monkeypatch.setattr(mix, "MED_SCIENCE", (3, 4))
    monkeypatch.setattr(rules, "WRITER_KNOWN_MONTHS", 6)
    monkeypatch.setattr(rules, "MAX_DEADLINE_YEARS", 3)
    ask = messages.letter_nudge_reply(NudgeKind.LETTER_ASK, LETTER, today=TODAY)
    assert "Ask by Mon 22 Feb 2027 (8 weeks before the Mon 19 Apr 2027 deadline)" in ask.text
    deadline = messages.letter_nudge_reply(
        NudgeKind.LETTER_DEADLINE, LETTER,
        today=LETTER.deadline - timedelta(days=rules.DEADLINE_LEAD_DAYS))
    assert deadline.title == "Dr. Smith's letter for State EM is due in 5 days"
    late = messages.letter_nudge_reply(NudgeKind.LETTER_ASK_LATE, LETTER, today=TODAY)
    assert "3 weeks or less away" in late.text
    timeline = messages.timeline_text(LETTER.deadline, TODAY)
    assert "Ask by: Mon 22 Feb 2027 — deadline − 8 weeks" in timeline
    assert "Last call: Mon 29 Mar 2027 — deadline − 3 weeks" in timeline
    assert "Fri 09 Apr 2027 — deadline − 10 days" in timeline
    assert "Pick 3–5 strengths" in messages.packet_details(LETTER, today=TODAY)["strengths"]
    (last_minute,) = warn(date(2027, 1, 20))
    assert "under 3 weeks is a last-minute request" in last_minute.message
    assert "ask 3–8 weeks ahead" in last_minute.advice
    (short,) = warn(date(2027, 6, 1), since=date(2026, 9, 4))
    assert "at least 6 months" in short.message and "4 months" in short.message
    assert "Medical school: 3–4 science faculty letters" in plan_messages.mix_expectations(
        Track.MED_SCHOOL)
    # the ERAS cap is the cycle data's (tests/test_residency_data.py changes it there)
    assert "ERAS assigns at most 4 letters to one program (2025–26" in \
        plan_messages.mix_expectations(Track.RESIDENCY)
    too_far = messages.deadline_too_far_text(date(2030, 6, 1), TODAY)
    assert "more than 3 years away" in too_far and "Fri 04 Jan 2030" in too_far


_THRESHOLD = re.compile(r"\d+\s*(?:–\s*\d+\s*)?(?:weeks?|days?|months?|strengths|letters?|"
                        r"entries|per program)\b|\d+–\d+")
_EXAMPLE_DATE = re.compile(r"[\"“]in \d+ weeks[\"”]")  # how a user may type a due date


def test_no_threshold_is_typed_into_the_wording():
    """Literal text in the letter feature states no count of days, weeks, months or letters
    (examples of a typed due date aside): such numbers come from the rules' constants, and
    f-string fields are not literal text."""
    typed = []
    for path in sorted((ROOT / "bot" / "letters").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and _THRESHOLD.search(_EXAMPLE_DATE.sub("", node.value)) \
                    and not _is_docstring(tree, node):
                typed.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert typed == []


def _is_docstring(tree: ast.AST, constant: ast.Constant) -> bool:
    return any(isinstance(n, ast.Expr) and n.value is constant for n in ast.walk(tree))

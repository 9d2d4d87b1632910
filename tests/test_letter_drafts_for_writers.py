"""A draft to a writer holds only what its recipient should read: plain dates, never one
already past, where and how to submit said to the writer, and none of the bot's reasoning
(that goes in the reply around the draft). A standardized letter (`kind:sloe`) is asked for
as what it is, from the cycle data: what a SLOE is, who writes it, how many emergency
medicine programs expect, and the portal it goes through in the cycle of its deadline."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.infra.models import Letter
from bot.letters import portals, rules
from bot.letters.draft_messages import DraftFacts, draft_reply
from bot.letters.programs import read_program
from bot.vocab.letters import DRAFT_STEPS, LetterKind, LetterState, Portal
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, track

NY = "America/New_York"
_DAY = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d \w{3} \d{4}")
REASONING = ("ideal", "has passed", "best date", "still possible", "deadline −")


def dates_in(text: str) -> list[date]:
    return [datetime.strptime(found, "%a %d %b %Y").date() for found in _DAY.findall(text)]


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY, stage="ms4", interests=["emergency medicine"])
        add_faculty(s, "Dr. Jane Smith", specialty="Emergency Medicine",
                    title="Clerkship Director")
    return ana


def test_the_ask_draft_for_a_sloe_says_what_a_sloe_is_and_where_it_goes(core, driver):
    """EM, 2027: a SLOE goes through ResidencyCAS (the data: EM moved in 2025–26); one SLOE
    is one of the two EM programs expect; it is asked for as a SLOE, not a generic "strong
    letter" through ERAS."""
    ana = people(core)
    remind = driver.run(ana, '/letter remind Dr. Jane Smith due:2027-09-01 program:"EM '
                             'residency" kind:SLOE')
    assert ("Portal: ResidencyCAS (inferred: emergency medicine's portal, 2025–26, the latest "
            "published; none found for 2027–28)") in remind.as_text()
    letter_id = int(remind.title.split("#")[1].split()[0])
    reply = driver.run(ana, f"/letter draft ask {letter_id}")
    points, email = (s.text for s in reply.sections)
    assert ("- What you are asking for: a SLOE (Standardized Letter of Evaluation), the "
            "emergency medicine standardized letter, written by emergency medicine faculty of "
            "an EM residency program, after an EM rotation; often a group SLOE from the "
            "clerkship director. Emergency medicine programs expect 2 SLOEs (2025–26, the "
            "latest published; none found for 2027–28), each from a different rotation: this "
            "is one of them.") in points
    assert ("- It goes through ResidencyCAS (2025–26, the latest published; none found for "
            "2027–28): in CORD's eSLOE system, choosing “Submit to ResidencyCAS” with the "
            "ResidencyCAS Letter ID I'm sending you.") in points
    assert "“Would you be able to complete a SLOE for me from my rotation with you?”" in points
    assert "strong letter" not in points and "ERAS" not in email
    assert email.startswith("Subject: SLOE for EM residency: materials and deadline")
    assert ("Thank you for agreeing to complete the SLOE from my rotation with you for my "
            "application to EM residency.") in email
    assert ("Where and how to submit: in CORD's eSLOE system, choosing “Submit to "
            "ResidencyCAS” with the ResidencyCAS Letter ID I'm sending you") in email
    packet = driver.run(ana, f"/letter packet {letter_id}").as_text()
    assert "they complete the SLOE in CORD's eSLOE system" in packet


def test_before_2025_26_an_em_sloe_went_through_eras() -> None:
    """The portal follows the cycle data: EM applied through ERAS in 2024–25."""
    before = portals.portal_for(read_program("EM residency"), date(2024, 9, 15))
    after = portals.portal_for(read_program("EM residency"), date(2025, 9, 15))
    assert (before.portal, before.found and before.found.cycle) == (Portal.ERAS, "2024-25")
    assert (after.portal, after.found and after.found.cycle) == (Portal.RESIDENCYCAS,
                                                                  "2025-26")
    assert portals.portal_for(read_program("EM residency (ERAS)"), date(2025, 9, 15)).said
    letter = Letter(id=3, student_id=1, writer_id=2, writer_name="Dr. Smith",
                    program="EM residency", kind=LetterKind.SLOE, portal=None,
                    deadline=date(2024, 9, 15), state=LetterState.PLANNED, packet={})
    facts = DraftFacts(letter=letter, student_name="Ana Diaz", writer_on_roster=True,
                       today=date(2024, 7, 1), where=before,
                       standardized=portals.standardized("2024-25", "emergency medicine"))
    text = draft_reply(rules.DraftStep.ASK, facts).as_text()
    assert "It goes through ERAS (2024–25)" in text
    assert "uploading its PDF to the ERAS Letter of Recommendation Portal" in text


def test_no_reasoning_in_the_draft_it_goes_around_it(core, driver, clock):
    """The issue's case: tracked ten days out, the ideal personal deadline has passed. The
    draft asks for the best date left, plainly; the reply says why."""
    ana = people(core)
    letter_id = track(driver, ana, 'Dr. Jane Smith due:2027-01-14 program:"EM residency" '
                                   "kind:specialty portal:ERAS")
    reply = driver.run(ana, f"/letter draft ask {letter_id}")
    points, email = (s.text for s in reply.sections)
    assert "Could you submit it by Mon 11 Jan 2027? The program's own deadline is Thu 14 Jan " \
           "2027, so this leaves a little room." in email
    assert "your deadline for them is Mon 11 Jan 2027." in points
    for word in REASONING:
        assert word not in points and word not in email, word
    assert reply.text == ("About the date in the draft: the ideal personal deadline, Thu 31 Dec "
                          "2026 (14 days before the deadline), has passed; Mon 11 Jan 2027 is "
                          "the best date still possible.")
    # the email says where to submit to the writer, not as the student's to-do
    assert ("Where and how to submit: through the ERAS Letter of Recommendation Portal, with "
            "the Letter ID on the Letter Request Form I'm attaching") in email
    assert "create the request in MyERAS" not in email
    # once the deadline has passed the draft names no date at all
    move(driver, ana, letter_id, "agreed")
    clock.set(clock.now() + timedelta(days=12))
    late = driver.run(ana, f"/letter draft packet {letter_id}")
    assert dates_in(late.sections[1].text) == []
    assert "as soon as you can" in late.sections[1].text
    assert late.text.startswith("The deadline, Thu 14 Jan 2027, has passed")


STATES = [state for step in DRAFT_STEPS for state in rules.DRAFT_STATES[step]]


@given(deadline_in=st.integers(min_value=-30, max_value=200),
       asked_ago=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
       state=st.sampled_from(sorted(set(STATES))),
       kind=st.sampled_from([LetterKind.SPECIALTY, LetterKind.SLOE, None]),
       portal=st.sampled_from([Portal.ERAS, Portal.RESIDENCYCAS, None]))
def test_no_draft_ever_holds_a_past_date_or_the_bots_reasoning(
        deadline_in: int, asked_ago: int | None, state: LetterState, kind: LetterKind | None,
        portal: Portal | None) -> None:
    """Over deadlines from a month gone to months ahead, every state a draft is written for,
    asked long ago or never: every date in every draft is today or later, and no draft
    carries the bot's reasoning about dates."""
    today = date(2027, 1, 4)
    deadline = today + timedelta(days=deadline_in)
    letter = Letter(id=7, student_id=1, writer_id=2, writer_name="Dr. Jane Smith",
                    program="EM residency", kind=kind, portal=portal, deadline=deadline,
                    state=state, packet={"cv": True})
    facts = DraftFacts(
        letter=letter, student_name="Ana Diaz", writer_on_roster=True, today=today,
        asked_on=None if asked_ago is None else today - timedelta(days=asked_ago),
        news=("an interview at State EM",),
        where=portals.portal_for(read_program("EM residency", portal), deadline),
        standardized=portals.standardized(portals.letter_cycle(deadline), "emergency medicine"))
    for step in DRAFT_STEPS:
        if not rules.draft_fits(step, state):
            continue
        reply = draft_reply(step, facts)
        for section in reply.sections:
            if section.heading == "What is ready":  # the student's checklist, not a draft
                continue
            assert all(d >= today for d in dates_in(section.text)), (step, section.text)
            for word in REASONING:
                assert word not in section.text, (step, word, section.text)
        if any(d < today for d in dates_in(reply.text)):  # a gone date, said around it
            assert "has passed" in reply.text

"""Letters are counted, warned about and grouped by the program they are for as read (track,
specialty, the place they name), never by the string typed: "EM residency (ERAS)" and "EM
residency" are one program. A program whose portal caps the letters it receives (ERAS: 4,
a figure of the cycle data) and gets more is named with the letters to keep and to leave
out, by the rule the residency plan assigns letters by; the same-program warning and the
writers suggested after a decline read programs the same way. Through the real core and
database, with the injected clock (2027-01-04 15:00Z)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.infra.models import Contact, Mentorship
from bot.letters import mix
from bot.letters.programs import read_program, same_program
from bot.residency.plan import Profile, build_plan
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.residency import Applicant
from tests.support.factories import add_faculty, add_student
from tests.support.residency import EM, letter, program

NY = "America/New_York"
WRITERS = ("Dr. Ada Sloe", "Dr. Ben Sloe", "Dr. Cara Specialty", "Dr. Dan Clerkship",
           "Dr. Eve Research", "Dr. Fay Extra")


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY, stage="ms4", interests=["emergency medicine"])
        for name in WRITERS:  # a core clerkship's writer is not an EM faculty member
            add_faculty(s, name, specialty="Internal Medicine" if "Clerkship" in name
                        else "Emergency Medicine")
    return ana


def section(reply, heading: str) -> str:
    return next((s.text for s in reply.sections if (s.heading or "").startswith(heading)), "")


def track_agreed(driver, ana, line: str) -> int:
    reply = driver.run(ana, f"/letter remind {line}")
    assert not reply.error, reply.as_text()
    letter_id = int(reply.title.split("#")[1].split()[0])
    for state in ("asked", "agreed"):
        assert not driver.run(ana, f"/letter update {letter_id} {state}").error
    return letter_id


def test_five_letters_for_one_em_program_however_written_are_over_the_eras_cap(core, driver):
    """The issue's case: five agreed letters for "EM residency (ERAS)", "EM residency" and
    "Emergency Medicine residency (ERAS)" are one program. ERAS assigns at most 4 letters to
    one program: /letter plan says which to keep and which to leave out, naming them, and
    never calls the mix complete; tracking the fifth says so at once."""
    ana = people(core)
    due = "due:2027-09-01"
    ids = [
        track_agreed(driver, ana, f'Dr. Ada Sloe {due} program:"EM residency (ERAS)" kind:sloe'),
        track_agreed(driver, ana, f'Dr. Ben Sloe {due} program:"EM residency" kind:sloe'),
        track_agreed(driver, ana, f'Dr. Cara Specialty {due} program:"Emergency Medicine '
                                  f'residency (ERAS)" kind:specialty'),
        track_agreed(driver, ana, f'Dr. Dan Clerkship {due} program:"EM residency" '
                                  "kind:clerkship"),
    ]
    fifth = driver.run(ana, f'/letter remind Dr. Eve Research {due} program:"EM residency" '
                            "kind:research")
    ids.append(int(fifth.title.split("#")[1].split()[0]))
    cap_words = ("and ERAS assigns at most 4 to one program (2025–26, the latest published; "
                 "none found for 2027–28)")
    over = section(fifth, "Warning: over the cap")
    assert f"letters from 5 writers, {cap_words}" in over
    assert f"Leave out #{ids[4]} Dr. Eve Research, research, planned." in over
    for letter_id in ids[:4]:
        assert f"#{letter_id} " in over.split("Leave out")[0]
    for state in ("asked", "agreed"):
        driver.run(ana, f"/letter update {ids[4]} {state}")

    plan = driver.run(ana, "/letter plan residency")
    text = plan.as_text()
    assert "the mix is complete" not in text
    limits = section(plan, "Over the limits")
    assert limits == (
        f"- EM residency (ERAS) (also written “EM residency” or “Emergency Medicine residency "
        f"(ERAS)”): letters from 5 writers, {cap_words}. Keep #{ids[0]} Dr. Ada Sloe, sloe, "
        f"agreed; #{ids[1]} Dr. Ben Sloe, sloe, agreed; #{ids[2]} Dr. Cara Specialty, "
        f"specialty, agreed; #{ids[3]} Dr. Dan Clerkship, clerkship, agreed. Leave out "
        f"#{ids[4]} Dr. Eve Research, research, agreed. Chosen by the standardized letters "
        "first, then letters from the specialty, core clerkships and research, secured before "
        "planned or asked, and among those the writers who have known you longest.")
    assert section(plan, "Missing") == ("Nothing more to find, but a program gets more letters "
                                        "than its portal takes (below): choose which go.")
    # a sixth writer: still one program, six writers, two to leave out
    sixth = driver.run(ana, f'/letter remind Dr. Fay Extra {due} program:"ER residency" '
                            "kind:clerkship")
    assert "letters from 6 writers" in section(sixth, "Warning: over the cap")


def test_letters_for_different_programs_are_not_crowded_together(core, driver):
    """County General's and State's EM programs are two programs; a letter for every EM
    program goes to both. Four writers at each: no program is over the cap."""
    ana = people(core)
    due = "due:2027-09-01"
    for name in WRITERS[:2]:
        track_agreed(driver, ana, f'{name} {due} program:"EM residency (ERAS)" kind:sloe')
    for name in WRITERS[2:4]:
        track_agreed(driver, ana, f'{name} {due} program:"County General EM residency (ERAS)" '
                                  "kind:specialty")
    for name in WRITERS[4:6]:
        track_agreed(driver, ana, f'{name} {due} program:"State EM residency (ERAS)" '
                                  "kind:clerkship")
    plan = driver.run(ana, "/letter plan residency")
    assert section(plan, "Over the limits") == ""


def test_a_second_letter_for_the_same_program_as_read_is_warned_about(core, driver):
    """A writer already writing for "Emergency Medicine residency (ERAS)" gets the
    same-program warning on a second letter for "EM residency"; not for another program."""
    ana = people(core)
    first = driver.run(ana, '/letter remind Dr. Ada Sloe due:2027-09-01 program:"Emergency '
                            'Medicine residency (ERAS)" kind:sloe')
    first_id = int(first.title.split("#")[1].split()[0])
    second = driver.run(ana, '/letter remind Dr. Ada Sloe due:2027-09-01 program:"EM residency"')
    assert "Warning: same program" in second.as_text()
    assert (f"You already have a letter from Dr. Ada Sloe for Emergency Medicine residency "
            f"(ERAS) (letter #{first_id}, planned).") in second.as_text()
    for other in ("IM residency", "Away rotation: County EM (VSLO)", "EM fellowship"):
        reply = driver.run(ana, f'/letter remind Dr. Ada Sloe due:2027-09-01 program:"{other}"')
        assert "Warning: same program" not in reply.as_text(), other


def test_letter_plan_and_residency_plan_leave_out_the_same_letters() -> None:
    """One rule: the letters /letter plan says to leave out of an ERAS program are the ones
    the residency plan leaves out of every ERAS program (tests/test_residency_plan.py's
    six letters)."""
    letters = [letter(1, kind=LetterKind.CLERKSHIP), letter(2, kind=LetterKind.SPECIALTY),
               letter(3, kind=LetterKind.SLOE, program="EM residency"),
               letter(4, kind=LetterKind.RESEARCH, program="Emergency Medicine residency"),
               letter(5, kind=LetterKind.SLOE, program="SLOE, ED rotation (ERAS)"),
               letter(6, kind=LetterKind.SPECIALTY, state=LetterState.PLANNED),
               letter(7, program="Away rotation: County EM (VSLO)", portal=None),
               letter(8, program="IM residency (ERAS)")]
    plan = build_plan(Profile(specialty=EM, cycle="2025-26", applicant=Applicant.MD,
                              step2=245), [program(i, portal=Portal.ERAS) for i in range(1, 4)],
                      entries={}, letters=letters, today=date(2025, 7, 1))
    result = mix.evaluate_mix("residency", letters, specialty="EM", cycle="2025-26")
    [crowded] = result.crowded_programs
    assert tuple(x.id for x in crowded.left_out) == plan.letters.left_out == (1, 4)
    assert {tuple(x.id for x in crowded.kept)} == {row.letters for row in plan.programs}


def test_suggestions_after_a_neutral_letter_know_the_student_and_are_free(core, driver, clock):
    """A neutral letter's replacements are people who have known the student three months
    or more (a mentorship, or logged contacts), never one already writing for that program
    as read: not a mentor of less than a week who writes for "EM residency (ERAS)"."""
    ana = people(core)
    with core.db.session() as s:
        rows = {name: add_faculty(s, name, specialty="Emergency Medicine")
                for name in ("Dr. New Mentor", "Dr. Old Mentor", "Dr. Met Often",
                             "Dr. Busy Writer")}
        now = clock.now()
        s.add(Mentorship(student_id=ana.id, mentor_id=rows["Dr. New Mentor"].id,
                         kind="career", started_at=now.replace(day=1)))
        s.add(Mentorship(student_id=ana.id, mentor_id=rows["Dr. Old Mentor"].id,
                         kind="clinical", started_at=datetime(2026, 5, 1, tzinfo=UTC)))
        s.add(Mentorship(student_id=ana.id, mentor_id=rows["Dr. Busy Writer"].id,
                         kind="research", started_at=datetime(2026, 1, 1, tzinfo=UTC)))
        s.add(Contact(student_id=ana.id, mentor_id=rows["Dr. Met Often"].id,
                      at=datetime(2026, 8, 1, 16, tzinfo=UTC), note="", is_ask=False,
                      created_at=datetime(2026, 8, 1, 16, tzinfo=UTC)))
    driver.run(ana, '/letter remind Dr. Busy Writer due:2027-09-01 program:"EM residency (ERAS)"')
    reply = driver.run(ana, '/letter remind Dr. Ben Sloe due:2027-09-01 '
                            'program:"Emergency Medicine residency"')
    ben = int(reply.title.split("#")[1].split()[0])
    driver.run(ana, f"/letter update {ben} asked")
    neutral = driver.run(ana, f'/letter update {ben} declined reason:"neutral letter"')
    text = section(neutral, "Other writers")
    assert text.startswith("People who have known you 3 months or more and could write for "
                           "Emergency Medicine residency instead: Dr. Old Mentor, Dr. Met Often.")
    assert "Dr. New Mentor" not in text and "Dr. Busy Writer" not in text
    assert "Ask Dr. Old Mentor" in neutral.as_text() and "Ask Dr. New Mentor" not in \
        neutral.as_text()


PHRASES = ["EM residency", "EM residency (ERAS)", "Emergency Medicine residency (ERAS)",
           "emergency medicine residency", "ER residency (ResidencyCAS)", "IM residency",
           "Internal Medicine residency (ERAS)", "IM prelim", "County General EM residency",
           "State EM residency", "Away rotation: County EM (VSLO)", "Cardiology fellowship",
           "Biology fellowship", "Medical school (AMCAS)", "residency (ERAS)", ""]


@given(st.sampled_from(PHRASES), st.sampled_from(PHRASES))
def test_one_program_is_symmetric_and_ignores_how_it_is_written(a: str, b: str) -> None:
    """Reading is symmetric, every phrase is its own program, and case, punctuation and the
    portal written in the phrase never make two programs of one."""
    ra, rb = read_program(a), read_program(b)
    assert same_program(ra, rb) == same_program(rb, ra)
    assert same_program(ra, ra)
    plain = a.replace(" (ERAS)", "").replace(" (ResidencyCAS)", "").upper()
    assert same_program(read_program(plain), rb) == same_program(ra, rb)

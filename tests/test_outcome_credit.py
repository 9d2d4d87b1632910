"""Credit where it is due: an outcome is shared with the writers whose letters had a part in
it, read from the outcome's words and each letter's program (`programs.credits`: the same
track and specialty). A biology fellowship's letter is not thanked for an EM residency
interview: its writer is not told, their outcome draft does not carry the news, and the
reply says why. Through the real core (clock: Mon 4 Jan 2027)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.infra.models import Nudge
from bot.letters.programs import credits, read_program
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, track
from tests.support.nudges import delivered

NY = "America/New_York"


def test_an_em_interview_credits_the_em_letter_not_the_fellowship_one(core, driver, clock):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        add_faculty(s, "Dr. Jane Smith", specialty="Emergency Medicine")
        add_faculty(s, "Prof. Alan Brooks", specialty="Biology")
    em = track(driver, ana, 'Dr. Jane Smith due:2027-02-01 program:"EM residency (ERAS)" '
                            "kind:specialty")
    bio = track(driver, ana, 'Prof. Alan Brooks due:2027-02-01 program:"Biology fellowship" '
                             "kind:research")
    for letter_id in (em, bio):
        move(driver, ana, letter_id, "submitted")
    reply = driver.run(ana, "/letter outcome interview at County General EM")
    assert not reply.error, reply.as_text()
    assert reply.text.startswith("“interview at County General EM”. Writers to tell: Dr. Jane "
                                 "Smith. I'll send you one reminder listing them tomorrow")
    assert (f"Not told: Prof. Alan Brooks (#{bio} for Biology fellowship): that letter was for "
            "another application.") in reply.text
    assert [s.text for s in reply.sections] == [f"Dr. Jane Smith for EM residency (ERAS) "
                                                 f"(letter #{em})"]

    em_draft = driver.run(ana, f"/letter draft outcome {em}").sections[0].text
    assert "I wanted to share some news: interview at County General EM. Your letter for EM " \
           "residency (ERAS) was part of that" in em_draft
    bio_draft = driver.run(ana, f"/letter draft outcome {bio}").sections[0].text
    assert "County General" not in bio_draft
    assert "[your news: an interview, an acceptance, your match]" in bio_draft

    # the next morning's reminder lists the one writer whose letter counted
    clock.set(clock.now() + timedelta(days=1))
    with core.db.session() as s:
        (nudge,) = s.scalars(select(Nudge).where(Nudge.kind == "letter-outcome")).all()
    sent = delivered(core.db, nudge).as_text()
    assert "Dr. Jane Smith" in sent and "Prof. Alan Brooks" not in sent

    # news of the fellowship goes to its writer only
    later = driver.run(ana, "/letter outcome accepted to the biology fellowship")
    assert "Writers to tell: Prof. Alan Brooks." in later.text
    assert f"Not told: Dr. Jane Smith (#{em} for EM residency (ERAS))" in later.text


def test_an_outcome_that_names_nothing_credits_every_letter() -> None:
    """"Got an interview!" says nothing of a track or specialty: every letter may have
    helped."""
    news = read_program("Got an interview!")
    for program in ("EM residency", "Biology fellowship", "Medical school (AMCAS)", ""):
        assert credits(news, read_program(program)), program
    interview = read_program("EM residency interview at State")
    assert credits(interview, read_program("Emergency Medicine residency (ERAS)"))
    assert credits(interview, read_program("residency (ERAS)"))
    assert not credits(interview, read_program("IM residency"))
    assert not credits(interview, read_program("Biology fellowship"))
    assert not credits(read_program("Accepted at State medical school"),
                       read_program("EM residency"))

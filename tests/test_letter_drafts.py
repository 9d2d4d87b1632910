"""`/letter draft ask|packet|thanks|outcome ID`: the guide's messages, filled with the letter's
facts, for the student to adapt and send. Tested for the facts each must hold (the writer as
"Dear Dr. Surname", the program, the personal deadline, where and how to submit, the packet,
the placeholders), not for exact wording. Never a letter's text. Through the real core on
SQLite and PostgreSQL (clock: Mon 4 Jan 2027)."""

from __future__ import annotations

import pytest

from bot.letters import draft_messages, rules
from bot.people.names import salutation
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, track
from tests.support.snapshots import snapshot

NY = "America/New_York"


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        ben = add_student(s, "Ben Cho")
        add_faculty(s, "Dr. Jane Smith", specialty="Emergency Medicine")
    return ana, ben


def em_letter(driver, ana) -> int:
    return track(driver, ana, 'Dr. Jane Smith due:2027-04-19 program:"State EM residency" '
                              "kind:specialty portal:ERAS")


def test_ask_draft_has_talking_points_and_the_follow_up_email(core, driver):
    ana, _ = people(core)
    letter_id = em_letter(driver, ana)
    reply = driver.run(ana, f"/letter draft ask {letter_id}")
    assert not reply.error, reply.as_text()
    text = reply.as_text()
    points, email = (s.text for s in reply.sections)
    # talking points: the strong-letter ask, and why the phrase matters
    assert "strong letter of recommendation for State EM residency" in points
    assert "room to say no" in points and "neutral" in points
    assert "Mon 05 Apr 2027" in points  # the personal deadline to tell them
    assert "[what you did together" in points
    # the follow-up email: addressed by title and surname, the packet, the date, the portal
    assert "Dear Dr. Smith," in email and "Dear Dr. Jane Smith" not in text
    assert "State EM residency" in email
    for item in ("CV", "personal statement", "summary of the work we did together",
                 "strengths I hope you can speak to", "[4–6 strengths"):
        assert item in email, item
    assert "Mon 05 Apr 2027" in email and "Mon 19 Apr 2027" in email
    assert "ERAS Letter of Recommendation Portal" in email
    assert email.rstrip().endswith("Ana Diaz")
    assert "never send it for you" in reply.footer


def test_packet_draft_says_what_is_ready_and_what_is_missing(core, driver):
    ana, _ = people(core)
    letter_id = em_letter(driver, ana)
    move(driver, ana, letter_id, "agreed")
    fresh = driver.run(ana, f"/letter draft packet {letter_id}").sections[0].text
    assert fresh.startswith("Nothing is checked off yet.\nStill to send:\n- CV\n")
    driver.run(ana, f"/letter packet {letter_id} done:cv;statement;portal")
    reply = driver.run(ana, f"/letter draft packet {letter_id}")
    assert not reply.error, reply.as_text()
    ready, email = (s.text for s in reply.sections)
    done, to_send = ready.split("Still to send:\n")
    assert done.splitlines() == ["Ready:", "- CV", "- Personal statement (or a draft)",
                                 "- Where and how to submit"]
    assert to_send.splitlines() == [
        "- Summary of the work you did together",
        f"- {rules.STRENGTHS[0]}–{rules.STRENGTHS[1]} strengths to emphasize, aligned with "
        "the program",
        "- Any prompts or forms from the program", "- Your personal deadline",
        f"Check items off with /letter packet {letter_id}."]
    assert "- My CV (attached)" in email
    assert "- My personal statement (or its current draft) (attached)" in email
    assert "[still to send]" in email and email.count("[still to send]") == 3
    assert "Dear Dr. Smith," in email and "Mon 05 Apr 2027" in email
    # the packet draft is a button on the packet checklist while the letter is open
    checklist = driver.run(ana, f"/letter packet {letter_id}")
    assert any(a.command == "letter draft" and a.args == {"step": "packet",
                                                          "id": str(letter_id)}
               for a in checklist.actions)
    driver.run(ana, f"/letter packet {letter_id} done:summary;strengths;prompts;deadline")
    complete, email = (s.text for s in driver.run(ana, f"/letter draft packet "
                                                       f"{letter_id}").sections)
    assert "Still to send" not in complete and "[still to send]" not in email
    assert complete.splitlines()[-1] == "Everything is checked off: attach it all."
    assert "- Your personal deadline" in complete


def test_thanks_draft_after_submission_and_after_a_decline(core, driver):
    ana, _ = people(core)
    letter_id = em_letter(driver, ana)
    move(driver, ana, letter_id, "submitted")
    note = driver.run(ana, f"/letter draft thanks {letter_id}").as_text()
    assert "Dear Dr. Smith," in note
    assert "Thank you for writing my letter of recommendation for State EM residency" in note
    assert draft_messages.SPECIFIC_PLACEHOLDER in note
    declined = track(driver, ana, '"Prof. Ada O\'Brien" due:2027-04-19 program:"County EM" '
                                  "kind:character")
    move(driver, ana, declined, "declined")
    considered = driver.run(ana, f"/letter draft thanks {declined}").as_text()
    assert "Dear Prof. O'Brien," in considered
    assert "Thank you for considering my request" in considered


def test_outcome_draft_shares_the_news_since_the_letter(core, driver):
    ana, _ = people(core)
    letter_id = em_letter(driver, ana)
    move(driver, ana, letter_id, "submitted")
    empty = driver.run(ana, f"/letter draft outcome {letter_id}").as_text()
    assert draft_messages.NEWS_PLACEHOLDER in empty and "/letter outcome" in empty
    driver.run(ana, "/letter outcome interview at State EM")
    driver.run(ana, "/letter outcome matched at State EM!")
    news = driver.run(ana, f"/letter draft outcome {letter_id}").as_text()
    assert "matched at State EM!; interview at State EM" in news
    assert "Dear Dr. Smith," in news and "State EM residency" in news
    assert draft_messages.NEWS_PLACEHOLDER not in news


def test_an_outside_writer_without_a_title_gets_a_placeholder(core, driver):
    ana, _ = people(core)
    letter_id = track(driver, ana, "Bob Outsider due:2027-06-01 kind:research")
    text = driver.run(ana, f"/letter draft ask {letter_id}").as_text()
    assert "Dear [title] Outsider," in text
    assert draft_messages.PROGRAM_PLACEHOLDER in text  # no program named


def test_drafts_that_do_not_fit_and_bad_input_change_nothing(core, driver):
    ana, ben = people(core)
    letter_id = em_letter(driver, ana)

    def counts():
        with core.db.session() as s:
            return snapshot(s)

    before = counts()
    for who, line, expected in (
        (ana, f"/letter draft thanks {letter_id}", "the thanks draft is for letters that are"),
        (ana, f"/letter draft outcome {letter_id}", "submitted, thanked"),
        (ana, f"/letter draft letter {letter_id}", "must be one of ask, packet, thanks, outcome"),
        (ana, "/letter draft ask 9999", "no letter"),
        (ben, f"/letter draft ask {letter_id}", "no letter"),  # not theirs
        (ana, "/letter draft ask", "ID"),
        (ana, f"/letter draft ask {letter_id} text:hello", "no option text:"),  # no letter text
    ):
        reply = driver.run(who, line)
        assert reply.error and expected in reply.as_text(), (line, reply.as_text())
    assert counts() == before


def test_buttons_offer_the_draft_of_the_next_step(core, driver):
    ana, _ = people(core)
    letter_id = em_letter(driver, ana)
    asked = driver.run(ana, f"/letter update {letter_id} asked")
    assert {"step": "ask", "id": str(letter_id)} in [a.args for a in asked.actions]
    agreed = driver.run(ana, f"/letter update {letter_id} agreed")
    assert {"step": "packet", "id": str(letter_id)} in [a.args for a in agreed.actions]
    driver.run(ana, f"/letter update {letter_id} packet-sent")
    submitted = driver.run(ana, f"/letter update {letter_id} submitted")
    button = next(a for a in submitted.actions if a.command == "letter draft")
    assert button.args == {"step": "thanks", "id": str(letter_id)}
    assert "Dear Dr. Smith," in driver.press(ana, button.encode()).as_text()


def test_help_lists_the_new_letter_commands(core, driver):
    ana, _ = people(core)
    text = driver.run(ana, "/letter help").as_text()
    for usage in ("/letter draft STEP ID", "/letter cancel ID [reason:]", "/letter list"):
        assert usage in text, usage
    assert "Faculty: the letters you are asked to write" in text


@pytest.mark.parametrize(("name", "doctor", "expected"), [
    ("Dr. Hannah Cho", False, "Dear Dr. Cho"),
    ("Hannah Cho", True, "Dear Dr. Cho"),
    ("Prof. Alan Brooks (Biology)", False, "Dear Prof. Brooks"),
    ("Dr. José Núñez, MD", False, "Dear Dr. Núñez"),
    ("Hannah Cho, MD, PhD", False, "Dear Dr. Cho"),
    ("Jane Smith MD", False, "Dear Dr. Smith"),
    ("Dr. Maria de la Cruz", False, "Dear Dr. de la Cruz"),
    ("Anh Do", True, "Dear Dr. Do"),
    ("Ms. Wei Ma", False, "Dear Ms. Ma"),
    ("Bob Outsider", False, "Dear [title] Outsider"),
    ("Premedical Advisory Committee", False, "Dear Premedical Advisory Committee"),
])
def test_salutation_is_title_and_surname(name, doctor, expected):
    assert salutation(name, doctor=doctor) == expected


def test_drafts_fit_the_states_the_rules_say():
    assert rules.draft_fits(rules.DraftStep.ASK, "planned")
    assert not rules.draft_fits(rules.DraftStep.ASK, "withdrawn")
    assert rules.draft_fits(rules.DraftStep.THANKS, "declined")
    assert not rules.draft_fits(rules.DraftStep.OUTCOME, "agreed")

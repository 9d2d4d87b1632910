"""`/letter …` through the real core and database, with the injected clock (2027-01-04 15:00Z,
10:00 in New York)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.infra.models import Contact, Letter, LetterEvent, Mentorship, Nudge, Outcome
from bot.letters import rules
from bot.vocab.letters import LETTER_KINDS, LETTER_STATES
from tests.support.factories import add_faculty, add_student
from tests.support.nudges import delivered
from tests.support.snapshots import snapshot

NY = "America/New_York"


def setup_people(core, **student):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY, **student)
        smith = add_faculty(s, "Dr. Jane Smith", specialty="Emergency Medicine")
        lee = add_faculty(s, "Dr. Marcus Lee", specialty="Internal Medicine")
    return ana, smith, lee


def counts(core) -> tuple[int, int, int]:
    with core.db.session() as s:
        return (s.scalar(select(func.count()).select_from(Letter)),
                s.scalar(select(func.count()).select_from(LetterEvent)),
                s.scalar(select(func.count()).select_from(Nudge)))


def only_letter(core) -> Letter:
    with core.db.session() as s:
        return s.scalars(select(Letter).order_by(Letter.id.desc())).first()


def pending(core, letter_id: int) -> dict[str, datetime]:
    with core.db.session() as s:
        rows = s.execute(select(Nudge.kind, Nudge.due_at).where(
            Nudge.subject_type == "letter", Nudge.subject_id == letter_id,
            Nudge.state == "pending")).all()
    return dict(rows)


def add_mentorship(core, student, mentor, started: datetime, kind: str = "career") -> None:
    with core.db.session() as s:
        s.add(Mentorship(student_id=student.id, mentor_id=mentor.id, kind=kind,
                         started_at=started))


# --- /letter remind ----------------------------------------------------------------------


def test_remind_shows_timeline_in_student_zone_from_relative_deadline(core, driver):
    ana, smith, _ = setup_people(core)
    add_mentorship(core, ana, smith, datetime(2026, 6, 1, tzinfo=UTC))
    reply = driver.run(ana, '/letter remind Dr. Jane Smith due:"in 10 weeks" '
                            'program:"EM residency" portal:eras')
    assert not reply.error, reply.as_text()
    text = reply.as_text()
    assert "Timeline (dates in America/New_York)" in text
    assert "Ask by: Mon 01 Feb 2027" in text
    assert "Last call: Mon 15 Feb 2027" in text
    assert "Personal deadline for the writer: Mon 01 Mar 2027" in text
    assert "Deadline: Mon 15 Mar 2027" in text
    assert "Warning" not in text
    assert "Kind: specialty (inferred)" in text
    letter = only_letter(core)
    assert (letter.writer_id, letter.writer_name, letter.portal, letter.deadline, letter.state) \
        == (smith.id, "Dr. Jane Smith", "ERAS", date(2027, 3, 15), "planned")
    # its nudges are planned at once, at 10:00 New York time on each side of the DST change
    assert pending(core, letter.id) == {
        "letter-ask": datetime(2027, 1, 29, 15, 0, tzinfo=UTC),
        "letter-ask-late": datetime(2027, 2, 15, 15, 0, tzinfo=UTC),
        "letter-deadline": datetime(2027, 3, 12, 15, 0, tzinfo=UTC),
    }


def test_remind_reads_today_in_the_students_zone(core, driver, clock):
    ana, _, _ = setup_people(core)
    clock.set(datetime(2027, 1, 5, 3, 0, tzinfo=UTC))  # still 4 Jan, 22:00 in New York
    reply = driver.run(ana, "/letter remind Dr. Smith due:2027-01-04 kind:science")
    assert not reply.error, reply.as_text()
    assert "Warning: rushed" in reply.as_text() and "today" in reply.as_text()


def test_impossible_and_past_deadlines_create_nothing(core, driver):
    ana, _, _ = setup_people(core)
    before = counts(core)
    for line, expected in {
        "/letter remind Dr. Jane Smith due:2027-02-30": "not a real date",
        "/letter remind Dr. Jane Smith due:2026-12-01": "in the past",
        '/letter remind Dr. Jane Smith due:"last week"': "in the past",
        "/letter remind Dr. Jane Smith": "due:",
        "/letter remind due:2027-05-01": "WRITER",
        "/letter remind Dr. Jane Smith due:2027-05-01 kind:funny": "must be one of",
        "/letter remind Dr. Jane Smith due:2027-05-01 portal:pigeon": "must be one of",
        "/letter remind Dr. Jane Smith due:2027-05-01 progam:EM": "no option progam:",
        "/letter remind nobody@example.edu due:2027-05-01": "don't know",
        "/letter remind <@U999> due:2027-05-01": "don't know",
        "/letter remind @channel due:2027-05-01": "not a faculty member",
        "/letter remind Dr. Smith!!! 42 due:2027-05-01": "not a faculty member",
    }.items():
        reply = driver.run(ana, line)
        assert reply.error, line
        assert expected in reply.as_text(), (line, reply.as_text())
    assert counts(core) == before


def test_ambiguous_known_name_is_an_error_listing_candidates(core, driver):
    ana, _, _ = setup_people(core)
    with core.db.session() as s:
        add_faculty(s, "Dr. Jane Smith", email="jane.smith2@example.edu")
    reply = driver.run(ana, "/letter remind Jane Smith due:2027-05-01")
    assert reply.error
    assert "jane.smith@example.edu" in reply.as_text()
    assert "jane.smith2@example.edu" in reply.as_text()
    assert counts(core)[0] == 0
    by_email = driver.run(ana, "/letter remind jane.smith2@example.edu due:2027-05-01")
    assert not by_email.error, by_email.as_text()


def test_outside_writer_is_tracked_by_name_and_said_so(core, driver):
    ana, _, _ = setup_people(core)
    reply = driver.run(ana, '/letter remind "Prof. Ada O\'Brien" due:2027-06-01 kind:character')
    assert not reply.error, reply.as_text()
    text = reply.as_text()
    assert "outside writer" in text
    letter = only_letter(core)
    assert letter.writer_id is None and letter.writer_name == "Prof. Ada O'Brien"
    # what it offers works for someone off the roster: never /mentor log, which refuses them
    assert "Warning: no relationship" in text and "not on the faculty roster" in text
    assert "/mentor log" not in text
    assert driver.run(ana, "/mentor log \"Prof. Ada O'Brien\"").error
    offered = (f"/letter update {letter.id} asked", f"/letter packet {letter.id}",
               f"/letter draft ask {letter.id}", "/letter calendar")
    for line in offered:
        assert line in text, line
    assert "[Dates to my calendar]  /letter calendar" in text
    for line in offered:
        assert not driver.run(ana, line).error, line
    # a near miss of a known name is tracked too, but the reply points at the close match
    near = driver.run(ana, "/letter remind Janet Smithson due:2027-06-01 kind:science")
    assert not near.error
    assert "outside writer" in near.as_text()
    assert "If you meant Dr. Jane Smith, use their email instead." in near.as_text()


def test_remind_warnings(core, driver, clock):
    ana, smith, lee = setup_people(core)
    add_mentorship(core, ana, lee, clock.now() - timedelta(days=40))
    last_minute = driver.run(ana, "/letter remind Dr. Marcus Lee due:2027-01-25 kind:clerkship")
    text = last_minute.as_text()
    assert "Warning: last minute" in text and "21 days away" in text
    assert "Warning: short relationship" in text and "1 month" in text
    assert text.count("Instead:") == 2
    rushed = driver.run(ana, "/letter remind Dr. Jane Smith due:2027-01-08 kind:specialty")
    assert "Warning: rushed" in rushed.as_text()
    assert "rushed and generic" in rushed.as_text()
    assert "Warning: no relationship" in rushed.as_text()


def test_declined_before_and_same_program_warnings(core, driver):
    ana, smith, lee = setup_people(core)
    add_mentorship(core, ana, smith, datetime(2026, 1, 1, tzinfo=UTC))
    add_mentorship(core, ana, lee, datetime(2026, 1, 1, tzinfo=UTC))
    driver.run(ana, '/letter remind Dr. Jane Smith due:2027-06-01 program:"State EM" '
                    "kind:specialty")
    first = only_letter(core)
    driver.run(ana, f"/letter update {first.id} asked")
    driver.run(ana, f'/letter update {first.id} declined reason:"neutral letter"')
    again = driver.run(ana, "/letter remind Dr. Jane Smith due:2027-06-01 program:Other "
                            "kind:specialty").as_text()
    assert "Warning: declined before" in again and "neutral letter" in again
    driver.run(ana, '/letter remind Dr. Marcus Lee due:2027-06-01 program:"IM prelim" '
                    "kind:clerkship")
    dup = driver.run(ana, '/letter remind Dr. Marcus Lee due:2027-07-01 program:"im prelim" '
                          "kind:clerkship").as_text()
    assert "Warning: same program" in dup and "/letter update" in dup


# --- /letter update ----------------------------------------------------------------------


def test_lifecycle_through_commands_and_buttons(core, driver, clock):
    ana, smith, lee = setup_people(core)
    add_mentorship(core, ana, smith, datetime(2026, 1, 1, tzinfo=UTC))
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-04-19 kind:specialty")
    letter = only_letter(core)
    refused = driver.run(ana, f"/letter update {letter.id} submitted")
    assert refused.error and "From planned it can go to: asked" in refused.as_text()
    asked = driver.run(ana, f"/letter update {letter.id} asked")
    assert not asked.error, asked.as_text()
    with core.db.session() as s:
        contact = s.scalar(select(Contact).where(Contact.student_id == ana.id))
        assert (contact.mentor_id, contact.is_ask, contact.at) == (smith.id, True, clock.now())
        ship = s.scalar(select(Mentorship).where(Mentorship.student_id == ana.id))
        assert ship.last_contact_at == clock.now()
    agreed = next(a for a in asked.actions if a.args.get("state") == "agreed")
    assert not driver.press(ana, agreed.encode()).error
    for state in ("packet-sent", "submitted", "thanked"):
        reply = driver.run(ana, f"/letter update {letter.id} {state}")
        assert not reply.error, (state, reply.as_text())
    final = driver.run(ana, f"/letter update {letter.id} asked")
    assert final.error and "final state" in final.as_text()
    with core.db.session() as s:
        states = s.scalars(select(LetterEvent.to_state).where(
            LetterEvent.letter_id == letter.id).order_by(LetterEvent.id)).all()
    assert states == ["planned", "asked", "agreed", "packet-sent", "submitted", "thanked"]


def test_every_illegal_transition_is_refused_and_changes_nothing(core, driver):
    ana, _, _ = setup_people(core)
    path = ["asked", "agreed", "packet-sent", "submitted", "thanked"]
    driver.run(ana, "/letter remind Bob Outsider due:2027-06-01 kind:research")
    letter = only_letter(core)
    current = "planned"
    for step in [*path, None]:
        for wanted in LETTER_STATES:
            if wanted in rules.TRANSITIONS[current]:
                continue
            before = counts(core)
            reply = driver.run(ana, f"/letter update {letter.id} {wanted}")
            assert reply.error and "cannot become" in reply.as_text(), (current, wanted)
            assert counts(core) == before
            assert only_letter(core).state == current
        if step is None:
            break
        assert not driver.run(ana, f"/letter update {letter.id} {step}").error
        current = step
    # declined is final too
    driver.run(ana, "/letter remind Bob Outsider due:2027-06-01 program:X kind:research")
    other = only_letter(core)
    driver.run(ana, f"/letter update {other.id} asked")
    driver.run(ana, f"/letter update {other.id} declined")
    for wanted in LETTER_STATES:
        assert driver.run(ana, f"/letter update {other.id} {wanted}").error


def test_declined_suggests_other_writers_and_neutral_is_recorded(core, driver):
    ana, smith, lee = setup_people(core)
    add_mentorship(core, ana, smith, datetime(2026, 1, 1, tzinfo=UTC))
    add_mentorship(core, ana, lee, datetime(2026, 1, 1, tzinfo=UTC))
    driver.run(ana, '/letter remind Dr. Jane Smith due:2027-06-01 program:"EM residency" '
                    "kind:specialty")
    letter = only_letter(core)
    asked = driver.run(ana, f"/letter update {letter.id} asked")
    neutral = next(a for a in asked.actions if a.args.get("reason") == "neutral letter")
    reply = driver.press(ana, neutral.encode())
    assert not reply.error, reply.as_text()
    text = reply.as_text()
    assert "neutral letter" in text and "find another writer" in text
    assert "Dr. Marcus Lee" in text and "/mentor find" in text
    assert "Dr. Jane Smith" not in text.split("Other writers")[1]
    ask_lee = next(a for a in reply.sections[0].actions if a.command == "letter remind")
    assert ask_lee.args["writer"] == f"person:{lee.id}"
    follow = driver.press(ana, ask_lee.encode())
    assert not follow.error and "Dr. Marcus Lee" in follow.title
    with core.db.session() as s:
        stored = s.get(Letter, letter.id)
        assert (stored.state, stored.state_reason) == ("declined", "neutral letter")


def test_other_students_letters_are_not_found(core, driver):
    ana, _, _ = setup_people(core)
    with core.db.session() as s:
        ben = add_student(s, "Ben Cho")
    driver.run(ana, "/letter remind Bob Outsider due:2027-06-01 kind:research")
    letter = only_letter(core)
    for line in (f"/letter update {letter.id} asked", f"/letter packet {letter.id} cv:yes",
                 f"/letter packet {letter.id}"):
        reply = driver.run(ben, line)
        assert reply.error and "no letter" in reply.as_text()
    assert only_letter(core).state == "planned" and only_letter(core).packet == {}
    assert "No letters" in driver.run(ben, "/letter list").title


def test_faculty_cannot_use_the_students_letter_commands(core, driver):
    """Faculty see the letters they write (`/letter list`), but tracking letters is for
    students."""
    _, smith, _ = setup_people(core)
    for line in ("/letter remind Dr. Marcus Lee due:2027-06-01", "/letter plan residency",
                 "/letter cancel 1", "/letter draft ask 1", "/letter outcome matched!"):
        reply = driver.run(smith, line)
        assert reply.error and "is for students" in reply.text, line
    assert not driver.run(smith, "/letter list").error


# --- /letter packet ----------------------------------------------------------------------


def test_packet_checklist_options_and_buttons(core, driver):
    ana, smith, _ = setup_people(core)
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-04-19 portal:ERAS kind:specialty")
    letter = only_letter(core)
    shown = driver.run(ana, f"/letter packet {letter.id}")
    text = shown.as_text()
    for label in ("CV", "Personal statement (or a draft)", "Summary of the work",
                  "4–6 strengths", "Transcript (optional)", "Where and how to submit",
                  "prompts", "Your personal deadline", "Mon 05 Apr 2027", "ERAS"):
        assert label in text, label
    assert "Missing: cv, statement, summary, strengths, portal, prompts, deadline." in text
    reply = driver.run(ana, f"/letter packet {letter.id} cv:yes statement:yes "
                            "done:summary;strengths")
    assert "Missing: portal, prompts, deadline." in reply.as_text()
    assert "[x] cv" in reply.as_text() and "[ ] transcript" in reply.as_text()
    for key in ("portal", "prompts"):
        button = next(a for a in reply.actions if a.args.get("done") == key)
        reply = driver.press(ana, button.encode())
    reply = driver.run(ana, f"/letter packet {letter.id} deadline:yes cv:no")
    assert "Missing: cv." in reply.as_text()
    bad = driver.run(ana, f"/letter packet {letter.id} done:letter-text")
    assert bad.error and "not a packet item" in bad.as_text()
    assert only_letter(core).packet == {"statement": True, "summary": True, "strengths": True,
                                        "portal": True, "prompts": True, "deadline": True}
    # the letter's text is never asked for: no option takes it
    assert driver.run(ana, f"/letter packet {letter.id} text:hello").error


def test_complete_packet_offers_packet_sent_and_cancels_packet_nudge(core, driver, clock):
    ana, smith, _ = setup_people(core)
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-04-19 kind:specialty")
    letter = only_letter(core)
    driver.run(ana, f"/letter update {letter.id} asked")
    driver.run(ana, f"/letter update {letter.id} agreed")
    assert pending(core, letter.id)["letter-packet"] == datetime(2027, 1, 6, 15, 0, tzinfo=UTC)
    reply = driver.run(ana, f"/letter packet {letter.id} done:cv;statement;summary;strengths;"
                            "portal;prompts;deadline")
    assert "Everything is ready." in reply.as_text()
    assert any(a.args.get("state") == "packet-sent" for a in reply.actions)
    assert "letter-packet" not in pending(core, letter.id)


def test_packet_sent_with_an_incomplete_packet_warns_and_names_what_it_lacks(core, driver):
    """Marking the packet sent while the checklist lacks items is allowed (the student may
    have sent them) but warned about, naming each item and the command that checks them off;
    with everything checked off, no warning."""
    ana, _smith, _ = setup_people(core)
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-04-19 kind:specialty")
    letter = only_letter(core)
    for state in ("asked", "agreed"):
        driver.run(ana, f"/letter update {letter.id} {state}")
    driver.run(ana, f"/letter packet {letter.id} done:cv;statement;summary;strengths;portal")
    sent = driver.run(ana, f"/letter update {letter.id} packet-sent")
    assert not sent.error and only_letter(core).state == "packet-sent"
    [warning] = [x for x in sent.sections if x.heading == "Warning: packet incomplete"]
    assert warning.text == (
        f"Your checklist for letter #{letter.id} still lacks 2 items: Any prompts or forms "
        "from the program and Your personal deadline.\nInstead: if you sent them, check "
        f"them off (/letter packet {letter.id} done:prompts;deadline); if not, send them to "
        "Dr. Jane Smith now, so they write from everything at once.")
    assert warning.actions[0].args == {"id": str(letter.id)}
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-05-19 kind:specialty program:Other")
    other = max(x.id for x in _letters(core))
    for state in ("asked", "agreed"):
        driver.run(ana, f"/letter update {other} {state}")
    driver.run(ana, f"/letter packet {other} done:cv;statement;summary;strengths;portal;"
                    "prompts;deadline")
    complete = driver.run(ana, f"/letter update {other} packet-sent")
    assert not any("packet incomplete" in (x.heading or "") for x in complete.sections)


def _letters(core) -> list[Letter]:
    with core.db.session() as s:
        return list(s.scalars(select(Letter)))


# --- /letter plan ------------------------------------------------------------------------


def section(reply, heading: str) -> str:
    """The text of the reply's section whose heading starts with `heading` ("" if none)."""
    return next((s.text for s in reply.sections if s.heading.startswith(heading)), "")


def test_plan_med_school_names_missing_items(core, driver):
    ana, smith, lee = setup_people(core, stage="premed")
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-06-01 kind:science portal:AMCAS")
    letter = only_letter(core)
    reply = driver.run(ana, "/letter plan med-school")
    assert not reply.error, reply.as_text()
    assert section(reply, "Covered") == "Nothing secured yet."
    assert f"#{letter.id} Dr. Jane Smith" in section(reply, "Not yet secured")
    missing = section(reply, "Missing")
    assert f"2 more science faculty letters (aim for 2–3) — 1 letter not yet secured " \
           f"(#{letter.id})" in missing
    assert "1 non-science or character letter" in missing
    assert "committee letter" in missing
    for state in ("asked", "agreed"):
        driver.run(ana, f"/letter update {letter.id} {state}")
    secured = driver.run(ana, "/letter plan med-school")
    assert "Science faculty letters (1 of 2–3)" in section(secured, "Covered")
    assert "1 more science faculty letter (aim for 2–3)" in section(secured, "Missing")
    assert section(secured, "Not yet secured") == ""


def test_plan_residency_em_names_sloe(core, driver):
    ana, smith, lee = setup_people(core, stage="ms4",
                                   interests=["ultrasound", "emergency medicine"])
    driver.run(ana, "/letter remind Dr. Marcus Lee due:2027-06-01 kind:clerkship")
    lee_letter = only_letter(core)
    reply = driver.run(ana, "/letter plan residency")
    text = reply.as_text()
    assert "Specialty: emergency medicine (from your profile)" in text
    assert "SLOE" in section(reply, "Missing")
    assert "3 more letters" in section(reply, "Missing")
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-06-01 kind:specialty")
    smith_letter = only_letter(core)
    for letter in (lee_letter, smith_letter):
        for state in ("asked", "agreed"):
            driver.run(ana, f"/letter update {letter.id} {state}")
    reply = driver.run(ana, "/letter plan residency specialty:EM")
    # a specialty letter is not a SLOE: emergency medicine still wants two (the cycle data)
    assert "1 more letter (aim for 3–4 in all)" in section(reply, "Missing")
    assert ("2 SLOEs — emergency medicine programs expect 2 (2025–26, the latest published; "
            "none found for 2027–28): a SLOE (Standardized Letter of Evaluation) is written by "
            "emergency medicine faculty of an EM residency program, after an EM rotation"
            ) in section(reply, "Missing")
    with core.db.session() as s:
        okafor = add_faculty(s, "Dr. Samuel Okafor", specialty="Emergency Medicine")
        add_faculty(s, "Dr. Priya Natarajan", specialty="Emergency Medicine")
    for name in ("Dr. Priya Natarajan", "Dr. Samuel Okafor"):
        driver.run(ana, f'/letter remind {name} due:2027-06-01 kind:SLOE program:"EM SLOE"')
        sloe = only_letter(core)
        for state in ("asked", "agreed"):
            driver.run(ana, f"/letter update {sloe.id} {state}")
    one = driver.run(ana, "/letter plan residency specialty:EM")
    assert "1 more SLOE" not in section(one, "Missing") and "SLOEs —" not in section(
        one, "Missing")
    assert "SLOEs (standardized letters) (2 of 2)" in section(one, "Covered")
    assert okafor.name in section(one, "Covered")
    assert driver.run(ana, "/letter plan dental").error


# --- /letter outcome ---------------------------------------------------------------------


def test_outcome_needs_a_submitted_letter_then_nudges_each_writer(core, driver, clock):
    ana, smith, lee = setup_people(core)
    refused = driver.run(ana, "/letter outcome interview at State EM")
    assert refused.error
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 0
    ids = []
    for writer in ("Dr. Jane Smith", "Dr. Marcus Lee", "Bob Outsider"):
        driver.run(ana, f"/letter remind {writer} due:2027-04-19 kind:clerkship")
        ids.append(only_letter(core).id)
    for letter_id in ids[:2]:
        for state in ("asked", "agreed", "packet-sent", "submitted"):
            assert not driver.run(ana, f"/letter update {letter_id} {state}").error
    reply = driver.run(ana, "/letter outcome interview: State EM, on 12 Feb")
    assert not reply.error, reply.as_text()
    assert "Dr. Jane Smith" in reply.text and "Dr. Marcus Lee" in reply.text
    assert "Bob Outsider" not in reply.as_text()
    # each writer to tell has a button for their draft
    drafts = [a for s in reply.sections for a in s.actions]
    assert [(a.command, a.args) for a in drafts] == [
        ("letter draft", {"step": "outcome", "id": str(i)}) for i in ids[:2]]
    with core.db.session() as s:
        outcome = s.scalar(select(Outcome))
        # the colon is the student's own words, kept (the text is prose)
        assert (outcome.kind, outcome.text) == ("interview", "interview: State EM, on 12 Feb")
        nudges = s.scalars(select(Nudge).where(Nudge.kind == "letter-outcome")).all()
    # one message listing every writer to tell, not one per writer
    (nudge,) = nudges
    assert nudge.due_at == datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    assert nudge.subject_type == "outcome" and nudge.person_id == ana.id
    sent = delivered(core.db, nudge)  # worded the next morning, when it is sent
    assert "Dr. Jane Smith" in sent.as_text() and "Dr. Marcus Lee" in sent.as_text()
    assert "Bob Outsider" not in sent.as_text()
    stored = [a for s in sent.sections for a in s.actions]
    assert [(a.command, a.args) for a in stored] == [
        ("letter draft", {"step": "outcome", "id": str(i)}) for i in ids[:2]]
    for action in drafts:
        draft = driver.press(ana, action.encode())
        assert not draft.error, draft.as_text()
        assert "interview: State EM, on 12 Feb" in draft.as_text()


# --- /letter list ------------------------------------------------------------------------


def test_list_shows_id_writer_program_state_next_step(core, driver, clock):
    ana, smith, _ = setup_people(core)
    driver.run(ana, '/letter remind Dr. Jane Smith due:2027-04-19 program:"EM residency" '
                    "kind:specialty")
    first = only_letter(core)
    driver.run(ana, "/letter remind Bob Outsider due:2027-03-01 kind:research")
    second = only_letter(core)
    driver.run(ana, f"/letter update {second.id} asked")
    reply = driver.run(ana, "/letter list")
    assert reply.ephemeral
    text = reply.as_text()
    assert f"#{first.id} Dr. Jane Smith for EM residency" in text
    assert f"ID: {first.id}" in text
    assert "Next step: Ask the writer for a strong letter — by Mon 08 Mar 2027" in text
    assert "State: asked" in text
    assert "Next step: Hear back; check in politely if there is no answer — by Mon 01 Feb 2027" \
        in text
    assert "has passed" not in text
    clock.set(datetime(2027, 2, 2, 15, 0, tzinfo=UTC))
    later = driver.run(ana, "/letter list").as_text()
    # the day asked for is never gone: today, and the missed ideal day named
    assert ("— by today, Tue 02 Feb 2027 (the ideal date, Mon 01 Feb 2027, has passed)"
            in later)


def test_unclear_kind_is_asked_with_buttons(core, driver):
    ana, _, _ = setup_people(core)
    reply = driver.run(ana, "/letter remind Bob Outsider due:2027-06-01")
    assert "Kind: not set" in reply.as_text()
    (asking,) = [s for s in reply.sections if s.heading == "What kind of letter is this?"]
    assert [a.args["kind"] for a in asking.actions] == list(LETTER_KINDS)
    chosen = driver.press(ana, asking.actions[2].encode())
    assert not chosen.error and "character" in chosen.title
    assert only_letter(core).kind == "character"
    help_text = driver.run(ana, "/letter help remind").as_text()
    assert "due:" in help_text and "portal:" in help_text and "AMCAS" in help_text
    # Buttons' commands are commands like any other: help lists them (they used to be
    # hidden, and then help called them "not a command").
    assert "/letter kind ID KIND" in driver.run(ana, "/letter help").as_text()


# --- one vocabulary, one set of constants ------------------------------------------------


def test_letters_and_find_read_the_same_specialty_names(core, driver):
    """"ER" is emergency medicine for `/mentor find`, for the kind of a letter and for the
    SLOE rule of `/letter plan` alike."""
    ana, smith, lee = setup_people(core, stage="ms4")
    found = driver.run(ana, "/mentor find specialty:ER")
    assert [s.heading for s in found.sections] == ["1. Dr. Jane Smith"]
    reply = driver.run(ana, '/letter remind Dr. Jane Smith due:2027-06-01 program:"ER residency"'
                            " portal:ERAS")
    assert "Kind: specialty (inferred)" in reply.as_text()
    other = driver.run(ana, '/letter remind Dr. Marcus Lee due:2027-06-01 program:"ER '
                            'residency" portal:ERAS')
    assert "Kind: not set" in other.as_text()
    plan = driver.run(ana, "/letter plan residency specialty:ER")
    assert "2 SLOEs — emergency medicine programs expect 2" in plan.as_text()
    assert "Specialty: emergency medicine." in plan.text
    assert "would count from emergency medicine" in section(plan, "Not yet secured")


def test_the_timeline_reply_follows_the_rules_constants(core, driver, monkeypatch):
    ana, _, _ = setup_people(core)
    monkeypatch.setattr(rules, "ASK_BY_WEEKS", 8)
    monkeypatch.setattr(rules, "PERSONAL_DEADLINE_DAYS", 10)
    reply = driver.run(ana, '/letter remind Dr. Jane Smith due:"in 10 weeks" kind:specialty')
    text = reply.as_text()
    assert "Ask by: Mon 18 Jan 2027 — deadline − 8 weeks, the ideal time to ask" in text
    assert ("Personal deadline for the writer: Fri 05 Mar 2027 — deadline − 10 days: the date "
            "you tell your writer") in text


# --- neutral-letter advice ---------------------------------------------------------------


def test_after_a_neutral_letter_only_writers_who_could_write_for_that_program_are_offered(
        core, driver):
    """Suggestions leave out whoever already writes (or is planned) for that program and
    whoever declined; the button keeps the program, the portal and the kind, and the bot
    then raises no "same program" warning about its own suggestion."""
    ana, smith, lee = setup_people(core)
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Grace Kim", specialty="General Surgery")
        park = add_faculty(s, "Dr. Helen Park", specialty="Emergency Medicine")
    for person in (smith, lee, kim, park):
        add_mentorship(core, ana, person, datetime(2026, 1, 1, tzinfo=UTC))
    program = "Emergency Medicine residency (ERAS)"  # too long to fit a button beside the rest
    driver.run(ana, f'/letter remind Dr. Marcus Lee due:2027-06-01 program:"{program}" '
                    "kind:clerkship portal:ERAS")
    driver.run(ana, '/letter remind Dr. Grace Kim due:2027-06-01 program:"Surgery prelim" '
                    "kind:clerkship")
    kim_letter = only_letter(core)
    driver.run(ana, f"/letter update {kim_letter.id} asked")
    driver.run(ana, f"/letter update {kim_letter.id} declined")
    driver.run(ana, f'/letter remind Dr. Jane Smith due:2027-06-01 program:"{program}" '
                    "kind:specialty portal:ERAS")
    smith_letter = only_letter(core)
    driver.run(ana, f"/letter update {smith_letter.id} asked")
    reply = driver.run(ana, f'/letter update {smith_letter.id} declined reason:"neutral letter"')
    assert not reply.error, reply.as_text()
    (others,) = [s for s in reply.sections if s.heading == "Other writers"]
    assert f"write for {program} instead: Dr. Helen Park." in others.text
    for name in ("Dr. Marcus Lee", "Dr. Grace Kim", "Dr. Jane Smith"):
        assert name not in others.text, name
    (ask_park,) = [a for a in others.actions if a.command == "letter remind"]
    assert ask_park.args == {"writer": f"person:{park.id}", "due": "2027-06-01",
                             "replaces": str(smith_letter.id)}
    before = counts(core)
    follow = driver.press(ana, ask_park.encode())
    assert not follow.error, follow.as_text()
    text = follow.as_text()
    assert "Warning: same program" not in text and "Warning: declined before" not in text
    assert f"Instead of letter #{smith_letter.id} from Dr. Jane Smith" in text
    new = only_letter(core)
    assert (new.writer_id, new.program, new.portal, new.kind, new.deadline) == (
        park.id, program, "ERAS", "specialty", date(2027, 6, 1))
    assert counts(core)[0] == before[0] + 1


def test_replaces_takes_only_a_declined_or_withdrawn_letter_of_ones_own(core, driver):
    ana, smith, lee = setup_people(core)
    with core.db.session() as s:
        ben = add_student(s, "Ben Cho")
    driver.run(ana, "/letter remind Dr. Jane Smith due:2027-06-01 kind:specialty")
    open_letter = only_letter(core)
    with core.db.session() as s:
        unchanged = snapshot(s)
    for who, line, expected in (
        (ana, f"/letter remind Dr. Marcus Lee due:2027-06-01 replaces:{open_letter.id}",
         "replaces: takes a letter that was declined or withdrawn"),
        (ben, f"/letter remind Dr. Marcus Lee due:2027-06-01 replaces:{open_letter.id}",
         "no letter"),
        (ana, "/letter remind Dr. Marcus Lee due:2027-06-01 replaces:999", "no letter"),
    ):
        reply = driver.run(who, line)
        assert reply.error and expected in reply.as_text(), (line, reply.as_text())
    with core.db.session() as s:
        assert snapshot(s) == unchanged


# --- sanity --------------------------------------------------------------------------------


def test_a_deadline_more_than_two_years_away_is_refused(core, driver):
    ana, _, _ = setup_people(core)
    with core.db.session() as s:
        unchanged = snapshot(s)
    for line in ("/letter remind Dr. Jane Smith due:2029-01-05",
                 "/letter remind Dr. Jane Smith due:2207-03-01 kind:science"):
        reply = driver.run(ana, line)
        assert reply.error, line
        assert "more than 2 years away" in reply.text
        assert "the latest I take is Thu 04 Jan 2029" in reply.text
    typed = driver.typed(ana, "letter", "remind", writer="Dr. Jane Smith", due="2030-01-01")
    assert typed.error and "more than 2 years away" in typed.text
    with core.db.session() as s:
        assert snapshot(s) == unchanged
    ok = driver.run(ana, "/letter remind Dr. Jane Smith due:2029-01-04 kind:science")
    assert not ok.error, ok.as_text()

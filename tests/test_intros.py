"""Intro requests end to end through the core: the DM to the faculty member with its
buttons, the student's approach message, every refusal, accept/decline (buttons too), the
capacity race on PostgreSQL, and the 7-day nudge and 14-day expiry with an injected clock;
the one accessibility rule shared with `/mentor find`, dates in the student's zone, and
thresholds that the text takes from the rules."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.app.planning import plan_all
from bot.errors import UserError
from bot.framework import wording
from bot.framework.replies import Action, Reply
from bot.infra.models import (
    FacultyProfile,
    IntroRequest,
    Mentorship,
    Nudge,
    Person,
    StudentProfile,
)
from bot.matching import fit, rules
from bot.matching.intros import answer_request
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.nudges import delivered
from tests.support.waiting import wait_until


def _dms(core, person, kind="notice") -> list[Reply]:
    """The person's messages of `kind`, as each is sent at its due time."""
    with core.db.session() as s:
        rows = s.scalars(select(Nudge).where(Nudge.person_id == person.id, Nudge.kind == kind)
                         .order_by(Nudge.id)).all()
    return [delivered(core.db, r) for r in rows]


def _setup(s, **faculty):
    ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"],
                      research=["ultrasound"])
    kim = add_faculty(s, "Dr. Maya Kim", specialty="Emergency Medicine",
                      research=["point-of-care ultrasound"], **faculty)
    add_group(s, "em", name="EM Interest Group", members=[ana, kim])
    return ana, kim


def test_request_sends_dm_with_buttons_and_gives_approach_message(core, driver):
    with core.db.session() as s:
        ana, kim = _setup(s)
    reply = driver.run(ana, '/mentor request Maya Kim kind:research note:"I loved your talk"')
    assert not reply.error, reply.as_text()
    body = reply.as_text()
    assert reply.title == "Intro request sent to Dr. Maya Kim"
    # The first email (the same draft as /mentor draft intro), with the note worked in.
    assert "Dear Dr. Kim," in body and "Dr. Maya Kim," not in body
    assert "your research on point-of-care ultrasound" in body
    assert "my own interest in ultrasound. I loved your talk." in body
    assert "[add one specific paper, talk or project]" not in body
    assert "15–20 minutes" in body and "2–3 questions" in body
    assert "Read one or two of their recent papers" in body
    [dm] = _dms(core, kim)
    assert dm.title == "Intro request from Ana Diaz"
    assert "I loved your talk" in dm.text and "research mentor" in dm.text
    fields = {f.name: f.value for f in dm.fields}
    assert fields["Stage"] == "MS2" and fields["Interests"] == "emergency medicine"
    assert fields["Group"] == "EM Interest Group"
    assert dm.actions[0] == Action("Accept", "mentor accept",
                                   {"student": f"person:{ana.id}"}, "primary")
    assert dm.actions[1].label == "Decline"
    with core.db.session() as s:
        request = s.scalar(select(IntroRequest))
        assert (request.state, request.kind, request.rank) == ("open", "research", 1)
        assert s.get(StudentProfile, ana.id).wants_mentor is True


def test_refusals_change_nothing(core, driver):
    with core.db.session() as s:
        ana, kim = _setup(s)
        add_faculty(s, "Dr. Closed Door", accepting=False)
        full = add_faculty(s, "Dr. Full House", capacity=1)
        ben = add_student(s, "Ben Other")
        s.add(Mentorship(student_id=ben.id, mentor_id=full.id))
        resident = add_student(s, "Rae Resident", stage="resident")
        resident.faculty_profile = FacultyProfile(specialty="EM", capacity=2)
        from bot.infra.models import Role
        resident.roles.append(Role(role="faculty"))
    assert not driver.run(ana, "/mentor request Maya Kim").error
    cases = {
        "/mentor request Maya Kim": "already asked",
        "/mentor request ben.other@example.edu": "not on the faculty roster",
        "/mentor request Closed Door": "not accepting new mentees",
        "/mentor request Full House": "no free places (1 of 1 taken)",
        "/mentor request nobody@example.edu": "don't know",
    }
    for line, expected in cases.items():
        reply = driver.run(ana, line)
        assert reply.error, line
        assert expected in reply.as_text(), (line, reply.as_text())
    myself = driver.run(resident, "/mentor request rae.resident@example.edu")
    assert myself.error and "yourself" in myself.text
    not_student = driver.run(kim, "/mentor request Full House")
    assert not_student.error and "for students" in not_student.text
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest)) == 1


def test_accept_by_button_starts_mentorship_with_cadence(core, driver, clock):
    with core.db.session() as s:
        ana, kim = _setup(s)
    driver.run(ana, "/mentor request Maya Kim kind:research")
    [dm] = _dms(core, kim)
    clock.advance(timedelta(hours=30))
    reply = driver.press(kim, dm.actions[0].encode())
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        m = s.scalar(select(Mentorship))
        assert (m.student_id, m.mentor_id, m.kind, m.cadence_days, m.source) == (
            ana.id, kim.id, "research", 7, "request")
        profile = s.get(FacultyProfile, kim.id)
        assert profile.requests_answered == 1 and profile.response_hours_total == 30.0
        assert s.get(StudentProfile, ana.id).wants_mentor is False
    told = _dms(core, ana)[-1]
    assert told.title == "Dr. Maya Kim accepted your intro request"
    assert "every week" in told.text
    again = driver.press(kim, dm.actions[0].encode())
    assert again.error and "no open intro request" in again.text


def test_accept_and_decline_refusals(core, driver):
    with core.db.session() as s:
        ana, kim = _setup(s)
        other = add_faculty(s, "Dr. Not Asked")
    assert driver.run(ana, "/mentor accept Ana Diaz").error  # students can't answer
    driver.run(ana, "/mentor request Maya Kim")
    reply = driver.run(other, "/mentor accept Ana Diaz")
    assert reply.error and "no open intro request to you" in reply.text
    with core.db.session() as s:
        s.get(FacultyProfile, kim.id).capacity = 0
    full = driver.run(kim, "/mentor accept Ana Diaz")
    assert full.error and "no free places" in full.text
    with core.db.session() as s:
        assert s.scalar(select(IntroRequest.state)) == "open"
        assert s.get(FacultyProfile, kim.id).requests_answered == 0


def test_decline_is_kind_and_suggests_next_candidates(core, driver, clock):
    with core.db.session() as s:
        ana, kim = _setup(s)
        nxt = add_faculty(s, "Dr. Next Best", specialty="EM", research=["ultrasound"])
    driver.run(ana, "/mentor request Maya Kim")
    clock.advance(timedelta(days=2))
    reply = driver.run(kim, "/mentor decline Ana Diaz")
    assert not reply.error and "kindly" in reply.text
    told = _dms(core, ana)[-1]
    assert "says nothing about you" in told.text
    assert [x.heading.split(" — ")[0] for x in told.sections] == ["Dr. Next Best"]
    assert told.sections[0].actions[0].args == {"faculty": f"person:{nxt.id}"}
    with core.db.session() as s:
        assert s.scalar(select(IntroRequest.state)) == "declined"
        assert s.get(FacultyProfile, kim.id).response_hours_total == 48.0
    again = driver.run(ana, "/mentor request Maya Kim")
    assert again.error and "said no" in again.text


def test_pending_nudge_after_7_days_and_expiry_after_14(core, driver, clock, settings):
    with core.db.session() as s:
        ana, kim = _setup(s)
        add_faculty(s, "Dr. Next Best", specialty="EM")
    driver.run(ana, "/mentor request Maya Kim")
    clock.advance(timedelta(days=6, hours=23))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _dms(core, ana, "intro-pending") == []
    clock.advance(timedelta(hours=2))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        plan_all(s, clock.now(), settings)  # idempotent
    [pending] = _dms(core, ana, "intro-pending")
    assert "hasn't answered" in pending.title
    assert "follow up on my note" in pending.as_text()
    assert "Dear Dr. Kim," in pending.as_text()  # title and surname, as a letter greets
    assert any(a.label == "Request intro" for x in pending.sections for a in x.actions)
    clock.advance(timedelta(days=7))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    with core.db.session() as s:
        assert s.scalar(select(IntroRequest.state)) == "expired"
        assert s.get(FacultyProfile, kim.id).requests_unanswered == 1
    expired = _dms(core, ana)[-1]
    assert expired.title == "No answer from Dr. Maya Kim after two weeks"
    assert "Dr. Next Best" in expired.as_text()
    late = driver.run(kim, "/mentor accept Ana Diaz")
    assert late.error


def test_answering_cancels_the_pending_nudge(core, driver, clock, settings):
    with core.db.session() as s:
        ana, kim = _setup(s)
    driver.run(ana, "/mentor request Maya Kim")
    clock.advance(timedelta(days=8))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert not driver.run(kim, "/mentor accept Ana Diaz").error
    with core.db.session() as s:
        assert s.scalar(select(Nudge.state).where(Nudge.kind == "intro-pending")) == "cancelled"


@pytest.mark.postgres
def test_two_accepts_racing_respect_capacity(core, database, clock):
    if database.dialect != "postgresql":
        pytest.skip("row locks: the race is run on PostgreSQL")
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Maya Kim", capacity=1)
        ana = add_student(s, "Ana Diaz")
        ben = add_student(s, "Ben Other")
        now = clock.now()
        for student in (ana, ben):
            s.add(IntroRequest(student_id=student.id, faculty_id=kim.id, state="open",
                               created_at=now - timedelta(hours=5)))
    first = database.sessions()
    answer_request(first, first.get(Person, kim.id), first.get(Person, ana.id), accept=True,
                   now=now)  # holds the lock until commit
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with database.session() as s:  # rolled back on a refusal, as the core does
                answer_request(s, s.get(Person, kim.id), s.get(Person, ben.id), accept=True,
                               now=now)
            outcome["result"] = "accepted"
        except UserError as exc:
            outcome["result"] = exc.message

    thread = threading.Thread(target=second)
    thread.start()
    with database.engine.connect() as watch:

        def blocked() -> bool:
            waiting = watch.execute(text(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                "and datname = current_database()")).scalar()
            watch.commit()
            return bool(waiting)

        wait_until(blocked, timeout=20, what="the second accept to wait for the first")
    first.commit()
    first.close()
    thread.join(30)
    assert "no free places" in str(outcome["result"])
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mentorship)) == 1
        assert s.get(FacultyProfile, kim.id).requests_answered == 1


def test_request_intro_button_from_find_results(core, driver):
    with core.db.session() as s:
        ana, kim = _setup(s)
    found = driver.run(ana, "/mentor find kind:research ultrasound")
    button = found.sections[0].actions[0]
    assert button.args == {"faculty": f"person:{kim.id}", "kind": "research"}
    reply = driver.press(ana, button.encode())
    assert not reply.error, reply.as_text()
    with core.db.session() as s:
        assert s.scalar(select(IntroRequest.kind)) == "research"
    again = driver.run(ana, "/mentor find ultrasound")
    assert "waiting for an answer" in again.sections[0].text


# --- one accessibility rule for find, request and rounds -----------------------------


def _never_answers(s, name="Dr. Silent Inbox", **faculty):
    silent = add_faculty(s, name, specialty="Emergency Medicine", **faculty)
    silent.faculty_profile.requests_unanswered = fit.NEVER_ANSWERS_AFTER
    s.flush()
    return silent


def test_request_to_a_faculty_member_who_never_answers_is_refused(core, driver):
    """`/mentor request` used to check only "accepting" and "places" itself and let this
    through, while `/mentor find` already ranked the same faculty member as unreachable.
    With the one rule, the request is refused with the reason and a pointer to find."""
    with core.db.session() as s:
        ana, _kim = _setup(s)
        _never_answers(s)
    reply = driver.run(ana, "/mentor request Silent Inbox")
    assert reply.error
    assert reply.text == (
        "Dr. Silent Inbox has not answered any of their 2 intro requests so far, so yours "
        "would most likely go unanswered too. /mentor find lists faculty who answer theirs.")
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest)) == 0
        assert s.get(StudentProfile, ana.id).wants_mentor is False


def test_find_offers_a_request_exactly_when_request_accepts_it(core, driver):
    """The agreement test: for every kind of faculty member, find shows the request button
    (and no "— marker") if and only if `/mentor request` goes through, and a refusal names
    the same reason as find's marker."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        add_faculty(s, "Dr. Open Door")
        add_faculty(s, "Dr. Closed Door", accepting=False)
        full = add_faculty(s, "Dr. Full House", capacity=1)
        ben = add_student(s, "Ben Other")
        s.add(Mentorship(student_id=ben.id, mentor_id=full.id))
        _never_answers(s)
        answered_once = _never_answers(s, "Dr. Slow But Answers")
        answered_once.faculty_profile.requests_answered = 1
        answered_once.faculty_profile.response_hours_total = 200.0
        zero = add_faculty(s, "Dr. Zero Places", capacity=0)
        assert zero.id
    found = driver.run(ana, "/mentor find limit:10")
    sections = {x.heading.split(". ", 1)[1]: x for x in found.sections}
    assert set(sections) == {
        "Dr. Open Door", "Dr. Slow But Answers", "Dr. Closed Door — not accepting",
        "Dr. Full House — full", "Dr. Silent Inbox — rarely answers",
        "Dr. Zero Places — full"}
    refusal_words = {"not accepting": "not accepting new mentees",
                     "full": "no free places", "rarely answers": "has not answered any"}
    for heading, section in sections.items():
        name, _, marker = heading.partition(" — ")
        reply = driver.run(ana, f"/mentor request {name.removeprefix('Dr. ')}")
        assert reply.error == bool(marker) == (section.actions == ()), (heading, reply.text)
        if marker:
            assert refusal_words[marker] in reply.text and "/mentor find" in reply.text


def test_accept_still_only_needs_a_free_place(core, driver):
    """Answering is not asking: a faculty member who turned "accepting" off after the
    request, or who never answered before, can still say yes while they have a place."""
    with core.db.session() as s:
        ana, kim = _setup(s)
    assert not driver.run(ana, "/mentor request Maya Kim").error
    with core.db.session() as s:
        profile = s.get(FacultyProfile, kim.id)
        profile.accepting = False
        profile.requests_unanswered = 5
    reply = driver.run(kim, "/mentor accept Ana Diaz")
    assert not reply.error, reply.as_text()


# --- dates in the reader's zone --------------------------------------------------------


def test_dates_are_the_students_local_day(core, driver, clock, settings):
    """A request made at 23:30 in New York is stored as 04:30 UTC the next day; the student
    asked on Nov 23, and the request stays open until Dec 7, both their days."""
    asked = datetime(2027, 11, 23, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    clock.set(asked.astimezone(UTC))
    assert clock.now().day == 24
    with core.db.session() as s:
        ana, _kim = _setup(s)
        s.get(Person, ana.id).timezone = "America/New_York"
    assert not driver.run(ana, "/mentor request Maya Kim").error
    found = driver.run(ana, "/mentor find")
    assert "you asked on Nov 23; waiting for an answer" in found.sections[0].text
    again = driver.run(ana, "/mentor request Maya Kim")
    assert again.error and again.title == "Already asked"
    assert "You already asked Dr. Maya Kim on Nov 23; that request is still open until " \
        "Dec 7." in again.text
    clock.advance(rules.PENDING_AFTER + timedelta(hours=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    [pending] = _dms(core, ana, "intro-pending")
    assert pending.text == "You asked on Nov 23. The request stays open until Dec 7."
    assert "follow up on my note of Nov 23 —" in pending.as_text()


# --- thresholds stated from the rules --------------------------------------------------


def test_changing_a_rule_changes_what_people_are_told(core, driver, clock, settings,
                                                      monkeypatch):
    monkeypatch.setattr(rules, "PENDING_AFTER", timedelta(days=10))
    monkeypatch.setattr(rules, "EXPIRE_AFTER", timedelta(days=21))
    monkeypatch.setattr(rules, "DECLINE_MEMORY_MONTHS", 3)
    monkeypatch.setattr(rules, "FIRST_MEETING_MINUTES", (10, 15))
    with core.db.session() as s:
        ana, kim = _setup(s)
        other = add_faculty(s, "Dr. Said No")
        s.add(IntroRequest(student_id=ana.id, faculty_id=other.id, state="declined",
                           created_at=clock.now() - timedelta(days=70),
                           answered_at=clock.now() - timedelta(days=60)))
    sent = driver.run(ana, "/mentor request Maya Kim")
    assert "I'll nudge you if there's no answer in ten days; it closes after 21 days." \
        in sent.text
    assert "Would you have 10–15 minutes" in sent.as_text()
    [dm] = _dms(core, kim)
    assert "Requests left unanswered close after 21 days." in dm.text
    again = driver.run(ana, "/mentor request Maya Kim")
    assert "I'll nudge you if they haven't answered in ten days." in again.text
    said_no = driver.run(ana, "/mentor request Said No")
    assert "in the last three months" in said_no.text
    clock.advance(timedelta(days=10, hours=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        key = s.scalar(select(Nudge.dedup_key).where(Nudge.kind == "intro-pending"))
    assert key.endswith(":10d")
    [pending] = _dms(core, ana, "intro-pending")
    assert "I'd still value 10 minutes of your time" in pending.as_text()
    clock.advance(timedelta(days=11))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
    assert _dms(core, ana)[-1].title == "No answer from Dr. Maya Kim after three weeks"


def test_the_pending_nudge_keeps_its_key(core, driver, clock, settings):
    """Stored keys from before stay valid: the planner still stores one nudge per request."""
    with core.db.session() as s:
        ana, _kim = _setup(s)
    driver.run(ana, "/mentor request Maya Kim")
    clock.advance(timedelta(days=8))
    with core.db.session() as s:
        plan_all(s, clock.now(), settings)
        request_id = s.scalar(select(IntroRequest.id))
        assert list(s.scalars(select(Nudge.dedup_key).where(Nudge.kind == "intro-pending"))) \
            == [f"intro-pending:intro_request:{request_id}:7d"]


def test_wording_of_counts_and_spans():
    assert wording.span_in_words(timedelta(days=7)) == "a week"
    assert wording.span_in_words(timedelta(days=14)) == "two weeks"
    assert wording.span_in_words(timedelta(days=10)) == "ten days"
    assert wording.span_in_words(timedelta(days=1)) == "a day"
    assert wording.count(14, "day") == "14 days"
    assert wording.count(1, "day") == "1 day"
    assert wording.spelled(6, "month") == "six months"
    assert wording.spelled(40, "day") == "40 days"


def test_open_requests_are_capped_and_the_refusal_names_them(core, driver, clock):
    """At `rules.MAX_OPEN_REQUESTS` waiting, another request is refused (nothing stored):
    the refusal names each faculty member with the day asked and when the first closes;
    find then offers no request button and says why."""
    assert rules.MAX_OPEN_REQUESTS == 3
    with core.db.session() as s:
        ana, _kim = _setup(s)
        for name in ("Dr. Lee Park", "Dr. Sam Roe", "Dr. Ida West"):
            add_faculty(s, name, specialty="Emergency Medicine")
    assert not driver.run(ana, "/mentor request Maya Kim").error      # Jan 4
    clock.advance(timedelta(days=1))
    assert not driver.run(ana, "/mentor request Lee Park").error      # Jan 5
    assert not driver.run(ana, "/mentor request Sam Roe").error       # Jan 5
    clock.advance(timedelta(days=2))
    refused = driver.run(ana, "/mentor request Ida West")
    assert refused.error and refused.title == "Wait for an answer first"
    assert refused.text == (
        "You have 3 intro requests waiting for an answer: Dr. Maya Kim (asked Jan 4), "
        "Dr. Lee Park (asked Jan 5) and Dr. Sam Roe (asked Jan 5). You can have at most 3 "
        "open at once, so that each ask is a considered one and faculty can answer before "
        "you ask more. The first closes by Jan 18 if it is not answered sooner; ask again "
        "then.")
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IntroRequest)) == 3
    found = driver.run(ana, "/mentor find limit:10")
    assert ("You have 3 intro requests waiting for an answer, the most a student may have "
            "open at once (3); you can ask again when one is answered or closes.") in found.text
    assert all(section.actions == () for section in found.sections)

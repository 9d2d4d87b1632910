"""`/mentor find`: ranking order and reasons on hand-built rosters, aliases, typos, the
mentor-kind gap, who is left out, and the pure fit rule behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.framework.replies import Action
from bot.infra.models import IntroRequest, Mentorship, Person
from bot.matching import specs
from bot.matching.fit import (
    NEVER_ANSWERS_AFTER,
    FacultyView,
    Query,
    StudentView,
    Unavailable,
    fit,
    open_places,
    unavailable,
)
from bot.matching.rules import DEFAULT_REQUEST_KIND, FIND_LIMIT, MAX_FIND_LIMIT, declined_since
from bot.people import store as people
from bot.vocab.specialties import (
    canonical_specialty,
    fuzzy_specialty,
    match_keyword,
    split_keywords,
)
from tests.support.factories import add_faculty, add_student


def _headings(reply) -> list[str]:
    return [s.heading for s in reply.sections]


def _roster(s):
    ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"],
                      research=["ultrasound"])
    famous = add_faculty(s, "Dr. Famous Star", specialty="Emergency Medicine",
                         research=["point-of-care ultrasound"], accepting=False)
    famous.faculty_profile.reputation = 90
    open_ = add_faculty(s, "Dr. Open Door", specialty="EM", research=["point-of-care ultrasound"],
                        capacity=5, stages=["ms2", "ms3"])
    full = add_faculty(s, "Dr. Full House", specialty="Emergency Medicine",
                       research=["point-of-care ultrasound"], capacity=1)
    other = add_student(s, "Ben Other")
    s.add(Mentorship(student_id=other.id, mentor_id=full.id, kind="career"))
    add_faculty(s, "Dr. Kid Doc", specialty="Pediatrics", research=["asthma"])
    add_faculty(s, "Dr. Skin Deep", specialty="Dermatology", research=["melanoma"])
    s.flush()
    return ana, famous, open_, full


def test_accessible_mentor_outranks_the_famous_unreachable_one(core, driver):
    with core.db.session() as s:
        ana, famous, open_, full = _roster(s)
    reply = driver.run(ana, "/mentor find")
    assert not reply.error, reply.as_text()
    headings = _headings(reply)
    assert headings[0] == "1. Dr. Open Door"
    assert set(headings[1:]) == {"2. Dr. Famous Star — not accepting", "3. Dr. Full House — full"}\
        or set(h.split(". ", 1)[1] for h in headings[1:]) == {
            "Dr. Famous Star — not accepting", "Dr. Full House — full"}
    assert len(headings) == 3  # pediatrics and dermatology do not fit Ana at all
    top = reply.sections[0].text
    assert "emergency medicine, your interest" in top
    assert "research in point-of-care ultrasound, like your interests" in top
    assert "accepting, 5 of 5 places free" in top
    assert "works with MS2 students" in top
    assert reply.sections[0].actions == (
        Action("Request intro", "mentor request", {"faculty": f"person:{open_.id}"}),)
    famous_section = next(x for x in reply.sections if "Famous" in x.heading)
    assert "not accepting new mentees right now" in famous_section.text
    assert famous_section.actions == ()
    full_section = next(x for x in reply.sections if "Full House" in x.heading)
    assert "full: 1 of 1 places taken" in full_section.text


def test_response_record_is_a_reason_and_ranks(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["psych"])
        slow = add_faculty(s, "Dr. Slow Reply", specialty="Psychiatry")
        fast = add_faculty(s, "Dr. Quick Reply", specialty="Psychiatry")
        slow.faculty_profile.requests_answered = 2
        slow.faculty_profile.response_hours_total = 2 * 10 * 24
        fast.faculty_profile.requests_answered = 2
        fast.faculty_profile.response_hours_total = 2 * 48
    reply = driver.run(ana, "/mentor find")
    assert _headings(reply) == ["1. Dr. Quick Reply", "2. Dr. Slow Reply"]
    assert "answers intro requests in about 2 days" in reply.sections[0].text
    assert "psychiatry, your interest" in reply.sections[0].text


def test_aliases_typos_and_unknown_keywords(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms1")
        add_faculty(s, "Dr. Kid Doc", specialty="Pediatrics", research=["asthma"])
        add_faculty(s, "Dr. Bone Setter", specialty="Orthopaedic Surgery",
                    research=["sports medicine"])
        add_faculty(s, "Dr. Sound Wave", specialty="Emergency Medicine",
                    research=["Point-of-Care Ultrasound"])
        add_faculty(s, "Dr. Gas Man", specialty="Anesthesiology")
    peds = driver.run(ana, "/mentor find peds")
    assert _headings(peds) == ["1. Dr. Kid Doc"]
    assert "pediatrics matches “peds”" in peds.sections[0].text
    assert _headings(driver.run(ana, "/mentor find ortho")) == ["1. Dr. Bone Setter"]
    assert _headings(driver.run(ana, "/mentor find gas")) == ["1. Dr. Gas Man"]
    assert _headings(driver.run(ana, "/mentor find specialty:EM")) == ["1. Dr. Sound Wave"]
    typo = driver.run(ana, "/mentor find ultrasund")
    assert _headings(typo) == ["1. Dr. Sound Wave"]
    assert "research in Point-of-Care Ultrasound matches “ultrasund”" in typo.sections[0].text
    both = driver.run(ana, "/mentor find asthma xyzzyq")
    assert _headings(both) == ["1. Dr. Kid Doc"]
    assert "Nothing matches “xyzzyq”" in both.text
    close = driver.run(ana, "/mentor find astma")
    assert _headings(close) == ["1. Dr. Kid Doc"]
    nothing = driver.run(ana, "/mentor find sprots")
    assert _headings(nothing) == ["1. Dr. Bone Setter"]
    unknown = driver.run(ana, "/mentor find ultrasonography-robotics")
    assert not unknown.sections and "Nothing matches" in unknown.text
    bad = driver.run(ana, "/mentor find specialty:astrology")
    assert bad.error and "don't know the specialty" in bad.text
    nobody = driver.run(ana, "/mentor find urology")
    assert "No faculty you could ask match “urology”" in nobody.text


def test_kind_gap_and_kind_filter(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        career = add_faculty(s, "Dr. Career Guide", specialty="Emergency Medicine")
        lab = add_faculty(s, "Dr. Lab Lead", specialty="Emergency Medicine",
                          research=["sepsis biomarkers"])
        s.add(Mentorship(student_id=ana.id, mentor_id=career.id, kind="career"))
    reply = driver.run(ana, "/mentor find")
    assert "You have no research or clinical mentor yet" in reply.footer
    assert "/mentor find kind:research" in reply.footer
    assert _headings(reply) == ["1. Dr. Lab Lead"]  # the current mentor is left out
    research = driver.run(ana, "/mentor find kind:research")
    assert _headings(research) == ["1. Dr. Lab Lead"]
    assert research.sections[0].actions[0].args == {"faculty": f"person:{lab.id}",
                                                    "kind": "research"}
    assert "kind:clinical" in research.footer


def test_declined_recently_is_left_out_and_open_request_marked(core, driver, clock):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["EM"])
        declined = add_faculty(s, "Dr. Said No", specialty="Emergency Medicine")
        old = add_faculty(s, "Dr. Long Ago", specialty="Emergency Medicine")
        waiting = add_faculty(s, "Dr. Thinking", specialty="Emergency Medicine")
        now = clock.now()
        s.add(IntroRequest(student_id=ana.id, faculty_id=declined.id, state="declined",
                           created_at=now - timedelta(days=40),
                           answered_at=now - timedelta(days=30)))
        s.add(IntroRequest(student_id=ana.id, faculty_id=old.id, state="declined",
                           created_at=now - timedelta(days=300),
                           answered_at=now - timedelta(days=200)))
        s.add(IntroRequest(student_id=ana.id, faculty_id=waiting.id, state="open",
                           created_at=now - timedelta(days=2)))
    reply = driver.run(ana, "/mentor find")
    names = " ".join(_headings(reply))
    assert "Said No" not in names and "Long Ago" in names and "Thinking" in names
    section = next(x for x in reply.sections if "Thinking" in x.heading)
    assert "waiting for an answer" in section.text and section.actions == ()


def test_no_interests_falls_back_and_says_so(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2")
        add_faculty(s, "Dr. Any One", specialty="Neurology")
        add_faculty(s, "Dr. Closed", specialty="Neurology", accepting=False)
    reply = driver.run(ana, "/mentor find")
    assert _headings(reply) == ["1. Dr. Any One"]
    assert "no interests yet" in reply.text


def test_index_sees_profile_changes(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2")
        doc = add_faculty(s, "Dr. Change Mind", specialty="Neurology", research=["stroke"])
    assert _headings(driver.run(ana, "/mentor find stroke")) == ["1. Dr. Change Mind"]
    with core.db.session() as s:  # through the profile's owner, which notes the change
        people.set_faculty_profile(s.get_one(Person, doc.id), {"research": ["epilepsy"]},
                                   now=core.clock.now())
    assert "Nothing matches" in driver.run(ana, "/mentor find stroke").text
    assert _headings(driver.run(ana, "/mentor find epilepsy")) == ["1. Dr. Change Mind"]


def test_only_students_can_find(core, driver):
    with core.db.session() as s:
        doc = add_faculty(s, "Dr. Only Faculty")
    reply = driver.run(doc, "/mentor find")
    assert reply.error and "for students" in reply.text


# --- the pure rules ------------------------------------------------------------------


def test_vocabulary_aliases():
    assert canonical_specialty("EM") == "emergency medicine"
    assert canonical_specialty("OB/GYN") == "obstetrics and gynecology"
    assert canonical_specialty("gen surg") == "general surgery"
    assert canonical_specialty("ENT") == "otolaryngology"
    assert canonical_specialty("Orthopedic Surgery") == "orthopaedic surgery"
    assert canonical_specialty("rads") == "diagnostic radiology"
    assert canonical_specialty("FM") == "family medicine"
    assert fuzzy_specialty("pediatircs") == "pediatrics"
    assert fuzzy_specialty("xx") is None
    assert split_keywords(["Emergency", "Medicine", "ultrasound"]) == [
        "emergency medicine", "ultrasound"]
    assert match_keyword("ultrasund", {"ultrasound", "sepsis"}).terms == {"ultrasound"}
    assert not match_keyword("ent", {"enteral"}).terms  # short words are not fuzzed


def test_inaccessible_never_outranks_accessible_of_same_alignment():
    student = StudentView.of(1, "ms2", ["emergency medicine"], ["ultrasound"])
    base = dict(specialty="Emergency Medicine", research=("ultrasound",), capacity=3)
    accessible = FacultyView(id=2, name="A", reputation=0, **base)
    unreachable = [
        FacultyView(id=3, name="B", reputation=1000, accepting=False, stages=("ms2",), **base),
        FacultyView(id=4, name="C", reputation=1000, active=3, stages=("ms2",), **base),
        FacultyView(id=5, name="D", reputation=1000, unanswered=4, stages=("ms2",), **base),
    ]
    good = fit(student, accessible, Query())
    for other in unreachable:
        bad = fit(student, other, Query())
        assert bad.alignment == good.alignment
        assert bad.score < good.score and bad.key < good.key and not bad.accessible


def test_one_rule_says_who_can_take_a_mentee_now():
    base = dict(name="F", specialty="Emergency Medicine", capacity=2)
    cases = [
        (FacultyView(id=1, **base), None),
        (FacultyView(id=2, accepting=False, **base), Unavailable.NOT_ACCEPTING),
        (FacultyView(id=3, accepting=False, active=2, **base), Unavailable.NOT_ACCEPTING),
        (FacultyView(id=4, active=2, **base), Unavailable.FULL),
        (FacultyView(id=5, active=2, unanswered=NEVER_ANSWERS_AFTER, **base), Unavailable.FULL),
        (FacultyView(id=6, unanswered=NEVER_ANSWERS_AFTER, **base), Unavailable.NEVER_ANSWERS),
        (FacultyView(id=7, unanswered=NEVER_ANSWERS_AFTER - 1, **base), None),
        (FacultyView(id=8, answered=1, unanswered=5, **base), None),
    ]
    student = StudentView.of(9, "ms2", ["emergency medicine"], [])
    for view, expected in cases:
        assert unavailable(view) == expected, view
        # find's ranking and reasons follow the same rule
        assert fit(student, view).accessible == (expected is None), view
    # A round fills the open places: accepting members' free places, whatever their record.
    assert [open_places(v) for v, _ in cases] == [2, 0, 0, 0, 0, 2, 2, 2]


def test_a_decline_is_remembered_for_six_calendar_months(core, driver, clock):
    """Six calendar months, as the refusal says ("in the last six months"), where a
    declined faculty member used to come back after 183 days: on Jan 4 a decline from Jul 5
    (183.5 days before) is still remembered; one from Jul 3 is not."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["EM"])
        recent = add_faculty(s, "Dr. Said No Lately", specialty="Emergency Medicine")
        older = add_faculty(s, "Dr. Said No Before", specialty="Emergency Medicine")
        now = clock.now()
        assert declined_since(now) == datetime(2026, 7, 4, 15, 0, tzinfo=UTC)
        for faculty, answered in ((recent, now - timedelta(days=183, hours=12)),
                                  (older, datetime(2026, 7, 3, 15, 0, tzinfo=UTC))):
            s.add(IntroRequest(student_id=ana.id, faculty_id=faculty.id, state="declined",
                               created_at=answered - timedelta(days=1), answered_at=answered))
    names = " ".join(_headings(driver.run(ana, "/mentor find")))
    assert "Said No Lately" not in names and "Said No Before" in names
    refused = driver.run(ana, "/mentor request Said No Lately")
    assert refused.error and "in the last six months" in refused.text
    assert not driver.run(ana, "/mentor request Said No Before").error


def test_find_and_request_defaults_are_stated_from_the_rules(core, driver):
    limit = specs.FIND.option("limit")
    assert limit is not None and limit.max_value == MAX_FIND_LIMIT
    assert limit.description == f"how many to show (default {FIND_LIMIT})"
    kind = specs.REQUEST.option("kind")
    assert kind is not None
    assert kind.description == f"research, clinical or career (default {DEFAULT_REQUEST_KIND})"
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        for n in range(FIND_LIMIT + 2):
            add_faculty(s, f"Dr. Number {n}")
    assert len(driver.run(ana, "/mentor find").sections) == FIND_LIMIT


def test_close_terms_read_as_english_and_are_whole_terms(core, driver):
    """A keyword that matches nothing is answered with a question naming whole terms the
    student could type ("high-value care"), never a piece of a word ("high")."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2")
        add_faculty(s, "Dr. Val Hy", specialty="Internal Medicine", research=["High-value care"])
        add_faculty(s, "Dr. Sound Wave", specialty="Emergency Medicine",
                    research=["Point-of-Care Ultrasound"])
    reply = driver.run(ana, "/mentor find highest")
    assert "Nothing matches “highest”. Did you mean “high-value care”?" in reply.text
    assert "“high”" not in reply.text and "Close terms" not in reply.text
    two = driver.run(ana, "/mentor find ultrasoundx-pointy")
    assert two.text == "Nothing matches “ultrasoundx-pointy”. Did you mean “ultrasound”?"

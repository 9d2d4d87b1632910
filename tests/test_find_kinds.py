"""`/mentor find`'s reasons are ones a student can act on (reputation only breaks ties,
silently), and a mentor kind prefers the faculty who fit it: clinical teachers who work with
the student's stage, shared research, the main-mentor (career) fit."""

from __future__ import annotations

from bot.matching.fit import (
    CAREER_ADVISER,
    CLINICAL_STAGE,
    CLINICAL_TEACHER,
    INTEREST_SPECIALTY,
    RESEARCH_WEIGHT,
    SHARED_RESEARCH,
    FacultyView,
    Query,
    StudentView,
    fit,
)
from bot.vocab.mentoring import MentorKind
from tests.support.factories import add_faculty, add_student


def _names(reply) -> list[str]:
    return [s.heading.split(". ", 1)[1] for s in reply.sections]


def test_reputation_is_never_a_reason_and_only_breaks_ties(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", stage="ms2", interests=["psych"])
        famous = add_faculty(s, "Dr. Famous Name", specialty="Psychiatry")
        famous.faculty_profile.reputation = 22
        add_faculty(s, "Dr. Quiet Name", specialty="Psychiatry")
    reply = driver.run(ana, "/mentor find")
    assert _names(reply) == ["Dr. Famous Name", "Dr. Quiet Name"]  # the tie, broken
    text = reply.as_text()
    assert "reputation" not in text.lower() and "22" not in text
    assert reply.sections[0].text.splitlines()[1:] == reply.sections[1].text.splitlines()[1:]


def _kind_roster(s):
    """Three EM faculty built so that each kind of mentor has a different best fit."""
    ana = add_student(s, "Ana Diaz", stage="ms3", interests=["emergency medicine"],
                      research=["sepsis"])
    add_faculty(s, "Dr. Rey Search", specialty="Emergency Medicine",
                title="Research Professor", research=["sepsis biomarkers"])
    add_faculty(s, "Dr. Cleo Attending", specialty="Emergency Medicine",
                title="Attending Physician", stages=["ms3", "ms4"])
    add_faculty(s, "Dr. Paul Director", specialty="Emergency Medicine",
                title="Residency Program Director", research=["resident wellness"],
                stages=["ms4", "resident"])
    return ana


def test_the_three_kinds_give_different_orders(core, driver):
    with core.db.session() as s:
        ana = _kind_roster(s)
    plain = _names(driver.run(ana, "/mentor find"))
    research = driver.run(ana, "/mentor find kind:research")
    clinical = driver.run(ana, "/mentor find kind:clinical")
    career = driver.run(ana, "/mentor find kind:career")
    assert plain == ["Dr. Rey Search", "Dr. Cleo Attending", "Dr. Paul Director"]
    # research: shared research first; no research interests, no research mentor
    assert _names(research) == ["Dr. Rey Search", "Dr. Paul Director"]
    assert "research in sepsis biomarkers, like your interests" in research.sections[0].text
    # clinical: the attending who works with MS3s; research-only titles left out
    assert _names(clinical) == ["Dr. Cleo Attending", "Dr. Paul Director"]
    assert "teaches students in clinical work" in clinical.sections[0].text
    assert "works with MS3 students" in clinical.sections[0].text
    # career: the main-mentor fit, a role that advises students on their career
    assert _names(career) == ["Dr. Paul Director", "Dr. Rey Search", "Dr. Cleo Attending"]
    assert "advises students on their careers in this role" in career.sections[0].text
    assert len({tuple(plain), tuple(_names(research)), tuple(_names(clinical)),
                tuple(_names(career))}) == 4


def test_kind_points_come_from_the_rules():
    """The weights the kinds add are the fit module's constants, one place for each."""
    ana = StudentView.of(1, "ms3", ["emergency medicine"], ["sepsis"])
    cleo = FacultyView(id=2, name="Cleo", specialty="EM", title="Clerkship Director",
                       stages=("ms3",))
    rey = FacultyView(id=3, name="Rey", specialty="EM", title="Research Professor",
                      research=("sepsis",))
    assert fit(ana, cleo, Query(kind=MentorKind.CLINICAL)).alignment == \
        INTEREST_SPECIALTY + CLINICAL_TEACHER + CLINICAL_STAGE
    assert fit(ana, cleo, Query(kind=MentorKind.CAREER)).alignment == \
        INTEREST_SPECIALTY + CAREER_ADVISER
    assert fit(ana, rey, Query(kind=MentorKind.RESEARCH)).alignment == \
        INTEREST_SPECIALTY + SHARED_RESEARCH * RESEARCH_WEIGHT[MentorKind.RESEARCH]
    assert fit(ana, rey, Query(kind=MentorKind.CLINICAL)).alignment == INTEREST_SPECIALTY
    assert all("reputation" not in r for r in fit(ana, rey).reasons)

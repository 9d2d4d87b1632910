"""Reasons that are true: a faculty member's research "like your interests" shares a whole
term with the student's interests, never a piece of a word ("High-value care" is not like
"point-of-care ultrasound": "care" is only a piece of "point-of-care"). The same for the
intro draft's "close to my own interest in …". Over generated research areas and
interests."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.matching.fit import FacultyView, StudentView, fit
from bot.mentoring.drafts import shared_interests

TERMS = ["point-of-care ultrasound", "High-value care", "care", "ultrasound", "critical care",
         "sepsis", "sepsis bundles", "point-of-care", "wilderness medicine", "medical education",
         "ultrasound-guided IVs", "value-based care", "resuscitation", "health equity",
         "equity", "high-value", "palliative care"]
LIKE = re.compile(r"^research in (.+), like your interests$")


def whole_tokens(phrase: str) -> set[str]:
    """The oracle: a phrase's whole words as written, split at spaces only (a hyphenated
    word stays one), and the phrase itself."""
    folded = phrase.lower()
    return {t.strip(",.;:()") for t in folded.split()} | {folded}


def shares_a_whole_term(a: str, b: str) -> bool:
    return bool(whole_tokens(a) & whole_tokens(b))


def test_the_issue_case() -> None:
    student = StudentView.of(1, "ms3", ["emergency medicine"], ["point-of-care ultrasound"])
    faculty = FacultyView(id=2, name="Dr. Lee", specialty="Internal Medicine",
                          research=("High-value care",))
    result = fit(student, faculty)
    assert not any("like your interests" in r for r in result.reasons), result.reasons
    assert shared_interests(["High-value care"], ["point-of-care ultrasound"]) == []
    # a whole term still counts
    pocus = FacultyView(id=3, name="Dr. Xu", specialty="Emergency Medicine",
                        research=("point-of-care ultrasound", "sepsis"))
    assert "research in point-of-care ultrasound, like your interests" in \
        fit(student, pocus).reasons
    assert shared_interests(["point-of-care ultrasound"], ["ultrasound"]) == [
        ("point-of-care ultrasound", "ultrasound")]


@given(st.lists(st.sampled_from(TERMS), min_size=1, max_size=4, unique=True),
       st.lists(st.sampled_from(TERMS), min_size=1, max_size=4, unique=True))
def test_like_your_interests_always_names_a_whole_shared_term(research: list[str],
                                                              interests: list[str]) -> None:
    student = StudentView.of(1, "ms3", [], interests)
    faculty = FacultyView(id=2, name="Dr. X", specialty="Emergency Medicine",
                          research=tuple(research))
    result = fit(student, faculty)
    for reason in result.reasons:
        found = LIKE.match(reason)
        if found is None:
            continue
        for phrase in found.group(1).split(", "):
            assert phrase in research
            assert any(shares_a_whole_term(phrase, mine) for mine in interests), \
                (phrase, interests)
    shared = [area for area in research if any(shares_a_whole_term(area, i) for i in interests)]
    # what is shared is said (up to three), and what is said is shared
    liked = [r for r in result.reasons if LIKE.match(r)]
    assert bool(liked) == bool(shared)
    for area, mine in shared_interests(research, interests):
        assert shares_a_whole_term(area, mine), (area, mine)

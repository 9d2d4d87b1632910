"""Deferred acceptance: stability on random instances, equality with the `matching`
package (resident-optimal hospital–resident), and the small cases worked by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.deferred_acceptance import blocking_pairs, deferred_acceptance
from tests.support.properties import examples
from tests.support.reference_matching import solve_with_matching


@st.composite
def instances(draw: st.DrawFn) -> tuple[dict, dict, dict]:
    n_students = draw(st.integers(0, 14))
    n_faculty = draw(st.integers(1, 6))
    faculty = [f"f{i}" for i in range(n_faculty)]
    students = [f"s{i}" for i in range(n_students)]
    capacity = {f: draw(st.integers(0, 3)) for f in faculty}
    prefs = {
        s: draw(st.lists(st.sampled_from(faculty), unique=True, max_size=n_faculty))
        for s in students
    }
    priority: dict[str, dict[str, int]] = {}
    for f in faculty:
        order = draw(st.permutations(students))
        priority[f] = {s: -index for index, s in enumerate(order)}
    return prefs, capacity, priority


@settings(max_examples=examples(300), deadline=None)
@given(instances())
def test_outcome_is_stable_and_within_capacity(instance):
    prefs, capacity, priority = instance
    outcome = deferred_acceptance(prefs, capacity, priority)
    assert blocking_pairs(prefs, capacity, priority, outcome.assignment) == []
    for faculty, students in outcome.mentees.items():
        assert len(students) <= capacity[faculty]
        ranks = [priority[faculty][s] for s in students]
        assert ranks == sorted(ranks, reverse=True)


@settings(max_examples=examples(300), deadline=None)
@given(instances())
def test_same_matching_as_the_matching_package(instance):
    prefs, capacity, priority = instance
    ours = deferred_acceptance(prefs, capacity, priority).assignment
    assert ours == solve_with_matching(prefs, capacity, priority)


@settings(max_examples=examples(200), deadline=None)
@given(instances())
def test_no_student_prefers_a_mentor_with_room(instance):
    """Student-optimal: every choice above a student's match was full with students that
    faculty member prefers."""
    prefs, capacity, priority = instance
    outcome = deferred_acceptance(prefs, capacity, priority)
    for student, choices in prefs.items():
        matched = outcome.assignment.get(student)
        for faculty in choices:
            if faculty == matched:
                break
            if capacity[faculty] > 0:
                held = outcome.mentees[faculty]
                assert len(held) == capacity[faculty]
                assert all(priority[faculty][o] > priority[faculty][student] for o in held)


def test_hand_worked_example():
    prefs = {"ana": ["kim", "lee"], "ben": ["kim", "lee"], "cai": ["kim"]}
    capacity = {"kim": 1, "lee": 1}
    priority = {"kim": {"ana": 1, "ben": 3, "cai": 2}, "lee": {"ana": 2, "ben": 1}}
    outcome = deferred_acceptance(prefs, capacity, priority)
    assert outcome.assignment == {"ben": "kim", "ana": "lee"}
    assert outcome.choice_number(prefs, "ana") == 2
    assert outcome.choice_number(prefs, "cai") is None


def test_blocking_pair_is_reported():
    prefs = {"ana": ["kim"], "ben": ["kim"]}
    capacity = {"kim": 1}
    priority = {"kim": {"ana": 2, "ben": 1}}
    assert blocking_pairs(prefs, capacity, priority, {"ben": "kim"}) == [("ana", "kim")]

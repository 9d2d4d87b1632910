"""Student-proposing deferred acceptance (Gale–Shapley for many-to-one matching, the
"hospital–resident" game): the stable matching that is best for every student at once.

Students propose down their preference lists; each faculty member holds the best proposals
up to their capacity (by their priority over students) and rejects the rest. The result is
stable: no student and faculty member would both rather have each other than what they got,
and no stable matching gives any student a mentor they prefer.

Pure and generic: students and faculty are any hashable ids. Priorities must be strict (no
two students with the same priority at one faculty member); the caller breaks ties, which
is what makes a round reproducible."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

S = TypeVar("S", bound=Hashable)
F = TypeVar("F", bound=Hashable)


@dataclass
class Outcome(Generic[S, F]):
    assignment: dict[S, F]  # matched students only
    mentees: dict[F, list[S]]  # each faculty member's students, best first
    proposals: int  # how many proposals were made (work done)

    def choice_number(self, prefs: Mapping[S, Sequence[F]], student: S) -> int | None:
        """1 for a student's first choice, 2 for their second…; None when unmatched."""
        matched = self.assignment.get(student)
        if matched is None:
            return None
        return list(prefs[student]).index(matched) + 1


def deferred_acceptance(
    prefs: Mapping[S, Sequence[F]],
    capacity: Mapping[F, int],
    priority: Mapping[F, Mapping[S, Any]],
) -> Outcome[S, F]:
    """`prefs[s]`: faculty in the student's order, best first. `capacity[f]`: places (a
    faculty member absent or with 0 takes nobody). `priority[f][s]`: how much `f` wants `s`,
    higher is better; needed for every (s, f) with f in prefs[s] and capacity > 0."""
    # One lookup per proposal: a faculty member with places -> (places, held proposals as
    # a min-heap of (priority, student) so the least wanted is on top, their priorities).
    slots: dict[F, tuple[int, list[tuple[Any, S]], Mapping[S, Any]]] = {
        f: (places, [], priority.get(f, {})) for f, places in capacity.items() if places > 0}
    position: dict[S, int] = {}
    free: list[S] = [s for s in prefs if prefs[s]]
    free.reverse()  # pop() then takes students in the given order
    proposals = 0
    push, replace = heapq.heappush, heapq.heapreplace
    slot_of, position_of = slots.get, position.get
    while free:
        student = free.pop()
        choices = prefs[student]
        index = position_of(student, 0)
        end = len(choices)
        while index < end:
            slot = slot_of(choices[index])
            index += 1
            if slot is None:
                continue
            proposals += 1
            places, heap, ranks = slot
            rank = ranks[student]
            if len(heap) < places:
                push(heap, (rank, student))
                break
            if rank > heap[0][0]:
                free.append(replace(heap, (rank, student))[1])
                break
        position[student] = index
    held = {f: heap for f, (_places, heap, _ranks) in slots.items() if heap}
    assignment: dict[S, F] = {}
    mentees: dict[F, list[S]] = {}
    for faculty, heap in held.items():
        ordered = [s for _, s in sorted(heap, key=lambda item: item[0], reverse=True)]
        mentees[faculty] = ordered
        for student in ordered:
            assignment[student] = faculty
    return Outcome(assignment=assignment, mentees=mentees, proposals=proposals)


def blocking_pairs(
    prefs: Mapping[S, Sequence[F]],
    capacity: Mapping[F, int],
    priority: Mapping[F, Mapping[S, Any]],
    assignment: Mapping[S, F],
) -> list[tuple[S, F]]:
    """Pairs that would both rather have each other than what they got (empty = stable).
    Also checks the assignment is feasible: within capacity and only to acceptable faculty."""
    mentees: dict[F, list[S]] = {}
    for student, faculty in assignment.items():
        if faculty not in prefs.get(student, ()):
            raise ValueError(f"{student!r} matched to {faculty!r}, not on their list")
        mentees.setdefault(faculty, []).append(student)
    for faculty, students in mentees.items():
        if len(students) > capacity.get(faculty, 0):
            raise ValueError(f"{faculty!r} is over capacity")
    pairs: list[tuple[S, F]] = []
    for student, choices in prefs.items():
        matched = assignment.get(student)
        for faculty in choices:
            if faculty == matched:
                break  # everything after is worse for the student
            places = capacity.get(faculty, 0)
            if places <= 0:
                continue
            held = mentees.get(faculty, [])
            if len(held) < places or any(
                priority[faculty][student] > priority[faculty][other] for other in held
            ):
                pairs.append((student, faculty))
    return pairs

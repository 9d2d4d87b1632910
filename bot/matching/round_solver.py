"""A match round as plain values, and its solution: who takes part and whom they choose
(`RoundInput`), the faculty's preferences (the fit score, ties broken by a declared seeded
hash), and the student-proposing deferred acceptance over them. Pure: `bot.matching.rounds`
reads the input from the database and writes the outcome back.

Faculty do not rank students by hand: their preference is the fit score, ties broken by a
hash of the group, student and faculty ids, so the same data always gives the same round."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from bot.infra.models import InterestGroup
from bot.matching import fit as fit_rules
from bot.matching.deferred_acceptance import Outcome, deferred_acceptance
from bot.matching.fit import FacultyView, StudentView
from bot.vocab.mentoring import MentorKind

FIND_CHOICES = 10  # choices taken from /mentor find for a student who asked nobody


def round_seed(group_slug: str) -> int:
    return int.from_bytes(hashlib.blake2b(group_slug.encode(), digest_size=8).digest(), "big")


def tie_break(seed: int, student_id: int, faculty_id: int) -> int:
    """The declared, seeded tie-break between students of equal fit for one faculty member:
    `hash((seed, student, faculty))` over integers only, so it is the same in every
    process (Python salts the hashes of strings, not of integers), with the seed taken from
    the group's slug."""
    return hash((seed, student_id, faculty_id))


_TIE_BITS = 64
_TIE_MASK = (1 << _TIE_BITS) - 1


def priority_value(score: float, tie: int) -> int:
    """How much a faculty member wants a student, as one integer ordered like (fit score,
    tie-break). Within one faculty member's list the fractional part of the score (their
    own reputation) is the same for everyone, so the whole part orders it exactly; one
    integer compares much faster than a tuple in the algorithm's inner loop."""
    return (int(score) << _TIE_BITS) | (tie & _TIE_MASK)


@dataclass(slots=True)
class Choice:
    faculty_id: int
    kind: str
    request_id: int | None


@dataclass
class RoundInput:
    """Everything the algorithm needs, read from the database."""

    group: InterestGroup
    faculty: dict[int, FacultyView]
    students: dict[int, StudentView]
    names: dict[int, str]
    choices: dict[int, list[Choice]]
    free: dict[int, int]  # faculty id -> places this round (`fit.open_places`)
    no_choices: list[int] = field(default_factory=list)  # taking part, but nobody to rank


@dataclass
class RoundResult:
    data: RoundInput
    prefs: dict[int, list[int]]
    priority: dict[int, dict[int, int]]
    outcome: Outcome[int, int]
    algorithm_seconds: float = 0.0

    def matched(self) -> dict[int, int]:
        return self.outcome.assignment

    def unmatched(self) -> list[int]:
        return [s for s in self.data.students if s not in self.outcome.assignment]

    def free_after(self) -> dict[int, int]:
        taken = {f: len(s) for f, s in self.outcome.mentees.items()}
        return {f: n - taken.get(f, 0) for f, n in self.data.free.items()
                if n - taken.get(f, 0) > 0}


def places(faculty: dict[int, FacultyView]) -> dict[int, int]:
    """Each faculty member's places this round: the one accessibility rule's open places."""
    return {fid: fit_rules.open_places(view) for fid, view in faculty.items()}


def find_order(student: StudentView, faculty: dict[int, FacultyView], free: dict[int, int],
               blocked: set[int]) -> list[Choice]:
    """The student's `/mentor find` order among the group's faculty with places."""
    scored = [(fit_rules.fit(student, v, reasons=False).key, -v.id, v.id)
              for v in faculty.values() if v.id not in blocked and free.get(v.id, 0) > 0]
    scored.sort(reverse=True)
    return [Choice(fid, MentorKind.CAREER, None) for _key, _neg, fid in scored[:FIND_CHOICES]]


def solve(data: RoundInput) -> RoundResult:
    prefs = {sid: [c.faculty_id for c in mine] for sid, mine in data.choices.items()}
    priority: dict[int, dict[int, int]] = {}
    seed = round_seed(data.group.slug)
    scorers = {fid: fit_rules.Scorer(view) for fid, view in data.faculty.items()
               if data.free.get(fid, 0) > 0}
    for sid, faculty_ids in prefs.items():
        student = data.students[sid]
        for fid in faculty_ids:
            scorer = scorers.get(fid)
            if scorer is not None:
                ranks = priority.get(fid)
                if ranks is None:
                    ranks = priority[fid] = {}
                ranks[sid] = priority_value(scorer.score(student), tie_break(seed, sid, fid))
    started = time.perf_counter()
    outcome = deferred_acceptance(prefs, data.free, priority)
    elapsed = time.perf_counter() - started
    return RoundResult(data=data, prefs=prefs, priority=priority, outcome=outcome,
                       algorithm_seconds=elapsed)

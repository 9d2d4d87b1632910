"""How well a faculty member fits a student as a mentor: one pure function of the two
profiles (and, for `/mentor find`, what the student typed), with the reasons in plain words.

SPEC weighs, in this order: alignment with the student's specialty and research interests;
accessibility (accepting, free places, how quickly intro requests are answered); fit with
the student's stage; then reputation. The score keeps that order strictly: each level is a
small whole number and a lower level can never make up for a higher one, so a famous but
unreachable mentor (not accepting, full, or never answering) always ranks below an
accessible one with the same alignment. Reputation only breaks ties, and is never shown: it
is nothing a student can act on.

Specialties are read through the one vocabulary (`bot.vocab.specialties`): a subspecialty
is part of its field (a cardiologist is internal medicine faculty) and the field is the next
best thing (internal medicine faculty for a student who wants cardiology). Words of a
faculty title ("Associate Professor of Cardiology") count for keywords and specialties.

A mentor kind (`/mentor find kind:`) prefers the faculty who fit it: `research`, shared
research interests (counted double); `clinical`, clinical teachers (attendings, clerkship
directors) who work with the student's stage; `career`, the main-mentor fit: a role that
advises students on their career (program and clerkship directors, deans, advisors, chairs).

Whether a faculty member can take a mentee now (`unavailable`) is decided here once, and
`/mentor find`, `/mentor request` and match rounds all ask it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from bot.infra.zones import format_day
from bot.vocab.mentoring import MentorKind
from bot.vocab.specialties import (
    LOOKUP_CACHE,
    KeywordMatch,
    SpecialtyFit,
    canonical_specialty,
    fold,
    lineage,
    specialties_in,
    specialty_fit,
    whole_terms,
    within,
    words_of,
)

# Alignment points.
INTEREST_SPECIALTY = 4  # the faculty member's specialty is (part of) one of the student's
INTEREST_PARENT = 2  # ... or the field one of the student's specialties belongs to
KEYWORD_HIT = 3  # a keyword the student searched for matches specialty, research or title
SHARED_RESEARCH = 2  # a research area of the faculty matches the student's interests
MAX_SHARED = 2  # shared research areas counted at most this many times

# What a mentor kind adds to alignment (`kind_fit`).
RESEARCH_WEIGHT: Mapping[str | None, int] = {
    MentorKind.RESEARCH: 2,  # shared research is the point of a research mentor
    MentorKind.CLINICAL: 0,  # clinical mentoring is about the clinic, not the lab
    MentorKind.CAREER: 1,
    None: 1,
}
CLINICAL_TEACHER = 2  # attending, clerkship director, clinical faculty: teaches students
NEAR_PEER = 1  # a resident or fellow: works beside students on the wards
CLINICAL_STAGE = 1  # ... and says they work with the student's stage
CAREER_ADVISER = 3  # program/clerkship director, dean, advisor, chair: advises on careers
FACULTY_RANK = 1  # a professor or instructor (not research-only, not in training)

ACCESS_LEVELS = 6  # 0 = unreachable; 1..5 = accessible, higher is easier to reach
STAGE_LEVELS = 3  # 0 = outside the stages they work with, 1 = any stage, 2 = stated fit

FAST_HOURS = 72.0
SLOW_HOURS = 7 * 24.0
NEVER_ANSWERS_AFTER = 2  # unanswered requests with none answered: treated as unreachable

KINDS_NEED_RESEARCH = frozenset({MentorKind.RESEARCH})
_RESEARCH_ONLY = re.compile(r"\b(research scientist|research professor|phd|basic scientist)\b")
_CLINICAL_TEACHER = re.compile(
    r"\b(attending|clerkship|clinical|clinician|hospitalist|physician|program director)\b")
_NEAR_PEER = re.compile(r"\b(resident|fellow|intern)\b")
_CAREER_ADVISER = re.compile(
    r"\b(program director|clerkship director|dean|advis\w*|chair|chairman|chairwoman)\b")
_FACULTY_RANK = re.compile(r"\b(professor|instructor|lecturer)\b")


@lru_cache(maxsize=LOOKUP_CACHE)
def held_specialties(specialty: str, title: str) -> frozenset[str]:
    """The specialties a faculty member holds: their profile's (canonical when the
    vocabulary knows it) and any their title names ("Associate Professor of Cardiology")."""
    held = {canonical_specialty(specialty) or fold(specialty)} if specialty.strip() else set()
    held.update(specialties_in(title))
    return frozenset(held)


@lru_cache(maxsize=LOOKUP_CACHE)
def title_terms(title: str) -> frozenset[str]:
    """The words of a faculty title, matched by keywords like research words."""
    folded = fold(title)
    return frozenset((folded, *words_of(folded))) if folded else frozenset()


@dataclass(frozen=True, slots=True)
class FacultyView:
    """What fit needs to know about a faculty member, as plain values."""

    id: int
    name: str
    specialty: str  # as written in the profile
    research: tuple[str, ...] = ()
    capacity: int = 3
    active: int = 0  # active mentorships now
    accepting: bool = True
    stages: tuple[str, ...] = ()
    reputation: int = 0
    answered: int = 0
    unanswered: int = 0
    response_hours_total: float = 0.0
    title: str = ""
    # Back on this day; set only while they are away (the loader asks `away_on` with their
    # own local day), so every rule below reads it without a clock.
    away_until: date | None = None
    canonical: str | None = None  # canonical specialty, derived when not given
    terms: frozenset[str] = frozenset()  # folded research phrases and their words
    phrase_of: Mapping[str, int] = field(default_factory=dict)  # term -> index in research
    specialties: frozenset[str] = frozenset()  # `held_specialties`, derived when not given
    title_words: frozenset[str] = frozenset()  # `title_terms`, derived when not given
    whole: frozenset[str] = frozenset()  # `whole_research`, derived when not given

    def __post_init__(self) -> None:
        if self.canonical is None:
            object.__setattr__(self, "canonical",
                               canonical_specialty(self.specialty) or fold(self.specialty))
        if not self.terms and self.research:
            terms, phrase_of = research_index(self.research)
            object.__setattr__(self, "terms", terms)
            object.__setattr__(self, "phrase_of", phrase_of)
        if not self.specialties:
            object.__setattr__(self, "specialties",
                               held_specialties(self.specialty, self.title))
        if not self.title_words and self.title:
            object.__setattr__(self, "title_words", title_terms(self.title))
        if not self.whole and self.research:
            object.__setattr__(self, "whole", whole_research(tuple(self.research)))

    @property
    def free(self) -> int:
        return free_places(self.capacity, self.active)

    @property
    def average_response_hours(self) -> float | None:
        return self.response_hours_total / self.answered if self.answered else None


def free_places(capacity: int, active: int) -> int:
    """Places left: capacity less current mentees, never below zero (a capacity lowered
    under the mentees someone has keeps them all and offers no new place)."""
    return max(capacity - active, 0)


def away_on(away_until: date | None, today: date) -> bool:
    """Whether someone who said they are away until `away_until` is still away on `today`
    (their own local day): they are back on the day itself."""
    return away_until is not None and today < away_until


@dataclass(frozen=True, slots=True)
class StudentView:
    id: int
    stage: str | None = None
    interests: tuple[str, ...] = ()
    research: tuple[str, ...] = ()
    specialties: frozenset[str] = frozenset()  # canonical specialties among the interests
    terms: frozenset[str] = frozenset()  # folded words of the other interests and research
    whole: frozenset[str] = frozenset()  # their whole terms (`whole_research`): what is shared
    # Every specialty that counts as one of theirs (theirs and the subspecialties under
    # them), and the fields above theirs: what `specialty_fit` would say, precomputed for
    # the hundreds of thousands of pairs a match round scores.
    covered: frozenset[str] = frozenset()
    above: frozenset[str] = frozenset()

    @classmethod
    def of(cls, id: int, stage: str | None, interests: Iterable[str],
           research: Iterable[str]) -> StudentView:
        interests, research = tuple(interests), tuple(research)
        specialties, terms, covered, above = _student_terms(interests, research)
        others = tuple(i for i in interests if canonical_specialty(i) is None) + research
        return cls(id=id, stage=stage, interests=interests, research=research,
                   specialties=specialties, terms=terms, covered=covered, above=above,
                   whole=whole_research(others))


STUDENT_CACHE = 10_000
"""Distinct students' (interests, research) whose terms are kept: the students searching
or being matched now; a match round of more parses the rest again (about 20 µs each)."""


@lru_cache(maxsize=STUDENT_CACHE)
def _student_terms(interests: tuple[str, ...], research: tuple[str, ...]
                   ) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    specialties: set[str] = set()
    others: list[str] = list(research)
    for interest in interests:
        canonical = canonical_specialty(interest)
        if canonical is not None:
            specialties.add(canonical)
        else:
            others.append(interest)
    covered = frozenset(name for s in specialties for name in within(s))
    above = frozenset(name for s in specialties for name in lineage(s)[1:]) - covered
    return frozenset(specialties), research_terms(others), covered, above


@dataclass(frozen=True)
class Query:
    """What the student typed into `/mentor find`, already resolved against the vocabulary."""

    keywords: tuple[KeywordMatch, ...] = ()
    specialty: str | None = None  # canonical, from specialty:
    kind: str | None = None  # research | clinical | career


@dataclass(frozen=True, slots=True)
class Fit:
    alignment: int
    access: int
    stage: int
    reputation: float  # in [0, 1)
    reasons: tuple[str, ...] = field(default=())
    keyword_hits: int = 0
    asked: int = 0  # `SpecialtyFit` with the specialty: asked for (0 when none was)

    @property
    def accessible(self) -> bool:
        return self.access > 0

    @property
    def key(self) -> tuple[int, int, int, int, float]:
        """The order of `/mentor find`: the asked specialty itself before the field around
        it, then alignment, accessibility, stage and reputation."""
        return (self.asked, self.alignment, self.access, self.stage, self.reputation)

    @property
    def score(self) -> float:
        """One number with the same order as `key` without a query (a match round's
        faculty preferences)."""
        return ((self.alignment * ACCESS_LEVELS + self.access) * STAGE_LEVELS + self.stage) \
            + self.reputation


@lru_cache(maxsize=STUDENT_CACHE)
def whole_research(phrases: tuple[str, ...]) -> frozenset[str]:
    """The whole terms of research areas (`bot.vocab.specialties.whole_terms`): what a
    student and a faculty member share, counted and said, never a piece of a word."""
    return frozenset(term for phrase in phrases for term in whole_terms(phrase))


def research_terms(phrases: Iterable[str]) -> frozenset[str]:
    return research_index(phrases)[0]


def research_index(phrases: Iterable[str]) -> tuple[frozenset[str], dict[str, int]]:
    """The folded phrases and their words, and for each, the (first) phrase it came from."""
    phrase_of: dict[str, int] = {}
    for index, phrase in enumerate(phrases):
        folded = fold(phrase)
        if folded:
            phrase_of.setdefault(folded, index)
            for word in words_of(folded):
                phrase_of.setdefault(word, index)
    return frozenset(phrase_of), phrase_of


def stage_label(stage: str) -> str:
    return {"premed": "premed", "resident": "resident"}.get(stage, stage.upper())


def stage_people(stage: str, *, plural: bool = True) -> str:
    """'MS2 students', 'residents'; singular with its article: 'an MS2 student'."""
    if stage == "resident":
        return "residents" if plural else "a resident"
    label = stage_label(stage)
    if plural:
        return f"{label} students"
    article = "an" if label[:1] in "AEIOU" or label.startswith("MS") else "a"
    return f"{article} {label} student"


def research_only(title: str) -> bool:
    """A title that says the person does research only (no clinical work with students)."""
    return bool(_RESEARCH_ONLY.search(fold(title)))


def eligible(faculty: FacultyView, query: Query) -> bool:
    """Whether a faculty member belongs in the results at all for this query."""
    if query.specialty is not None and \
            specialty_fit(query.specialty, faculty.specialties) is SpecialtyFit.NONE:
        return False
    if query.kind in KINDS_NEED_RESEARCH and not faculty.research:
        return False
    if query.kind == MentorKind.CLINICAL and research_only(faculty.title):
        return False
    return not query.keywords or any(keyword_hit(k, faculty) for k in query.keywords)


def keyword_hit(match: KeywordMatch, faculty: FacultyView) -> bool:
    if match.specialty is not None and \
            specialty_fit(match.specialty, faculty.specialties) is SpecialtyFit.SAME:
        return True
    return bool(match.terms) and bool(match.terms & faculty.terms
                                      or match.terms & faculty.title_words)


def _phrase_for(term: str, faculty: FacultyView) -> str:
    """The research area as the faculty wrote it that contains `term`."""
    index = faculty.phrase_of.get(term)
    return faculty.research[index] if index is not None else term


def _held(faculty: FacultyView, names: Iterable[str]) -> str:
    """Which of the faculty member's specialties among `names` to name in a reason: their
    profile's when it is one, else the one their title names."""
    wanted = set(names)
    if faculty.canonical in wanted:
        return faculty.canonical or ""
    return min(wanted & faculty.specialties, default=faculty.canonical or "")


def _where_held(faculty: FacultyView, held: str) -> str:
    """How a held specialty reads in a reason: its name, or the title that names it."""
    return held if held == faculty.canonical or not faculty.title else faculty.title


def _specialty_alignment(student: StudentView, faculty: FacultyView,
                         why: list[str] | None) -> int:
    """Points for the student's own specialties: theirs (or a part of it) first, else the
    field theirs belongs to."""
    held = faculty.specialties
    if held & student.covered:
        if why is not None:
            name = _held(faculty, student.covered)
            if name in student.specialties:
                why.append(f"{name}, your interest")
            else:
                field_of = next((s for s in lineage(name) if s in student.specialties), "")
                why.append(f"{name}, part of {field_of} (your interest)")
        return INTEREST_SPECIALTY
    if held & student.above:
        if why is not None:
            name = _held(faculty, student.above)
            yours = sorted(s for s in student.specialties if name in lineage(s))
            why.append(f"{name}, the field your interest {' and '.join(yours)} belongs to")
        return INTEREST_PARENT
    return 0


def _research_alignment(student: StudentView, faculty: FacultyView, weight: int) -> int:
    """Points for the research areas the two share, counted per research area of the
    faculty member (at most MAX_SHARED), times the kind's `RESEARCH_WEIGHT`."""
    if not weight or not student.whole or not faculty.whole:
        return 0
    shared = student.whole & faculty.whole
    if not shared:
        return 0
    counted = min(len(shared_phrases(faculty, shared)), MAX_SHARED)
    return SHARED_RESEARCH * counted * weight


def shared_phrases(faculty: FacultyView, shared: frozenset[str]) -> list[str]:
    """The faculty member's research areas, as they wrote them, that hold one of the
    `shared` whole terms."""
    return [phrase for phrase in faculty.research if shared.intersection(whole_terms(phrase))]


def _profile_alignment(student: StudentView, faculty: FacultyView) -> int:
    """Alignment from the two profiles alone (no query): the student's specialties and the
    research areas they share."""
    return _specialty_alignment(student, faculty, None) + _research_alignment(
        student, faculty, RESEARCH_WEIGHT[None])


def _keyword_alignment(match: KeywordMatch, faculty: FacultyView,
                       why: list[str] | None) -> int:
    """Points for one keyword: a specialty it names (or a part of it), a research area, a
    word of the title. A keyword is what the student wants to find, so the field around a
    subspecialty does not count for it (`specialty:` and their interests rank that)."""
    if match.specialty is not None and \
            specialty_fit(match.specialty, faculty.specialties) is SpecialtyFit.SAME:
        if why is not None:
            held = _held(faculty, within(match.specialty))
            why.append(f"{_where_held(faculty, held)} matches “{match.keyword}”")
        return KEYWORD_HIT
    common = match.terms & faculty.terms
    if common:
        if why is not None:
            phrase = _phrase_for(min(common, key=lambda t: (-len(t), t)), faculty)
            why.append(f"research in {phrase} matches “{match.keyword}”")
        return KEYWORD_HIT
    if match.terms & faculty.title_words:
        if why is not None:
            why.append(f"{faculty.title} matches “{match.keyword}”")
        return KEYWORD_HIT
    return 0


def kind_fit(student: StudentView, faculty: FacultyView, kind: str | None,
             why: list[str] | None = None) -> int:
    """Alignment points for fitting the mentor kind asked for (shared research for a
    research mentor is counted by `RESEARCH_WEIGHT` instead)."""
    title = fold(faculty.title)
    if kind == MentorKind.CLINICAL:
        points = 0
        if _CLINICAL_TEACHER.search(title):
            points = CLINICAL_TEACHER
            if why is not None:
                why.append("teaches students in clinical work")
        elif _NEAR_PEER.search(title):
            points = NEAR_PEER
            if why is not None:
                why.append("in training: works beside students on the wards")
        if points and student.stage is not None and student.stage in faculty.stages:
            points += CLINICAL_STAGE
        return points
    if kind == MentorKind.CAREER:
        if _CAREER_ADVISER.search(title):
            if why is not None:
                why.append("advises students on their careers in this role")
            return CAREER_ADVISER
        if research_only(title) or _NEAR_PEER.search(title):
            return 0
        return FACULTY_RANK if _FACULTY_RANK.search(title) else 0
    return 0


def fit(student: StudentView, faculty: FacultyView, query: Query = Query(), *,
        reasons: bool = True) -> Fit:
    """Score `faculty` as a mentor for `student`. Pure; `reasons=False` skips the wording
    (a match round scores hundreds of thousands of pairs)."""
    why: list[str] | None = [] if reasons else None
    hits = 0
    alignment = _specialty_alignment(student, faculty, why) + _research_alignment(
        student, faculty, RESEARCH_WEIGHT.get(query.kind, RESEARCH_WEIGHT[None]))
    asked = SpecialtyFit.NONE
    if query.specialty is not None:
        asked = specialty_fit(query.specialty, faculty.specialties)
        if why is not None and not faculty.specialties & student.covered:
            if asked is SpecialtyFit.SAME:
                held = _held(faculty, within(query.specialty))
                why.append(f"{_where_held(faculty, held)}, as you asked")
            elif asked is SpecialtyFit.PARENT:
                held = _held(faculty, lineage(query.specialty))
                why.append(f"{held}, the field {query.specialty} belongs to")
    for match in query.keywords:
        points = _keyword_alignment(match, faculty, why)
        alignment += points
        hits += 1 if points else 0
    if why is not None and student.whole and faculty.whole:
        shared = student.whole & faculty.whole
        named = {phrase for phrase in faculty.research if any(phrase in r for r in why)}
        phrases = sorted(set(shared_phrases(faculty, shared)) - named)
        if phrases:
            why.append(f"research in {', '.join(phrases[:3])}, like your interests")
    alignment += kind_fit(student, faculty, query.kind, why)

    access = _access(faculty, why)
    stage = _stage(student, faculty, why)
    return Fit(alignment=alignment, access=access, stage=stage,
               reputation=_reputation(faculty), reasons=tuple(why or ()), keyword_hits=hits,
               asked=int(asked))


def _reputation(faculty: FacultyView) -> float:
    return faculty.reputation / (faculty.reputation + 10) if faculty.reputation > 0 else 0.0


class Scorer:
    """`fit(student, faculty).score` for many students against one faculty member (a match
    round's faculty preferences), with the faculty member's own levels computed once."""

    __slots__ = ("faculty", "base", "reputation")

    def __init__(self, faculty: FacultyView) -> None:
        self.faculty = faculty
        self.base = _access(faculty, None)
        self.reputation = _reputation(faculty)

    def score(self, student: StudentView) -> float:
        faculty = self.faculty
        alignment = _profile_alignment(student, faculty)
        stage = _stage(student, faculty, None)
        return ((alignment * ACCESS_LEVELS + self.base) * STAGE_LEVELS + stage) \
            + self.reputation


class Unavailable(StrEnum):
    """Why a faculty member can't take a mentee now, in the order they are checked."""

    AWAY = "away"  # they said they are away until a date (`/mentor profile away:`)
    NOT_ACCEPTING = "not-accepting"  # they said so in their profile
    FULL = "full"  # every place taken
    NEVER_ANSWERS = "never-answers"  # none of their intro requests answered, several not


def never_answers(faculty: FacultyView) -> bool:
    """A faculty member who has let NEVER_ANSWERS_AFTER requests expire and answered none:
    a request to them would most likely wait until it expires, for nothing."""
    return faculty.answered == 0 and faculty.unanswered >= NEVER_ANSWERS_AFTER


def open_places(faculty: FacultyView) -> int:
    """Places a faculty member offers now: their free places while they accept mentees and
    are not away. A match round fills exactly these; it makes the mentorship itself, so the
    response record, which only says whether a request would be answered, ranks them but
    closes nothing."""
    return faculty.free if faculty.accepting and faculty.away_until is None else 0


def unavailable(faculty: FacultyView) -> Unavailable | None:
    """Can this faculty member take a mentee now? None when they can; otherwise why not.
    One rule for `/mentor find` (away: left out; otherwise ranked last, no request button),
    `/mentor request` (refused, with the reason) and match rounds (`open_places`)."""
    if faculty.away_until is not None:
        return Unavailable.AWAY
    if not faculty.accepting:
        return Unavailable.NOT_ACCEPTING
    if open_places(faculty) <= 0:
        return Unavailable.FULL
    if never_answers(faculty):
        return Unavailable.NEVER_ANSWERS
    return None


def offered(faculty: FacultyView) -> bool:
    """Whether `/mentor find` shows a faculty member at all: not while they are away (a
    closed door for another reason is shown, ranked last, so the student knows why)."""
    return unavailable(faculty) is not Unavailable.AWAY


def _access(faculty: FacultyView, why: list[str] | None) -> int:
    closed = unavailable(faculty)
    if closed is not None:
        if why is not None:
            why.append(_unavailable_reason(faculty, closed))
        return 0
    average = faculty.average_response_hours
    room = 2 if faculty.free * 2 >= faculty.capacity else 1
    if why is not None:
        why.append(f"accepting, {faculty.free} of {faculty.capacity} places free")
    if average is None:
        response = 1
    elif faculty.unanswered > faculty.answered:
        response = 0
        if why is not None:
            why.append(f"leaves many intro requests unanswered ({faculty.unanswered} of "
                       f"{faculty.unanswered + faculty.answered})")
    else:
        response = 2 if average <= FAST_HOURS else 1 if average <= SLOW_HOURS else 0
        if why is not None:
            why.append(f"answers intro requests {_duration(average)}")
    return 1 + room + response


def _unavailable_reason(faculty: FacultyView, closed: Unavailable) -> str:
    match closed:
        case Unavailable.AWAY:
            return f"away; back on {format_day(faculty.away_until)}" if faculty.away_until \
                else "away"
        case Unavailable.NOT_ACCEPTING:
            return "not accepting new mentees right now"
        case Unavailable.FULL:
            return f"full: {faculty.active} of {faculty.capacity} places taken"
        case Unavailable.NEVER_ANSWERS:
            return f"has not answered any of {faculty.unanswered} intro requests"


def _duration(hours: float) -> str:
    if hours < 24:
        return "within a day"
    days = round(hours / 24)
    return f"in about {days} day{'s' if days != 1 else ''}"


def _stage(student: StudentView, faculty: FacultyView, why: list[str] | None) -> int:
    if student.stage is None or not faculty.stages:
        return 1
    if student.stage in faculty.stages:
        if why is not None:
            why.append(f"works with {stage_people(student.stage)}")
        return 2
    if why is not None:
        labels = [stage_label(s) for s in faculty.stages if s != "resident"]
        groups = [f"{', '.join(labels)} students"] if labels else []
        groups += ["residents"] if "resident" in faculty.stages else []
        why.append(f"usually works with {' and '.join(groups)}")
    return 0

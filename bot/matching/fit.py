"""How well a faculty member fits a student as a mentor: one pure function of the two
profiles (and, for `/mentor find`, what the student typed), with the reasons in plain words.

SPEC weighs, in this order: alignment with the student's specialty and research interests;
accessibility (accepting, free places, how quickly intro requests are answered); fit with
the student's stage; then reputation. The score keeps that order strictly: each level is a
small whole number and a lower level can never make up for a higher one, so a famous but
unreachable mentor (not accepting, full, or never answering) always ranks below an
accessible one with the same alignment.

Whether a faculty member can take a mentee now (`unavailable`) is decided here once, and
`/mentor find`, `/mentor request` and match rounds all ask it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from bot.vocab.mentoring import MentorKind
from bot.vocab.specialties import KeywordMatch, canonical_specialty, fold, words_of

# Alignment points.
INTEREST_SPECIALTY = 4  # the faculty member's specialty is one of the student's interests
KEYWORD_HIT = 3  # a keyword the student searched for matches specialty or research
SHARED_RESEARCH = 2  # a research area of the faculty matches the student's interests
MAX_SHARED = 2  # shared research areas counted at most this many times

ACCESS_LEVELS = 6  # 0 = unreachable; 1..5 = accessible, higher is easier to reach
STAGE_LEVELS = 3  # 0 = outside the stages they work with, 1 = any stage, 2 = stated fit

FAST_HOURS = 72.0
SLOW_HOURS = 7 * 24.0
NEVER_ANSWERS_AFTER = 2  # unanswered requests with none answered: treated as unreachable

KINDS_NEED_RESEARCH = frozenset({MentorKind.RESEARCH})
_RESEARCH_ONLY_TITLES = ("research scientist", "research professor", "phd", "basic scientist")


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
    canonical: str | None = None  # canonical specialty, derived when not given
    terms: frozenset[str] = frozenset()  # folded research phrases and their words
    phrase_of: Mapping[str, int] = field(default_factory=dict)  # term -> index in research

    def __post_init__(self) -> None:
        if self.canonical is None:
            object.__setattr__(self, "canonical",
                               canonical_specialty(self.specialty) or fold(self.specialty))
        if not self.terms and self.research:
            terms, phrase_of = research_index(self.research)
            object.__setattr__(self, "terms", terms)
            object.__setattr__(self, "phrase_of", phrase_of)

    @property
    def free(self) -> int:
        return max(self.capacity - self.active, 0)

    @property
    def average_response_hours(self) -> float | None:
        return self.response_hours_total / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class StudentView:
    id: int
    stage: str | None = None
    interests: tuple[str, ...] = ()
    research: tuple[str, ...] = ()
    specialties: frozenset[str] = frozenset()  # canonical specialties among the interests
    terms: frozenset[str] = frozenset()  # folded words of the other interests and research

    @classmethod
    def of(cls, id: int, stage: str | None, interests: Iterable[str],
           research: Iterable[str]) -> StudentView:
        interests, research = tuple(interests), tuple(research)
        specialties, terms = _student_terms(interests, research)
        return cls(id=id, stage=stage, interests=interests, research=research,
                   specialties=specialties, terms=terms)


@lru_cache(maxsize=100_000)
def _student_terms(interests: tuple[str, ...],
                   research: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    specialties: set[str] = set()
    others: list[str] = list(research)
    for interest in interests:
        canonical = canonical_specialty(interest)
        if canonical is not None:
            specialties.add(canonical)
        else:
            others.append(interest)
    return frozenset(specialties), research_terms(others)


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

    @property
    def accessible(self) -> bool:
        return self.access > 0

    @property
    def key(self) -> tuple[int, int, int, float]:
        return (self.alignment, self.access, self.stage, self.reputation)

    @property
    def score(self) -> float:
        """One number with the same order as `key` (for faculty preferences in a round)."""
        return ((self.alignment * ACCESS_LEVELS + self.access) * STAGE_LEVELS + self.stage) \
            + self.reputation


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


def eligible(faculty: FacultyView, query: Query) -> bool:
    """Whether a faculty member belongs in the results at all for this query."""
    if query.specialty is not None and faculty.canonical != query.specialty:
        return False
    if query.kind in KINDS_NEED_RESEARCH and not faculty.research:
        return False
    if query.kind == MentorKind.CLINICAL and \
            any(t in fold(faculty.title) for t in _RESEARCH_ONLY_TITLES):
        return False
    return not query.keywords or any(keyword_hit(k, faculty) for k in query.keywords)


def keyword_hit(match: KeywordMatch, faculty: FacultyView) -> bool:
    return (match.specialty is not None and match.specialty == faculty.canonical) or bool(
        match.terms & faculty.terms
    )


def _phrase_for(term: str, faculty: FacultyView) -> str:
    """The research area as the faculty wrote it that contains `term`."""
    index = faculty.phrase_of.get(term)
    return faculty.research[index] if index is not None else term


def _profile_alignment(student: StudentView, faculty: FacultyView,
                       research_weight: int = 1) -> int:
    """Alignment from the two profiles alone: the student's specialties and the research
    areas they share (counted per research area, at most MAX_SHARED)."""
    points = INTEREST_SPECIALTY if faculty.canonical and faculty.canonical in \
        student.specialties else 0
    if student.terms and faculty.terms:
        shared = student.terms & faculty.terms
        if shared:
            phrase_of = faculty.phrase_of
            counted = min(len({phrase_of.get(t, -1) for t in shared}), MAX_SHARED)
            points += SHARED_RESEARCH * counted * research_weight
    return points


def fit(student: StudentView, faculty: FacultyView, query: Query = Query(), *,
        reasons: bool = True) -> Fit:
    """Score `faculty` as a mentor for `student`. Pure; `reasons=False` skips the wording
    (a match round scores hundreds of thousands of pairs)."""
    why: list[str] = []
    hits = 0
    specialty_name = faculty.canonical or ""
    alignment = _profile_alignment(student, faculty,
                                   2 if query.kind == MentorKind.RESEARCH else 1)
    if reasons and specialty_name and specialty_name in student.specialties:
        why.append(f"{specialty_name}, your interest")
    if query.specialty is not None and query.specialty == specialty_name and \
            specialty_name not in student.specialties and reasons:
        why.append(f"{specialty_name}, as you asked")
    for match in query.keywords:
        if match.specialty is not None and match.specialty == specialty_name:
            alignment += KEYWORD_HIT
            hits += 1
            if reasons:
                why.append(f"{specialty_name} matches “{match.keyword}”")
            continue
        common = match.terms & faculty.terms
        if common:
            alignment += KEYWORD_HIT
            hits += 1
            if reasons:
                phrase = _phrase_for(min(common, key=lambda t: (-len(t), t)), faculty)
                why.append(f"research in {phrase} matches “{match.keyword}”")
    if reasons and student.terms and faculty.terms:
        shared = student.terms & faculty.terms
        named = {phrase for phrase in faculty.research if any(phrase in r for r in why)}
        phrases = sorted({_phrase_for(t, faculty) for t in shared} - named)
        if phrases:
            why.append(f"research in {', '.join(phrases[:3])}, like your interests")

    access = _access(faculty, why if reasons else None)
    stage = _stage(student, faculty, why if reasons else None)
    reputation = _reputation(faculty)
    if reasons and faculty.reputation > 0:
        why.append(f"reputation {faculty.reputation}")
    return Fit(alignment=alignment, access=access, stage=stage, reputation=reputation,
               reasons=tuple(why), keyword_hits=hits)


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

    NOT_ACCEPTING = "not-accepting"  # they said so in their profile
    FULL = "full"  # every place taken
    NEVER_ANSWERS = "never-answers"  # none of their intro requests answered, several not


def never_answers(faculty: FacultyView) -> bool:
    """A faculty member who has let NEVER_ANSWERS_AFTER requests expire and answered none:
    a request to them would most likely wait until it expires, for nothing."""
    return faculty.answered == 0 and faculty.unanswered >= NEVER_ANSWERS_AFTER


def open_places(faculty: FacultyView) -> int:
    """Places a faculty member offers now: their free places while they accept mentees. A
    match round fills exactly these; it makes the mentorship itself, so the response
    record, which only says whether a request would be answered, ranks them but closes
    nothing."""
    return faculty.free if faculty.accepting else 0


def unavailable(faculty: FacultyView) -> Unavailable | None:
    """Can this faculty member take a mentee now? None when they can; otherwise why not.
    One rule for `/mentor find` (ranked last, no request button), `/mentor request`
    (refused, with the reason) and match rounds (`open_places`)."""
    if not faculty.accepting:
        return Unavailable.NOT_ACCEPTING
    if open_places(faculty) <= 0:
        return Unavailable.FULL
    if never_answers(faculty):
        return Unavailable.NEVER_ANSWERS
    return None


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

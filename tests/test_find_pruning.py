"""`/mentor find` loads only the candidates its ranking needs (bot.matching.faculty_index),
and its results are exactly those of scoring every candidate: on random rosters and
queries, on SQLite and PostgreSQL, the pruned search returns the same faculty in the same
order with the same fit (reasons included), and the same unknown keywords, keywords that
no eligible faculty has, and fallback, as a reference that loads every faculty member fresh
and scores every one the plain rules make a candidate.

The rosters lean on what the pruning must get right: reputations that tie (the lower id
ranks first), faculty half full or full (their real accessibility below the bound the
index keeps), away faculty (never offered), subspecialties and the fields above them,
research areas sharing words, titles that make a clinical teacher, a near-peer, a career
adviser or a research-only scientist, and profiles changed after the index was built
(through the profile's owner, which notes them; a new reputation moves a faculty member in
the index's order)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.infra.db import Database
from bot.infra.models import Base, IntroRequest, Mentorship, Person
from bot.matching import faculty_index, finder
from bot.matching import fit as fit_rules
from bot.matching.finder import Search
from bot.matching.fit import Query, StudentView
from bot.people import store as people
from bot.vocab.matching import IntroState
from bot.vocab.specialties import SPECIALTIES, SUBSPECIALTIES, match_keyword, specialty_fit
from bot.vocab.stages import STAGES
from tests.support.factories import add_faculty, add_student

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
FIELDS = [*list(SPECIALTIES)[:8], *list(SUBSPECIALTIES)[:8], "Space Medicine"]
TITLES = ["Professor", "Associate Professor of Cardiology", "Attending Physician",
          "Clerkship Director", "Resident", "Fellow", "Research Scientist", "Dean",
          "Program Director", "Instructor", ""]
AREAS = ["sepsis", "pediatric sepsis", "point-of-care ultrasound", "ultrasound education",
         "global health", "rural global health", "stroke", "heart failure outcomes",
         "medical education", "simulation", "cardiac arrest"]
KEYWORDS = ["sepsis", "ultrasound", "ultrasund", "global", "cardiology", "peds", "EM",
            "stroke", "zzqx", "attending", "outcomes", "education"]
ZONES = [None, "UTC", "Pacific/Auckland", "America/Los_Angeles"]


def _roster(database: Database, rng: random.Random) -> tuple[list[int], list[int]]:
    with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    faculty, students = [], []
    with database.session() as session:
        for i in range(rng.randint(1, 60)):
            person = add_faculty(
                session, f"Dr. Faculty {i}", email=f"f{i}@example.edu",
                specialty=rng.choice(FIELDS), title=rng.choice(TITLES),
                research=rng.sample(AREAS, rng.choice([0, 1, 2, 3])),
                capacity=rng.choice([0, 1, 2, 3, 5]), accepting=rng.random() < 0.8,
                stages=rng.sample(list(STAGES), rng.choice([0, 0, 1, 2])),
                tz=rng.choice(ZONES))
            profile = person.faculty_profile
            assert profile is not None
            profile.reputation = rng.choice([0, 0, 3, 3, 10, 45, -2])
            profile.requests_answered = rng.choice([0, 1, 4])
            profile.requests_unanswered = rng.choice([0, 0, 2, 5])
            profile.response_hours_total = profile.requests_answered * rng.choice([5, 5, 60, 200])
            profile.away_until = rng.choice([None, None, None, date(2027, 1, 4),
                                             date(2027, 1, 5), date(2027, 2, 1)])
            faculty.append(person.id)
        for i in range(rng.randint(1, 8)):
            interests = rng.sample(FIELDS, rng.choice([0, 1, 2]))
            interests += rng.sample(AREAS, rng.choice([0, 0, 1]))
            person = add_student(session, f"Student {i}", email=f"s{i}@example.edu",
                                 stage=rng.choice([*STAGES, *STAGES, None]),
                                 interests=interests,
                                 research=rng.sample(AREAS, rng.choice([0, 1, 2])))
            students.append(person.id)
        for _ in range(rng.randint(0, 25)):
            session.add(Mentorship(student_id=rng.choice(students),
                                   mentor_id=rng.choice(faculty), kind="career",
                                   active=rng.random() < 0.85))
        for _ in range(rng.randint(0, 6)):
            state = rng.choice([IntroState.OPEN, IntroState.DECLINED])
            session.add(IntroRequest(student_id=rng.choice(students),
                                     faculty_id=rng.choice(faculty), state=state,
                                     created_at=NOW - timedelta(days=3),
                                     answered_at=NOW - timedelta(days=2)
                                     if state == IntroState.DECLINED else None))
    return faculty, students


def _full_search(database: Database, student: StudentView, *, keywords: list[str],
                 specialty: str | None, kind: str | None, limit: int,
                 exclude: set[int]) -> Search:
    """Every faculty member loaded fresh; the candidates by the plain rules; every one
    scored."""
    with database.session() as session:
        rel = finder.relations(session, student.id, NOW)
        left_out = set(rel.mentors) | rel.declined | exclude | {student.id}
        views = finder.load_faculty(session, now=NOW, default_tz="America/Chicago")
        vocabulary = {t for v in views for t in (*v.terms, *v.title_words)}
        query = Query(tuple(match_keyword(k, vocabulary) for k in keywords), specialty, kind)

        def aligned(v: fit_rules.FacultyView) -> bool:
            if query.keywords:
                return any(fit_rules.keyword_hit(m, v) for m in query.keywords)
            if query.specialty is not None:
                return specialty_fit(query.specialty, v.specialties) > 0
            return bool(v.specialties & (student.covered | student.above)
                        or v.terms & student.terms)

        fallback = not query.keywords and query.specialty is None and \
            not any(aligned(v) for v in views)
        if fallback:  # the finder's own fallback: the best regarded who accept
            pool = finder.load_faculty(
                session, [v.id for v in sorted(views, key=lambda v: (-v.reputation, v.id))
                          if v.accepting and v.id not in left_out][:finder.FALLBACK_LOAD],
                now=NOW, default_tz="America/Chicago")
        else:
            pool = [v for v in views if aligned(v) and (
                query.specialty is None or specialty_fit(query.specialty, v.specialties) > 0)]
        scored = [(fit_rules.fit(student, v, query), v) for v in pool
                  if v.id not in left_out and fit_rules.offered(v)
                  and fit_rules.eligible(v, query)]
        scored.sort(key=lambda pair: (pair[0].key, -pair[1].id), reverse=True)
        hit = {id(m) for _, v in scored for m in query.keywords if fit_rules.keyword_hit(m, v)}
    return Search(
        results=[finder.Result(v, f, rel.open_requests.get(v.id)) for f, v in scored[:limit]],
        query=query, unknown=[m.keyword for m in query.keywords if not m.matched],
        without_faculty=[m.keyword for m in query.keywords if m.matched and id(m) not in hit],
        fallback=fallback, relations=rel)


def _same(found: Search, expected: Search) -> None:
    assert [(r.faculty.id, r.fit, r.waiting_since) for r in found.results] == \
        [(r.faculty.id, r.fit, r.waiting_since) for r in expected.results]
    assert (found.unknown, found.without_faculty, found.fallback) == \
        (expected.unknown, expected.without_faculty, expected.fallback)


def _student(database: Database, person_id: int) -> StudentView:
    with database.session() as session:
        return finder.student_view(session.get_one(Person, person_id))


query_strategy = st.fixed_dictionaries({
    "keywords": st.lists(st.sampled_from(KEYWORDS), max_size=2),
    "specialty": st.sampled_from([None, None, "internal medicine", "cardiology",
                                  "emergency medicine", "pediatrics"]),
    "kind": st.sampled_from([None, "research", "clinical", "career"]),
    "limit": st.sampled_from([1, 1, 2, 3, 5, 8]),
})


@pytest.mark.parametrize("first_load", [1, finder.FIRST_LOAD])
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), queries=st.lists(query_strategy, min_size=2,
                                                         max_size=6))
def test_pruned_search_returns_what_scoring_every_candidate_returns(
        database: Database, monkeypatch: pytest.MonkeyPatch, first_load: int, seed: int,
        queries: list[dict[str, object]]) -> None:
    monkeypatch.setattr(finder, "FIRST_LOAD", first_load)
    database.on_commit(finder.faculty_committed)
    finder.invalidate_all()
    rng = random.Random(seed)
    faculty, students = _roster(database, rng)
    for round_ in range(2):
        for options in queries:
            asker = rng.choice(students)
            exclude = set(rng.sample(faculty, rng.choice([0, 0, 1])))
            student = _student(database, asker)
            with database.session() as session:
                found = finder.search(session, student, NOW, exclude=exclude,
                                      default_tz="America/Chicago", **options)  # type: ignore[arg-type]
            expected = _full_search(database, student, exclude=exclude, **options)  # type: ignore[arg-type]
            _same(found, expected)
        if round_ == 0:  # change some profiles through their owner; the index follows
            with database.session() as session:
                for pid in rng.sample(faculty, min(3, len(faculty))):
                    person = session.get_one(Person, pid)
                    people.set_faculty_profile(person, {
                        "research": rng.sample(AREAS, rng.choice([0, 1, 2])),
                        "capacity": rng.choice([0, 2, 8]),
                        "accepting": rng.random() < 0.7,
                        "title": rng.choice(TITLES)}, now=NOW)
                    if rng.random() < 0.3:
                        profile = person.faculty_profile
                        assert profile is not None
                        people.carry_over_record(profile, reputation=rng.choice([0, 7, 90]),
                                                 answered=1, response_hours=3.0, unanswered=0)
                    people.record_answer(session, pid, 10.0)


def test_the_index_keeps_large_sets_as_bitsets_and_lists_members_in_order() -> None:
    bits = faculty_index.bits_of([3, 0, 70_000, 1024, 1023])
    assert list(faculty_index.members(bits)) == [0, 3, 1023, 1024, 70_000]
    postings = faculty_index.Postings(large=3)
    for position in (5, 9):
        postings.add("sepsis", position)
    assert postings.small == {"sepsis": {5, 9}} and postings.bits("sepsis") == (1 << 5) | (1 << 9)
    postings.add("sepsis", 1)
    assert postings.bitsets == {"sepsis": 0b1000100010} and not postings.small
    postings.discard("sepsis", 9)
    assert list(faculty_index.members(postings.bits("sepsis"))) == [1, 5]


def test_a_search_loads_what_its_results_need_not_the_roster(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """400 faculty of the student's specialty, most of them full or half full: a search for
    three loads a few dozen, and still ranks the reachable ones first."""
    finder.invalidate_all()
    with database.session() as session:
        ana = add_student(session, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        others = [add_student(session, f"Student {i}", email=f"o{i}@example.edu")
                  for i in range(3)]
        for i in range(400):
            doc = add_faculty(session, f"Dr. Faculty {i}", email=f"d{i}@example.edu",
                              specialty="Emergency Medicine", capacity=2,
                              stages=["ms2"] if i % 3 else [])
            if i % 5:  # full or half full: below what their profile allows
                for other in others[: 1 + i % 2]:
                    session.add(Mentorship(student_id=other.id, mentor_id=doc.id,
                                           kind="career"))
        student = finder.student_view(ana)
    loaded: list[int] = []
    load = finder.load_faculty

    def counting(session, ids=None, **options):  # type: ignore[no-untyped-def]
        found = load(session, ids, **options)
        loaded.extend(v.id for v in found)
        return found

    monkeypatch.setattr(finder, "load_faculty", counting)
    with database.session() as session:
        found = finder.search(session, student, NOW, limit=3)
    assert [r.fit.accessible for r in found.results] == [True, True, True]
    assert len(loaded) < 60
    monkeypatch.setattr(finder, "load_faculty", load)
    _same(found, _full_search(database, student, keywords=[], specialty=None, kind=None,
                              limit=3, exclude=set()))


def test_a_rebuild_does_not_hold_up_searches_on_other_threads(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild reads every profile (seconds at 200,000 faculty): the search that finds it
    due builds it and searches on the new index, while a search on another thread goes on
    with the index as it was, without waiting."""
    database.on_commit(finder.faculty_committed)
    finder.invalidate_all()
    with database.session() as session:
        ana = add_student(session, "Ana Diaz", stage="ms2", interests=["emergency medicine"])
        add_faculty(session, "Dr. Una Ortiz", email="una@example.edu",
                    specialty="Emergency Medicine")
        student = finder.student_view(ana)

    def names() -> list[str]:
        with database.session() as session:
            return [r.faculty.name for r in finder.search(session, student, NOW).results]

    assert names() == ["Dr. Una Ortiz"]
    started, release = threading.Event(), threading.Event()
    built = faculty_index.FacultyIndex.built

    def slow(cls: type, profiles: Iterable[faculty_index.Profile]) -> faculty_index.FacultyIndex:
        found = built(profiles)
        started.set()
        assert release.wait(10)
        return found

    monkeypatch.setattr(finder, "REBUILD_EVERY", 0.0)  # every search finds a rebuild due
    monkeypatch.setattr(faculty_index.FacultyIndex, "built", classmethod(slow))
    rebuilt: list[list[str]] = []
    builder = threading.Thread(target=lambda: rebuilt.append(names()))
    builder.start()
    try:
        assert started.wait(10)
        assert names() == ["Dr. Una Ortiz"]  # the index as it was, while the other builds
        assert builder.is_alive()
    finally:
        release.set()
        builder.join(10)
    assert rebuilt == [["Dr. Una Ortiz"]]

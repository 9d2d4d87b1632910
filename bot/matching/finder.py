"""`/mentor find` against the database: pick candidate faculty quickly, load what decides
accessibility fresh, and rank them with the pure fit rule (`bot.matching.fit`).

With tens of thousands of faculty, loading every profile per search is far too slow. An
in-process index maps specialties and research words to faculty ids; it only chooses whom
to look at. Everything a result shows or is ranked by (accepting, places, response record,
research as written) is read fresh from the database for those candidates. The index is
updated when this process commits a change to a faculty profile, checked against a cheap
fingerprint (row count and highest id) every few seconds, and rebuilt at least every few
minutes, so an edit made by another process (a CSV import) is seen within that time. What
this process changed it learns from the database's commit listener (`faculty_committed`,
added by the assembly), which reads the notes `bot.people.store` makes: no hook on every
session of the process."""

from __future__ import annotations

import heapq
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Text,
    and_,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from bot.infra.db import id_in
from bot.infra.models import FacultyProfile, IntroRequest, Mentorship, Person, StudentProfile
from bot.infra.zones import local_day
from bot.matching import fit as fit_rules
from bot.matching.fit import FacultyView, Fit, Query, StudentView
from bot.matching.rules import FIND_LIMIT, declined_since
from bot.people.store import FACULTY_CHANGED
from bot.vocab.matching import IntroState
from bot.vocab.specialties import (
    canonical_specialty,
    fold,
    lineage,
    match_keyword,
    suggest,
    within,
)

FINGERPRINT_EVERY = 5.0  # seconds between fingerprint checks
REBUILD_EVERY = 300.0  # seconds: full rebuild, whatever the fingerprint says
MAX_LOAD = 250  # faculty loaded fresh per search, best-aligned first
FALLBACK_LOAD = 300  # with nothing to align on: the accepting, best-regarded faculty

Research = tuple[tuple[str, ...], frozenset[str], dict[str, int]]
"""A research list as stored, parsed: its phrases, their terms, and each term's phrase."""

_research_of: dict[int, tuple[str, Research]] = {}
"""Per faculty member, their research as last read (the stored JSON text) and its parse:
one entry per person, replaced when their research changes. (A cache keyed by the text
itself kept every version ever read, up to 200,000 of them: each re-import that edited
research added a few thousand, about 2 KB each, and a long-running process only grew.)"""


def _parse_research(key: str) -> Research:
    phrases = tuple(json.loads(key))
    terms, phrase_of = fit_rules.research_index(phrases)
    return phrases, terms, phrase_of


def research_for(person_id: int, raw: str | list[str] | None) -> Research:
    """A faculty member's research list (as stored: JSON text, or already a list), its
    terms and their phrases; parsed once per version, since the same profiles are read
    again and again."""
    key = "[]" if raw is None else raw if isinstance(raw, str) else json.dumps(raw)
    held = _research_of.get(person_id)
    if held is not None and held[0] == key:
        return held[1]
    parsed = _parse_research(key)
    _research_of[person_id] = (key, parsed)
    return parsed


def terms_for(person_id: int, research: Iterable[str]) -> frozenset[str]:
    return research_for(person_id, list(research))[1]


CANONICAL_CACHE = 4096
"""Distinct specialties as stored whose canonical name is kept: a roster has a few hundred."""


@lru_cache(maxsize=CANONICAL_CACHE)
def canonical_for(specialty: str) -> str:
    return canonical_specialty(specialty) or fold(specialty)


# --- the in-process index -------------------------------------------------------------


class _Vocabulary(Collection[str]):
    """Every research and title word some faculty member has: the keys of two postings
    read as one collection, without copying them per search."""

    __slots__ = ("first", "second")

    def __init__(self, first: dict[str, set[int]], second: dict[str, set[int]]) -> None:
        self.first, self.second = first, second

    def __contains__(self, term: object) -> bool:
        return term in self.first or term in self.second

    def __iter__(self) -> Iterator[str]:
        yield from self.first
        yield from (t for t in self.second if t not in self.first)

    def __len__(self) -> int:
        return len(self.first) + sum(1 for t in self.second if t not in self.first)


@dataclass
class FacultyIndex:
    by_specialty: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_term: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_title: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    held: dict[int, frozenset[str]] = field(default_factory=dict)
    terms: dict[int, frozenset[str]] = field(default_factory=dict)
    titles: dict[int, frozenset[str]] = field(default_factory=dict)
    # A snapshot used only to choose among many equally aligned faculty.
    standing: dict[int, tuple[int, int]] = field(default_factory=dict)  # accepting, reputation
    fingerprint: tuple[int, int] = (0, 0)
    built_at: float = 0.0
    checked_at: float = 0.0
    dirty: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def vocabulary(self) -> Collection[str]:
        """Every research and title word and phrase some faculty member has."""
        return _Vocabulary(self.by_term, self.by_title)

    def _add(self, pid: int, specialty: str, title: str, research: list[str],
             accepting: bool, reputation: int) -> None:
        held = fit_rules.held_specialties(specialty, title)
        terms = terms_for(pid, research)
        words = fit_rules.title_terms(title)
        self.held[pid] = held
        self.terms[pid] = terms
        self.titles[pid] = words
        self.standing[pid] = (1 if accepting else 0, reputation)
        for name in held:
            self.by_specialty[name].add(pid)
        for term in terms:
            self.by_term[term].add(pid)
        for word in words:
            self.by_title[word].add(pid)

    def _remove(self, pid: int) -> None:
        for name in self.held.pop(pid, frozenset()):
            self.by_specialty[name].discard(pid)
        for postings, owned in ((self.by_term, self.terms.pop(pid, frozenset())),
                                (self.by_title, self.titles.pop(pid, frozenset()))):
            for term in owned:
                holders = postings.get(term)
                if holders is not None:
                    holders.discard(pid)
                    if not holders:
                        del postings[term]
        self.standing.pop(pid, None)

    def rebuild(self, session: Session) -> None:
        fresh = FacultyIndex()
        for pid, specialty, title, research, accepting, reputation in session.execute(
                select(*_INDEX_COLUMNS)):
            fresh._add(pid, specialty or "", title or "", research or [], bool(accepting),
                       reputation or 0)
        self.by_specialty, self.by_term, self.by_title = (fresh.by_specialty, fresh.by_term,
                                                          fresh.by_title)
        self.held, self.terms, self.titles = fresh.held, fresh.terms, fresh.titles
        self.standing = fresh.standing
        self.fingerprint = _fingerprint(session)
        self.built_at = self.checked_at = time.monotonic()
        self.dirty.clear()
        for gone in set(_research_of) - set(fresh.terms):  # no longer faculty, or deleted
            _research_of.pop(gone, None)

    def refresh(self, session: Session) -> None:
        """Bring the index up to date cheaply (see the module docstring)."""
        with self.lock:
            now = time.monotonic()
            if not self.built_at or now - self.built_at > REBUILD_EVERY:
                self.rebuild(session)
                return
            if now - self.checked_at > FINGERPRINT_EVERY:
                self.checked_at = now
                if _fingerprint(session) != self.fingerprint:
                    self.rebuild(session)
                    return
            if self.dirty:
                ids, self.dirty = list(self.dirty), set()
                for pid in ids:
                    self._remove(pid)
                rows = session.execute(select(*_INDEX_COLUMNS).where(
                    FacultyProfile.person_id.in_(ids)))
                for pid, specialty, title, research, accepting, reputation in rows:
                    self._add(pid, specialty or "", title or "", research or [],
                              bool(accepting), reputation or 0)
                self.fingerprint = _fingerprint(session)


_INDEX_COLUMNS = (FacultyProfile.person_id, FacultyProfile.specialty, FacultyProfile.title,
                  FacultyProfile.research, FacultyProfile.accepting, FacultyProfile.reputation)


def _fingerprint(session: Session) -> tuple[int, int]:
    count, highest = session.execute(
        select(func.count(), func.coalesce(func.max(FacultyProfile.person_id), 0))
    ).one()
    return int(count), int(highest)


_indexes: dict[str, FacultyIndex] = {}
_indexes_lock = threading.Lock()


def index_for(session: Session) -> FacultyIndex:
    key = str(session.get_bind().engine.url)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = FacultyIndex()
    index.refresh(session)
    return index


def faculty_committed(notes: Mapping[str, Any]) -> None:
    """A unit of work committed (`Database.on_commit`): the faculty profiles it wrote
    (`bot.people.store.FACULTY_CHANGED`) are read again by every index on its next
    search."""
    changed = notes.get(FACULTY_CHANGED)
    if changed:
        for index in list(_indexes.values()):
            index.dirty.update(changed)


def invalidate_all() -> None:
    """Forget every index (tests and tools that write faculty rows with bulk statements)."""
    with _indexes_lock:
        _indexes.clear()


# --- loading views ---------------------------------------------------------------------


def student_view(person: Person) -> StudentView:
    profile: StudentProfile | None = person.student_profile
    if profile is None:
        return StudentView(id=person.id)
    return StudentView.of(person.id, profile.stage, profile.interests or [],
                          profile.research or [])


_ACTIVE = (
    select(func.count())
    .where(Mentorship.mentor_id == FacultyProfile.person_id, Mentorship.active.is_(True))
    .correlate(FacultyProfile)
    .scalar_subquery()
)
_FACULTY_COLUMNS = (
    FacultyProfile.person_id, Person.name, FacultyProfile.specialty,
    cast(FacultyProfile.research, Text), FacultyProfile.capacity, FacultyProfile.accepting,
    cast(FacultyProfile.stages, Text), FacultyProfile.reputation,
    FacultyProfile.requests_answered, FacultyProfile.requests_unanswered,
    FacultyProfile.response_hours_total, FacultyProfile.title, _ACTIVE,
    FacultyProfile.away_until, Person.timezone,
)
LIST_CACHE = 4096
"""Distinct stored JSON lists (a faculty member's stages, a student's interests) kept
parsed: the common ones repeat across thousands of rows; the rest parse again cheaply."""


@lru_cache(maxsize=LIST_CACHE)
def json_list(raw: str | None) -> tuple[str, ...]:
    """A stored JSON list read as text, parsed once per distinct value (the most used)."""
    return tuple(json.loads(raw or "[]"))


def load_faculty(session: Session, ids: Iterable[int] | None = None, *,
                 where: Any = None, order_by: Any = None, limit: int | None = None,
                 now: datetime | None = None, default_tz: str = "UTC",
                 ) -> list[FacultyView]:
    """Fresh views of faculty (by ids, or by a filter), with their active mentee counts.
    Light columns only, JSON read as text and parsed once per distinct value. With `now`,
    each view says whether its faculty member is away on their own local day (`fit.away_on`;
    `default_tz` for those who have not set a zone); without it, nobody is."""
    query = select(*_FACULTY_COLUMNS).join(Person, Person.id == FacultyProfile.person_id)
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return []
        query = query.where(id_in(session, FacultyProfile.person_id, id_list))
    if where is not None:
        query = query.where(where)
    if order_by is not None:
        query = query.order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    views: list[FacultyView] = []
    for (pid, name, specialty, research, capacity, accepting, stages, reputation, answered,
         unanswered, hours, title, active, away_until, timezone) in session.execute(query):
        phrases, terms, phrase_of = research_for(pid, research)
        away = away_until if now is not None and away_until is not None and fit_rules.away_on(
            away_until, local_day(now, timezone, default_tz)) else None
        views.append(FacultyView(
            id=pid, name=name, specialty=specialty or "", research=phrases,
            capacity=capacity or 0, active=active or 0, accepting=bool(accepting),
            stages=json_list(stages), reputation=reputation or 0, answered=answered or 0,
            unanswered=unanswered or 0, response_hours_total=hours or 0.0, title=title or "",
            away_until=away, canonical=canonical_for(specialty or ""), terms=terms,
            phrase_of=phrase_of,
        ))
    return views


def active_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Mentorship.mentor_id, func.count())
        .where(Mentorship.active.is_(True), Mentorship.mentor_id.in_(ids))
        .group_by(Mentorship.mentor_id)
    )
    return {mid: int(n) for mid, n in rows}


@dataclass(frozen=True)
class Relations:
    """The student's standing with faculty: who mentors them, who declined them lately,
    whom they are waiting on."""

    mentors: dict[int, str]  # faculty id -> kind
    declined: set[int]
    open_requests: dict[int, datetime]  # faculty id -> asked at


def relations(session: Session, student_id: int, now: datetime) -> Relations:
    mentors = {mid: kind for mid, kind in session.execute(
        select(Mentorship.mentor_id, Mentorship.kind).where(
            Mentorship.student_id == student_id, Mentorship.active.is_(True)))}
    declined: set[int] = set()
    waiting: dict[int, datetime] = {}
    rows = session.execute(
        select(IntroRequest.faculty_id, IntroRequest.state, IntroRequest.created_at,
               IntroRequest.answered_at).where(
            IntroRequest.student_id == student_id,
            IntroRequest.state.in_((IntroState.OPEN, IntroState.DECLINED)),
        ))
    remembered_from = declined_since(now)
    for fid, state, created, answered in rows:
        if state == IntroState.OPEN:
            waiting[fid] = created
        elif answered is not None and answered >= remembered_from:
            declined.add(fid)
    return Relations(mentors=mentors, declined=declined, open_requests=waiting)


# --- searching -------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    faculty: FacultyView
    fit: Fit
    waiting_since: datetime | None = None  # an open request from this student


@dataclass(frozen=True)
class Search:
    results: list[Result]
    query: Query
    unknown: list[str]  # keywords that matched nothing at all
    without_faculty: list[str]  # keywords that named something no eligible faculty has
    fallback: bool  # the student gave nothing to align on
    relations: Relations


def resolve_query(index: FacultyIndex, keywords: Iterable[str], specialty: str | None,
                  kind: str | None) -> Query:
    matches = tuple(match_keyword(k, index.vocabulary) for k in keywords)
    return Query(keywords=matches, specialty=specialty, kind=kind)


def search(session: Session, student: StudentView, now: datetime, *,
           keywords: Iterable[str] = (), specialty: str | None = None,
           kind: str | None = None, limit: int = FIND_LIMIT,
           restrict_to: set[int] | None = None, exclude: Iterable[int] = (),
           default_tz: str = "UTC") -> Search:
    """The ranked shortlist for `student`. `restrict_to` limits it to some faculty (a
    group's, for a match round); `exclude` drops more (the one who just declined). Faculty
    who are away are never offered (`fit.offered`); `default_tz` is the zone their away
    day is read in when they have not set one."""
    index = index_for(session)
    rel = relations(session, student.id, now)
    left_out = set(rel.mentors) | rel.declined | set(exclude) | {student.id}
    with index.lock:  # another thread may be applying changes to the postings
        query = resolve_query(index, keywords, specialty, kind)
        candidates = _candidates(index, student, query)
        fallback = candidates is None
        if restrict_to is not None:
            candidates = set(restrict_to) if candidates is None else candidates & restrict_to
        chosen = None
        if candidates is not None:
            candidates -= left_out
            chosen = _best_aligned(index, student, query, candidates)
    if chosen is not None:
        views = load_faculty(session, chosen, now=now, default_tz=default_tz)
    else:
        views = load_faculty(
            session, where=and_(FacultyProfile.accepting.is_(True),
                                FacultyProfile.person_id.not_in(left_out or {0})),
            order_by=(FacultyProfile.reputation.desc(), FacultyProfile.person_id),
            limit=FALLBACK_LOAD, now=now, default_tz=default_tz)
    scored = [(fit_rules.fit(student, v, query, reasons=False), v) for v in views
              if v.id not in left_out and fit_rules.offered(v) and fit_rules.eligible(v, query)]
    scored.sort(key=lambda pair: (pair[0].key, -pair[1].id), reverse=True)
    results = [
        Result(faculty=v, fit=fit_rules.fit(student, v, query),
               waiting_since=rel.open_requests.get(v.id))
        for _, v in scored[:limit]
    ]
    unknown = [m.keyword for m in query.keywords if not m.matched]
    hit = {id(m) for _, v in scored for m in query.keywords if fit_rules.keyword_hit(m, v)}
    without = [m.keyword for m in query.keywords if m.matched and id(m) not in hit]
    return Search(results=results, query=query, unknown=unknown, without_faculty=without,
                  fallback=fallback and not query.keywords, relations=rel)


def close_terms(session: Session, word: str) -> list[str]:
    """Specialties and research words close to a keyword that matched nothing."""
    index = index_for(session)
    with index.lock:
        vocabulary = list(index.vocabulary)
    return suggest(word, vocabulary)


def _holders(index: FacultyIndex, names: Iterable[str]) -> set[int]:
    found: set[int] = set()
    for name in names:
        found |= index.by_specialty.get(name, set())
    return found


def _specialty_holders(index: FacultyIndex, specialty: str) -> tuple[set[int], set[int]]:
    """Faculty of a specialty (or a part of it), and faculty of the fields above it."""
    return _holders(index, within(specialty)), _holders(index, lineage(specialty)[1:])


def _candidates(index: FacultyIndex, student: StudentView, query: Query) -> set[int] | None:
    """Faculty worth scoring, from the index; None when there is nothing to align on."""
    ids: set[int] = set()
    if query.keywords:
        for match in query.keywords:
            if match.specialty is not None:
                ids |= _specialty_holders(index, match.specialty)[0]
            for term in match.terms:
                ids |= index.by_term.get(term, set())
                ids |= index.by_title.get(term, set())
    elif query.specialty is not None:
        same, above = _specialty_holders(index, query.specialty)
        ids = same | above
    else:
        ids = _holders(index, student.covered | student.above)
        for term in student.terms:
            ids |= index.by_term.get(term, set())
        if not ids:
            return None
    if query.specialty is not None:
        same, above = _specialty_holders(index, query.specialty)
        ids &= same | above
    return ids


def _best_aligned(index: FacultyIndex, student: StudentView, query: Query,
                  ids: set[int]) -> list[int]:
    """At most MAX_LOAD candidates, best estimated alignment first (whole alignment levels
    while they fit; inside a level too big to load, the accepting and best regarded
    first). The estimate counts postings with C-level Counter updates: a search may start
    from thousands of candidates. Faculty of an asked specialty itself come before those of
    the field around it, as in the ranking."""
    if len(ids) <= MAX_LOAD:
        return list(ids)
    points: Counter[int] = Counter()

    def add(holders: Iterable[int], weight: int) -> None:
        for _ in range(weight):
            points.update(holders)

    asked: set[int] = set()
    if query.specialty is not None:
        asked = _specialty_holders(index, query.specialty)[0]
    add(_holders(index, student.covered), fit_rules.INTEREST_SPECIALTY)
    add(_holders(index, student.above) - _holders(index, student.covered),
        fit_rules.INTEREST_PARENT)
    for match in query.keywords:
        hits: set[int] = set()
        if match.specialty:
            hits = set(_specialty_holders(index, match.specialty)[0])
        for term in match.terms:
            hits |= index.by_term.get(term, set()) | index.by_title.get(term, set())
        add(hits, fit_rules.KEYWORD_HIT)
    for term in student.terms:
        holders = index.by_term.get(term)
        if holders:
            add(holders, fit_rules.SHARED_RESEARCH)
    standing = index.standing
    return heapq.nlargest(MAX_LOAD, ids, key=lambda pid: (
        pid in asked, points[pid], standing.get(pid, (0, 0))))

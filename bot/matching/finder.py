"""`/mentor find` against the database: choose candidate faculty from an in-process index,
load what decides accessibility fresh, and rank them with the pure fit rule
(`bot.matching.fit`), loading only as many as the ranking needs.

The index (`bot.matching.faculty_index`) only chooses whom to look at, and in which order:
everything a result shows or is ranked by (accepting, places, response record, research as
written) is read fresh from the database for those loaded. Candidates come best bound first,
and loading stops once the results in hand beat the bound of every candidate not loaded,
so a search over 200,000 faculty loads a few dozen (bench/bench_find.py) and its results
are those of scoring every candidate (tests/test_find_pruning.py).

The index is updated when this process commits a change to a faculty profile, checked
against a cheap fingerprint (row count and highest id) every few seconds, and rebuilt at
least every few minutes, so an edit made by another process (a CSV import) is seen within
that time. What this process changed it learns from the database's commit listener
(`faculty_committed`, added by the assembly), which reads the notes `bot.people.store`
makes: no hook on every session of the process."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
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
from bot.matching.faculty_index import Bound, FacultyIndex, Profile, members
from bot.matching.fit import FacultyView, Fit, Query, StudentView
from bot.matching.rules import FIND_LIMIT, declined_since
from bot.people.store import FACULTY_CHANGED
from bot.vocab.matching import IntroState
from bot.vocab.specialties import canonical_specialty, fold, match_keyword, suggest

FINGERPRINT_EVERY = 5.0  # seconds between fingerprint checks
REBUILD_EVERY = 300.0  # seconds: full rebuild, whatever the fingerprint says
FALLBACK_LOAD = 300  # with nothing to align on: the accepting, best-regarded faculty
FIRST_LOAD = 16  # candidates loaded fresh at first; each further load takes twice as many

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


_PROFILE_COLUMNS = (
    FacultyProfile.person_id, FacultyProfile.specialty, FacultyProfile.title,
    cast(FacultyProfile.research, Text), cast(FacultyProfile.stages, Text),
    FacultyProfile.capacity, FacultyProfile.accepting, FacultyProfile.reputation,
    FacultyProfile.requests_answered, FacultyProfile.requests_unanswered,
    FacultyProfile.response_hours_total,
)


def _profiles(session: Session, where: Any = None) -> Iterator[Profile]:
    query = select(*_PROFILE_COLUMNS)
    if where is not None:
        query = query.where(where)
    for (pid, specialty, title, research, stages, capacity, accepting, reputation, answered,
         unanswered, hours) in session.execute(query):
        phrases, terms, _ = research_for(pid, research)
        yield Profile(pid, specialty or "", title or "", phrases, terms,
                      json_list(stages), capacity or 0, bool(accepting), reputation or 0,
                      answered or 0, unanswered or 0, hours or 0.0)


@dataclass
class _Held:
    """The process's index of one database, and when it was last brought up to date.

    A rebuild reads every profile (seconds at 200,000 faculty), so it runs outside `lock`:
    the search that finds it due builds the new index and searches on it, while searches
    on other threads go on with the index as it was (as current as it was a moment ago)
    until it is swapped in. Only a process's very first search waits for one."""

    index: FacultyIndex = field(default_factory=FacultyIndex)
    fingerprint: tuple[int, int] = (0, 0)
    built_at: float = 0.0
    checked_at: float = 0.0
    due: bool = False  # a rebuild is owed (a new reputation, another process's edits)
    dirty: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    building: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self, session: Session) -> None:
        with self.lock:
            self.dirty.clear()  # noted before now: the rebuild reads it
        fresh = FacultyIndex.built(_profiles(session))
        fingerprint = _fingerprint(session)
        with self.lock:
            self.index, self.fingerprint, self.due = fresh, fingerprint, False
            self.built_at = self.checked_at = time.monotonic()
        for gone in set(_research_of) - set(fresh.entries):  # no longer faculty
            _research_of.pop(gone, None)

    def refresh(self, session: Session) -> None:
        """Bring the index up to date cheaply (see the module docstring)."""
        with self.lock:
            if self.built_at and not self._due(session):
                return
        if not self.building.acquire(blocking=not self.built_at):
            return  # another thread is rebuilding: the index as it is meanwhile
        try:
            with self.lock:
                again = not self.built_at or self.due
            if again:  # not rebuilt by the thread this one waited for
                self.rebuild(session)
        finally:
            self.building.release()

    def _due(self, session: Session) -> bool:
        """Whether a rebuild is owed; if not, this process's own changes applied."""
        now = time.monotonic()
        if self.due or now - self.built_at > REBUILD_EVERY:
            self.due = True
        elif now - self.checked_at > FINGERPRINT_EVERY:
            self.checked_at = now
            self.due = _fingerprint(session) != self.fingerprint
        if self.due or not self.dirty:
            return self.due
        ids, self.dirty = list(self.dirty), set()
        found = {p.person_id: p for p in _profiles(
            session, FacultyProfile.person_id.in_(ids))}
        for pid in ids:
            profile = found.get(pid)
            if profile is None:
                self.index.remove(pid)
            elif not self.index.place(profile):
                self.due = True  # a new reputation: a new place in the order
                return True
        self.fingerprint = _fingerprint(session)
        return False


def _fingerprint(session: Session) -> tuple[int, int]:
    count, highest = session.execute(
        select(func.count(), func.coalesce(func.max(FacultyProfile.person_id), 0))
    ).one()
    return int(count), int(highest)


_indexes: dict[str, _Held] = {}
_indexes_lock = threading.Lock()


def _held_for(session: Session) -> _Held:
    key = str(session.get_bind().engine.url)
    with _indexes_lock:
        held = _indexes.get(key)
        if held is None:
            held = _indexes[key] = _Held()
    held.refresh(session)
    return held


def index_for(session: Session) -> FacultyIndex:
    return _held_for(session).index


def faculty_committed(notes: Mapping[str, Any]) -> None:
    """A unit of work committed (`Database.on_commit`): the faculty profiles it wrote
    (`bot.people.store.FACULTY_CHANGED`) are read again by every index on its next
    search."""
    changed = notes.get(FACULTY_CHANGED)
    if changed:
        for held in list(_indexes.values()):
            held.dirty.update(changed)


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
    """The ranked shortlist for `student`: the `limit` best candidates by `fit`, as if
    every one were scored. `restrict_to` limits it to some faculty (a group's, for a match
    round); `exclude` drops more (the one who just declined). Faculty who are away are
    never offered (`fit.offered`); `default_tz` is the zone their away day is read in when
    they have not set one."""
    held = _held_for(session)
    rel = relations(session, student.id, now)
    left_out = set(rel.mentors) | rel.declined | set(exclude) | {student.id}
    with held.lock:  # another thread may be applying changes to the postings
        index = held.index
        query = resolve_query(index, keywords, specialty, kind)
        candidates = index.candidates(student, query)
        if candidates is not None:
            candidates &= index.eligible(query) & ~index.positions(left_out)
            if restrict_to is not None:
                candidates &= index.positions(restrict_to)
            order = index.ranked(student, query, candidates)
            hits = [index.keyword_hits(m) & candidates for m in query.keywords]
            ids = index.ids
    if candidates is None:
        views = load_faculty(
            session, where=and_(FacultyProfile.accepting.is_(True),
                                FacultyProfile.person_id.not_in(left_out or {0}),
                                *((FacultyProfile.person_id.in_(restrict_to or {0}),)
                                  if restrict_to is not None else ())),
            order_by=(FacultyProfile.reputation.desc(), FacultyProfile.person_id),
            limit=FALLBACK_LOAD, now=now, default_tz=default_tz)
        scored = _scored(student, query, views, left_out)
        best = sorted(scored, key=_order, reverse=True)[:limit]
        hit = {id(m) for _, v in scored for m in query.keywords if fit_rules.keyword_hit(m, v)}
    else:
        best, seen = _best(session, student, query, order, left_out, limit, now, default_tz)
        hit = {id(m) for m, bits in zip(query.keywords, hits, strict=True)
               if _offered_among(session, ids, bits, seen, now, default_tz)}
    results = [Result(faculty=v, fit=fit_rules.fit(student, v, query),
                      waiting_since=rel.open_requests.get(v.id)) for _, v in best]
    unknown = [m.keyword for m in query.keywords if not m.matched]
    without = [m.keyword for m in query.keywords if m.matched and id(m) not in hit]
    return Search(results=results, query=query, unknown=unknown, without_faculty=without,
                  fallback=candidates is None and not query.keywords, relations=rel)


Scored = tuple[Fit, FacultyView]


def _order(pair: Scored) -> tuple[tuple[int, int, int, int, float], int]:
    """The ranking: `Fit.key`, then the lower id."""
    return pair[0].key, -pair[1].id


def _scored(student: StudentView, query: Query, views: Iterable[FacultyView],
            left_out: set[int]) -> list[Scored]:
    return [(fit_rules.fit(student, v, query, reasons=False), v) for v in views
            if v.id not in left_out and fit_rules.offered(v) and fit_rules.eligible(v, query)]


def _best(session: Session, student: StudentView, query: Query,
          order: Iterable[tuple[Bound, int]], left_out: set[int], limit: int,
          now: datetime, default_tz: str) -> tuple[list[Scored], dict[int, bool]]:
    """The `limit` best of the candidates in `order` (best bound first, each bound at least
    the candidate's real `_order`), loading them fresh a batch at a time until the results
    in hand are at least the bound of every candidate left; and, of those loaded, whether
    each is offered (not away)."""
    best: list[Scored] = []
    seen: dict[int, bool] = {}
    pending: list[int] = []
    batch = FIRST_LOAD

    def load() -> None:
        nonlocal batch, best
        views = load_faculty(session, pending, now=now, default_tz=default_tz)
        seen.update((v.id, fit_rules.offered(v)) for v in views)
        best = sorted([*best, *_scored(student, query, views, left_out)], key=_order,
                      reverse=True)[:limit]
        pending.clear()
        batch *= 2

    for bound, person in order:
        if len(best) >= limit and _order(best[-1]) >= (bound[:5], bound[5]):
            break  # no candidate left can rank above the last result
        pending.append(person)
        if len(pending) >= batch:
            load()
    if pending:
        load()
    return best, seen


def _offered_among(session: Session, ids: list[int], bits: int, seen: dict[int, bool],
                   now: datetime, default_tz: str) -> bool:
    """Whether some faculty member of `bits` (eligible candidates hitting a keyword) is
    offered: not away. Those the search loaded already (`seen`: offered or not) are not
    read again; the rest are read fresh, one at a time, for as few as it takes."""
    for position in members(bits):
        person = ids[position]
        known = seen.get(person)
        if known is None:
            views = load_faculty(session, [person], now=now, default_tz=default_tz)
            known = seen[person] = bool(views) and fit_rules.offered(views[0])
        if known:
            return True
    return False


def close_terms(session: Session, word: str) -> list[str]:
    """Specialties and research words close to a keyword that matched nothing."""
    held = _held_for(session)
    with held.lock:
        vocabulary = list(held.index.vocabulary)
    return suggest(word, vocabulary)

"""Fast roster search for autocomplete, limited to the people a command can target for the
member typing. Discord gives an autocomplete request 3 seconds and users type quickly, so
names are searched in memory (rapidfuzz over the words of names), not in the database; the
list is rebuilt in the background every few minutes.

Whom a member is offered (`Scope`, from `scope_of`): faculty are staff, listed with their
specialty as `/mentor find` lists them; students only where the member already deals with
them — the students who asked them for an intro (`/mentor accept`, `/mentor decline`), their
mentees, their mentors, and the members of groups they organize. A student's stage is never
shown, and no member can page through the student roster."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.registry import CommandSpec, Option
from bot.infra.db import Database
from bot.infra.models import (
    FacultyProfile,
    IntroRequest,
    Membership,
    Mentorship,
    Person,
    Role,
)
from bot.matching import specs as matching
from bot.matching.vocab import IntroState
from bot.people.resolve import find_by_identity, normalize_name

log = logging.getLogger(__name__)

RESULT_LIMIT = 25  # Discord shows at most 25 choices
CHOICE_LIMIT = 100  # characters in a choice's name and value
WORD_SCORE = 70  # how close a typed word must be to a name word (rapidfuzz ratio)
WORD_CANDIDATES = 20
PREFIX_SCORE = 90.0


SCOPE_SECONDS = 30.0
"""How long one member's scope (whom they deal with) is reused while they type."""


@dataclass(frozen=True)
class Scope:
    """Whom one member may be offered for one option: every faculty member when `faculty`
    (the staff directory), and the people in `people`."""

    faculty: bool = False
    people: frozenset[int] = frozenset()

    def allows(self, entry: Entry) -> bool:
        return entry.person_id in self.people or (self.faculty and "faculty" in entry.roles)


@dataclass(frozen=True)
class Entry:
    person_id: int
    name: str
    email: str
    roles: frozenset[str]
    detail: str  # a faculty member's specialty or title, shown after the name

    @cached_property
    def key(self) -> str:
        """The name as searched (computed once: an index sorts and splits it)."""
        return normalize_name(self.name)

    def label(self) -> str:
        text = f"{self.name} — {self.detail}" if self.detail else self.name
        return text if len(text) <= CHOICE_LIMIT else text[: CHOICE_LIMIT - 1] + "…"

    @property
    def value(self) -> str:
        """What the option carries: an exact reference the core resolves without guessing."""
        return f"person:{self.person_id}"


@dataclass
class _Slice:
    """One role's people, sorted by name, with an inverted index of name words: a typo is
    matched against the (much smaller) vocabulary of words, never against every name."""

    entries: list[Entry]
    emails: list[str]
    vocabulary: list[str]
    postings: dict[str, list[int]]  # word -> indexes into entries


def _slice(entries: list[Entry]) -> _Slice:
    ordered = sorted(entries, key=lambda e: e.key)
    postings: dict[str, list[int]] = {}
    for index, entry in enumerate(ordered):
        for word in dict.fromkeys(entry.key.split()):
            postings.setdefault(word, []).append(index)
    return _Slice(ordered, [e.email.lower() for e in ordered], list(postings), postings)


@dataclass
class RosterIndex:
    """People by role, for `search(text, role)`. `refresh()` reloads from the database."""

    db: Database | None = None
    max_age: float = 300.0
    _slices: dict[str | None, _Slice] = field(default_factory=dict)
    _by_id: dict[int, Entry] = field(default_factory=dict)
    _loaded_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _refreshing: bool = False

    def load(self, entries: Iterable[Entry]) -> None:
        everyone = list(entries)
        roles = {role for e in everyone for role in e.roles}
        slices: dict[str | None, _Slice] = {None: _slice(everyone)}
        for role in roles:
            slices[role] = _slice([e for e in everyone if role in e.roles])
        self._by_id = {e.person_id: e for e in everyone}
        self._slices = slices  # one assignment: readers see the old or the new index
        self._loaded_at = time.monotonic()

    def refresh(self) -> None:
        """Reload from the database: plain column queries, no ORM objects, so 20,000 people
        take a fraction of a second and the event loop barely notices."""
        if self.db is None:
            return
        with self.db.session() as session:
            roles: dict[int, set[str]] = {}
            for person_id, role in session.execute(select(Role.person_id, Role.role)):
                roles.setdefault(person_id, set()).add(role)
            details: dict[int, str] = {}  # faculty only: a student's stage is theirs
            for pid, specialty, title in session.execute(select(
                    FacultyProfile.person_id, FacultyProfile.specialty, FacultyProfile.title)):
                details[pid] = specialty or title or ""
            entries = [Entry(pid, name, email or "", frozenset(roles.get(pid, ())),
                             details.get(pid, ""))
                       for pid, name, email in session.execute(
                           select(Person.id, Person.name, Person.email))]
        self.load(entries)

    @property
    def stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self.max_age

    def claim_refresh(self) -> bool:
        """True for the one caller that should refresh a stale index now."""
        with self._lock:
            if self._refreshing or not self.stale:
                return False
            self._refreshing = True
            return True

    def refresh_claimed(self) -> None:
        """The background refresh: errors are logged, and the old index keeps serving."""
        try:
            self.refresh()
        except Exception:
            log.exception("could not refresh the roster index")
        finally:
            self._refreshing = False

    def search(self, text: str, role: str | None = None,
               limit: int = RESULT_LIMIT, *, scope: Scope | None = None) -> list[Entry]:
        """Names matching every typed word — as a prefix (still typing) or with a typo —
        best first; then emails starting with what was typed. With a `scope`, only the
        people it allows (`role` is then ignored)."""
        allowed: Scope | None = None
        part = self._slices.get(role)
        if scope is not None and not scope.faculty:
            # A handful of people (whoever asked this member for an intro): a slice of
            # their own, rather than filtering the whole roster's matches.
            by_id = self._by_id
            part = _slice([by_id[i] for i in scope.people if i in by_id])
        elif scope is not None:
            part = self._slices.get("faculty" if not scope.people else None)
            allowed = scope if scope.people else None
        if part is None:
            return []
        raw = text.strip().lower()
        if not raw:
            if allowed is None:
                return part.entries[:limit]
            return [e for e in part.entries if allowed.allows(e)][:limit]
        words = normalize_name(text).split()
        # Per entry: how many typed words it matches and their summed scores. Plain
        # int -> number dicts, so a broad prefix ("j") allocates no object per entry.
        matched: dict[int, int] = {}
        total: dict[int, float] = {}
        for word in words:
            best: dict[int, float] = {}
            for vocab_word, score in _word_matches(part, word).items():
                for index in part.postings[vocab_word]:
                    if score > best.get(index, 0.0):
                        best[index] = score
            for index, score in best.items():
                matched[index] = matched.get(index, 0) + 1
                total[index] = total.get(index, 0.0) + score
        if allowed is not None:
            matched = {i: n for i, n in matched.items() if allowed.allows(part.entries[i])}
        everything = len(words)
        complete = [i for i, n in matched.items() if n == everything]
        pool = complete or list(matched)
        found = heapq.nsmallest(limit, pool, key=lambda i: (-matched[i], -total[i], i))
        if len(found) < limit:
            found += [i for i, email in enumerate(part.emails) if email.startswith(raw)
                      and (allowed is None or allowed.allows(part.entries[i]))]
        chosen = list(dict.fromkeys(found))[:limit]
        return [part.entries[i] for i in chosen]


def _word_matches(part: _Slice, word: str) -> dict[str, float]:
    """Vocabulary words this typed word may mean: itself (100), words it starts (90: still
    typing), else close spellings (rapidfuzz's native scorer over the vocabulary)."""
    out = {v: 100.0 if v == word else PREFIX_SCORE
           for v in part.vocabulary if v.startswith(word)}
    if len(word) >= 3:
        for vocab_word, score, _ in process.extract(word, part.vocabulary, scorer=fuzz.ratio,
                                                    limit=WORD_CANDIDATES,
                                                    score_cutoff=WORD_SCORE):
            out.setdefault(vocab_word, score)
    return out


# --- whom a member may be offered ------------------------------------------------------------


REQUESTERS_ONLY = (matching.ACCEPT, matching.DECLINE)
"""Commands whose student is one who asked the member for an intro, and no one else."""


def scope_of_stranger(spec: CommandSpec | None, option: Option) -> Scope:
    """Someone the bot does not know yet deals with no student: faculty at most."""
    answers_requests = spec is not None and spec in REQUESTERS_ONLY
    return Scope(faculty=not answers_requests and option.role != "student")


def scope_of(session: Session, person_id: int | None, spec: CommandSpec | None,
             option: Option) -> Scope:
    """Whom the member `person_id` (None: not on the roster yet) may be offered for
    `option` of `spec`: see the module's docstring."""
    answers_requests = spec is not None and spec in REQUESTERS_ONLY
    if person_id is None:
        return scope_of_stranger(spec, option)
    asked_me = set(session.scalars(select(IntroRequest.student_id).where(
        IntroRequest.faculty_id == person_id, IntroRequest.state == IntroState.OPEN)))
    if answers_requests:
        return Scope(people=frozenset(asked_me))
    mentees = set(session.scalars(select(Mentorship.student_id).where(
        Mentorship.mentor_id == person_id, Mentorship.active.is_(True))))
    if option.role == "student":
        return Scope(people=frozenset(asked_me | mentees))
    if option.role == "faculty" or option.suggest == "faculty":
        return Scope(faculty=True)
    mentors = set(session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.student_id == person_id, Mentorship.active.is_(True))))
    organized = select(Role.group_id).where(Role.person_id == person_id,
                                            Role.role == "organizer")
    members = set(session.scalars(select(Membership.person_id).where(
        Membership.group_id.in_(organized))))
    return Scope(faculty=True, people=frozenset(asked_me | mentees | mentors | members))


@dataclass
class Scopes:
    """Members' scopes, each reused for `SCOPE_SECONDS` while they type (a few indexed
    queries each, run off the event loop)."""

    db: Database
    platform: str
    workspace: str
    ttl: float = SCOPE_SECONDS
    _cache: dict[tuple[str, str, str], tuple[float, Scope]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, external_id: str, spec: CommandSpec | None,
               option: Option) -> Scope | None:
        """The member's scope when it is known and fresh (no database work: call it on
        the event loop); a member with no account id is offered faculty at most."""
        if not external_id:
            return scope_of_stranger(spec, option)
        with self._lock:
            hit = self._cache.get(self._key(external_id, spec, option))
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    @staticmethod
    def _key(external_id: str, spec: CommandSpec | None, option: Option) -> tuple[str, str, str]:
        return (external_id, spec.name if spec is not None else "", option.name)

    def get(self, external_id: str, spec: CommandSpec | None, option: Option) -> Scope:
        """The member's scope, read from the database when not cached (in a thread)."""
        hit = self.cached(external_id, spec, option)
        if hit is not None:
            return hit
        key = self._key(external_id, spec, option)
        now = time.monotonic()
        with self.db.session() as session:
            person = find_by_identity(session, self.platform, self.workspace, external_id)
            scope = scope_of(session, person.id if person is not None else None, spec,
                             option)
        with self._lock:
            if len(self._cache) > 10_000:  # members come and go: never grow without bound
                self._cache.clear()
            self._cache[key] = (now + self.ttl, scope)
        return scope

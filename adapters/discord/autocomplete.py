"""Fast roster search for autocomplete. Discord gives an autocomplete request 3 seconds and
users type quickly, so names are searched in memory (rapidfuzz over the words of names), not in
the database; the list is rebuilt in the background every few minutes."""

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

from bot.infra.db import Database
from bot.infra.models import FacultyProfile, Person, Role, StudentProfile
from bot.people.resolve import normalize_name

log = logging.getLogger(__name__)

RESULT_LIMIT = 25  # Discord shows at most 25 choices
CHOICE_LIMIT = 100  # characters in a choice's name and value
WORD_SCORE = 70  # how close a typed word must be to a name word (rapidfuzz ratio)
WORD_CANDIDATES = 20
PREFIX_SCORE = 90.0


@dataclass(frozen=True)
class Entry:
    person_id: int
    name: str
    email: str
    roles: frozenset[str]
    detail: str  # specialty / stage, shown after the name

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
    _loaded_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _refreshing: bool = False

    def load(self, entries: Iterable[Entry]) -> None:
        everyone = list(entries)
        roles = {role for e in everyone for role in e.roles}
        slices: dict[str | None, _Slice] = {None: _slice(everyone)}
        for role in roles:
            slices[role] = _slice([e for e in everyone if role in e.roles])
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
            details: dict[int, str] = {
                pid: stage for pid, stage in session.execute(
                    select(StudentProfile.person_id, StudentProfile.stage)) if stage}
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
               limit: int = RESULT_LIMIT) -> list[Entry]:
        """Names matching every typed word — as a prefix (still typing) or with a typo —
        best first; then emails starting with what was typed."""
        part = self._slices.get(role)
        if part is None:
            return []
        raw = text.strip().lower()
        if not raw:
            return part.entries[:limit]
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
        everything = len(words)
        complete = [i for i, n in matched.items() if n == everything]
        pool = complete or list(matched)
        found = heapq.nsmallest(limit, pool, key=lambda i: (-matched[i], -total[i], i))
        if len(found) < limit:
            found += [i for i, email in enumerate(part.emails) if email.startswith(raw)]
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

"""Fast roster search for autocomplete, limited to the people an option may offer the
member typing. Discord gives an autocomplete request 3 seconds and users type quickly, so
names are searched in memory (rapidfuzz over the words of names), not in the database; the
list (`CorePort.directory`) is reloaded in the background every few minutes.

Whom a member may be offered (a `Scope`) is a privacy rule, so it is the core's
(`bot.people.directory`, asked through `CorePort.suggestion_scope`): this module only
searches within it, and keeps a member's scope for a few seconds while they type."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from bot.framework.ports import CorePort, Listed, PlatformUser, Scope
from bot.framework.registry import Option
from bot.people.resolve import normalize_name

log = logging.getLogger(__name__)

RESULT_LIMIT = 25  # Discord shows at most 25 choices
CHOICE_LIMIT = 100  # characters in a choice's name and value
WORD_SCORE = 70  # how close a typed word must be to a name word (rapidfuzz ratio)
WORD_CANDIDATES = 20
PREFIX_SCORE = 90.0


SCOPE_SECONDS = 30.0
"""How long one member's scope (whom they deal with) is reused while they type."""


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

    @classmethod
    def of(cls, listed: Listed) -> Entry:
        return cls(listed.person_id, listed.name, listed.email, listed.roles, listed.detail)

    def allowed_by(self, scope: Scope) -> bool:
        return scope.allows(self.person_id, self.roles)

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
    """People by role, for `search(text, role)`. `refresh()` reloads the core's directory
    (`source`)."""

    source: Callable[[], list[Listed]] | None = None
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
        """Reload the directory (off the event loop: 20,000 people take a fraction of a
        second)."""
        if self.source is None:
            return
        self.load(Entry.of(listed) for listed in self.source())

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
            return [e for e in part.entries if e.allowed_by(allowed)][:limit]
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
            matched = {i: n for i, n in matched.items() if part.entries[i].allowed_by(allowed)}
        everything = len(words)
        complete = [i for i, n in matched.items() if n == everything]
        pool = complete or list(matched)
        found = heapq.nsmallest(limit, pool, key=lambda i: (-matched[i], -total[i], i))
        if len(found) < limit:
            found += [i for i, email in enumerate(part.emails) if email.startswith(raw)
                      and (allowed is None or part.entries[i].allowed_by(allowed))]
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


@dataclass
class Scopes:
    """Members' scopes (the core's rule), each reused for `SCOPE_SECONDS` while they type
    (asked off the event loop)."""

    core: CorePort
    platform: str
    workspace: str
    ttl: float = SCOPE_SECONDS
    _cache: dict[tuple[str, Option], tuple[float, Scope]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, external_id: str, option: Option) -> Scope | None:
        """The member's scope when it is known and fresh (no waiting: call it on the event
        loop)."""
        with self._lock:
            hit = self._cache.get((external_id, option))
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def get(self, external_id: str, option: Option) -> Scope:
        """The member's scope, asked of the core when not cached (in a thread)."""
        hit = self.cached(external_id, option)
        if hit is not None:
            return hit
        now = time.monotonic()
        scope = self.core.suggestion_scope(
            PlatformUser(self.platform, external_id, workspace=self.workspace), option)
        with self._lock:
            if len(self._cache) > 10_000:  # members come and go: never grow without bound
                self._cache.clear()
            self._cache[(external_id, option)] = (now + self.ttl, scope)
        return scope

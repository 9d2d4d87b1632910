"""Fast roster search for autocomplete. Discord gives an autocomplete request 3 seconds and
users type quickly, so names are searched in memory (rapidfuzz over a prepared list), not in
the database; the list is rebuilt in the background every few minutes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.db import Database
from bot.models import Person
from bot.people import normalize_name

RESULT_LIMIT = 25  # Discord shows at most 25 choices
CHOICE_LIMIT = 100  # characters in a choice's name and value
MIN_SCORE = 55


@dataclass(frozen=True)
class Entry:
    person_id: int
    name: str
    email: str
    roles: frozenset[str]
    detail: str  # specialty / stage, shown after the name

    @property
    def key(self) -> str:
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
    entries: list[Entry]
    keys: list[str]  # normalized names, for prefix and fuzzy matching
    emails: list[str]
    alphabetical: list[Entry]


def _slice(entries: list[Entry]) -> _Slice:
    ordered = sorted(entries, key=lambda e: e.key)
    return _Slice(ordered, [e.key for e in ordered], [e.email.lower() for e in ordered],
                  ordered[:RESULT_LIMIT])


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
        if self.db is None:
            return
        with self.db.session() as session:
            people = session.scalars(select(Person).options(
                selectinload(Person.roles), selectinload(Person.faculty_profile),
                selectinload(Person.student_profile))).all()
            entries = [_entry(p) for p in people]
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
        try:
            self.refresh()
        finally:
            self._refreshing = False

    def search(self, text: str, role: str | None = None,
               limit: int = RESULT_LIMIT) -> list[Entry]:
        part = self._slices.get(role)
        if part is None:
            return []
        raw = text.strip().lower()
        wanted = normalize_name(text)
        if not raw:
            return part.alphabetical[:limit]
        # What someone typing expects first: names with a word starting with what they
        # typed (or an email starting with it), in alphabetical order.
        found: list[int] = []
        if wanted:
            spaced = f" {wanted}"
            found = [i for i, key in enumerate(part.keys)
                     if key.startswith(wanted) or spaced in key]
        if len(found) < limit:
            found += [i for i, email in enumerate(part.emails) if email.startswith(raw)]
        seen = dict.fromkeys(found[: limit * 2])
        if len(seen) < limit and len(wanted) >= 3:
            # Then typos: a native scorer over the whole list (no Python per-entry calls).
            for _, _, index in process.extract(wanted, part.keys, scorer=fuzz.WRatio,
                                               limit=limit, score_cutoff=MIN_SCORE):
                seen.setdefault(index)
        return [part.entries[i] for i in list(seen)[:limit]]


def _entry(person: Person) -> Entry:
    roles = frozenset(r.role for r in person.roles)
    detail = ""
    if person.faculty_profile is not None:
        detail = person.faculty_profile.specialty or person.faculty_profile.title
    elif person.student_profile is not None and person.student_profile.stage:
        detail = person.student_profile.stage
    return Entry(person.id, person.name, person.email or "", roles, detail)

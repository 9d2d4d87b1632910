"""The in-process index `/mentor find` chooses whom to look at with, built so that a search
costs what its results cost, not what the roster costs (bench/bench_find.py: 200,000
faculty).

Faculty take a position each, in the order the ranking breaks its last ties in (reputation,
best first, then the lower id), and every set of faculty the ranking asks about is a
bitset over those positions: the holders of a specialty, of a research word (and of each
whole term of their first, second… research area, for the shared-areas count), of a
title word; who works with each stage; who teaches clinically, advises on careers, does
research only; and how reachable their profile lets them be (`fit.access_level` with no
mentees: current mentees only lower it). A bitset is a Python int: the union of two sets of
100,000 faculty costs microseconds where sets of ids took milliseconds. A set with few
members is kept as positions and made a bitset when a search asks for it, so a roster with
thousands of rare research words does not hold thousands of 25 KB bitsets.

`ranked` splits a search's candidates (as `bot.matching.finder` always chose them: aligned
with the student's specialties or research, or hitting a keyword; narrowed by
`specialty:`) into classes of equal asked specialty, alignment, reachability bound and
stage fit (`fit.Fit.key` without its last level), highest first, and yields each class's
members in position order: the ranking's own order among equals. Every member's real key
is at most its bound, so the finder loads them fresh in this order, a few at a time, and
stops once it holds enough faculty whose real keys are at least the bound of everyone not
yet loaded: exactly the results of scoring every candidate (tests/test_find_pruning.py).

Everything here is read from the profiles as the index holds them: the index follows this
process's writes at once (the profile's owner notes them) and other processes' within
`REBUILD_EVERY` (bot.matching.finder)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from bot.matching import fit as fit_rules
from bot.matching.fit import FacultyView, Query, StudentView
from bot.vocab.mentoring import MentorKind
from bot.vocab.specialties import lineage, whole_terms, within

WINDOW = 1024
"""Bits taken at a time when listing a bitset's members in order."""

LARGE_SHARE = 512
"""A set of at least one in this many faculty is kept as a bitset: from about there a
bitset (a bit per faculty member) takes less memory than a set of positions (some 60
bytes a member), and a search need not turn it into one: turning a set of thousands into
a bitset on every search cost most of a search's time at 200,000 faculty."""


def bits_of(positions: Iterable[int]) -> int:
    """The bitset of some positions."""
    listed = list(positions)
    if not listed:
        return 0
    buffer = bytearray(max(listed) // 8 + 1)
    for position in listed:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


_EMPTY_WINDOW = bytes(WINDOW // 8)


def members(bits: int) -> Iterator[int]:
    """The positions of a bitset, lowest first, found a window at a time. The bitset is
    read as bytes once and its windows are slices of them, empty ones skipped by a compare:
    shifting the int along instead copied what was left of it at every window, a cost in
    the roster's size squared for a sparse set over 200,000 faculty."""
    if bits <= 0:
        if bits < 0:
            raise ValueError("a bitset has no sign")
        return
    raw = memoryview(bits.to_bytes((bits.bit_length() + 7) // 8, "little"))
    step = WINDOW // 8
    for start in range(0, len(raw), step):
        window = raw[start:start + step]
        if window == _EMPTY_WINDOW[:len(window)]:
            continue
        low = int.from_bytes(window, "little")
        base = start * 8
        while low:
            lowest = low & -low
            yield base + lowest.bit_length() - 1
            low ^= lowest


class Postings:
    """Faculty sets by key: large ones as bitsets, small ones as positions (see the module
    docstring); `large` is the size from which a set is kept as a bitset."""

    __slots__ = ("bitsets", "small", "large")

    def __init__(self, large: int) -> None:
        self.bitsets: dict[str, int] = {}
        self.small: dict[str, set[int]] = {}
        self.large = large

    def __contains__(self, key: object) -> bool:
        return key in self.bitsets or key in self.small

    def __iter__(self) -> Iterator[str]:
        yield from self.bitsets
        yield from self.small

    def __len__(self) -> int:
        return len(self.bitsets) + len(self.small)

    def bits(self, key: str) -> int:
        found = self.bitsets.get(key)
        if found is not None:
            return found
        held = self.small.get(key)
        return bits_of(held) if held else 0

    def union(self, keys: Iterable[str]) -> int:
        out = 0
        for key in keys:
            out |= self.bits(key)
        return out

    def add(self, key: str, position: int) -> None:
        if key in self.bitsets:
            self.bitsets[key] |= 1 << position
            return
        held = self.small.setdefault(key, set())
        held.add(position)
        if len(held) >= self.large:
            self.bitsets[key] = bits_of(held)
            del self.small[key]

    def discard(self, key: str, position: int) -> None:
        if key in self.bitsets:
            bits = self.bitsets[key] & ~(1 << position)
            if bits:
                self.bitsets[key] = bits
            else:
                del self.bitsets[key]
            return
        held = self.small.get(key)
        if held is not None:
            held.discard(position)
            if not held:
                del self.small[key]

    @classmethod
    def built(cls, sets: Mapping[str, list[int]], large: int) -> Postings:
        postings = cls(large)
        for key, positions in sets.items():
            if len(positions) >= large:
                postings.bitsets[key] = bits_of(positions)
            else:
                postings.small[key] = set(positions)
        return postings


class _Vocabulary(Collection[str]):
    """Every research and title word some faculty member has: the keys of two postings
    read as one collection, without copying them per search."""

    __slots__ = ("first", "second")

    def __init__(self, first: Postings, second: Postings) -> None:
        self.first, self.second = first, second

    def __contains__(self, term: object) -> bool:
        return term in self.first or term in self.second

    def __iter__(self) -> Iterator[str]:
        yield from self.first
        yield from (t for t in self.second if t not in self.first)

    def __len__(self) -> int:
        return len(self.first) + sum(1 for t in self.second if t not in self.first)


@lru_cache(maxsize=10_000)
def _title_levels(title: str) -> tuple[int, int, bool]:
    """What a title alone gives: the clinical kind's points before the stage bonus, the
    career kind's points, and whether it says research only (from `fit.kind_fit`)."""
    view = FacultyView(id=0, name="", specialty="", title=title)
    nobody = StudentView(id=0)
    return (fit_rules.kind_fit(nobody, view, MentorKind.CLINICAL),
            fit_rules.kind_fit(nobody, view, MentorKind.CAREER),
            fit_rules.research_only(title))


@dataclass(frozen=True, slots=True)
class Profile:
    """The columns of a faculty profile the index reads."""

    person_id: int
    specialty: str
    title: str
    research: tuple[str, ...]
    terms: frozenset[str]  # `fit.research_index` of the research
    stages: tuple[str, ...]
    capacity: int
    accepting: bool
    reputation: int
    answered: int
    unanswered: int
    response_hours_total: float

    @property
    def rank(self) -> tuple[float, int]:
        """Where the ranking puts them among otherwise equal faculty (lower first)."""
        return (-fit_rules.reputation_weight(self.reputation), self.person_id)

    def access_bound(self) -> int:
        return fit_rules.access_level(FacultyView(
            id=self.person_id, name="", specialty="", capacity=self.capacity, active=0,
            accepting=self.accepting, answered=self.answered, unanswered=self.unanswered,
            response_hours_total=self.response_hours_total))


@dataclass
class _Entry:
    """Where one faculty member is in the index, to take them out again."""

    position: int
    keys: list[tuple[str, str]]  # (which postings, key)
    rank: tuple[float, int]


ACCESS_LEVELS = range(fit_rules.ACCESS_LEVELS - 1, -1, -1)
STAGE_LEVELS = range(fit_rules.STAGE_LEVELS - 1, -1, -1)


@dataclass
class FacultyIndex:
    specialties: Postings = field(default_factory=lambda: Postings(1))
    terms: Postings = field(default_factory=lambda: Postings(1))
    titles: Postings = field(default_factory=lambda: Postings(1))
    phrases: Postings = field(default_factory=lambda: Postings(1))  # "area\x00term"
    traits: Postings = field(default_factory=lambda: Postings(1))  # stages, kinds, access
    entries: dict[int, _Entry] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)  # position -> person id (0: a hole)
    reputations: list[float] = field(default_factory=list)  # position -> reputation weight
    last_rank: tuple[float, int] = (0.0, 0)
    areas: int = 0  # the most research areas anyone has

    @property
    def vocabulary(self) -> Collection[str]:
        """Every research and title word and phrase some faculty member has."""
        return _Vocabulary(self.terms, self.titles)

    @classmethod
    def built(cls, profiles: Iterable[Profile]) -> FacultyIndex:
        ordered = sorted(profiles, key=lambda p: p.rank)
        large = max(len(ordered) // LARGE_SHARE, 8)
        sets: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        index = cls()
        for position, profile in enumerate(ordered):
            keys = _keys(profile)
            for postings, key in keys:
                sets[postings][key].append(position)
            index.entries[profile.person_id] = _Entry(position, keys, profile.rank)
            index.ids.append(profile.person_id)
            index.reputations.append(fit_rules.reputation_weight(profile.reputation))
            index.areas = max(index.areas, len(profile.research))
        for name in ("specialties", "terms", "titles", "phrases", "traits"):
            setattr(index, name, Postings.built(sets.get(name, {}), large))
        index.last_rank = ordered[-1].rank if ordered else (0.0, 0)
        return index

    def remove(self, person_id: int) -> None:
        entry = self.entries.pop(person_id, None)
        if entry is None:
            return
        for postings, key in entry.keys:
            getattr(self, postings).discard(key, entry.position)
        self.ids = [*self.ids]  # a search may be listing the one it had
        self.ids[entry.position] = 0

    def place(self, profile: Profile) -> bool:
        """Put a profile back where its rank says, or at the end when it ranks after
        everyone; False when it would need another place (the index must be rebuilt)."""
        entry = self.entries.get(profile.person_id)
        if entry is not None:
            if entry.rank != profile.rank:
                return False
            position = entry.position
            self.remove(profile.person_id)
        elif profile.rank > self.last_rank:
            position = len(self.ids)
            self.ids = [*self.ids, 0]  # a search may be listing the one it had
            self.reputations = [*self.reputations,
                                fit_rules.reputation_weight(profile.reputation)]
            self.last_rank = profile.rank
        else:
            return False
        keys = _keys(profile)
        self.areas = max(self.areas, len(profile.research))
        for postings, key in keys:
            getattr(self, postings).add(key, position)
        self.entries[profile.person_id] = _Entry(position, keys, profile.rank)
        self.ids = [*self.ids]
        self.ids[position] = profile.person_id
        return True

    def positions(self, person_ids: Iterable[int]) -> int:
        return bits_of(self.entries[p].position for p in person_ids if p in self.entries)

    def holders(self, names: Iterable[str]) -> int:
        return self.specialties.union(names)

    def trait(self, name: str) -> int:
        return self.traits.bits(name)

    # --- searching ---------------------------------------------------------------------

    def candidates(self, student: StudentView, query: Query) -> int | None:
        """Faculty worth scoring, None when there is nothing to align on (the finder then
        offers the best regarded): those hitting a keyword; else those of the asked
        specialty or a field above it; else those sharing a specialty or research word with
        the student. `specialty:` narrows all of them to its own and the fields above."""
        if query.keywords:
            bits = 0
            for match in query.keywords:
                bits |= self.keyword_hits(match)
        elif query.specialty is not None:
            bits = self.holders(within(query.specialty)) | \
                self.holders(lineage(query.specialty)[1:])
        else:
            bits = self.holders(student.covered | student.above) | \
                self.terms.union(student.terms)
            if not bits:
                return None
        if query.specialty is not None:
            bits &= self.holders(within(query.specialty)) | \
                self.holders(lineage(query.specialty)[1:])
        return bits

    def keyword_hits(self, match: fit_rules.KeywordMatch) -> int:
        """Faculty a keyword hits (`fit.keyword_hit`)."""
        bits = self.holders(within(match.specialty)) if match.specialty else 0
        return bits | self.terms.union(match.terms) | self.titles.union(match.terms)

    def eligible(self, query: Query) -> int:
        """The faculty `fit.eligible` lets the query's kind offer, as a mask (-1: all; the
        specialty and keywords are the candidates' own)."""
        if query.kind in fit_rules.KINDS_NEED_RESEARCH:
            return self.trait("research")
        if query.kind == MentorKind.CLINICAL:
            return ~self.trait("research-only")
        return -1

    def ranked(self, student: StudentView, query: Query, candidates: int
               ) -> Iterator[tuple[Bound, int]]:
        """The candidates as (bound of their `Fit.key` and -id, person id), best bound
        first (see the module docstring). The classes are worked out now, from the index as
        it is now (an update replaces the sets and lists it changes rather than changing
        them); each is split by reachability and stage only when the walk reaches it, since
        most searches stop within the first few."""
        classes: dict[tuple[int, int], int] = {}
        for asked, bits in self._asked(query, candidates):
            for alignment, in_class in self._alignment(student, query, bits).items():
                if in_class:
                    classes[(asked, alignment)] = classes.get((asked, alignment), 0) | in_class
        reach = [(access, self.trait(f"access {access}")) for access in ACCESS_LEVELS]
        stage_sets = self._stages(student)
        ordered = [(key, classes[key]) for key in sorted(classes, reverse=True)]
        return _walk(_split(ordered, reach, stage_sets), self.ids, self.reputations)

    def _asked(self, query: Query, bits: int) -> list[tuple[int, int]]:
        if query.specialty is None:
            return [(int(fit_rules.SpecialtyFit.NONE), bits)]
        same = self.holders(within(query.specialty))
        return [(int(fit_rules.SpecialtyFit.SAME), bits & same),
                (int(fit_rules.SpecialtyFit.PARENT), bits & ~same)]

    def _alignment(self, student: StudentView, query: Query, bits: int) -> dict[int, int]:
        """`bits` split by alignment (`fit.fit`'s: the student's specialties, shared research
        areas, keywords, the mentor kind)."""
        classes = {0: bits}

        def add(points: int, which: int) -> None:
            if not points or not which:
                return
            split: dict[int, int] = {}
            for level, members_ in classes.items():
                inside = members_ & which
                if inside:
                    split[level + points] = split.get(level + points, 0) | inside
                outside = members_ & ~which
                if outside:
                    split[level] = split.get(level, 0) | outside
            classes.clear()
            classes.update(split)

        own = self.holders(student.covered)
        add(fit_rules.INTEREST_SPECIALTY, own)
        add(fit_rules.INTEREST_PARENT, self.holders(student.above) & ~own)
        weight = fit_rules.RESEARCH_WEIGHT.get(query.kind, fit_rules.RESEARCH_WEIGHT[None])
        if weight and student.terms:
            for sharing in self._shared_areas(student.whole):
                add(fit_rules.SHARED_RESEARCH * weight, sharing)
        for match in query.keywords:
            add(fit_rules.KEYWORD_HIT, self.keyword_hits(match))
        for points, which in self._kind(student, query.kind):
            add(points, which)
        return classes

    def _shared_areas(self, terms: Collection[str]) -> list[int]:
        """Faculty sharing research with the student in at least 1, 2, … `MAX_SHARED` of
        their research areas as `fit` counts them (`fit.shared_phrases`: each area holding
        one of the student's whole terms)."""
        by_area: dict[int, int] = defaultdict(int)
        for term in terms:
            for area in range(self.areas):
                by_area[area] |= self.phrases.bits(f"{area}\x00{term}")
        at_least = [0] * fit_rules.MAX_SHARED
        for bits in by_area.values():
            for count in range(fit_rules.MAX_SHARED - 1, 0, -1):
                at_least[count] |= at_least[count - 1] & bits
            at_least[0] |= bits
        return at_least

    def _kind(self, student: StudentView, kind: str | None) -> list[tuple[int, int]]:
        """(points, faculty) of the mentor kind's fit (`fit.kind_fit`)."""
        if kind == MentorKind.CLINICAL:
            out = [(points, self.trait(f"clinical {points}"))
                   for points in (fit_rules.CLINICAL_TEACHER, fit_rules.NEAR_PEER)]
            if student.stage is not None:
                clinical = self.trait(f"clinical {fit_rules.CLINICAL_TEACHER}") | \
                    self.trait(f"clinical {fit_rules.NEAR_PEER}")
                out.append((fit_rules.CLINICAL_STAGE,
                            clinical & self.trait(f"stage {student.stage}")))
            return out
        if kind == MentorKind.CAREER:
            return [(points, self.trait(f"career {points}"))
                    for points in (fit_rules.CAREER_ADVISER, fit_rules.FACULTY_RANK)]
        return []

    def _stages(self, student: StudentView) -> dict[int, int]:
        """Faculty by `fit`'s stage level for this student: 2 who work with their stage,
        1 who name no stage (everyone, when the student has none), 0 the rest."""
        if student.stage is None:
            return {2: 0, 1: -1, 0: 0}
        theirs = self.trait(f"stage {student.stage}")
        open_ = self.trait("stages none")
        return {2: theirs, 1: open_ & ~theirs, 0: ~(theirs | open_)}


Bound = tuple[int, int, int, int, float, int]
"""A candidate's bound: (asked, alignment, access, stage, reputation) as in `Fit.key`, then
-id."""


def _split(ordered: list[tuple[tuple[int, int], int]], reach: list[tuple[int, int]],
           stage_sets: dict[int, int]) -> Iterator[tuple[tuple[int, int, int, int], int]]:
    """Each (asked, alignment) class, best first, split by reachability bound and stage
    level, best first: the classes of equal `Fit.key` but reputation."""
    for (asked, alignment), bits in ordered:
        for access, reachable_at in reach:
            reachable = bits & reachable_at
            if not reachable:
                continue
            for stage in STAGE_LEVELS:
                share = reachable & stage_sets[stage]
                if share:
                    yield (asked, alignment, access, stage), share
            bits &= ~reachable
            if not bits:
                break


def _walk(ordered: Iterable[tuple[tuple[int, int, int, int], int]], ids: list[int],
          reputations: list[float]) -> Iterator[tuple[Bound, int]]:
    for (asked, alignment, access, stage), bits in ordered:
        for position in members(bits):
            person = ids[position]
            if person:
                yield ((asked, alignment, access, stage, reputations[position], -person),
                       person)


def _keys(profile: Profile) -> list[tuple[str, str]]:
    """Every posting a profile is in, as (which postings, key)."""
    keys: list[tuple[str, str]] = []
    for name in fit_rules.held_specialties(profile.specialty, profile.title):
        keys.append(("specialties", name))
    for term in profile.terms:
        keys.append(("terms", term))
    for area, phrase in enumerate(profile.research):  # as `fit.shared_phrases` counts
        for term in whole_terms(phrase):
            keys.append(("phrases", f"{area}\x00{term}"))
    for word in fit_rules.title_terms(profile.title):
        keys.append(("titles", word))
    clinical, career, research_only = _title_levels(profile.title)
    traits = [f"access {profile.access_bound()}"]
    traits += [f"stage {stage}" for stage in profile.stages] or ["stages none"]
    traits += [f"clinical {clinical}"] if clinical else []
    traits += [f"career {career}"] if career else []
    traits += ["research-only"] if research_only else []
    traits += ["research"] if profile.research else []
    keys.extend(("traits", trait) for trait in traits)
    return keys


"""The letter mix (SPEC "Letter mix"), as pure functions of the student's letters: which
letter fills which part of the mix for medical school or for residency in one specialty,
what is secured and what is only planned or asked, what is missing, and which letters do
not count here and why. The words are `bot.letters.plan_messages`'.

Rules the mix keeps (each once, here):
- one writer is one letter: a second letter from the same writer is counted once and
  flagged;
- only letters for that application count: a residency mix ignores an away rotation or a
  summer program, and, for a named specialty, another specialty's programs (the specialty
  vocabulary, `bot.vocab.specialties`, reads every name);
- a letter counts as secured once the writer agreed; a planned or asked one is listed as
  not yet secured, and never makes the mix complete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.letters.rules import (
    GONE_STATES,
    PENDING_STATES,
    SECURED_STATES,
    Destination,
    LetterFacts,
    destination,
    normalize_text,
    writer_key,
)
from bot.vocab.letters import LetterKind, LetterState, Portal, Track
from bot.vocab.specialties import EMERGENCY_MEDICINE, same_specialty, specialties_in

AMCAS_MAX_ENTRIES = 10
ERAS_MAX_PER_PROGRAM = 4
MED_SCIENCE = (2, 3)  # science faculty letters for medical school
MED_OTHER = 1  # non-science or character letters for medical school
MED_COMMITTEE = 1  # a committee letter, where the school has a premed committee
RESIDENCY_TOTAL = (3, 4)  # letters in all for residency
RESIDENCY_SPECIALTY = 1  # at least this many from the specialty applied to
CLERKSHIP = (1, 2)  # letters from core clerkships
RESIDENCY_RESEARCH = 1  # from a research or longitudinal mentor, where relevant
SLOE_ROTATIONS = 2  # emergency medicine: SLOEs ideally from this many EM rotations

MED_SCHOOL_KINDS = (LetterKind.SCIENCE, LetterKind.NON_SCIENCE, LetterKind.CHARACTER,
                    LetterKind.COMMITTEE)
RESIDENCY_KINDS = (LetterKind.SPECIALTY, LetterKind.CLERKSHIP, LetterKind.SLOE)
OTHER_KINDS = (LetterKind.NON_SCIENCE, LetterKind.CHARACTER)


class Part(StrEnum):
    """A part of a letter mix."""

    TOTAL = "total"  # residency: letters in all
    SPECIALTY = "specialty"
    CLERKSHIP = "clerkship"
    RESEARCH = "research"
    SCIENCE = "science"
    OTHER = "other"  # non-science or character
    COMMITTEE = "committee"


class Skip(StrEnum):
    """Why a letter does not count in this mix."""

    ELSEWHERE = "elsewhere"  # for another application: an away rotation, a summer program
    OTHER_TRACK = "other-track"  # for the other track (a residency letter in a med-school mix)
    OTHER_SPECIALTY = "other-specialty"  # for another specialty's programs
    KIND_UNSET = "kind-unset"  # medical school: its kind decides its part
    KIND_ELSEWHERE = "kind-elsewhere"  # a kind this mix has no part for


@dataclass(frozen=True)
class PartStatus:
    """One part of the mix: how many letters it wants, which are secured and which are
    only planned or asked. An `optional` part is wanted only where relevant (a research
    letter for residency): worth a note, never missing. (The committee letter, "where the
    school has one", is missing until there is one: only the student knows.)"""

    part: Part
    wanted: tuple[int, int]
    secured: tuple[LetterFacts, ...] = ()
    pending: tuple[LetterFacts, ...] = ()
    optional: bool = False

    @property
    def missing(self) -> int:
        return max(self.wanted[0] - len(self.secured), 0)

    @property
    def over(self) -> bool:
        return len(self.secured) > self.wanted[1]


@dataclass(frozen=True)
class Mix:
    track: Track
    specialty: str  # residency: the specialty as the vocabulary names it ("" when none)
    parts: tuple[PartStatus, ...]
    counted: tuple[LetterFacts, ...]  # one letter per writer
    skipped: tuple[tuple[LetterFacts, Skip], ...]
    repeated: tuple[tuple[LetterFacts, ...], ...]  # one writer's letters, counted once
    kind_unset: tuple[LetterFacts, ...] = ()  # residency: counted in all, in no part
    crowded_programs: tuple[tuple[str, int], ...] = ()  # (program, writers) over ERAS's limit
    amcas_entries: int = 0
    emergency_medicine: bool = False

    def part(self, part: Part) -> PartStatus | None:
        return next((p for p in self.parts if p.part == part), None)

    @property
    def pending(self) -> tuple[LetterFacts, ...]:
        """Counted letters only planned or asked: not yet secured."""
        return tuple(x for x in self.counted if x.state in PENDING_STATES)

    @property
    def complete(self) -> bool:
        """Every part that always applies has its secured letters, and nothing is left only
        planned or asked."""
        return not any(p.missing for p in self.parts if not p.optional) and not self.pending


def is_emergency_medicine(specialty: str) -> bool:
    """Whether `specialty` names emergency medicine ("EM", "ER", "EM residency"), by the
    specialty vocabulary."""
    return same_specialty(specialty, EMERGENCY_MEDICINE)


def specialty_name(specialty: str) -> str:
    """The specialty as the vocabulary names it ("ER" is emergency medicine); as typed when
    the vocabulary does not know it."""
    named = specialties_in(specialty)
    return named[0] if named else " ".join(specialty.split())


def evaluate_mix(track: str, letters: Iterable[LetterFacts], *, specialty: str = "") -> Mix:
    """The SPEC letter mix for `track` against the student's letters. Declined and withdrawn
    letters are gone; the rest either count (one per writer) or are skipped with a reason."""
    if track not in tuple(Track):
        raise ValueError(track)
    wanted = Track(track)
    live = [x for x in letters if x.state not in GONE_STATES]
    skipped: list[tuple[LetterFacts, Skip]] = []
    mine: list[LetterFacts] = []
    for letter in live:
        why = _skip(wanted, letter, specialty)
        if why is None:
            mine.append(letter)
        else:
            skipped.append((letter, why))
    counted, repeated = _one_per_writer(mine)
    if wanted == Track.MED_SCHOOL:
        return _med_school(counted, tuple(skipped), repeated)
    return _residency(counted, mine, tuple(skipped), repeated, specialty)


def _track_by_kind(kind: LetterKind | None) -> Track | None:
    if kind in MED_SCHOOL_KINDS:
        return Track.MED_SCHOOL
    if kind in RESIDENCY_KINDS:
        return Track.RESIDENCY
    return None


def _skip(track: Track, letter: LetterFacts, specialty: str) -> Skip | None:
    going = destination(letter.program, letter.portal)
    if going == Destination.ELSEWHERE:
        return Skip.ELSEWHERE
    goes: str | None = going if going != Destination.UNKNOWN else _track_by_kind(letter.kind)
    if goes not in (track, None):
        return Skip.OTHER_TRACK
    if track == Track.RESIDENCY:
        if normalize_text(specialty) and specialties_in(letter.program) \
                and not same_specialty(letter.program, specialty):
            return Skip.OTHER_SPECIALTY
        return None
    if letter.kind is None:
        return Skip.KIND_UNSET
    if letter.kind not in MED_SCHOOL_KINDS:
        return Skip.KIND_ELSEWHERE
    return None


_ORDER = {state: index for index, state in enumerate(LetterState)}


def _strongest(letter: LetterFacts) -> tuple[bool, int, int]:
    """The letter a writer's several letters count as: secured first, then the furthest
    along, then the first tracked."""
    return letter.state in SECURED_STATES, _ORDER[letter.state], -letter.id


def _one_per_writer(letters: Sequence[LetterFacts]
                    ) -> tuple[tuple[LetterFacts, ...], tuple[tuple[LetterFacts, ...], ...]]:
    by_writer: dict[str, list[LetterFacts]] = {}
    for letter in letters:
        by_writer.setdefault(writer_key(letter.writer_id, letter.writer_name), []).append(letter)
    counted = tuple(sorted((max(group, key=_strongest) for group in by_writer.values()),
                           key=lambda x: x.id))
    repeated = tuple(tuple(sorted(group, key=lambda x: x.id))
                     for group in by_writer.values() if len(group) > 1)
    return counted, repeated


def _status(part: Part, wanted: tuple[int, int], letters: Iterable[LetterFacts],
            optional: bool = False) -> PartStatus:
    chosen = tuple(letters)
    return PartStatus(part, wanted,
                      secured=tuple(x for x in chosen if x.state in SECURED_STATES),
                      pending=tuple(x for x in chosen if x.state in PENDING_STATES),
                      optional=optional)


def _med_school(counted: tuple[LetterFacts, ...], skipped: tuple[tuple[LetterFacts, Skip], ...],
                repeated: tuple[tuple[LetterFacts, ...], ...]) -> Mix:
    return Mix(
        track=Track.MED_SCHOOL, specialty="",
        parts=(
            _status(Part.SCIENCE, MED_SCIENCE,
                    (x for x in counted if x.kind == LetterKind.SCIENCE)),
            _status(Part.OTHER, (MED_OTHER, MED_OTHER),
                    (x for x in counted if x.kind in OTHER_KINDS)),
            _status(Part.COMMITTEE, (MED_COMMITTEE, MED_COMMITTEE),
                    (x for x in counted if x.kind == LetterKind.COMMITTEE)),
        ),
        counted=counted, skipped=skipped, repeated=repeated,
        amcas_entries=sum(1 for x in counted if x.portal == Portal.AMCAS),
    )


def _residency(counted: tuple[LetterFacts, ...], mine: Sequence[LetterFacts],
               skipped: tuple[tuple[LetterFacts, Skip], ...],
               repeated: tuple[tuple[LetterFacts, ...], ...], specialty: str) -> Mix:
    named = normalize_text(specialty)

    def in_specialty(x: LetterFacts) -> bool:
        if x.kind == LetterKind.RESEARCH:
            return False
        if x.kind == LetterKind.SLOE:  # a standardized letter is the specialty's own
            return True
        if named and x.writer_specialty:
            return same_specialty(x.writer_specialty, specialty)
        return x.kind == LetterKind.SPECIALTY

    from_specialty = tuple(x for x in counted if in_specialty(x))
    by_program: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for x in mine:
        key = normalize_text(x.program)
        if key:
            by_program.setdefault(key, set()).add(writer_key(x.writer_id, x.writer_name))
            shown.setdefault(key, x.program)
    return Mix(
        track=Track.RESIDENCY, specialty=specialty_name(specialty) if named else "",
        parts=(
            _status(Part.TOTAL, RESIDENCY_TOTAL, counted),
            _status(Part.SPECIALTY, (RESIDENCY_SPECIALTY, RESIDENCY_TOTAL[1]), from_specialty),
            _status(Part.CLERKSHIP, CLERKSHIP,
                    (x for x in counted
                     if x.kind == LetterKind.CLERKSHIP and x not in from_specialty)),
            _status(Part.RESEARCH, (RESIDENCY_RESEARCH, RESIDENCY_RESEARCH),
                    (x for x in counted if x.kind == LetterKind.RESEARCH), optional=True),
        ),
        counted=counted, skipped=skipped, repeated=repeated,
        kind_unset=tuple(x for x in counted if x.kind is None and x not in from_specialty),
        crowded_programs=tuple((shown[key], len(writers))
                               for key, writers in sorted(by_program.items())
                               if len(writers) > ERAS_MAX_PER_PROGRAM),
        emergency_medicine=bool(named) and is_emergency_medicine(specialty),
    )

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
  not yet secured, and never makes the mix complete;
- letters are grouped by the program they are for as read (`bot.letters.programs`: "EM
  residency (ERAS)" and "EM residency" are one program), and a program whose portal caps
  the letters it receives (ERAS: 4, from the cycle data) and gets more is named with the
  letters to keep and those to leave out (`choose_letters`, the residency plan's rule too);
- a specialty's standardized letter (emergency medicine: two SLOEs, from the cycle data) is
  a part of the mix of its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.letters import portals
from bot.letters.programs import ProgramPhrase, read_program, same_place
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
from bot.vocab import cycles
from bot.vocab.cycles import Found, LetterRule, StandardizedLetter
from bot.vocab.letters import LetterKind, LetterState, Portal, Track
from bot.vocab.specialties import EMERGENCY_MEDICINE, same_specialty, specialties_in

AMCAS_MAX_ENTRIES = 10
MED_SCIENCE = (2, 3)  # science faculty letters for medical school
MED_OTHER = 1  # non-science or character letters for medical school
MED_COMMITTEE = 1  # a committee letter, where the school has a premed committee
RESIDENCY_TOTAL = (3, 4)  # letters in all for residency
RESIDENCY_SPECIALTY = 1  # at least this many from the specialty applied to
CLERKSHIP = (1, 2)  # letters from core clerkships
RESIDENCY_RESEARCH = 1  # from a research or longitudinal mentor, where relevant

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
    STANDARDIZED = "standardized"  # the specialty's standardized letters (EM: SLOEs)


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
    # residency: standardized letters whose writer is of another specialty (not from a
    # rotation in this one), counted in all but not as the specialty's standardized letters
    off_rotation: tuple[LetterFacts, ...] = ()
    crowded_programs: tuple[Crowded, ...] = ()  # programs with more letters than their cap
    amcas_entries: int = 0
    emergency_medicine: bool = False
    standardized: Found[StandardizedLetter] | None = None  # the specialty's, from the data
    cycle: str = ""  # the cycle whose figures were read

    def part(self, part: Part) -> PartStatus | None:
        return next((p for p in self.parts if p.part == part), None)

    @property
    def pending(self) -> tuple[LetterFacts, ...]:
        """Counted letters only planned or asked: not yet secured."""
        return tuple(x for x in self.counted if x.state in PENDING_STATES)

    @property
    def complete(self) -> bool:
        """Every part that always applies has its secured letters, nothing is left only
        planned or asked, and no program gets more letters than its portal takes."""
        return not any(p.missing for p in self.parts if not p.optional) and not self.pending \
            and not self.crowded_programs


@dataclass(frozen=True)
class Crowded:
    """A program (as read from its letters' phrases) that more writers' letters go to than
    its portal assigns to one program: which to keep and which to leave out."""

    program: str  # the first of its letters' phrases, as typed
    phrases: tuple[str, ...]  # every phrase its letters were written with
    portal: Portal
    cap: Found[LetterRule]
    kept: tuple[LetterFacts, ...]
    left_out: tuple[LetterFacts, ...]

    @property
    def writers(self) -> int:
        return len(self.kept) + len(self.left_out)


# --- which letters a program gets first ------------------------------------------------------

LETTER_ORDER: tuple[LetterKind | None, ...] = (
    LetterKind.SLOE, LetterKind.SPECIALTY, LetterKind.CLERKSHIP, LetterKind.RESEARCH,
    LetterKind.CHARACTER, LetterKind.NON_SCIENCE, LetterKind.SCIENCE, LetterKind.COMMITTEE,
    None)
"""Which letters go to a program first when it can take only some: the specialty's
standardized letter, then letters from the specialty, core clerkships, research."""


def letter_rank(letter: LetterFacts, specialty: str = "") -> tuple[int, int, date, int]:
    """The order letters go to a program when it can take only some (`LETTER_ORDER`, a
    letter of unset kind from a writer in `specialty` read as a specialty letter; then a
    secured letter before one only planned or asked; then the writer who has known the
    student longest; then the first tracked; a "standardized" letter from a writer of
    another specialty has no standing of its own). `/letter plan` and the residency plan both
    choose by it."""
    kind = letter.kind
    if kind == LetterKind.SLOE and not from_a_rotation_in(letter, specialty):
        kind = None  # not one of the specialty's standardized letters: no standing of its own
    if kind is None and specialty and letter.writer_specialty \
            and same_specialty(letter.writer_specialty, specialty):
        kind = LetterKind.SPECIALTY
    order = LETTER_ORDER.index(kind) if kind in LETTER_ORDER else len(LETTER_ORDER)
    return (order, 0 if letter.state in SECURED_STATES else 1,
            letter.known_since or date.max, letter.id)


def choose_letters(letters: Iterable[LetterFacts], most: int, specialty: str = ""
                   ) -> tuple[tuple[LetterFacts, ...], tuple[LetterFacts, ...]]:
    """The letters to assign to a program that takes at most `most`, and the rest, each in
    `letter_rank` order."""
    ranked = tuple(sorted(letters, key=lambda x: letter_rank(x, specialty)))
    return ranked[:most], ranked[most:]


def is_emergency_medicine(specialty: str) -> bool:
    """Whether `specialty` names emergency medicine ("EM", "ER", "EM residency"), by the
    specialty vocabulary."""
    return same_specialty(specialty, EMERGENCY_MEDICINE)


def specialty_name(specialty: str) -> str:
    """The specialty as the vocabulary names it ("ER" is emergency medicine); as typed when
    the vocabulary does not know it."""
    named = specialties_in(specialty)
    return named[0] if named else " ".join(specialty.split())


def evaluate_mix(track: str, letters: Iterable[LetterFacts], *, specialty: str = "",
                 cycle: str | None = None) -> Mix:
    """The SPEC letter mix for `track` against the student's letters. Declined and withdrawn
    letters are gone; the rest either count (one per writer) or are skipped with a reason.
    `cycle` is whose figures are read (the portal caps, the standardized letters): by default
    the latest the data has."""
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
    return _residency(counted, mine, tuple(skipped), repeated, specialty,
                      cycle or cycles.known_cycles()[-1])


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


def from_a_rotation_in(letter: LetterFacts, specialty: str) -> bool:
    """Whether a letter could come from a rotation in `specialty`, as its standardized
    letters must (emergency medicine: SLOEs from EM rotations): its writer is of that
    specialty, or their specialty is unknown (a group SLOE, a writer off the roster)."""
    if not normalize_text(specialty) or not letter.writer_specialty:
        return True
    return same_specialty(letter.writer_specialty, specialty)


def counts_as_standardized(letter: LetterFacts, specialty: str) -> bool:
    """A standardized letter (`kind:sloe`) the specialty counts as one of its own: the
    letter mix's part and the residency plan's tally both read this."""
    return letter.kind == LetterKind.SLOE and from_a_rotation_in(letter, specialty)


def _residency(counted: tuple[LetterFacts, ...], mine: Sequence[LetterFacts],
               skipped: tuple[tuple[LetterFacts, Skip], ...],
               repeated: tuple[tuple[LetterFacts, ...], ...], specialty: str,
               cycle: str) -> Mix:
    named = normalize_text(specialty)
    canonical = specialty_name(specialty) if named else ""

    def from_rotation(x: LetterFacts) -> bool:
        return from_a_rotation_in(x, specialty)

    def in_specialty(x: LetterFacts) -> bool:
        if x.kind == LetterKind.RESEARCH:
            return False
        if x.kind == LetterKind.SLOE:  # a standardized letter is the specialty's own
            return from_rotation(x)
        if named and x.writer_specialty:
            return same_specialty(x.writer_specialty, specialty)
        return x.kind == LetterKind.SPECIALTY

    from_specialty = tuple(x for x in counted if in_specialty(x))
    standardized = portals.standardized(cycle, canonical) if canonical else None
    parts = [
        _status(Part.TOTAL, RESIDENCY_TOTAL, counted),
        _status(Part.SPECIALTY, (RESIDENCY_SPECIALTY, RESIDENCY_TOTAL[1]), from_specialty),
        _status(Part.CLERKSHIP, CLERKSHIP,
                (x for x in counted
                 if x.kind == LetterKind.CLERKSHIP and x not in from_specialty)),
        _status(Part.RESEARCH, (RESIDENCY_RESEARCH, RESIDENCY_RESEARCH),
                (x for x in counted if x.kind == LetterKind.RESEARCH), optional=True),
    ]
    if standardized is not None:
        wanted = standardized.value.wanted
        parts.insert(1, _status(Part.STANDARDIZED, (wanted, wanted),
                                (x for x in counted if counts_as_standardized(x, specialty)),
                                optional=not standardized.value.required))
    return Mix(
        track=Track.RESIDENCY, specialty=canonical,
        parts=tuple(parts),
        counted=counted, skipped=skipped, repeated=repeated,
        kind_unset=tuple(x for x in counted if x.kind is None and x not in from_specialty),
        off_rotation=tuple(x for x in counted
                           if x.kind == LetterKind.SLOE and not from_rotation(x))
        if standardized is not None else (),
        crowded_programs=crowded_programs(mine, cycle, canonical),
        emergency_medicine=bool(named) and is_emergency_medicine(specialty),
        standardized=standardized, cycle=cycle,
    )


# --- programs over their portal's cap ---------------------------------------------------------


def _goes_to(read: ProgramPhrase, target: ProgramPhrase) -> bool:
    """Whether a letter read as `read` is assigned to the program `target` stands for: the
    same specialty (a letter naming none goes to every one), preliminary year or not, and
    no other place (a letter naming none goes to every program of its kind)."""
    return read.prelim == target.prelim and read.specialty in (target.specialty, None) \
        and same_place(read.place, target.place)


def _targets(reads: Sequence[tuple[LetterFacts, ProgramPhrase]]
             ) -> list[list[tuple[LetterFacts, ProgramPhrase]]]:
    """The programs a mix's letters go to, each with its letters: one per program a letter
    names by place (with the letters for every program of its kind, which go there too),
    and one per kind of program for the programs no letter names (only the letters naming
    no place go there). The letters are all for the mix's track already."""
    specific: list[ProgramPhrase] = []
    general: list[ProgramPhrase] = []
    for _, read in reads:
        if read.place:
            if not any(t.specialty == read.specialty and t.prelim == read.prelim
                       and same_place(t.place, read.place) for t in specific):
                specific.append(read)
        elif not any(t.specialty == read.specialty and t.prelim == read.prelim
                     for t in general):
            general.append(read)
    # A letter naming no specialty goes with the letters of each specialty named; it is a
    # program of its own only where no letter names one.
    general = [t for t in general if t.specialty is not None or not any(
        g.specialty is not None and g.prelim == t.prelim for g in general)]
    return ([[(x, r) for x, r in reads if _goes_to(r, t)] for t in specific]
            + [[(x, r) for x, r in reads if not r.place and _goes_to(r, t)] for t in general])


def _portal_of(group: Sequence[tuple[LetterFacts, ProgramPhrase]]) -> Portal | None:
    """A program's portal: the one its letters name (the one that caps letters first, when
    they name several), else the one the cycle data gives its specialty."""
    said = sorted({r.portal for _, r in group if r.portal is not None},
                  key=lambda p: (p != Portal.ERAS, p))
    if said:
        return said[0]
    first = min((x for x, _ in group), key=lambda x: x.deadline)
    return portals.portal_for(group[0][1], first.deadline).portal


def crowded_programs(letters: Sequence[LetterFacts], cycle: str, specialty: str = ""
                     ) -> tuple[Crowded, ...]:
    """The programs (as read) that more writers' letters go to than their portal assigns to
    one program, each with the letters to keep (`choose_letters`) and to leave out. One
    writer counts once (their strongest letter)."""
    reads = [(x, read_program(x.program, x.portal)) for x in letters]
    out: list[Crowded] = []
    for group in _targets(reads):
        portal = _portal_of(group)
        cap = portals.program_cap(portal, cycle)
        if cap is None or portal is None or cap.value.max_per_program is None:
            continue
        per_writer, _ = _one_per_writer([x for x, _ in group])
        if len(per_writer) <= cap.value.max_per_program:
            continue
        kept, left = choose_letters(per_writer, cap.value.max_per_program, specialty)
        phrases = tuple(dict.fromkeys(x.program for x, _ in sorted(group, key=lambda g: g[0].id)
                                      if x.program))
        out.append(Crowded(program=phrases[0] if phrases else "", phrases=phrases,
                           portal=portal, cap=cap, kept=kept, left_out=left))
    return tuple(out)


def crowded_with(letters: Sequence[LetterFacts], letter_id: int, cycle: str
                 ) -> Crowded | None:
    """The program (as read) that the letter `letter_id` makes, or leaves, over its portal's
    cap among the student's live residency letters, if any: what `/letter remind` warns
    about as the letter is tracked."""
    new = next((x for x in letters if x.id == letter_id), None)
    if new is None:
        return None
    read = read_program(new.program, new.portal)
    if not read.residency:
        return None
    live = [x for x in letters if x.state not in GONE_STATES
            and read_program(x.program, x.portal).residency]
    for crowded in crowded_programs(live, cycle, read.specialty or ""):
        if any(x.id == letter_id for x in (*crowded.kept, *crowded.left_out)):
            return crowded
    return None


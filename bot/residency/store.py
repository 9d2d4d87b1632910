"""The residency tables in the database, and the only module that writes them.

Tables and their writes:
- `residency_programs`: `import_programs` (created or updated in place by (group, name,
  state); never deleted by an import, since students' lists name them).
- `residency_profiles`: `save_profile`.
- `residency_entries`: `keep`, `drop`, `set_signal`.
- `residency_outcomes`: `record_outcome`.
- `residency_shares`: `share`, `unshare`.
- `residency_comments`: `add_comment`.
- all of them, when two records of one person are joined: `join_records` (called by the
  privacy feature's merge before it moves every reference to the kept record).

Reads gather what the pure plan (`bot.residency.plan`) needs; a student's letters are read
through the letters feature's store, never from its table here. Functions take explicit
values (session, person, now), never a command context."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from rapidfuzz import fuzz, process
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.errors import NotFound, UserError
from bot.framework.wording import and_list
from bot.groups.store import groups_of
from bot.infra.models import (
    InterestGroup,
    Person,
    ResidencyComment,
    ResidencyEntry,
    ResidencyOutcome,
    ResidencyProfile,
    ResidencyProgram,
    ResidencyShare,
)
from bot.letters import store as letters_store
from bot.letters.rules import LetterFacts
from bot.residency import rules
from bot.residency.importing import ImportResult, ProgramRow, parse_visas, visa_text
from bot.residency.plan import Entry, Plan, Profile, build_plan
from bot.residency.rules import ProgramFacts
from bot.vocab.letters import Portal
from bot.vocab.residency import (
    Applicant,
    EntryState,
    ProgramType,
    Region,
    Result,
    SignalTier,
    Visa,
)
from bot.vocab.specialties import fold

# --- programs -----------------------------------------------------------------------------


def facts(program: ResidencyProgram) -> ProgramFacts:
    """A stored program as the rules read it."""
    return ProgramFacts(
        id=program.id, name=program.name, specialty=program.specialty, state=program.state,
        city=program.city or "", region=Region(program.region) if program.region else None,
        type=ProgramType(program.type) if program.type else None,
        positions=program.positions,
        visas=parse_visas(program.visa) if program.visa is not None else None,
        takes_do=program.takes_do, takes_img=program.takes_img,
        step2_mean=program.step2_mean,
        portal=Portal(program.portal) if program.portal else None,
        signals=program.signals, url=program.url or "")


_COLUMNS = ("specialty", "city", "type", "positions", "takes_do", "takes_img", "step2_mean",
            "portal", "signals", "url")


def _stored_values(row: ProgramRow) -> dict[str, object]:
    """The columns a row sets (an empty optional cell sets nothing: it leaves the stored
    value alone, as the roster import does)."""
    values: dict[str, object] = {"name": row.name, "specialty": row.specialty,
                                 "state": row.state, "region": row.region.value}
    for column in _COLUMNS[1:]:
        value = getattr(row, column)
        if value is not None:
            values[column] = value.value if hasattr(value, "value") else value
    if row.visa is not None:
        values["visa"] = visa_text(row.visa)
    return values


def import_programs(session: Session, rows: Sequence[ProgramRow], group: InterestGroup, *,
                    now: datetime) -> ImportResult:
    """Create or update the group's programs from checked rows (the whole file, already
    checked: `bot.residency.importing.read`)."""
    result = ImportResult(group=group.slug)
    stored = {(p.name.casefold(), p.state): p for p in session.scalars(
        select(ResidencyProgram).where(ResidencyProgram.group_id == group.id))}
    named: set[int] = set()
    for row in rows:
        values = _stored_values(row)
        program = stored.get((row.name.casefold(), row.state))
        if program is None:
            program = ResidencyProgram(**{"city": "", "url": "", **values},
                                       group_id=group.id, created_at=now, updated_at=now)
            session.add(program)
            result.created += 1
            continue
        named.add(program.id)
        changed = {k: v for k, v in values.items() if getattr(program, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(program, key, value)
            program.updated_at = now
            result.updated += 1
        else:
            result.unchanged += 1
    result.kept = sum(1 for p in stored.values() if p.id not in named)
    session.flush()
    return result


def group_programs(session: Session, group_ids: Iterable[int], *,
                   specialty: str | None = None) -> list[ResidencyProgram]:
    ids = list(group_ids)
    if not ids:
        return []
    query = select(ResidencyProgram).where(ResidencyProgram.group_id.in_(ids))
    if specialty is not None:
        query = query.where(ResidencyProgram.specialty == specialty)
    return list(session.scalars(query.order_by(ResidencyProgram.name, ResidencyProgram.id)))


_FACT_COLUMNS = (ResidencyProgram.id, ResidencyProgram.name, ResidencyProgram.specialty,
                 ResidencyProgram.state, ResidencyProgram.city, ResidencyProgram.region,
                 ResidencyProgram.type, ResidencyProgram.positions, ResidencyProgram.visa,
                 ResidencyProgram.takes_do, ResidencyProgram.takes_img,
                 ResidencyProgram.step2_mean, ResidencyProgram.portal, ResidencyProgram.signals,
                 ResidencyProgram.url)


_REGIONS = {r.value: r for r in Region}
_TYPES = {t.value: t for t in ProgramType}
_PORTALS = {p.value: p for p in Portal}
"""Stored values to members by a dict (calling the enum costs several times more, on every
row of a list of thousands)."""


def group_program_facts(session: Session, group_ids: Iterable[int]) -> list[ProgramFacts]:
    """The groups' programs as the rules read them, read as plain columns through the
    connection (a plan reads a whole list each time: thousands of rows, no ORM objects and
    no ORM row processing)."""
    ids = list(group_ids)
    if not ids:
        return []
    session.flush()  # the connection does not autoflush: programs just imported count
    visas: dict[str | None, frozenset[Visa] | None] = {None: None}
    out = []
    for (pid, name, specialty, state, city, region, kind, positions, visa, takes_do,
         takes_img, mean, portal, signals, url) in session.connection().execute(
            select(*_FACT_COLUMNS).where(ResidencyProgram.group_id.in_(ids))
            .order_by(ResidencyProgram.name, ResidencyProgram.id)).all():
        if visa is not None and visa not in visas:
            visas[visa] = parse_visas(visa)
        out.append(ProgramFacts(
            id=pid, name=name, specialty=specialty, state=state, city=city or "",
            region=_REGIONS.get(region) if region else None,
            type=_TYPES.get(kind) if kind else None, positions=positions, visas=visas[visa],
            takes_do=takes_do, takes_img=takes_img, step2_mean=mean,
            portal=_PORTALS.get(portal) if portal else None, signals=signals, url=url or ""))
    return out


def all_programs(session: Session, *, specialty: str | None = None
                 ) -> list[tuple[ResidencyProgram, str]]:
    """Every stored program with its group's slug (the command line's list)."""
    query = select(ResidencyProgram, InterestGroup.slug).join(
        InterestGroup, InterestGroup.id == ResidencyProgram.group_id)
    if specialty is not None:
        query = query.where(ResidencyProgram.specialty == specialty)
    return [(p, slug) for p, slug in session.execute(
        query.order_by(InterestGroup.slug, ResidencyProgram.name, ResidencyProgram.id))]


def student_group_ids(session: Session, person: Person) -> list[int]:
    return [g.id for g in groups_of(session, person)]


PROGRAM_REF = re.compile(r"^program:(\d+)$")
"""How an exact program reference is written (what Discord's autocomplete hands over)."""
CLOSEST_PROGRAMS = 4
MAX_LISTED = 6
_STATE_SUFFIX = re.compile(r"^(?P<name>.+?)\s*(?:,|\()\s*(?P<state>[A-Za-z]{2})\s*\)?$")


def _label(program: ResidencyProgram) -> str:
    where = ", ".join(x for x in (program.city, program.state) if x)
    return f"{program.name} ({where})"


def find_program(text: str, candidates: Sequence[ResidencyProgram], *,
                 where: str = "your groups' program lists") -> ResidencyProgram:
    """The one program `text` names among `candidates`: `program:ID`, the exact name (with
    ", ST" to tell two states apart), or words every one of which is in one program's name.
    A name that fits several is asked about, never picked; an unknown one lists the
    closest."""
    ref = " ".join((text or "").split())
    if not ref:
        raise UserError("Name the program (as /residency programs lists it).")
    exact = PROGRAM_REF.match(ref)
    if exact is not None:
        wanted = int(exact.group(1))
        found = next((p for p in candidates if p.id == wanted), None)
        if found is None:
            raise NotFound(f"There is no program #{wanted} in {where}.")
        return found
    state = None
    named = ref
    suffix = _STATE_SUFFIX.match(ref)
    if suffix is not None and suffix.group("state").upper() in {p.state for p in candidates}:
        named, state = suffix.group("name"), suffix.group("state").upper()
    key = fold(named)
    pool = [p for p in candidates if state is None or p.state == state]
    same = [p for p in pool if fold(p.name) == key]
    if len(same) == 1:
        return same[0]
    if not same:
        words = key.split()
        same = [p for p in pool if all(w in fold(p.name).split() or w in fold(p.name)
                                       for w in words)]
        if len(same) == 1:
            return same[0]
    if len(same) > 1:
        listed = [_label(p) for p in same[:MAX_LISTED]]
        more = f" and {len(same) - MAX_LISTED} more" if len(same) > MAX_LISTED else ""
        raise UserError(f"“{ref}” fits {len(same)} programs: {'; '.join(listed)}{more}. Name "
                        "one exactly, with its state if two share a name (“Mercy EM, OH”).",
                        title="Which program?")
    by_id = {p.id: p for p in candidates}
    close = process.extract(named, {p.id: p.name for p in candidates}, scorer=fuzz.WRatio,
                            limit=CLOSEST_PROGRAMS, score_cutoff=60)
    labels = [_label(by_id[key]) for _name, _score, key in close]
    hint = f" Closest: {and_list(labels, 'or')}." if labels else ""
    raise NotFound(f"No program “{ref}” in {where}.{hint} /residency programs lists them.")


CHOICE_LIMIT = 25  # what an autocomplete list shows at most
CHOICE_LENGTH = 100  # characters in one choice's label


def program_choices(session: Session, person: Person, typed: str, *,
                    limit: int = CHOICE_LIMIT) -> list[tuple[str, str]]:
    """Programs of the person's groups whose names hold every typed word (or, with none
    holding them, the closest names), as (label, `program:ID`) pairs for autocomplete:
    the value names one program exactly, so the command never has to guess."""
    programs = group_programs(session, student_group_ids(session, person))
    words = fold(typed).split()
    hits = [p for p in programs if all(w in fold(p.name) for w in words)]
    if not hits and words:
        by_id = {p.id: p for p in programs}
        hits = [by_id[key] for _name, _score, key in process.extract(
            typed, {p.id: p.name for p in programs}, scorer=fuzz.WRatio, limit=limit,
            score_cutoff=60)]
    out = []
    for program in hits[:limit]:
        label = f"{_label(program)} — {program.specialty}"
        out.append((label if len(label) <= CHOICE_LENGTH else label[:CHOICE_LENGTH - 1] + "…",
                    f"program:{program.id}"))
    return out


# --- profiles -----------------------------------------------------------------------------


def profile_of(session: Session, person_id: int) -> ResidencyProfile | None:
    return session.get(ResidencyProfile, person_id)


@dataclass(frozen=True)
class ProfileChange:
    """What `/residency profile` sets; `None` leaves a field as it is."""

    specialty: str | None = None
    backup: str | None = None
    applicant: Applicant | None = None
    visa: Visa | None = None
    step2: int | None = None
    home: ResidencyProgram | None = None
    aways: tuple[ResidencyProgram, ...] | None = None
    regions: tuple[Region, ...] | None = None
    types: tuple[ProgramType, ...] | None = None
    couples: bool | None = None
    cycle: str | None = None
    clear: frozenset[str] = frozenset()  # fields to unset: "backup", "home", "cycle"


CLEARABLE = {"backup": "backup", "home": "home_program_id", "cycle": "cycle"}
"""Profile fields that can be unset (`backup:none`, `home:none`, `cycle:auto`), by the name
a command gives them and their column."""


def save_profile(session: Session, person: Person, change: ProfileChange, *,
                 now: datetime) -> tuple[ResidencyProfile, list[str]]:
    """Apply a change; returns the profile and the names of the fields that changed (as
    the command names them: "home", not its column)."""
    profile = session.get(ResidencyProfile, person.id)
    if profile is None:
        profile = ResidencyProfile(person_id=person.id, aways=[], regions=[], types=[],
                                   couples=False, updated_at=now)
        session.add(profile)
    values: dict[str, object] = {}
    for name in ("specialty", "backup", "step2", "couples", "cycle"):
        value = getattr(change, name)
        if value is not None:
            values[name] = value
    if change.applicant is not None:
        values["applicant"] = change.applicant.value
    if change.visa is not None:
        values["visa"] = change.visa.value
    if change.home is not None:
        values["home_program_id"] = change.home.id
    if change.aways is not None:
        values["aways"] = [p.id for p in change.aways]
    if change.regions is not None:
        values["regions"] = [r.value for r in change.regions]
    if change.types is not None:
        values["types"] = [t.value for t in change.types]
    for name in change.clear:
        values[CLEARABLE[name]] = None
    changed = [k for k, v in values.items() if getattr(profile, k) != v]
    for key in changed:
        setattr(profile, key, values[key])
    if changed:
        profile.updated_at = now
    session.flush()
    columns = {column: name for name, column in CLEARABLE.items()}
    return profile, [columns.get(k, k) for k in changed]


def plan_profile(profile: ResidencyProfile, *, cycle: str) -> Profile:
    """A stored profile as the plan reads it (the caller has checked it has a specialty)."""
    assert profile.specialty is not None
    return Profile(
        specialty=profile.specialty, cycle=cycle, backup=profile.backup,
        applicant=Applicant(profile.applicant) if profile.applicant else None,
        visa=Visa(profile.visa) if profile.visa else None, step2=profile.step2,
        home=profile.home_program_id, aways=tuple(profile.aways or ()),
        regions=tuple(Region(r) for r in profile.regions or ()),
        types=tuple(ProgramType(t) for t in profile.types or ()),
        couples=bool(profile.couples))


# --- the list: entries --------------------------------------------------------------------


def entries_of(session: Session, student_id: int) -> dict[int, Entry]:
    return {e.program_id: Entry(e.program_id,
                                EntryState(e.state) if e.state else None,
                                SignalTier(e.signal) if e.signal else None)
            for e in session.scalars(select(ResidencyEntry)
                                     .where(ResidencyEntry.student_id == student_id))}


def _entry(session: Session, student: Person, program: ResidencyProgram,
           now: datetime) -> ResidencyEntry:
    entry = session.scalar(select(ResidencyEntry).where(
        ResidencyEntry.student_id == student.id, ResidencyEntry.program_id == program.id))
    if entry is None:
        entry = ResidencyEntry(student_id=student.id, program_id=program.id, created_at=now,
                               updated_at=now)
        session.add(entry)
    return entry


def keep(session: Session, student: Person, program: ResidencyProgram, *,
         now: datetime) -> bool:
    """Keep a program on the student's list; False when it already was."""
    entry = _entry(session, student, program, now)
    if entry.state == EntryState.ADDED:
        return False
    entry.state = EntryState.ADDED
    entry.updated_at = now
    session.flush()
    return True


def drop(session: Session, student: Person, program: ResidencyProgram, *,
         now: datetime) -> bool:
    """Drop a program from the student's list (and any signal set on it); False when it
    was dropped already."""
    entry = _entry(session, student, program, now)
    if entry.state == EntryState.DROPPED:
        return False
    entry.state = EntryState.DROPPED
    entry.signal = None
    entry.updated_at = now
    session.flush()
    return True


def set_signal(session: Session, student: Person, program: ResidencyProgram,
               tier: SignalTier, *, now: datetime) -> SignalTier | None:
    """Set a signal by hand (a gold or silver one keeps the program on the list); returns
    the one it replaced."""
    entry = _entry(session, student, program, now)
    before = SignalTier(entry.signal) if entry.signal else None
    entry.signal = tier.value
    if tier != SignalTier.NONE:  # a program signalled is a program kept
        entry.state = EntryState.ADDED
    entry.updated_at = now
    session.flush()
    return before


# --- outcomes -----------------------------------------------------------------------------


def record_outcome(session: Session, student: Person, program: ResidencyProgram,
                   result: Result, *, now: datetime) -> bool:
    """Record what happened; False when it was recorded already."""
    exists = session.scalar(select(ResidencyOutcome.id).where(
        ResidencyOutcome.student_id == student.id, ResidencyOutcome.program_id == program.id,
        ResidencyOutcome.result == result.value))
    if exists is not None:
        return False
    session.add(ResidencyOutcome(student_id=student.id, program_id=program.id,
                                 result=result.value, at=now))
    session.flush()
    return True


def outcomes_of(session: Session, student_id: int) -> dict[int, list[Result]]:
    out: dict[int, list[Result]] = defaultdict(list)
    for program_id, result in session.execute(
            select(ResidencyOutcome.program_id, ResidencyOutcome.result)
            .where(ResidencyOutcome.student_id == student_id)
            .order_by(ResidencyOutcome.at, ResidencyOutcome.id)):
        out[program_id].append(Result(result))
    return dict(out)


INTERVIEWED = (Result.INTERVIEW, Result.RANKED, Result.MATCHED)
"""Results that mean the person interviewed there (a rank or a match comes after one)."""


@dataclass(frozen=True)
class GroupCounts:
    """People of the group who gave a result for one program: never who."""

    contributors: int
    applied: int
    interviewed: int
    matched: int


def group_counts(session: Session, program_ids: Iterable[int]) -> dict[int, GroupCounts]:
    """Per program, how many people applied (any result says they did), interviewed and
    matched, and how many gave any result at all."""
    ids = list(program_ids)
    people: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for start in range(0, len(ids), 900):
        for program_id, student_id, result in session.execute(
                select(ResidencyOutcome.program_id, ResidencyOutcome.student_id,
                       ResidencyOutcome.result)
                .where(ResidencyOutcome.program_id.in_(ids[start:start + 900]))):
            people[program_id][student_id].add(result)
    out: dict[int, GroupCounts] = {}
    for program_id, by_student in people.items():
        results = list(by_student.values())
        out[program_id] = GroupCounts(
            contributors=len(results),
            applied=len(results),
            interviewed=sum(1 for r in results if r & set(INTERVIEWED)),
            matched=sum(1 for r in results if Result.MATCHED in r))
    return out


# --- shares and comments ------------------------------------------------------------------


def share_of(session: Session, student_id: int, mentor_id: int) -> ResidencyShare | None:
    return session.scalar(select(ResidencyShare).where(
        ResidencyShare.student_id == student_id, ResidencyShare.mentor_id == mentor_id))


def share(session: Session, student: Person, mentor: Person, *, scores: bool,
          now: datetime) -> tuple[ResidencyShare, bool]:
    """Share (or re-share with other terms); returns the share and whether anything
    changed."""
    found = share_of(session, student.id, mentor.id)
    if found is None:
        found = ResidencyShare(student_id=student.id, mentor_id=mentor.id, scores=scores,
                               created_at=now)
        session.add(found)
        session.flush()
        return found, True
    changed = found.scores != scores
    found.scores = scores
    session.flush()
    return found, changed


def unshare(session: Session, student: Person, mentor: Person) -> bool:
    removed = session.execute(delete(ResidencyShare).where(
        ResidencyShare.student_id == student.id, ResidencyShare.mentor_id == mentor.id)
        .returning(ResidencyShare.id)).all()
    return bool(removed)


def shares_of(session: Session, student_id: int) -> list[tuple[ResidencyShare, Person]]:
    return [(s, p) for s, p in session.execute(
        select(ResidencyShare, Person).join(Person, Person.id == ResidencyShare.mentor_id)
        .where(ResidencyShare.student_id == student_id).order_by(Person.name))]


def add_comment(session: Session, student: Person, mentor: Person,
                program: ResidencyProgram, text: str, *, now: datetime) -> ResidencyComment:
    comment = ResidencyComment(student_id=student.id, mentor_id=mentor.id,
                               program_id=program.id, text=text, at=now)
    session.add(comment)
    session.flush()
    return comment


@dataclass(frozen=True)
class CommentView:
    program_id: int
    program: str
    mentor: str | None  # None: a mentor who left mentorbot
    text: str
    at: datetime


COMMENTS_SHOWN = 5


def comments_of(session: Session, student_id: int, *, limit: int = COMMENTS_SHOWN
                ) -> list[CommentView]:
    rows = session.execute(
        select(ResidencyComment, ResidencyProgram.name, Person.name)
        .join(ResidencyProgram, ResidencyProgram.id == ResidencyComment.program_id)
        .outerjoin(Person, Person.id == ResidencyComment.mentor_id)
        .where(ResidencyComment.student_id == student_id)
        .order_by(ResidencyComment.at.desc(), ResidencyComment.id.desc()).limit(limit))
    return [CommentView(c.program_id, program, mentor, c.text, c.at)
            for c, program, mentor in rows]


# --- one person from two records ------------------------------------------------------------


def join_records(session: Session, kept_id: int, other_id: int) -> None:
    """Before two records of one person are joined: settle what each may hold only once
    (the profile; one entry, one result, one share per program or mentor), so moving the
    other record's rows to the kept one collides with nothing. The kept record's values
    win; the other fills its gaps."""
    mine, theirs = session.get(ResidencyProfile, kept_id), session.get(ResidencyProfile,
                                                                        other_id)
    if mine is not None and theirs is not None:
        for column in ("specialty", "backup", "applicant", "visa", "step2", "home_program_id",
                       "cycle"):
            if getattr(mine, column) is None:
                setattr(mine, column, getattr(theirs, column))
        mine.aways = list(dict.fromkeys([*(mine.aways or []), *(theirs.aways or [])]))
        mine.regions = list(dict.fromkeys([*(mine.regions or []), *(theirs.regions or [])]))
        mine.types = list(dict.fromkeys([*(mine.types or []), *(theirs.types or [])]))
        mine.couples = bool(mine.couples or theirs.couples)
        session.delete(theirs)
    kept_programs = set(session.scalars(select(ResidencyEntry.program_id).where(
        ResidencyEntry.student_id == kept_id)))
    if kept_programs:
        session.execute(delete(ResidencyEntry).where(
            ResidencyEntry.student_id == other_id,
            ResidencyEntry.program_id.in_(kept_programs)))
    kept_results = {(program_id, result) for program_id, result in session.execute(
        select(ResidencyOutcome.program_id, ResidencyOutcome.result)
        .where(ResidencyOutcome.student_id == kept_id))}
    for outcome_id, program_id, result in session.execute(
            select(ResidencyOutcome.id, ResidencyOutcome.program_id, ResidencyOutcome.result)
            .where(ResidencyOutcome.student_id == other_id)):
        if (program_id, result) in kept_results:
            session.execute(delete(ResidencyOutcome).where(ResidencyOutcome.id == outcome_id))
    kept_mentors = set(session.scalars(select(ResidencyShare.mentor_id).where(
        ResidencyShare.student_id == kept_id)))
    session.execute(delete(ResidencyShare).where(
        ResidencyShare.student_id == other_id,
        ResidencyShare.mentor_id.in_(kept_mentors | {kept_id, other_id})))
    session.execute(delete(ResidencyShare).where(
        ResidencyShare.student_id == kept_id, ResidencyShare.mentor_id == other_id))
    session.flush()


# --- what a plan needs --------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInputs:
    profile: Profile
    programs: list[ProgramFacts]
    entries: dict[int, Entry]
    letters: list[LetterFacts]
    cycle_chosen: bool  # the student named the cycle (else it follows their stage)


def cycle_for(student: Person, profile: ResidencyProfile, today: date) -> tuple[str, bool]:
    """The cycle a student plans for: the one they named, else the one their stage
    applies in."""
    if profile.cycle:
        return profile.cycle, True
    stage = student.student_profile.stage if student.student_profile else None
    return rules.applying_cycle(stage, today), False


def plan_inputs(session: Session, student: Person, profile: ResidencyProfile, *,
                today: date) -> PlanInputs:
    cycle, chosen = cycle_for(student, profile, today)
    programs = group_program_facts(session, student_group_ids(session, student))
    letters = letters_store.facts(session, letters_store.student_letters(session, student.id))
    return PlanInputs(plan_profile(profile, cycle=cycle), programs,
                      entries_of(session, student.id), letters, chosen)


def plan_for(session: Session, student: Person, profile: ResidencyProfile, *, today: date,
             count: int | None = None) -> tuple[Plan, PlanInputs]:
    """The student's plan as of `today` (their local day)."""
    inputs = plan_inputs(session, student, profile, today=today)
    plan = build_plan(inputs.profile, inputs.programs, entries=inputs.entries,
                      letters=inputs.letters, today=today, count=count)
    return plan, inputs

"""Joining two records of one person (their Slack and their Discord account, each used
before they were linked) into the kept one, in the caller's unit of work.

Everything that names the other record moves to the kept one: every foreign key to
`people.id` found in the schema (`references.namings`), the nudges through their one
writer. Before that, what can exist only once per person is settled (a role, a group
membership, a profile); after it, what the two records each held of the same thing becomes
one: a mentorship with the same mentor (the earlier start, the later contact), an open
intro request to the same faculty member, a letter tracked twice, a residency profile or
list entry held on both (`bot.residency.store.join_records`). The other record's own
fields fill the kept one's gaps, then the other record is deleted.

Every merge is journaled (`bot.privacy.journal`: each row it changed, removed or made), and
`unmerge` puts a journal back: the other record returns, with its id, as its own person,
with what it brought. A value changed since the merge (a contact logged on a moved
mentorship, a nudge sent) is kept where the merge's value is no longer there."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, UniqueConstraint, delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.infra.models import (
    Base,
    FacultyProfile,
    IntroRequest,
    Letter,
    Membership,
    Mentorship,
    Person,
    Role,
    StudentProfile,
)
from bot.nudges import store as nudge_store
from bot.people.store import FACULTY_CHANGED
from bot.privacy import journal, references, rules
from bot.residency import store as residency_store
from bot.vocab.letters import LetterState
from bot.vocab.matching import IntroState
from bot.vocab.nudges import Subject
from bot.vocab.people import Role as RoleName

STUDENT, FACULTY = RoleName.STUDENT, RoleName.FACULTY
_LIFECYCLE = {state.value: index for index, state in enumerate(LetterState)}


@dataclass
class Merged:
    moved: dict[str, int]  # the other record's rows by table, now the kept person's
    joined: Counter[str] = field(default_factory=Counter)  # held twice, now once, by table
    dropped_email: str | None = None  # the other record's email, when only one could stay
    journal: dict[str, Any] = field(default_factory=dict)  # what changed, for an undo


def _role_names(session: Session, person_id: int) -> set[str]:
    return set(session.scalars(select(Role.role).where(Role.person_id == person_id)))


def _has_student_rows(session: Session, person_id: int) -> bool:
    for named in references.namings():
        column = named.table.columns.get("student_id")
        if column is not None and session.scalar(
                select(exists().where(column == person_id))):
            return True
    return session.get(StudentProfile, person_id) is not None


def _bare_student(session: Session, person_id: int, partner_roles: set[str]) -> bool:
    """A record the bot made a student only because a new account wrote to it (a faculty
    member's first Discord command): no faculty role, no student data, while the record it
    joins is faculty. Its student role is not carried over."""
    roles = _role_names(session, person_id)
    return (STUDENT in roles and FACULTY not in roles and FACULTY in partner_roles
            and not _has_student_rows(session, person_id))


def _settle_roles(session: Session, kept: int, other: int, merged: Merged) -> None:
    kept_roles, other_roles = _role_names(session, kept), _role_names(session, other)
    if _bare_student(session, kept, other_roles):
        session.execute(delete(Role).where(Role.person_id == kept, Role.role == STUDENT))
    if _bare_student(session, other, kept_roles):
        session.execute(delete(Role).where(Role.person_id == other, Role.role == STUDENT))
    held = {(role, group_id) for role, group_id in session.execute(
        select(Role.role, Role.group_id).where(Role.person_id == kept))}
    for role_id, role, group_id in session.execute(
            select(Role.id, Role.role, Role.group_id).where(Role.person_id == other)):
        if (role, group_id) in held:
            session.execute(delete(Role).where(Role.id == role_id))
            merged.joined["roles"] += 1


def _settle_memberships(session: Session, kept: int, other: int, merged: Merged) -> None:
    mine = {m.group_id: m for m in session.scalars(
        select(Membership).where(Membership.person_id == kept))}
    for membership in session.scalars(select(Membership).where(Membership.person_id == other)):
        twin = mine.get(membership.group_id)
        if twin is not None:
            twin.joined_at = min(twin.joined_at, membership.joined_at)
            session.delete(membership)
            merged.joined["memberships"] += 1
    session.flush()


def _settle_profiles(session: Session, kept: int, other: int) -> None:
    """A profile the kept record lacks moves; where both have one, the kept one's gaps are
    filled from the other's, which then goes."""
    mine, theirs = session.get(StudentProfile, kept), session.get(StudentProfile, other)
    if mine is not None and theirs is not None:
        mine.stage = mine.stage or theirs.stage
        mine.interests = list(dict.fromkeys([*mine.interests, *theirs.interests]))
        mine.research = list(dict.fromkeys([*mine.research, *theirs.research]))
        mine.wants_mentor = mine.wants_mentor or theirs.wants_mentor
        session.delete(theirs)
    faculty, other_faculty = session.get(FacultyProfile, kept), session.get(FacultyProfile, other)
    if faculty is not None and other_faculty is not None:
        faculty.requests_answered += other_faculty.requests_answered
        faculty.requests_unanswered += other_faculty.requests_unanswered
        faculty.response_hours_total += other_faculty.response_hours_total
        faculty.office_hours = faculty.office_hours or other_faculty.office_hours
        faculty.research = list(dict.fromkeys([*faculty.research, *other_faculty.research]))
        session.delete(other_faculty)
    session.flush()


def _move_all(session: Session, kept: int, other: int) -> None:
    """Every reference to the other record becomes one to the kept record."""
    for named in references.namings():
        if named.name == "nudges":
            continue  # their one writer moves them
        for column in named.columns:
            session.execute(update(named.table).where(column == other)
                            .values({column.name: kept})
                            .execution_options(synchronize_session=False))
    nudge_store.reassign(session, other, kept)


def _take_fields(session: Session, kept: Person, other: Person, merged: Merged) -> None:
    """The kept record's own fields, gaps filled from the other's."""
    email = other.email
    name = rules.merged_name(kept.name, kept.email, other.name, other.email)
    fill = {"timezone": kept.timezone or other.timezone,
            "quiet_hours": kept.quiet_hours or other.quiet_hours,
            "notify_platform": kept.notify_platform or other.notify_platform,
            "created_at": min(kept.created_at, other.created_at), "name": name}
    if email and kept.email and email.lower() != kept.email.lower():
        merged.dropped_email = email
    session.execute(update(Person).where(Person.id == other.id).values(email=None)
                    .execution_options(synchronize_session=False))
    if email and not kept.email:
        fill["email"] = email
    session.execute(update(Person).where(Person.id == kept.id).values(**fill)
                    .execution_options(synchronize_session=False))


# --- what both records held ----------------------------------------------------------------


def _refs_to(table: Table) -> list[tuple[Table, Any]]:
    """(table, column) of every foreign key to `table`'s id."""
    return [(t, fk.parent) for t in Base.metadata.sorted_tables
            for fk in t.foreign_keys if fk.column.table is table and fk.column.name == "id"]


def _fold(session: Session, table: Table, drop: int, keep: int) -> None:
    """Rows that hang off row `drop` of `table` move to row `keep`; where a unique
    constraint already has the kept row's twin (a check-in for the same round), the
    dropped row's one goes with it."""
    for child, column in _refs_to(table):
        unique = [c for c in child.constraints
                  if isinstance(c, UniqueConstraint) and column.name in c.columns]
        for constraint in unique:
            others = [c for c in constraint.columns if c is not column]
            twin = child.alias()
            session.execute(delete(child).where(column == drop, exists().where(
                twin.c[column.name] == keep,
                *(twin.c[c.name] == c for c in others))))
        session.execute(update(child).where(column == drop).values({column.name: keep})
                        .execution_options(synchronize_session=False))


def _join_mentorships(session: Session, person_id: int, merged: Merged) -> None:
    rows = session.scalars(select(Mentorship).where(
        Mentorship.active.is_(True),
        or_(Mentorship.student_id == person_id, Mentorship.mentor_id == person_id))
        .order_by(Mentorship.started_at, Mentorship.id)).all()
    pairs: dict[tuple[int, int], list[Mentorship]] = defaultdict(list)
    for mentorship in rows:
        pairs[(mentorship.student_id, mentorship.mentor_id)].append(mentorship)
    table: Table = Mentorship.__table__  # type: ignore[assignment]
    for (student, mentor), same in pairs.items():
        if student == mentor:  # they mentored themselves across the two records
            drop = [m.id for m in same]
        else:
            keep, *rest = same
            keep.started_at, keep.last_contact_at = rules.joined_span(
                [m.started_at for m in same], [m.last_contact_at for m in same])
            session.flush()
            drop = [m.id for m in rest]
            for mentorship_id in drop:
                _fold(session, table, mentorship_id, keep.id)
            merged.joined["mentorships"] += len(drop)
        if drop:
            nudge_store.cancel_for(session, Subject.MENTORSHIP, drop)
            session.execute(delete(Mentorship).where(Mentorship.id.in_(drop))
                            .execution_options(synchronize_session=False))


def _join_requests(session: Session, person_id: int, merged: Merged) -> None:
    rows = session.execute(select(IntroRequest.id, IntroRequest.student_id,
                                  IntroRequest.faculty_id, IntroRequest.state)
                           .where(or_(IntroRequest.student_id == person_id,
                                      IntroRequest.faculty_id == person_id))
                           .order_by(IntroRequest.created_at, IntroRequest.id)).all()
    seen: set[tuple[int, int]] = set()
    drop: list[int] = []
    for request_id, student, faculty, state in rows:
        if student == faculty:
            drop.append(request_id)
        elif state == IntroState.OPEN:
            if (student, faculty) in seen:
                drop.append(request_id)
                merged.joined["intro_requests"] += 1
            seen.add((student, faculty))
    if drop:
        nudge_store.cancel_for(session, Subject.INTRO_REQUEST, drop)
        session.execute(delete(IntroRequest).where(IntroRequest.id.in_(drop))
                        .execution_options(synchronize_session=False))


def _join_letters(session: Session, person_id: int, merged: Merged) -> None:
    """A letter tracked from both accounts (same writer, program and deadline) is kept
    once: the one further along its lifecycle (the earlier tracked, when level)."""
    letters = session.scalars(select(Letter).where(Letter.student_id == person_id)
                              .order_by(Letter.created_at, Letter.id)).all()
    same: dict[tuple[object, ...], list[Letter]] = defaultdict(list)
    for letter in letters:
        same[rules.letter_key(letter.writer_id, letter.writer_name, letter.program,
                              letter.deadline)].append(letter)
    drop: list[int] = []
    for twins in same.values():
        if len(twins) < 2:
            continue
        keep = max(twins, key=lambda letter: (_LIFECYCLE.get(letter.state, -1),
                                              -twins.index(letter)))
        drop += [letter.id for letter in twins if letter is not keep]
    if drop:
        merged.joined["letters"] += len(drop)
        for subject in (Subject.LETTER, Subject.THANKED_LETTER):
            nudge_store.cancel_for(session, subject, drop)
        session.execute(delete(Letter).where(Letter.id.in_(drop))
                        .execution_options(synchronize_session=False))


def merge_people(session: Session, kept: Person, other: Person) -> Merged:
    """Join `other` into `kept` (see the module's account); `other` is deleted. The
    returned `journal` is what `unmerge` needs to take it back."""
    if kept.id == other.id:
        raise ValueError("a record cannot be merged into itself")
    session.flush()
    kept_id, other_id = kept.id, other.id
    before = journal.snapshot(session, (kept_id, other_id))
    merged = Merged(moved=references.counts(session, other_id))
    _settle_roles(session, kept_id, other_id, merged)
    _settle_memberships(session, kept_id, other_id, merged)
    _settle_profiles(session, kept_id, other_id)
    residency_store.join_records(session, kept_id, other_id)
    _take_fields(session, kept, other, merged)
    _move_all(session, kept_id, other_id)
    session.expunge(other)
    session.execute(delete(Person).where(Person.id == other_id)
                    .execution_options(synchronize_session=False))
    session.expire_all()
    _join_mentorships(session, kept_id, merged)
    _join_requests(session, kept_id, merged)
    _join_letters(session, kept_id, merged)
    session.flush()
    session.expire_all()
    merged.journal = journal.diff(before, journal.snapshot(session, (kept_id,), also=before))
    _faculty_changed(session, (kept_id, other_id))
    return merged


def _faculty_changed(session: Session, person_ids: tuple[int, ...]) -> None:
    """The finder's in-memory index reads these faculty profiles again after the commit."""
    session.info.setdefault(FACULTY_CHANGED, set()).update(person_ids)


# --- undoing a merge ------------------------------------------------------------------------

_ORDER = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
"""Tables in the order the schema creates them: parents before the rows that name them."""


def _late_columns(table: Table) -> list[str]:
    """Columns unique on their own that may be empty (a person's email): a row put back
    waits for them until the row that took the value over has given it back."""
    return [c.name for c in table.columns if c.unique and c.nullable]


def _where_key(table: Table, key: tuple[Any, ...]) -> Any:
    return tuple(c == v for c, v in zip(table.primary_key.columns, key, strict=True))


@dataclass(frozen=True)
class Unmerged:
    restored: int  # rows put back as they were
    kept: int  # values changed since the link, left as they are now


def unmerge(session: Session, kept_id: int, other_id: int, written: dict[str, Any]
            ) -> Unmerged:
    """Put back what a merge of `other_id` into `kept_id` changed (`written` is its
    journal): removed rows return (parents first), changed columns get their old values
    where they still hold the merge's, rows the merge made go. The other record is its own
    person again, with its old id."""
    session.flush()
    entries = journal.entries(written)
    removed = sorted((e for e in entries if e.removed), key=lambda e: _ORDER[e.table.name])
    changed = [e for e in entries if not e.removed and not e.made]
    made = sorted((e for e in entries if e.made), key=lambda e: -_ORDER[e.table.name])
    restored = kept = 0
    late: list[tuple[Table, tuple[Any, ...], dict[str, Any]]] = []
    for entry in removed:
        assert entry.before is not None
        values = dict(entry.before)
        waits = {c: values[c] for c in _late_columns(entry.table) if values.get(c) is not None}
        values.update(dict.fromkeys(waits))
        session.execute(insert(entry.table).values(values))
        if waits:
            late.append((entry.table, entry.key, waits))
        restored += 1
    for entry in changed:
        assert entry.before is not None and entry.after is not None
        now = session.execute(select(entry.table).where(*_where_key(entry.table, entry.key))
                              ).mappings().first()
        if now is None:
            kept += 1
            continue
        back = {c: v for c, v in entry.before.items() if now[c] == entry.after[c]}
        kept += len(entry.before) - len(back)
        if back:
            session.execute(update(entry.table).where(*_where_key(entry.table, entry.key))
                            .values(back).execution_options(synchronize_session=False))
            restored += 1
    for table, key, waits in late:
        session.execute(update(table).where(*_where_key(table, key)).values(waits)
                        .execution_options(synchronize_session=False))
    for entry in made:
        session.execute(delete(entry.table).where(*_where_key(entry.table, entry.key))
                        .execution_options(synchronize_session=False))
    session.flush()
    session.expire_all()
    _faculty_changed(session, (kept_id, other_id))
    return Unmerged(restored, kept)

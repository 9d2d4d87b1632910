"""Roster import: faculty and students from a CSV file, upserted by email.

The import is all-or-nothing. Every row is checked first and every problem collected with
the row number a person sees in a spreadsheet (the header is row 1), so an organizer fixes
the whole file in one pass; only a file with no problem at all is written. Lookups are made
in bulk (a few queries per thousand rows, not one per row) so a 20,000-row roster imports
in seconds.

An empty optional cell leaves the stored value alone (a new person gets the default), so a
roster exported from another system with some blank columns never wipes what people set
for themselves with `/mentor profile`. What is written goes through the tables' owners:
people, their roles, profiles and accounts through `bot.people.store`, group memberships
through `bot.groups.store`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator
from pydantic_core import ErrorDetails
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.errors import UserError
from bot.framework import text
from bot.framework.wording import count
from bot.groups import store as groups
from bot.infra.db import chunks
from bot.infra.models import (
    FacultyProfile,
    Identity,
    InterestGroup,
    Membership,
    Person,
    StudentProfile,
)
from bot.infra.models import Role as RoleRow
from bot.infra.zones import UnknownTimeZone, validate_zone
from bot.people import store
from bot.people.messages import look_alike_name, same_name, unknown_specialty
from bot.people.resolve import EMAIL
from bot.people.rules import (
    MAX_CAPACITY,
    Likeness,
    check_specialty,
    name_clashes,
    name_problem,
    normalize_name,
)
from bot.vocab.people import Role
from bot.vocab.stages import normalize_stage

Kind = Literal["faculty", "students"]
KINDS: tuple[Kind, ...] = ("faculty", "students")

FACULTY_COLUMNS = ("name", "email", "specialty", "title", "research", "capacity", "accepting",
                   "stages", "timezone", "slack_id", "discord_id")
STUDENT_COLUMNS = ("name", "email", "stage", "interests", "research", "timezone", "slack_id",
                   "discord_id")
COLUMNS: dict[Kind, tuple[str, ...]] = {"faculty": FACULTY_COLUMNS, "students": STUDENT_COLUMNS}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "faculty": ("name", "email", "specialty"),
    "students": ("name", "email", "stage"),
}
ROLE: dict[Kind, Role] = {"faculty": Role.FACULTY, "students": Role.STUDENT}

# How long each cell may be, and what it may hold, is the text policy's
# (`bot.framework.text.FIELDS`, by column name): the same as the option of that name.
MAX_FILE_BYTES = 50 * 1024 * 1024

SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,63}$")
DISCORD_ID_DIGITS = (15, 21)  # Discord snowflakes: shortest and longest in use
DISCORD_ID = re.compile(rf"^\d{{{DISCORD_ID_DIGITS[0]},{DISCORD_ID_DIGITS[1]}}}$")
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}

Problem = tuple[int, str]  # (row number, reason); row 0 is the file as a whole


@dataclass(frozen=True)
class RowProblems:
    row: int  # 1 = header, 2 = first data row; 0 = the file as a whole
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        where = "File" if self.row == 0 else f"Row {self.row}"
        return f"{where}: {'; '.join(self.reasons)}"


class RosterError(UserError):
    """The file was refused; `problems` lists every bad row, in row order."""

    def __init__(self, problems: Sequence[RowProblems]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.row))
        rows = [p for p in self.problems if p.row]
        head = (f"{len(rows)} row{'s' if len(rows) != 1 else ''} with problems"
                if rows else "The file has problems")
        lines = [f"{head}; nothing was imported."] + [str(p) for p in self.problems]
        super().__init__("\n".join(lines), title="Import refused")

    def reasons_for(self, row: int) -> tuple[str, ...]:
        return next((p.reasons for p in self.problems if p.row == row), ())


@dataclass
class RosterRow:
    """One validated row. `None` means the cell was empty or its column absent."""

    row: int
    name: str
    email: str
    timezone: str | None = None
    slack_id: str | None = None
    discord_id: str | None = None
    # faculty
    specialty: str | None = None
    title: str | None = None
    research: list[str] | None = None
    capacity: int | None = None
    accepting: bool | None = None
    stages: list[str] | None = None
    # students
    stage: str | None = None
    interests: list[str] | None = None
    # what is stored anyway but worth a second look (an unknown specialty)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: Kind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    group: str | None = None
    joined_group: int = 0
    identities_added: int = 0
    created_emails: list[str] = field(default_factory=list)
    warnings: list[RowProblems] = field(default_factory=list)  # imported, but look again
    look_alikes: list[str] = field(default_factory=list)  # names that look the same

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        noun = "faculty" if self.kind == "faculty" else "students"
        text = (f"Imported {self.total} {noun}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged.")
        if self.group:
            text += f" {self.joined_group} newly added to the group {self.group}."
        if not self.changed:
            text += " Nothing changed."
        if self.warnings:
            text += (f"\n{count(len(self.warnings), 'row')} imported with a warning:\n"
                     + "\n".join(str(w) for w in self.warnings))
        return "\n".join([text, *self.look_alikes])


# --- reading and checking the file ------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8, with or without the byte-order mark spreadsheet programs write."""
    if len(data) > MAX_FILE_BYTES:
        raise RosterError([RowProblems(0, (
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError([RowProblems(0, (
            f"the file is not UTF-8 text (first bad byte on line {line}); save it as "
            "“CSV UTF-8”",))]) from None


_HEADER_ALIASES = {"e_mail": "email", "time_zone": "timezone", "tz": "timezone",
                   "slack": "slack_id", "slack_user_id": "slack_id", "discord": "discord_id",
                   "discord_user_id": "discord_id"}


def _header_key(cell: str) -> str:
    """`Slack ID`, `slack-id` and `slack_id` name the same column; so do `E-mail` and
    `email`, as spreadsheet users write them."""
    key = re.sub(r"[^a-z0-9]+", "_", cell.strip().lower()).strip("_")
    return _HEADER_ALIASES.get(key, key)


def parse(text: str, kind: Kind) -> list[RosterRow]:
    """Check every row of a roster; raise RosterError listing all problems, or return rows."""
    if kind not in KINDS:
        raise ValueError(f"unknown roster kind {kind!r}")
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[RowProblems] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterError([RowProblems(1, (f"the header row can't be read: {exc}",))]) from None
    if not header or not any(cell.strip() for cell in header):
        raise RosterError([RowProblems(0, (
            "the file is empty: it needs a header row naming the columns "
            f"({', '.join(COLUMNS[kind])})",))])
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _header_key(cell)
        if key in COLUMNS[kind]:
            if key in index:
                problems.append(RowProblems(1, (f"the column {key} appears twice",)))
            index.setdefault(key, position)
    missing = [c for c in REQUIRED[kind] if c not in index]
    if missing:
        problems.append(RowProblems(1, (
            f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(the header must include {', '.join(REQUIRED[kind])})",)))
    if problems:
        raise RosterError(problems)

    rows: list[RosterRow] = []
    first_row_of: dict[str, dict[str, int]] = {"email": {}, "slack_id": {}, "discord_id": {}}
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblems(number, (f"this row can't be read as CSV: {exc}",)))
            break
        if not any(cell.strip() for cell in cells):
            continue  # a blank line keeps its number but is not a person
        values = {col: (cells[pos] if pos < len(cells) else "") for col, pos in index.items()}
        row, reasons = _check_row(number, values, kind)
        for key, seen in first_row_of.items():
            value = getattr(row, key) if row else _quick(values, key)
            if not value:
                continue
            fold = value.lower()
            if fold in seen:
                label = "email" if key == "email" else key
                reasons.append(f"the same {label} {value} is already on row {seen[fold]}")
            else:
                seen[fold] = number
        if reasons:
            problems.append(RowProblems(number, tuple(reasons)))
        elif row is not None:
            rows.append(row)
    if problems:
        raise RosterError(problems)
    return rows


def _quick(values: dict[str, str], key: str) -> str | None:
    """A cell's raw value, for duplicate checks on a row that failed other checks."""
    raw = values.get(key, "").strip()
    return raw or None


def _check_row(number: int, values: dict[str, str], kind: Kind
               ) -> tuple[RosterRow | None, list[str]]:
    """A row's cells checked: the row, or None and every reason it was refused (cells that
    cannot be read at all first, in column order, then the checks of `FacultyCells` or
    `StudentCells`, in field order)."""
    reasons, cleaned = _clean_cells(values)
    cells: type[BaseCells] = FacultyCells if kind == "faculty" else StudentCells
    try:
        checked = cells.model_validate(cleaned)
    except ValidationError as exc:
        return None, reasons + [_reason(error) for error in exc.errors()]
    if reasons:
        return None, reasons
    row = RosterRow(row=number, **checked.model_dump())
    if isinstance(checked, FacultyCells) and cleaned.get("specialty"):
        # Stored under its canonical name when it names one, so a re-import of the same
        # file compares equal to what the first import stored; an unknown one is kept as
        # typed, with a warning naming the closest known names.
        check = check_specialty(cleaned["specialty"])
        if not check.known:
            row.warnings.append(unknown_specialty(check))
    return row, []


def _clean_cells(values: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Each cell through the text policy (`bot.framework.text`: NFC, trimmed, no control
    character or line break, within its column's limit); a cell it refuses is a reason,
    and left out of what is checked further."""
    reasons: list[str] = []
    cleaned: dict[str, str] = {}
    for column, raw in values.items():
        rule = text.field(column)
        value = text.normalized(raw, rule)
        problem = text.refusal(column, value, rule)
        if problem is not None:
            reasons.append(problem)
        else:
            cleaned[column] = value
    return reasons, cleaned


def _reason(error: ErrorDetails) -> str:
    """A refused cell's reason as the validator worded it."""
    raised = (error.get("ctx") or {}).get("error")
    return str(raised) if raised is not None else error["msg"]


class BaseCells(BaseModel):
    """What every roster row may hold, checked cell by cell (a column the file lacks is
    None). Each validator gets the cleaned cell and says what is wrong with it in the
    words an organizer reads; pydantic collects every problem of the row at once."""

    name: str = ""
    email: str = ""
    timezone: str | None = None
    slack_id: str | None = None
    discord_id: str | None = None
    research: list[str] | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: str) -> str:
        name = normalize_name(value)
        if not name:
            raise ValueError("name is empty")
        if (problem := name_problem(name)) is not None:
            raise ValueError(problem)
        return name

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            raise ValueError("email is missing")
        if not EMAIL.match(value.lower()):
            raise ValueError(f"“{value}” is not an email address")
        return value.lower()

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: str) -> str | None:
        if not value:
            return None
        try:
            return validate_zone(value)
        except UnknownTimeZone as exc:
            raise ValueError(str(exc)) from None

    @field_validator("slack_id", mode="before")
    @classmethod
    def _slack_id(cls, value: str) -> str | None:
        if not value:
            return None
        if not SLACK_ID.match(value.upper()):
            raise ValueError(f"slack_id “{value.upper()}” is not a Slack member ID "
                             "(like U024BE7LH)")
        return value.upper()

    @field_validator("discord_id", mode="before")
    @classmethod
    def _discord_id(cls, value: str) -> str | None:
        if not value:
            return None
        if not DISCORD_ID.match(value):
            shortest, longest = DISCORD_ID_DIGITS
            raise ValueError(f"discord_id “{value}” is not a Discord user ID "
                             f"({shortest}–{longest} digits)")
        return value

    @field_validator("research", mode="before")
    @classmethod
    def _research(cls, value: str) -> list[str] | None:
        return _list(value, "research")


class FacultyCells(BaseCells):
    specialty: str | None = None
    title: str | None = None
    capacity: int | None = None
    accepting: bool | None = None
    stages: list[str] | None = None

    @field_validator("specialty", mode="before")
    @classmethod
    def _specialty(cls, value: str) -> str:
        if not value:
            raise ValueError("specialty is empty")
        return check_specialty(value).stored

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: str) -> str | None:
        return value or None

    @field_validator("capacity", mode="before")
    @classmethod
    def _capacity(cls, value: str) -> int | None:
        if not value:
            return None
        if not re.fullmatch(r"\d+", value) or int(value) > MAX_CAPACITY:
            raise ValueError(f"capacity must be a whole number from 0 to {MAX_CAPACITY}, "
                             f"not “{value}”")
        return int(value)

    @field_validator("accepting", mode="before")
    @classmethod
    def _accepting(cls, value: str) -> bool | None:
        if not value:
            return None
        if value.lower() in _YES or value.lower() in _NO:
            return value.lower() in _YES
        raise ValueError(f"accepting must be yes or no, not “{value}”")

    @field_validator("stages", mode="before")
    @classmethod
    def _stages(cls, value: str) -> list[str] | None:
        items = _list(value, "stages")
        if items is None:
            return None
        stages: list[str] = []
        for item in items:
            try:
                stage = normalize_stage(item)
            except UserError as exc:
                raise ValueError(f"stages: {exc.message}") from None
            if stage not in stages:
                stages.append(stage)
        return stages


class StudentCells(BaseCells):
    stage: str | None = None
    interests: list[str] | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: str) -> str:
        if not value:
            raise ValueError("stage is empty")
        try:
            return normalize_stage(value)
        except UserError as exc:
            raise ValueError(exc.message) from None

    @field_validator("interests", mode="before")
    @classmethod
    def _interests(cls, value: str) -> list[str] | None:
        return _list(value, "interests")


def _list(raw: str, column: str) -> list[str] | None:
    """A `;`-separated cell as its distinct items (None when it holds none)."""
    if not raw:
        return None
    items: list[str] = []
    for part in raw.replace("\n", ";").split(";"):
        item = re.sub(r"\s+", " ", part.strip())
        if not item:
            continue
        if (problem := text.item_refusal(column, item, text.field(column))) is not None:
            raise ValueError(problem)
        if item.lower() not in {i.lower() for i in items}:
            items.append(item)
    return items or None


# --- writing ------------------------------------------------------------------------------


def import_csv(session: Session, data: bytes | str, kind: Kind, *, now: datetime,
               group: str | None = None) -> ImportResult:
    """Check the whole file, then upsert it. Raises RosterError (nothing changed) on any
    problem; the caller's unit of work commits the result."""
    text = decode(data) if isinstance(data, bytes) else data
    return upsert(session, parse(text, kind), kind, now=now, group=group)


PROFILE_FIELDS: dict[Role, tuple[str, ...]] = {
    Role.FACULTY: ("specialty", "title", "research", "capacity", "accepting", "stages"),
    Role.STUDENT: ("stage", "interests", "research"),
}
"""The profile columns a roster row of each role carries."""


def upsert(session: Session, rows: Sequence[RosterRow], kind: Kind, *, now: datetime,
           group: str | None = None) -> ImportResult:
    target = _group(session, group) if group else None
    role = ROLE[kind]
    stored = _stored(session, [r.email for r in rows], role, target)
    owners = _identity_owners(session, rows)

    reasons: dict[int, list[str]] = {}
    for row in rows:
        known = stored.get(row.email)
        for platform, external_id in _identities(row):
            owner = owners.get((platform, external_id))
            if owner is not None and (known is None or owner[0] != known.id):
                reasons.setdefault(row.row, []).append(
                    f"{platform}_id {external_id} already belongs to {owner[1]}")
    clashes = name_clashes([(r.row, r.name, r.email) for r in rows],
                           session.execute(select(Person.name, Person.email)))
    for clash in clashes:
        if clash.likeness == Likeness.LOOK_ALIKE:
            reasons.setdefault(clash.row, []).append(look_alike_name(clash))
    if reasons:
        raise RosterError([RowProblems(row, tuple(found))
                           for row, found in sorted(reasons.items())])

    result = ImportResult(kind=kind, group=target.slug if target else None,
                          warnings=[RowProblems(r.row, tuple(r.warnings))
                                    for r in rows if r.warnings])
    result.look_alikes = [same_name(c, f"Row {c.row}") for c in clashes
                          if c.likeness == Likeness.SAME]
    new_rows = [r for r in rows if r.email not in stored]
    # Compare against plain column values first: the common re-import of an unchanged
    # roster then never builds ORM objects at all.
    changing = [r for r in rows if r.email in stored and stored[r.email].differs(r, owners)]
    result.unchanged = len(rows) - len(new_rows) - len(changing)
    people = _people_by_id(session, [stored[r.email].id for r in changing])
    for row in changing:
        person = people[row.email]
        changed = _update(person, row, role, now)
        added = _add_identities(person, row, owners)
        result.identities_added += added
        if target is not None and not stored[row.email].member:
            groups.join(session, person, target, now)
            result.joined_group += 1
            changed = True
        if changed or added:
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    if new_rows:
        result.identities_added += _insert(session, new_rows, role, now, target)
        result.created = len(new_rows)
        result.created_emails = [r.email for r in new_rows]
        if target is not None:
            result.joined_group += len(new_rows)
    return result


@dataclass
class _Stored:
    """What is stored for one person, as plain values, to tell whether a row changes it."""

    id: int
    name: str
    timezone: str | None
    profile: dict[str, Any] | None  # the role's profile columns; None when there is none
    has_role: bool = False
    member: bool = True  # of the target group (True when there is no target)

    def differs(self, row: RosterRow,
                owners: dict[tuple[str, str], tuple[int, str]]) -> bool:
        if not self.has_role or self.profile is None or not self.member:
            return True
        if row.name != self.name or (row.timezone is not None
                                     and row.timezone != self.timezone):
            return True
        if any((platform, external_id) not in owners
               for platform, external_id in _identities(row)):
            return True
        return any(getattr(row, column) is not None
                   and getattr(row, column) != self.profile[column]
                   for column in self.profile)


def _stored(session: Session, emails: Sequence[str], role: Role,
            target: InterestGroup | None) -> dict[str, _Stored]:
    model: Any = FacultyProfile if role == Role.FACULTY else StudentProfile
    columns = PROFILE_FIELDS[role]
    found: dict[str, _Stored] = {}
    # Emails are matched case-insensitively, which no index serves: one pass over the
    # emails, filtered here, then lookups by primary key.
    wanted = set(emails)
    matched = [person_id for person_id, email in session.execute(
        select(Person.id, Person.email).where(Person.email.is_not(None)))
        if email is not None and email.lower() in wanted]
    for chunk in chunks(matched):
        query = (select(Person.id, Person.email, Person.name, Person.timezone,
                        model.person_id, *(getattr(model, c) for c in columns))
                 .outerjoin(model, model.person_id == Person.id)
                 .where(Person.id.in_(chunk)))
        by_id: dict[int, _Stored] = {}
        for person_id, email, name, timezone, profile_id, *values in session.execute(query):
            profile = dict(zip(columns, values, strict=True)) if profile_id else None
            by_id[person_id] = found[email.lower()] = _Stored(person_id, name, timezone,
                                                             profile)
        ids = list(by_id)
        for person_id in session.scalars(select(RoleRow.person_id).where(
                RoleRow.role == role, RoleRow.person_id.in_(ids))):
            by_id[person_id].has_role = True
        if target is not None:
            members = set(session.scalars(select(Membership.person_id).where(
                Membership.group_id == target.id, Membership.person_id.in_(ids))))
            for person_id, known in by_id.items():
                known.member = person_id in members
    return found


def _group(session: Session, slug: str) -> InterestGroup:
    cleaned = groups.clean_slug(slug)
    found = session.scalar(select(InterestGroup).where(InterestGroup.slug == cleaned))
    if found is None:
        raise UserError(
            f"There is no group “{slug}”. Create it first with "
            f"`mentorbot organizer add EMAIL --group {cleaned}` (which also makes EMAIL its "
            "organizer), then import again.", title="Unknown group")
    return found


def _people_by_id(session: Session, ids: Sequence[int]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in chunks(list(ids)):
        query = (select(Person).where(Person.id.in_(chunk))
                 .options(selectinload(Person.roles), selectinload(Person.identities),
                          selectinload(Person.faculty_profile),
                          selectinload(Person.student_profile)))
        for person in session.scalars(query):
            found[(person.email or "").lower()] = person
    return found


def _identities(row: RosterRow) -> Iterable[tuple[str, str]]:
    if row.slack_id:
        yield "slack", row.slack_id
    if row.discord_id:
        yield "discord", row.discord_id


def _identity_owners(session: Session, rows: Sequence[RosterRow]
                     ) -> dict[tuple[str, str], tuple[int, str]]:
    """(platform, external id) → (person id, "Name <email>") for ids already stored, in any
    workspace: one person's id is never given to another. One pass over the identities
    (filtered here) stays linear where a long IN list over an unindexed column would make
    the database compare every row with every value."""
    wanted = {pair for r in rows for pair in _identities(r)}
    owners: dict[tuple[str, str], tuple[int, str]] = {}
    if not wanted:
        return owners
    query = (select(Identity.platform, Identity.external_id, Identity.person_id)
             .where(Identity.platform.in_(("slack", "discord"))))
    hits = {(platform, external_id): person_id
            for platform, external_id, person_id in session.execute(query)
            if (platform, external_id) in wanted}
    labels: dict[int, str] = {}
    for chunk in chunks(sorted(set(hits.values()))):
        for person_id, name, email in session.execute(
                select(Person.id, Person.name, Person.email).where(Person.id.in_(chunk))):
            labels[person_id] = f"{name} <{email}>" if email else name
    return {pair: (person_id, labels[person_id]) for pair, person_id in hits.items()}


def _profile_values(row: RosterRow, role: Role) -> dict[str, Any]:
    """The profile columns the row gives (None: the cell was empty, so left alone)."""
    return {column: getattr(row, column) for column in PROFILE_FIELDS[role]}


def _insert(session: Session, rows: Sequence[RosterRow], role: Role, now: datetime,
            target: InterestGroup | None) -> int:
    """Create the people of `rows` in bulk (`store.create_people`); returns how many
    identities were added."""
    new = [store.NewPerson(name=r.name, email=r.email, timezone=r.timezone,
                           profile=_profile_values(r, role), accounts=tuple(_identities(r)))
           for r in rows]
    ids = store.create_people(session, new, role=role, now=now)
    if target is not None:
        groups.add_members(session, target.id, ids, now=now)
    return sum(len(person.accounts) for person in new)


def _update(person: Person, row: RosterRow, role: Role, now: datetime) -> bool:
    changed = store.rename(person, row.name)
    changed |= store.set_timezone(person, row.timezone)
    changed |= store.grant_role(person, role)
    if role == Role.FACULTY:
        changed |= store.set_faculty_profile(person, _profile_values(row, role), now=now)
    else:
        changed |= store.set_student_profile(person, _profile_values(row, role))
    return changed


def _add_identities(person: Person, row: RosterRow,
                    owners: dict[tuple[str, str], tuple[int, str]]) -> int:
    added = 0
    for platform, external_id in _identities(row):
        if (platform, external_id) in owners:
            continue  # already this person's (another owner was refused above)
        store.add_account(person, platform, "", external_id)
        owners[(platform, external_id)] = (person.id, person.name)
        added += 1
    return added


# --- writing a roster (the demo data, exports) ------------------------------------------


def to_csv(kind: Kind, records: Iterable[dict[str, Any]]) -> str:
    """A roster file in the import format; list values are joined with `;`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS[kind]), lineterminator="\n",
                            extrasaction="raise")
    writer.writeheader()
    for record in records:
        writer.writerow({
            key: ("; ".join(value) if isinstance(value, list | tuple)
                  else "yes" if value is True else "no" if value is False
                  else "" if value is None else str(value))
            for key, value in record.items()
        })
    return out.getvalue()

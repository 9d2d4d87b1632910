"""Where the schema names a person, read from the models' foreign keys to `people.id`, so the
export, the deletion and the merge of two records cover a table added later without being
told about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, String, Table, false, func, or_, select
from sqlalchemy.orm import Session

from bot.infra.models import Base, Person

PEOPLE: Table = Person.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Naming:
    """A table and the columns of it that hold a person's id."""

    table: Table
    columns: tuple[Column[Any], ...]

    @property
    def name(self) -> str:
        return self.table.name

    def naming(self, person_id: int) -> ColumnElement[bool]:
        """Rows that name `person_id` in any of the columns."""
        return or_(false(), *(column == person_id for column in self.columns))


@dataclass(frozen=True)
class Belonging:
    """A table that names no person, and the foreign key tying its rows to rows that do
    (a letter's history to its letter)."""

    table: Table
    column: Column[Any]
    parent: Table


@cache
def namings() -> tuple[Naming, ...]:
    """Every table with a foreign key to `people.id` (the people table itself aside), in
    the order the schema creates them."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table is PEOPLE:
            continue
        columns = tuple(
            fk.parent for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
            if fk.column.table is PEOPLE and fk.column.name == "id")
        if columns:
            found.append(Naming(table, columns))
    return tuple(found)


@cache
def belongings() -> tuple[Belonging, ...]:
    """Tables that name no person but hang off one that does."""
    naming = {n.table for n in namings()}
    found = []
    for table in Base.metadata.sorted_tables:
        if table is PEOPLE or table in naming:
            continue
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column.table in naming:
                found.append(Belonging(table, fk.parent, fk.column.table))
    return tuple(found)


def naming(name: str) -> Naming:
    return next(n for n in namings() if n.name == name)


def counts(session: Session, person_id: int) -> dict[str, int]:
    """How many rows of each table name `person_id` (tables with none left out)."""
    out = {}
    for named in namings():
        rows = session.scalar(select(func.count()).select_from(named.table)
                              .where(named.naming(person_id))) or 0
        if rows:
            out[named.name] = rows
    return out


def text_columns(table: Table) -> Sequence[Column[Any]]:
    """The columns of `table` that hold text or JSON: where a name can be written."""
    return [c for c in table.columns
            if isinstance(c.type, String | JSON) and not c.foreign_keys]

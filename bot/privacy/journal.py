"""What a merge of two records changed, row by row, so that the link can be undone.

A merge (`bot.privacy.merge.merge_people`) moves, joins and drops rows in many tables, and
each join has its own rule; writing the inverse of every rule by hand would be a second
copy of all of them, bound to drift. Instead the merge photographs every row either record
touches before and after (`snapshot`: the two people, every row naming either of them, and
the rows hanging off those), and keeps the difference (`diff`): the columns each row had
that changed, the rows that went (whole), and the rows that appeared. An undo puts that
back (`bot.privacy.merge.unmerge`).

The journal is plain JSON, stored with the link (`link_merges.journal`): instants and days
as ISO text, read back by each column's type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, or_, select, tuple_
from sqlalchemy.orm import Session

from bot.infra.db import CHUNK, chunks
from bot.infra.models import Base
from bot.privacy import references

Key = tuple[str, tuple[Any, ...]]
"""A row: its table's name and its primary key's values."""
Row = dict[str, Any]
Snapshot = dict[Key, Row]

VERSION = 1


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def primary_key(of: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in of.primary_key.columns)


def _rows(session: Session, of: Table, where: Any) -> Iterable[Row]:
    return (dict(r) for r in session.execute(select(of).where(where)).mappings())


def _add(found: Snapshot, of: Table, rows: Iterable[Row]) -> None:
    for row in rows:
        found[(of.name, primary_key(of, row))] = row


def snapshot(session: Session, person_ids: Iterable[int],
             also: Iterable[Key] = ()) -> Snapshot:
    """Every row the merge of `person_ids` may change: the people themselves, each row of a
    table that names either (`references.namings`), and the rows that hang off those
    (`references.belongings`: a letter's history). `also`: rows to read again by key
    wherever they are now (what an earlier snapshot held)."""
    session.flush()
    ids = list(person_ids)
    found: Snapshot = {}
    people = references.PEOPLE
    _add(found, people, _rows(session, people, people.c.id.in_(ids)))
    for named in references.namings():
        _add(found, named.table,
             _rows(session, named.table, or_(*(named.naming(i) for i in ids))))
    for belonging in references.belongings():
        parents = sorted({key[0] for (name, key) in found if name == belonging.parent.name})
        for chunk in chunks(parents, CHUNK):
            _add(found, belonging.table,
                 _rows(session, belonging.table, belonging.column.in_(chunk)))
    wanted: dict[str, list[tuple[Any, ...]]] = {}
    for name, key in also:
        if (name, key) not in found:
            wanted.setdefault(name, []).append(key)
    for name, keys in wanted.items():
        of = table(name)
        columns = list(of.primary_key.columns)
        for chunk in chunks(keys, CHUNK):
            where = (columns[0].in_([k[0] for k in chunk]) if len(columns) == 1
                     else tuple_(*columns).in_(chunk))
            _add(found, of, _rows(session, of, where))
    return found


# --- the difference, as JSON ------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(of: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    stored = of.c[column].type
    try:  # a TypeDecorator (UTCDateTime) names its type through the type it wraps
        kind = getattr(stored, "impl_instance", stored).python_type
    except NotImplementedError:  # pragma: no cover - every column type here names one
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    return value


def _encoded(row: Mapping[str, Any]) -> Row:
    return {column: _encode(value) for column, value in row.items()}


def diff(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """The journal of a merge: for each row it changed, the columns' values before and
    after; each row it removed, whole (`after` null); each row it made, whole (`before`
    null). Rows it left alone are not kept."""
    entries: list[dict[str, Any]] = []
    for key in sorted(before.keys() | after.keys(), key=repr):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        name, pk = key
        entry: dict[str, Any] = {"table": name, "key": [_encode(v) for v in pk]}
        if old is not None and new is not None:
            changed = [c for c in old if old[c] != new.get(c)]
            entry["before"] = _encoded({c: old[c] for c in changed})
            entry["after"] = _encoded({c: new.get(c) for c in changed})
        else:
            entry["before"] = None if old is None else _encoded(old)
            entry["after"] = None if new is None else _encoded(new)
        entries.append(entry)
    return {"version": VERSION, "rows": entries}


@dataclass(frozen=True)
class Entry:
    """One row of a journal, with its values read back into their columns' types."""

    table: Table
    key: tuple[Any, ...]
    before: Row | None
    after: Row | None

    @property
    def removed(self) -> bool:
        return self.after is None

    @property
    def made(self) -> bool:
        return self.before is None


def _key(of: Table, raw: list[Any]) -> tuple[Any, ...]:
    columns = list(of.primary_key.columns)
    return tuple(_decode(of, c.name, v) for c, v in zip(columns, raw, strict=True))


def entries(journal: Mapping[str, Any]) -> list[Entry]:
    """A stored journal, read back. An empty or unknown one has nothing to put back."""
    if journal.get("version") != VERSION:
        return []
    out = []
    for raw in journal.get("rows", []):
        of = table(raw["table"])
        values = [None if raw.get(side) is None else
                  {c: _decode(of, c, v) for c, v in raw[side].items()}
                  for side in ("before", "after")]
        out.append(Entry(of, _key(of, raw["key"]), values[0], values[1]))
    return out


def identities_brought(journal: Mapping[str, Any], other_id: int) -> set[int]:
    """The ids of the accounts (`identities` rows) the merge moved from `other_id`: the
    ones the link brought in."""
    return {entry.key[0] for entry in entries(journal)
            if entry.table.name == "identities" and entry.before is not None
            and entry.after is not None and entry.before.get("person_id") == other_id}

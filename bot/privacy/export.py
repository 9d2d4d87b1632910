"""Everything stored about a person as one JSON document: their own row, every row of every
table that names them (found from the schema, `references.namings`), and the rows that hang
off rows of theirs (a letter's history). A row where they are only the other party (a
student's contact with them as the mentor) leaves out what that party does not see
(`rules.WITHHELD_FROM_OTHER_PARTY`), so an export never shows one person another's notes."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from bot.framework.replies import Attachment
from bot.infra.db import as_utc
from bot.infra.models import Person
from bot.infra.zones import local_day
from bot.privacy import catalog, references, rules

FORMAT = 1
"""The export document's format version, for anyone reading exports with a program."""
MIME = "application/json"


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(table: Table, row: Row[Any], leave_out: frozenset[str] = frozenset()
         ) -> dict[str, Any]:
    values = row._mapping
    out = {c.name: _value(values[c.name]) for c in table.columns if c.name not in leave_out}
    if leave_out:
        out["withheld"] = sorted(leave_out)
    return out


def _about(table: str) -> str:
    part = catalog.part_of(table)
    return f"{part.heading}: {part.stored}" if part is not None else ""


def person_document(session: Session, person_id: int, *, now: datetime) -> dict[str, Any]:
    """The export of `person_id` at `now`, as JSON-ready values."""
    people = references.PEOPLE
    own = session.execute(select(people).where(people.c.id == person_id)).one()
    tables: dict[str, dict[str, Any]] = {}
    whole: dict[str, set[Any]] = {}  # rows of theirs, by table: their dependants come too
    others: set[int] = set()
    for named in references.namings():
        rows = []
        for row in session.execute(select(named.table).where(named.naming(person_id))
                                   .order_by(*named.table.primary_key.columns)):
            mine = [c.name for c in named.columns if row._mapping[c.name] == person_id]
            leave_out = rules.withheld(named.name, mine)
            rows.append(_row(named.table, row, leave_out))
            others.update(row._mapping[c.name] for c in named.columns
                          if row._mapping[c.name] not in (None, person_id))
            if not leave_out:
                key = tuple(row._mapping[c.name] for c in named.table.primary_key.columns)
                whole.setdefault(named.name, set()).add(key[0] if len(key) == 1 else key)
        if rows:
            tables[named.name] = {"about": _about(named.name), "rows": rows}
    for belonging in references.belongings():
        parents = sorted(whole.get(belonging.parent.name, ()))
        if not parents:
            continue
        rows = [_row(belonging.table, row) for row in session.execute(
            select(belonging.table).where(belonging.column.in_(parents))
            .order_by(*belonging.table.primary_key.columns))]
        if rows:
            entry = tables.setdefault(belonging.table.name,
                                      {"about": _about(belonging.parent.name), "rows": []})
            entry["rows"].extend(rows)
    names = {str(pid): name for pid, name in session.execute(
        select(people.c.id, people.c.name).where(people.c.id.in_(sorted(others))))}
    return {
        "format": FORMAT,
        "exported_at": _value(now),
        "about": "Everything mentorbot stores about you: your own record, then every row "
                 "that names you, table by table. Where a row is someone else's (a "
                 "student's contact with you as their mentor), the parts only they see are "
                 "left out and listed under \"withheld\". Letters never hold a letter's text.",
        "person": _row(people, own),
        "tables": tables,
        "people_named": names,
    }


def export_bytes(session: Session, person_id: int, *, now: datetime) -> bytes:
    document = person_document(session, person_id, now=now)
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def export_attachment(session: Session, person: Person, *, now: datetime,
                      default_tz: str) -> Attachment:
    """The export as a file to hand the person, named for the day in their zone."""
    day = local_day(now, person.timezone, default_tz)
    return Attachment(filename=f"mentorbot-my-data-{day.isoformat()}.json",
                      content=export_bytes(session, person.id, now=now), mime_type=MIME)


def rows_in(document: dict[str, Any]) -> int:
    """How many rows an export holds (the person's own counted)."""
    return 1 + sum(len(entry["rows"]) for entry in document["tables"].values())

"""The `nudges` table's one owner: every write to it is a named function here.

Planning: one bulk insert that skips existing dedup keys (`insert_bulk`), and one update that
cancels the pending nudges of re-planned subjects that are no longer owed (`cancel_moot`).
Direct messages (`queue_notice`) and cancelling a subject's nudges (`cancel_for`) go through
the same table, so one durable delivery path serves everything."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import Nudge
from bot.nudges.keys import notice_key
from bot.nudges.plans import PlannedNudge
from bot.nudges.vocab import NudgeKind, NudgeState, Subject

BATCH = 5000


def _rows(nudges: Iterable[PlannedNudge], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "person_id": n.person_id,
            "kind": n.kind,
            "due_at": n.due_at,
            "subject_type": n.subject_type,
            "subject_id": n.subject_id,
            "dedup_key": n.dedup_key,
            "text": n.reply.as_text(),
            "payload": n.reply.to_dict(),
            "state": NudgeState.PENDING.value,
            "attempts": 0,
            "created_at": now,
        }
        for n in nudges
    ]


_COLUMNS = ("person_id", "kind", "due_at", "subject_type", "subject_id", "dedup_key", "text",
            "payload", "state", "attempts", "created_at")
_SQL = {
    "sqlite": f"INSERT INTO nudges ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 11)}) "
              "ON CONFLICT (dedup_key) DO NOTHING",
    "postgresql": f"INSERT INTO nudges ({', '.join(_COLUMNS)}) VALUES "
                  "(%s, %s, %s, %s, %s, %s, %s, %s::json, %s, %s, %s) "
                  "ON CONFLICT (dedup_key) DO NOTHING",
}


def _sqlite_instant(moment: datetime) -> str:
    """How `UTCDateTime` stores an instant in SQLite (naive UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _driver_rows(nudges: Sequence[PlannedNudge], now: datetime, dialect: str) -> list[tuple[Any, ...]]:
    instant = _sqlite_instant if dialect == "sqlite" else (lambda m: m.astimezone(UTC))
    created = instant(now)
    return [
        (n.person_id, n.kind, instant(n.due_at), n.subject_type, n.subject_id, n.dedup_key,
         n.reply.as_text(), json.dumps(n.reply.to_dict()), NudgeState.PENDING.value, 0, created)
        for n in nudges
    ]


def stored_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored already (in any state), through the unique index."""
    found: set[str] = set()
    for start in range(0, len(keys), 900):  # under SQLite's bound-parameter limit
        chunk = keys[start : start + 900]
        found.update(session.scalars(select(Nudge.dedup_key).where(Nudge.dedup_key.in_(chunk))))
    return found


def insert_bulk(session: Session, nudges: Sequence[PlannedNudge], *, now: datetime) -> int:
    """Insert, skipping any dedup key already stored (in any state): a nudge sent or
    cancelled once is never planned again. Returns how many rows were new.

    Keys already stored are looked up first, so re-planning (every run, mostly the same
    nudges) costs an index probe per nudge instead of rendering and serialising each one;
    ON CONFLICT DO NOTHING still settles a race with another planner. On SQLite and
    PostgreSQL new rows go to the driver's executemany as ready-made tuples: SQLAlchemy's
    per-row parameter processing cost more than the insert itself (bench/bench_planning.py)."""
    dialect = session.get_bind().dialect.name
    stored = stored_keys(session, [n.dedup_key for n in nudges])
    fresh = [n for n in nudges if n.dedup_key not in stored]
    if not fresh:
        return 0
    if dialect in _SQL:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        added = 0
        for start in range(0, len(fresh), BATCH):
            rows = _driver_rows(fresh[start : start + BATCH], now, dialect)
            cursor = raw.cursor()
            try:
                if dialect == "sqlite":
                    before = raw.total_changes  # type: ignore[attr-defined]
                    cursor.executemany(_SQL[dialect], rows)
                    added += raw.total_changes - before  # type: ignore[attr-defined]
                else:
                    cursor.executemany(_SQL[dialect], rows)
                    added += max(cursor.rowcount, 0)
            finally:
                cursor.close()
        return added
    added = 0  # pragma: no cover - other backends: the ORM path
    for start in range(0, len(fresh), BATCH):  # pragma: no cover
        result = session.connection().execute(insert(Nudge).returning(Nudge.id),
                                              _rows(fresh[start : start + BATCH], now))
        added += len(result.all())
    return added


def cancel_moot(session: Session, owed: Mapping[tuple[str, int], set[str]]) -> int:
    """Cancel the pending nudges of each re-planned subject (type, id) whose key it no
    longer owes."""
    by_type: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for (subject_type, subject_id), keys in owed.items():
        by_type[subject_type][subject_id] = keys
    cancelled = 0
    for subject_type, subjects in by_type.items():
        ids = list(subjects)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            pending = session.execute(
                select(Nudge.id, Nudge.subject_id, Nudge.dedup_key).where(
                    Nudge.state == NudgeState.PENDING,
                    Nudge.subject_type == subject_type,
                    Nudge.subject_id.in_(chunk),
                )
            ).all()
            moot = [row.id for row in pending if row.dedup_key not in subjects[row.subject_id]]
            if moot:
                session.execute(update(Nudge).where(Nudge.id.in_(moot))
                                .values(state=NudgeState.CANCELLED.value))
                cancelled += len(moot)
    return cancelled


def cancel_for(session: Session, subject_type: Subject, subject_ids: Iterable[int]) -> int:
    """Cancel every pending nudge of these subjects (a request answered, a letter
    withdrawn): nothing about them is owed any more."""
    ids = list(subject_ids)
    cancelled = 0
    for start in range(0, len(ids), BATCH):
        result = session.execute(
            update(Nudge)
            .where(Nudge.subject_type == subject_type, Nudge.subject_id.in_(ids[start:start + BATCH]),
                   Nudge.state == NudgeState.PENDING)
            .values(state=NudgeState.CANCELLED.value)
            .execution_options(synchronize_session=False)
        )
        cancelled += int(getattr(result, "rowcount", 0) or 0)
    return cancelled


def queue_notice(session: Session, person_id: int, reply: Reply, *, key: str, now: datetime,
                 subject_type: Subject = Subject.NONE, subject_id: int | None = None) -> Nudge:
    """A direct message owed to a person now (an answer to something just done). `key`
    makes it idempotent: queuing the same key twice stores one message."""
    dedup = notice_key(key)
    existing = session.scalar(select(Nudge).where(Nudge.dedup_key == dedup))
    if existing is not None:
        return existing
    nudge = Nudge(
        person_id=person_id,
        kind=NudgeKind.NOTICE.value,
        due_at=now,
        subject_type=subject_type.value,
        subject_id=subject_id,
        dedup_key=dedup,
        text=reply.as_text(),
        payload=reply.to_dict(),
        state=NudgeState.PENDING.value,
        created_at=now,
    )
    session.add(nudge)
    session.flush()
    return nudge

"""Writing planned nudges: one bulk insert that skips existing dedup keys, and one update
that cancels the pending nudges of re-planned subjects that are no longer owed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import Nudge
from bot.planning import Plan, PlannedNudge

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
            "state": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for n in nudges
    ]


def insert_nudges(session: Session, nudges: Sequence[PlannedNudge], *, now: datetime) -> int:
    """Insert, skipping any dedup key already stored (in any state): a nudge sent or
    cancelled once is never planned again. Returns how many rows were new."""
    dialect = session.get_bind().dialect.name
    added = 0
    for start in range(0, len(nudges), BATCH):
        batch = nudges[start : start + BATCH]
        # Rendering a reply into a row is the costly part, and most keys of a periodic re-plan
        # are already stored: skip those first (ON CONFLICT still settles a race).
        existing = set(session.scalars(select(Nudge.dedup_key).where(
            Nudge.dedup_key.in_([n.dedup_key for n in batch]))))
        rows = _rows([n for n in batch if n.dedup_key not in existing], now)
        if dialect == "postgresql":
            stmt: Any = pg_insert(Nudge).on_conflict_do_nothing(index_elements=["dedup_key"])
        elif dialect == "sqlite":
            stmt = sqlite_insert(Nudge).on_conflict_do_nothing(index_elements=["dedup_key"])
        else:  # pragma: no cover - other backends have no ON CONFLICT here
            stmt = insert(Nudge)
        if rows:
            # RETURNING counts the rows really inserted on every backend; an ORM-level
            # executemany result has no reliable rowcount.
            result = session.connection().execute(stmt.returning(Nudge.id), rows)
            added += len(result.all())
    return added


def cancel_moot(session: Session, plans: Iterable[Plan]) -> int:
    """Cancel pending nudges of each planned subject whose key the plan no longer owes."""
    by_type: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for plan in plans:
        by_type[plan.subject_type][plan.subject_id] = {n.dedup_key for n in plan.nudges}
    cancelled = 0
    for subject_type, subjects in by_type.items():
        ids = list(subjects)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            pending = session.execute(
                select(Nudge.id, Nudge.subject_id, Nudge.dedup_key).where(
                    Nudge.state == "pending",
                    Nudge.subject_type == subject_type,
                    Nudge.subject_id.in_(chunk),
                )
            ).all()
            moot = [row.id for row in pending if row.dedup_key not in subjects[row.subject_id]]
            if moot:
                session.execute(update(Nudge).where(Nudge.id.in_(moot)).values(state="cancelled"))
                cancelled += len(moot)
    return cancelled


def store_plans(session: Session, plans: Sequence[Plan], *, now: datetime) -> int:
    cancel_moot(session, plans)
    return insert_nudges(session, [n for plan in plans for n in plan.nudges], now=now)

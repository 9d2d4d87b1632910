"""The planner's bulk write goes to the driver directly: what it stores must read back
exactly as the ORM would have written it, on SQLite and PostgreSQL. A planned nudge is
stored without words (they are built when it is sent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Nudge
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.nudges.store import claim, insert_bulk
from bot.vocab.nudges import NudgeKind, Subject
from tests.support.factories import add_student


def planned(person_id: int, subject_id: int, due_at: datetime) -> PlannedNudge:
    return PlannedNudge(person_id, NudgeKind.FOLLOWUP, due_at, Subject.MENTORSHIP, subject_id,
                        "2027-01-04")


def test_bulk_rows_read_back_like_orm_rows(database: Database, clock: FixedClock) -> None:
    now = clock.now()
    chicago = ZoneInfo("America/Chicago")
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        due = planned(ana.id, 1, (now - timedelta(minutes=1)).astimezone(chicago))
        later = planned(ana.id, 2, now + timedelta(minutes=1, microseconds=7))
        assert store_plans(session, [Plan("mentorship", 1, [due]), Plan("mentorship", 2, [later])],
                           now=now) == 2
    with database.session() as session:
        rows = {n.subject_id: n for n in session.scalars(select(Nudge))}
    assert rows[1].due_at == now - timedelta(minutes=1)
    assert rows[2].due_at == now + timedelta(minutes=1, microseconds=7)
    assert rows[1].created_at == now
    assert (rows[1].payload, rows[1].text) == ({}, "")
    assert (rows[1].kind, rows[1].subject_type, rows[1].subject_id) == \
        ("followup", "mentorship", 1)
    assert (rows[1].state, rows[1].attempts, rows[1].dedup_key) == \
        ("pending", 0, due.dedup_key)
    # The delivery sweep's comparisons see the same instants.
    with database.session() as session:
        assert [c.id for c in claim(session, worker="w", now=now, limit=10)] == [rows[1].id]


def test_planning_again_adds_nothing_and_counts_right(database: Database,
                                                     clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        first = [planned(ana.id, i, now + timedelta(days=i)) for i in range(7)]
        assert insert_bulk(session, first, now=now) == 7
    with database.session() as session:
        more = first + [planned(ana.id, 100, now)]
        assert insert_bulk(session, more, now=now) == 1
        assert insert_bulk(session, more, now=now) == 0
    with database.session() as session:
        assert len(session.scalars(select(Nudge.id)).all()) == 8

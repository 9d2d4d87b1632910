"""Upgrading an empty database to head yields exactly the models, and downgrade works, on
SQLite and on PostgreSQL; a database with data keeps it across each revision, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from bot.infra.db import downgrade, make_engine, upgrade
from bot.infra.models import Base, Nudge, UTCDateTime
from bot.vocab.nudges import DigestState, NudgeKind, NudgeState
from tests.support.databases import BACKENDS, SqliteFactory


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_factory").empty_url()
    return request.getfixturevalue("postgres_factory").empty_url()


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_url: str) -> None:
    upgrade(empty_url)
    assert _diff(empty_url) == []
    assert set(Base.metadata.tables) <= _tables(empty_url)
    downgrade(empty_url, "base")
    assert _tables(empty_url) & set(Base.metadata.tables) == set()
    upgrade(empty_url)  # and back up again, as a redeploy after a rollback would
    assert _diff(empty_url) == []


CLAIMED = datetime(2027, 1, 4, 14, 50, tzinfo=UTC)
# digest_posts as revision 0001 made it (the model has the lease columns of 0002).
POSTS_0001 = sa.table("digest_posts", sa.column("id", sa.Integer()),
                      sa.column("group_id", sa.Integer()), sa.column("week", sa.String()),
                      sa.column("state", sa.String()), sa.column("posted_at", UTCDateTime()))


PEOPLE_0001 = sa.table("people", sa.column("id", sa.Integer()), sa.column("name", sa.String()),
                       sa.column("created_at", UTCDateTime()))
GROUPS_0001 = sa.table("interest_groups", *(sa.column(c) for c in (
    "id", "slug", "name", "specialty", "followup_weeks", "digest_weekday", "digest_hour",
    "timezone")), sa.column("created_at", UTCDateTime()))
NUDGES_0001 = sa.table("nudges", *(sa.column(c) for c in (
    "id", "person_id", "kind", "subject_type", "subject_id", "dedup_key", "text", "state",
    "attempts")), sa.column("due_at", UTCDateTime()), sa.column("created_at", UTCDateTime()),
    sa.column("payload", sa.JSON()))
MENTORSHIPS_0001 = sa.table("mentorships", *(sa.column(c) for c in (
    "id", "student_id", "mentor_id", "kind", "cadence_days", "active", "source")),
    sa.column("started_at", UTCDateTime()))
CONTACTS_0001 = sa.table("contacts", *(sa.column(c) for c in (
    "id", "student_id", "mentor_id", "mentorship_id", "note", "is_ask")),
    sa.column("at", UTCDateTime()), sa.column("created_at", UTCDateTime()))
"""The tables as revision 0001 had them (the models have grown columns since)."""


def _seed_0001(conn: sa.Connection) -> None:
    """Rows as the code of revision 0001 wrote them."""
    conn.execute(sa.insert(PEOPLE_0001).values(id=1, name="Ana Lopez", created_at=CLAIMED))
    conn.execute(sa.insert(GROUPS_0001).values(
        id=1, slug="em", name="EM", specialty="Emergency Medicine", followup_weeks=6,
        digest_weekday=0, digest_hour=9, timezone="UTC", created_at=CLAIMED))
    conn.execute(sa.insert(NUDGES_0001), [
        {"id": n, "person_id": 1, "kind": kind, "due_at": CLAIMED, "subject_type": "",
         "subject_id": None, "dedup_key": f"k{n}", "text": "hi", "payload": {"text": "hi"},
         "state": state, "attempts": 0, "created_at": CLAIMED}
        for n, (kind, state) in enumerate([("followup", "pending"), ("notice", "sent"),
                                           ("letter-ask", "failed"),
                                           ("intro-pending", "cancelled")], start=1)])
    conn.execute(sa.insert(PEOPLE_0001).values(id=2, name="Dr. Rivera", created_at=CLAIMED))
    conn.execute(sa.insert(MENTORSHIPS_0001).values(
        id=1, student_id=1, mentor_id=2, kind="career", cadence_days=42, active=True,
        source="request", started_at=CLAIMED))
    conn.execute(sa.insert(CONTACTS_0001).values(
        id=1, student_id=1, mentor_id=2, mentorship_id=1, note="first coffee", is_ask=False,
        at=CLAIMED, created_at=CLAIMED))
    conn.execute(sa.insert(POSTS_0001), [
        {"id": 1, "group_id": 1, "week": "2027-W01", "state": "posting", "posted_at": CLAIMED},
        {"id": 2, "group_id": 1, "week": "2026-W53", "state": "posted", "posted_at": CLAIMED}])


def test_an_existing_database_is_upgraded_and_downgraded_with_its_rows(empty_url: str) -> None:
    upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            _seed_0001(conn)
        upgrade(empty_url)
        assert _diff(empty_url) == []
        with engine.begin() as conn:
            assert conn.execute(sa.select(Nudge.id, Nudge.kind, Nudge.state)
                                .order_by(Nudge.id)).all() == [
                (1, NudgeKind.FOLLOWUP, NudgeState.PENDING), (2, NudgeKind.NOTICE, NudgeState.SENT),
                (3, NudgeKind.LETTER_ASK, NudgeState.FAILED),
                (4, NudgeKind.INTRO_PENDING, NudgeState.CANCELLED)]
            posts = sa.table("digest_posts", sa.column("id", sa.Integer()),
                             sa.column("state", sa.String()),
                             sa.column("posted_at", UTCDateTime()),
                             sa.column("lease_until", UTCDateTime()))
            # A week left posting keeps its claim as long as revision 0001 let it.
            assert conn.execute(sa.select(posts.c.id, posts.c.state, posts.c.posted_at,
                                          posts.c.lease_until).order_by(posts.c.id)).all() == [
                (1, DigestState.POSTING, None, CLAIMED + timedelta(minutes=30)),
                (2, DigestState.POSTED, CLAIMED, None)]
            # Rebuilding a SQLite table (mentorships gains a foreign key in 0003) must not
            # cascade into the rows that refer to it.
            assert conn.execute(sa.select(CONTACTS_0001.c.mentorship_id, CONTACTS_0001.c.note)
                                ).all() == [(1, "first coffee")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(sa.update(Nudge.__table__).values(state="snoozed"))
        downgrade(empty_url, "0001")
        with engine.begin() as conn:
            assert conn.execute(sa.select(POSTS_0001.c.state, POSTS_0001.c.posted_at)
                                .order_by(POSTS_0001.c.id)).all() == [
                ("posting", CLAIMED), ("posted", CLAIMED)]
            assert conn.execute(sa.select(sa.func.count()).select_from(Nudge.__table__)
                                ).scalar() == 4
            # Revision 0001 had no CHECK on the state.
            conn.execute(sa.update(Nudge.__table__).where(Nudge.__table__.c.id == 1)
                         .values(state="snoozed"))
    finally:
        engine.dispose()


INDEX_ORDER = ["ix_nudges_person_state", "ix_nudges_state_due", "ix_nudges_subject"]


def _nudge_indexes_and_subject_plan(url: str) -> tuple[list[str], str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            indexes = [name for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'nudges' AND type = 'index' "
                "AND name LIKE 'ix_%' ORDER BY rowid")]
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id, subject_id, dedup_key FROM nudges "
                "WHERE state = 'pending' AND subject_type = 'mentorship' "
                "AND subject_id IN (1, 2, 3)").all()
        return indexes, " | ".join(str(row[-1]) for row in plan)
    finally:
        engine.dispose()


def test_sqlite_finds_a_subjects_pending_nudges_through_the_subject_index(
        sqlite_factory: SqliteFactory) -> None:
    """Re-planning looks up each subject's pending nudges (cancel_moot, cancel_for). SQLite,
    without statistics, breaks the tie between the subject and the (state, due) index by
    taking the one created last, and a batch copy recreates indexes in an order that
    changes from run to run: a migration that copies the table must put them back in
    revision 0001's order, or re-planning scans every pending nudge."""
    url = sqlite_factory.empty_url()
    for revision in ("0001", "head"):
        upgrade(url, revision)
        indexes, plan = _nudge_indexes_and_subject_plan(url)
        assert indexes == INDEX_ORDER, revision
        assert "USING INDEX ix_nudges_subject" in plan, revision
    downgrade(url, "0001")
    indexes, plan = _nudge_indexes_and_subject_plan(url)
    assert indexes == INDEX_ORDER and "USING INDEX ix_nudges_subject" in plan

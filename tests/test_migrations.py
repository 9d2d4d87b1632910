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
from bot.infra.models import Base, InterestGroup, Nudge, Person, UTCDateTime
from bot.nudges.vocab import DigestState, NudgeKind, NudgeState
from tests.support.databases import SqliteFactory


@pytest.fixture(params=["sqlite", "postgres"])
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


def _seed_0001(conn: sa.Connection) -> None:
    """Rows as the code of revision 0001 wrote them."""
    conn.execute(sa.insert(Person.__table__).values(id=1, name="Ana Lopez", created_at=CLAIMED))
    conn.execute(sa.insert(InterestGroup.__table__).values(
        id=1, slug="em", name="EM", specialty="Emergency Medicine", followup_weeks=6,
        digest_weekday=0, digest_hour=9, timezone="UTC", created_at=CLAIMED))
    conn.execute(sa.insert(Nudge.__table__), [
        {"id": n, "person_id": 1, "kind": kind, "due_at": CLAIMED, "subject_type": "",
         "subject_id": None, "dedup_key": f"k{n}", "text": "hi", "payload": {"text": "hi"},
         "state": state, "attempts": 0, "created_at": CLAIMED}
        for n, (kind, state) in enumerate([("followup", "pending"), ("notice", "sent"),
                                           ("letter-ask", "failed"),
                                           ("intro-pending", "cancelled")], start=1)])
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

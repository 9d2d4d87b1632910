"""The suite's own databases: on PostgreSQL each test gets the worker's database emptied
rather than a new copy of the template (tests/support/databases.py), which must leave it
exactly as a fresh copy would be: no rows, every identity restarted, the same schema, even
after a test that left a transaction open."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.infra.db import Database
from bot.nudges.vocab import Subject
from tests.support.clocks import DAY
from tests.support.databases import PostgresFactory, worker_id
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.nudges import add_nudge


def _state(url: str) -> dict[str, Any]:
    """Rows per table, each sequence's last value (None: never used), the schema version."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            tables = conn.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename")).all()
            rows = {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables
                    if t != "alembic_version"}
            sequences = {name: last for name, last in conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema()"))}
            version = conn.scalar(text("SELECT version_num FROM alembic_version"))
        return {"rows": rows, "sequences": sequences, "version": version}
    finally:
        db.dispose()


@pytest.mark.postgres
def test_an_emptied_database_is_as_a_fresh_copy(postgres_factory: PostgresFactory) -> None:
    url = postgres_factory.clean_url()
    assert worker_id() in url  # each xdist worker has its own
    db = Database(url)
    with db.session() as session:
        ana = add_student(session, "Ana Lopez")
        kim = add_faculty(session, "Dr. Maya Kim")
        add_group(session, "em", members=[ana, kim])
        add_nudge(session, ana, due_at=DAY, subject_type=Subject.NONE)
    db.dispose()
    # A test that failed half-way may leave a transaction open, holding locks.
    leaked = Database(url)
    conn = leaked.engine.connect()
    conn.execute(text("SELECT * FROM people FOR UPDATE"))

    assert postgres_factory.clean_url() == url
    fresh = postgres_factory.new_url()
    emptied = _state(url)
    assert emptied == _state(fresh)
    assert set(emptied["rows"].values()) == {0}
    assert emptied["sequences"] and set(emptied["sequences"].values()) == {None}
    with suppress(DBAPIError):  # its server side was ended by the emptying
        conn.close()
    leaked.dispose()
    postgres_factory.drop(fresh)

    db = Database(url)
    with db.session() as session:
        assert add_student(session, "Ben Okafor").id == 1  # identities start again
    db.dispose()

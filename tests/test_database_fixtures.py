"""The suite's own databases: each test gets the worker's database emptied rather than a new
copy of the template (tests/support/databases.py), which must leave it exactly as a fresh
copy would be: no rows, ids from 1, the template's tables and schema version, even after a
test that created a table of its own or left a transaction open."""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.infra.db import Database
from bot.vocab.nudges import Subject
from tests.support.clocks import DAY
from tests.support.databases import BACKENDS, PostgresFactory, SqliteFactory, worker_id
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.nudges import add_nudge


def _state(url: str) -> dict[str, Any]:
    """Rows per table, the schema version, and on PostgreSQL each sequence's last value
    (None: never used)."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            rows = {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables
                    if t != "alembic_version"}
            version = conn.scalar(text("SELECT version_num FROM alembic_version"))
            sequences = {} if db.dialect == "sqlite" else {
                name: last for name, last in conn.execute(text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = current_schema()"))}
        return {"rows": rows, "version": version, "sequences": sequences}
    finally:
        db.dispose()


def _fill(url: str) -> None:
    db = Database(url)
    with db.session() as session:
        ana = add_student(session, "Ana Lopez")
        kim = add_faculty(session, "Dr. Maya Kim")
        add_group(session, "em", members=[ana, kim])
        add_nudge(session, ana, due_at=DAY, subject_type=Subject.NONE)
    with db.engine.begin() as conn:  # as slack-sdk's OAuth stores create theirs
        conn.execute(text("CREATE TABLE made_by_a_test (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO made_by_a_test (id) VALUES (1)"))
    db.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_emptied_database_is_as_a_fresh_copy(backend: str,
                                                request: pytest.FixtureRequest) -> None:
    factory: SqliteFactory | PostgresFactory = request.getfixturevalue(f"{backend}_factory")
    url = factory.clean_url()
    if backend == "postgres":
        assert worker_id() in url  # each xdist worker has its own
    _fill(url)
    assert factory.clean_url() == url
    fresh = factory.new_url()
    emptied = _state(url)
    assert emptied == _state(fresh)
    assert set(emptied["rows"].values()) == {0} and "made_by_a_test" not in emptied["rows"]
    assert set(emptied["sequences"].values()) <= {None}
    db = Database(url)
    with db.session() as session:
        assert add_student(session, "Ben Okafor").id == 1  # ids start again
    db.dispose()


@pytest.mark.postgres
def test_connections_a_test_left_open_are_ended(postgres_factory: PostgresFactory) -> None:
    url = postgres_factory.clean_url()
    _fill(url)
    leaked = Database(url)
    conn = leaked.engine.connect()
    conn.execute(text("SELECT * FROM people FOR UPDATE"))  # a transaction holding locks
    assert postgres_factory.clean_url() == url
    assert set(_state(url)["rows"].values()) == {0}
    with suppress(DBAPIError):  # its server side was ended by the emptying
        conn.invalidate()  # closes the client side
    conn.close()
    leaked.dispose()


def test_a_sqlite_file_a_test_left_locked_is_replaced(sqlite_factory: SqliteFactory) -> None:
    url = sqlite_factory.clean_url()
    _fill(url)
    locked = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    locked.execute("BEGIN IMMEDIATE")  # a write transaction left open
    try:
        replaced = sqlite_factory.clean_url()
    finally:
        locked.close()
    assert replaced != url
    assert set(_state(replaced)["rows"].values()) == {0}

"""Migrated databases for each test, on SQLite files and on a real PostgreSQL.

Both are migrated once with Alembic into a template. A test that only needs a migrated
database with nothing in it (the `db_url` and `database` fixtures) gets the worker's one
database of that backend, emptied as a fresh copy of the template would be: no rows, every
sequence unused (ids from 1), and the template's tables only (a table a test created, as
the Slack OAuth stores do, is dropped). Emptying deletes the rows of the tables that have
any (found in one query) with foreign-key checks off and resets the sequences that were
used. On PostgreSQL that takes 20-25 ms, where `CREATE DATABASE … TEMPLATE` and a forced
drop took about 150 ms a test on these machines and `TRUNCATE` of every table (… RESTART
IDENTITY CASCADE, one statement) 40-80 ms, as it makes new files for all 22 tables and
their indexes while a test leaves rows in a few. tests/test_database_fixtures.py checks the
result against a fresh copy.

Reusing the database lets the worker reuse its `Database` too (`shared_database`): one
engine, whose compiled-statement cache then outlives a test. A new engine per test compiled
every statement again (SQLAlchemy keys the cache by the engine's dialect): a fifth of the
suite's time. Its connections are closed after each test.

Tests that need a database of their own (several engines racing, migrations on an empty
database, a file a real process opens) still get one (`new_url`, `empty_url`). Under
pytest-xdist every worker has its own names (`PYTEST_XDIST_WORKER`): two workers on one
server (CI's, through TEST_POSTGRES_URL) never touch each other's databases."""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.infra.db import Database, normalize_url, upgrade

BACKENDS = [b for b in os.environ.get("MENTORBOT_TEST_BACKENDS", "sqlite,postgres").split(",")
            if b]
"""The backends database tests run on: both by default; MENTORBOT_TEST_BACKENDS=sqlite for a
quick local run (PostgreSQL is then not started at all)."""

_counter = itertools.count(1)
_shared: dict[str, Database] = {}


def worker_id() -> str:
    """This process's name in a pytest-xdist run (gw0, gw1, …), `main` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def shared_database(url: str) -> Database:
    """This worker's `Database` for a reused database URL (see the module's docstring)."""
    if url not in _shared:
        _shared[url] = Database(url)
    return _shared[url]


def _probe(tables: list[str]) -> str:
    """One query naming the tables (quoted names) that have a row."""
    return " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)


class SqliteFactory:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        upgrade(f"sqlite:///{self.template}")
        self._reused: Path | None = None
        self._tables = set(self._table_names(self.template))

    @staticmethod
    def _table_names(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            return [name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%' AND name <> 'alembic_version' ORDER BY name")]
        finally:
            conn.close()

    def new_url(self) -> str:
        """A database file of the test's own, copied from the migrated template."""
        path = self.workdir / f"db{next(_counter)}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def empty_url(self) -> str:
        return f"sqlite:///{self.workdir / f'empty{next(_counter)}.sqlite3'}"

    def clean_url(self) -> str:
        """The worker's reused database file, as a fresh copy of the template would be. If
        a connection a test left open holds it locked, the worker moves to a new copy."""
        if self._reused is not None:
            try:
                self._empty(self._reused)
                return f"sqlite:///{self._reused}"
            except sqlite3.OperationalError:  # "database is locked"
                pass
        url = self.new_url()
        self._reused = Path(make_url(url).database or "")
        return url

    def _empty(self, path: Path) -> None:
        present = self._table_names(path)
        dropped = [t for t in present if t not in self._tables]
        kept = [f'"{t}"' for t in present if t in self._tables]
        conn = sqlite3.connect(path, timeout=2, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys=OFF")  # any order; outside a transaction
            with_rows = [name for (name,) in conn.execute(_probe(kept))]
            if with_rows or dropped:
                conn.executescript("BEGIN; " + "".join(
                    [f'DROP TABLE "{t}"; ' for t in dropped]
                    + [f"DELETE FROM {t}; " for t in with_rows]) + "COMMIT;")
        finally:
            conn.close()


class PostgresFactory:
    def __init__(self, admin_url: str, worker: str | None = None) -> None:
        self.admin_url = normalize_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"mb_{worker or worker_id()}"
        self.template = f"{self.prefix}_template"
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {self.template}"))
        upgrade(self._url(self.template))
        self.created: list[str] = []
        self._reused: Engine | None = None
        self._tables: set[str] = set()

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"
                              + (f" TEMPLATE {template}" if template else "")))
        self.created.append(name)
        return self._url(name)

    def new_url(self) -> str:
        """A database of the test's own, copied from the migrated template."""
        return self._create(f"{self.prefix}_{next(_counter)}", self.template)

    def empty_url(self) -> str:
        """A database with no schema at all (for the migration tests)."""
        return self._create(f"{self.prefix}_empty_{next(_counter)}", None)

    def clean_url(self) -> str:
        """The worker's reused database, as a fresh copy of the template would be.
        Connections a finished test left open are ended first, as dropping its own database
        used to."""
        name = f"{self.prefix}_reused"
        if self._reused is None:
            url = self._create(name, self.template)
            self._reused = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
            with self._reused.connect() as conn:
                self._tables = set(self._table_names(conn))
            return url
        with self._reused.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            present = self._table_names(conn)
            dropped = [t for t in present if t not in self._tables]
            with_rows = conn.scalars(text(_probe([t for t in present if t in self._tables]))
                                     ).all()
            script = "; ".join([
                "BEGIN",
                "SET LOCAL lock_timeout = '10s'",  # a lock the ended connections still hold
                "SET LOCAL session_replication_role = replica",  # no FK checks: any order
                *(f"DROP TABLE {table} CASCADE" for table in dropped),
                *(f"DELETE FROM {table}" for table in with_rows),
                "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))"
                "::regclass, 1, false) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL",
                "COMMIT"])
            try:
                conn.exec_driver_sql(script)
            except OperationalError as exc:
                raise RuntimeError(f"could not empty {name} for the next test: {exc}") from exc
        return self._url(name)

    @staticmethod
    def _table_names(conn: Connection) -> list[str]:
        return list(conn.scalars(text(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version' ORDER BY tablename")))

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        if self._reused is not None:
            self._reused.dispose()
        self.admin.dispose()

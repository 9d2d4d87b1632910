"""Migrated databases for each test, on SQLite files and on a real PostgreSQL.

Both are migrated once with Alembic into a template. On SQLite each test gets a copy of the
template file. On PostgreSQL copying (`CREATE DATABASE … TEMPLATE`, then a forced drop) costs
about 150 ms a test on these machines, so each test instead gets the worker's one database
emptied: every table truncated and every identity restarted in one statement (about 40 ms),
which leaves it as a fresh copy would be (no rows, ids from 1; the schema is never changed by
a test). Tests that need a database of their own (several engines racing, migrations on an
empty database) still get one (`new_url`, `empty_url`).

Under pytest-xdist every worker has its own names (`PYTEST_XDIST_WORKER`): two workers on one
server (CI's, through TEST_POSTGRES_URL) never touch each other's template or databases."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.infra.db import normalize_url, upgrade

BACKENDS = [b for b in os.environ.get("MENTORBOT_TEST_BACKENDS", "sqlite,postgres").split(",")
            if b]
"""The backends database tests run on: both by default; MENTORBOT_TEST_BACKENDS=sqlite for a
quick local run (PostgreSQL is then not started at all)."""

_counter = itertools.count(1)


def worker_id() -> str:
    """This process's name in a pytest-xdist run (gw0, gw1, …), `main` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class SqliteFactory:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        upgrade(f"sqlite:///{self.template}")

    def new_url(self) -> str:
        path = self.workdir / f"db{next(_counter)}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def empty_url(self) -> str:
        return f"sqlite:///{self.workdir / f'empty{next(_counter)}.sqlite3'}"


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
        self._truncate = ""

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
        """The worker's reused database, as a fresh copy of the template would be: every
        table emptied and every identity restarted. Connections a finished test left open
        are closed first, as dropping its own database used to."""
        name = f"{self.prefix}_reused"
        if self._reused is None:
            url = self._create(name, self.template)
            self._reused = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
            with self._reused.connect() as conn:
                tables = conn.scalars(text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = "
                    "current_schema() AND tablename <> 'alembic_version' ORDER BY tablename"
                )).all()
            self._truncate = f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"
            return url
        with self._reused.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            try:
                conn.execute(text("SET lock_timeout = '10s'"))
                conn.execute(text(self._truncate))
            except OperationalError as exc:
                raise RuntimeError(f"could not empty {name} for the next test: {exc}") from exc
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        if self._reused is not None:
            self._reused.dispose()
        self.admin.dispose()

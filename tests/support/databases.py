"""Fresh, migrated databases for each test, on SQLite files and on a real PostgreSQL.

Both are migrated once with Alembic into a template; each test then gets a copy (a file
copy for SQLite, `CREATE DATABASE … TEMPLATE` for PostgreSQL), which keeps the suite fast."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.infra.db import normalize_url, upgrade

_counter = itertools.count(1)


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
    def __init__(self, admin_url: str) -> None:
        self.admin_url = normalize_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.template = "mentorbot_template"
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.template}"))
            conn.execute(text(f"CREATE DATABASE {self.template}"))
        upgrade(self._url(self.template))
        self.created: list[str] = []

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def new_url(self) -> str:
        name = f"mb_test_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.template}"))
        self.created.append(name)
        return self._url(name)

    def empty_url(self) -> str:
        name = f"mb_empty_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        self.created.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        self.admin.dispose()

"""Opening the configured database the way a command-line verb needs it, with one clear line
instead of a traceback when that cannot be done.

- A verb that only reads (`nudges due`, `nudges failed`, `report`, `person export`) writes
  nothing: it never creates a SQLite file and never migrates.
- A verb that writes needs the schema this code was written for: a schema behind it is
  refused with "run `mentorbot db upgrade`", a schema ahead of it (a newer mentorbot
  migrated this database) is refused too.
- Only the verbs that create the database on purpose migrate: `db upgrade` and `demo`
  always, `shell` and `run` on the embedded SQLite default.
- A migration that fails on SQLite leaves the file as it was (it is restored from a copy
  taken first: SQLite's DDL inside Alembic's transaction is not reliably rolled back, and a
  batch migration rebuilds whole tables).
- The revision says which migrations ran, not what the tables hold: `compare` reads the
  live schema against the models (tables, columns, their types and nullability, indexes,
  unique constraints and foreign keys, through Alembic's autogenerate comparison), so a
  column dropped by hand is found (`mentorbot db check`)."""

from __future__ import annotations

import functools
import sqlite3
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from bot.infra.db import (
    MIGRATIONS_DIR,
    Database,
    DriverMissing,
    alembic_config,
    normalize_url,
    upgrade,
)


class Purpose(Enum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"


class DatabaseUnavailable(Exception):
    """The database cannot be used as asked; the message is one line for the person at the
    prompt."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other backends and in-memory databases)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _describe(url: str) -> str:
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@dataclass(frozen=True)
class Migration:
    """What migrating a database did: the schema revision it had (None: none at all) and
    the one it has now."""

    before: str | None
    after: str

    def describe(self, where: str) -> str:
        """One line for the person who asked, naming the database as `where`."""
        if self.before is None:
            return f"Created the database schema at revision {self.after} in {where}."
        if self.before != self.after:
            return (f"Upgraded the database schema from revision {self.before} to "
                    f"{self.after} in {where}.")
        return f"The database schema in {where} is up to date (revision {self.after})."


def open_database(url: str, purpose: Purpose, *, pool_size: int | None = None) -> Database:
    """The database at `url`, checked (and, for CREATE, migrated) for `purpose`, with a pool
    of `pool_size` connections (`DB_POOL_SIZE`)."""
    return _open(url, purpose, pool_size=pool_size)[0]


def create_database(url: str) -> tuple[Database, Migration]:
    """The database at `url`, created or migrated to this code's schema, and what that
    did (`mentorbot db upgrade` says so)."""
    db, migration = _open(url, Purpose.CREATE)
    assert migration is not None
    return db, migration


def describe(url: str) -> str:
    """`url` as it may be shown: without its password."""
    return _describe(url)


def _open(url: str, purpose: Purpose, *, pool_size: int | None = None
          ) -> tuple[Database, Migration | None]:
    shown = _describe(url)
    path = sqlite_path(url) if _parses(url) else None
    if purpose is not Purpose.CREATE and path is not None and not path.exists():
        raise DatabaseUnavailable(f"There is no database at {path}: run `mentorbot db upgrade` "
                                  "(or `mentorbot demo`) first.")
    if purpose is not Purpose.CREATE and path is not None:
        # Look before opening: connecting through the engine sets the journal mode, which
        # writes to the file, and a refused verb must leave it untouched.
        _check_revision(_sqlite_revision(path))
    try:
        db = Database(url, pool_size=pool_size)
    except DriverMissing as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseUnavailable(f"DATABASE_URL is not a database URL I can use ({shown}): "
                                  f"{_first_line(exc)}") from None
    migration = None
    try:
        if purpose is Purpose.CREATE:
            migration = migrate(db)
        else:
            check_current(db)
    except DatabaseUnavailable:
        db.dispose()
        raise
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        db.dispose()
        raise DatabaseUnavailable(f"Cannot use the database at {shown}: "
                                  f"{_first_line(exc)}") from None
    return db, migration


def _parses(url: str) -> bool:
    try:
        make_url(normalize_url(url))
    except ArgumentError:
        return False
    return True


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@functools.cache
def _script(script_location: Path = MIGRATIONS_DIR) -> Any:
    """The migration scripts, read once per process and location: every verb checks the
    schema against them (head and known revisions), and reading them parses every file."""
    from alembic.script import ScriptDirectory  # lazy: only schema checks need alembic

    return ScriptDirectory.from_config(alembic_config("sqlite://", script_location))


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    return str(_script(script_location).get_current_head())


def known_revisions(script_location: Path = MIGRATIONS_DIR) -> set[str]:
    return {rev.revision for rev in _script(script_location).walk_revisions()}


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext  # lazy: see head_revision

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return MigrationContext.configure(conn).get_current_revision()


def _sqlite_revision(path: Path) -> str | None:
    """The schema revision of a SQLite file, read through a read-only connection."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"Cannot open the database at {path}: {exc}") from None
    try:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                             "AND name = 'alembic_version'").fetchone()
        if found is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"Cannot read the database at {path}: {exc}") from None
    finally:
        conn.close()


def check_current(db: Database) -> None:
    """Refuse a schema behind or ahead of this code."""
    _check_revision(current_revision(db))


def _check_revision(current: str | None) -> None:
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseUnavailable("The database has no mentorbot tables yet: run "
                                  "`mentorbot db upgrade` first.")
    if current not in known_revisions():
        raise DatabaseUnavailable(f"The database schema ({current}) is newer than this "
                                  "mentorbot: upgrade mentorbot, or point DATABASE_URL at "
                                  "another database.")
    raise DatabaseUnavailable(f"The database schema ({current}) is behind this mentorbot "
                              f"({head}): run `mentorbot db upgrade`.")


def migrate(db: Database, *, script_location: Path = MIGRATIONS_DIR) -> Migration:
    """Upgrade to head, and say from which revision. On SQLite a failed migration restores
    the file from a copy taken first, so the database is left exactly as it was."""
    current = current_revision(db)
    if current is not None and current not in known_revisions(script_location):
        raise DatabaseUnavailable(f"The database schema ({current}) is newer than this "
                                  "mentorbot: upgrade mentorbot instead.")
    head = head_revision(script_location)
    path = sqlite_path(db.url)
    if path is None or not path.exists():
        upgrade(db.url, script_location=script_location)
        return Migration(current, head)
    with tempfile.TemporaryDirectory() as tmp:
        backup = Path(tmp) / "before.sqlite3"
        _copy_sqlite(path, backup)
        try:
            upgrade(db.url, script_location=script_location)
        except Exception:
            db.dispose()
            _copy_sqlite(backup, path)
            raise
    return Migration(current, head)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (WAL contents included); the target's
    own -wal and -shm files are removed first so nothing stale is replayed over it."""
    for suffix in ("-wal", "-shm"):
        stale = target.with_name(target.name + suffix)
        if stale.exists():
            stale.unlink()
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()



# --- the live schema against the models -------------------------------------------------

OTHER_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})
"""Tables that live in the same database but are not mentorbot's models: slack-sdk's OAuth
installation and state stores (adapters/slack/oauth.py creates them with their default
names). The comparison leaves them out."""


def compare(db: Database) -> list[str]:
    """How the live schema differs from this mentorbot's models, one line each (none: it
    matches). Reads only."""
    from alembic.autogenerate import compare_metadata  # lazy: see head_revision
    from alembic.migration import MigrationContext  # lazy: see head_revision

    from bot.infra.models import Base  # lazy: schema checks need the models, opening does not

    def wanted(name: str | None, kind: str, _parent: Any) -> bool:
        return not (kind == "table" and name in OTHER_TABLES)

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": False,
            "include_name": wanted})
        found = compare_metadata(context, Base.metadata)
    lines: list[str] = []
    for item in found:
        for change in (item if isinstance(item, list) else [item]):
            lines.append(_difference(change))
    return sorted(lines)


def _columns(element: Any) -> str:
    return ", ".join(c.name for c in element.columns)


def _difference(change: tuple[Any, ...]) -> str:
    """One of Alembic's differences, read from the database's side: "missing" is in the
    models but not in the database, "not in the models" the other way round."""
    kind = change[0]
    if kind in ("add_table", "remove_table"):
        where = "missing" if kind == "add_table" else "not in the models"
        return f"table {change[1].name}: {where}"
    if kind in ("add_column", "remove_column"):
        where = "missing" if kind == "add_column" else "not in the models"
        return f"column {change[2]}.{change[3].name}: {where}"
    if kind == "modify_type":
        return (f"column {change[2]}.{change[3]}: type {change[5]} in the database, "
                f"{change[6]} in the models")
    if kind == "modify_nullable":
        said = {True: "may be empty", False: "may not be empty"}
        return (f"column {change[2]}.{change[3]}: {said[change[5]]} in the database, "
                f"{said[change[6]]} in the models")
    if kind in ("add_index", "remove_index"):
        index = change[1]
        where = "missing" if kind == "add_index" else "not in the models"
        unique = "unique index" if index.unique else "index"
        return f"{unique} {index.name} on {index.table.name}({_columns(index)}): {where}"
    if kind in ("add_constraint", "remove_constraint"):
        constraint = change[1]
        where = "missing" if kind == "add_constraint" else "not in the models"
        return (f"unique constraint {constraint.name} on "
                f"{constraint.table.name}({_columns(constraint)}): {where}")
    if kind in ("add_fk", "remove_fk"):
        key = change[1]
        where = "missing" if kind == "add_fk" else "not in the models"
        target = key.elements[0].target_fullname if key.elements else "?"
        return (f"foreign key {key.table.name}({_columns(key)}) → {target}: {where}")
    return f"{kind}: {' '.join(str(part) for part in change[1:])}"


@dataclass(frozen=True)
class SchemaCheck:
    """The live schema's revision against this code's, and its differences from the models."""

    where: str
    revision: str | None
    head: str
    differences: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return self.revision == self.head and not self.differences

    def report(self) -> str:
        if self.matches:
            return (f"The database schema in {self.where} matches this mentorbot "
                    f"(revision {self.head}).")
        lines = []
        if self.revision != self.head:
            lines.append(f"The database is at revision {self.revision or '(none)'}; this "
                         f"mentorbot is at {self.head}: run `mentorbot db upgrade`.")
        if self.differences:
            count = len(self.differences)
            lines.append(f"{count} difference{'s' if count != 1 else ''} between the "
                         f"database in {self.where} and this mentorbot's models:")
            lines += [f"  - {line}" for line in self.differences]
        return "\n".join(lines)


def check_schema(url: str) -> SchemaCheck:
    """Read the live schema at `url` against the models, writing nothing (a SQLite file that
    does not exist is not created)."""
    shown = _describe(url)
    path = sqlite_path(url) if _parses(url) else None
    if path is not None and not path.exists():
        raise DatabaseUnavailable(f"There is no database at {path}: run `mentorbot db "
                                  "upgrade` (or `mentorbot demo`) first.")
    try:
        db = Database(url)
    except DriverMissing as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseUnavailable(f"DATABASE_URL is not a database URL I can use ({shown}): "
                                  f"{_first_line(exc)}") from None
    try:
        return SchemaCheck(shown, current_revision(db), head_revision(),
                           tuple(compare(db)))
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        raise DatabaseUnavailable(f"Cannot use the database at {shown}: "
                                  f"{_first_line(exc)}") from None
    finally:
        db.dispose()

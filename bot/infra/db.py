"""Engine, sessions and migrations (one `Database` per process, shared by adapters and
jobs), and the few helpers every store shares: how a stored instant reads (`as_utc`), how a
long id list is cut for an `IN (…)` (`chunks`), and how many rows are inserted at once
(`insert_rows`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    Table,
    any_,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

CHUNK = 900
"""Ids or keys per `IN (…)`: under SQLite's bound-parameter limit (999 before 3.32)."""
COPY_FROM = 50
"""From this many rows an insert goes to PostgreSQL by COPY (one stream instead of a
statement per batch); for a handful, a plain INSERT costs less."""

T = TypeVar("T")


def as_utc(moment: datetime) -> datetime:
    """An instant as every column stores it: aware, in UTC. A naive value is taken to be
    UTC already (SQLite hands back what it stored that way; an aggregate may too)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (an `IN (…)` list each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def id_in(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """`column IN ids` as one bound value (an array on PostgreSQL, JSON on SQLite): one
    statement however long the list, and no statement compilation per list."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return in_list(session, column, ids)


def in_list(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values` for thousands of values (dedup keys, subject ids): on SQLite one
    JSON value, since expanding the list into parameters cost more than the lookups
    (bench/bench_planning.py). Elsewhere the plain list: a statement run again and again
    is prepared by PostgreSQL's driver, and with one array parameter its generic plan
    tested every row against the whole array (25 s a statement for 5,000 subjects among
    100,000 nudges), where a list of parameters keeps its size in the plan."""
    if session.get_bind().dialect.name == "sqlite":
        listed: Any = select(literal_column("value")).select_from(
            func.json_each(literal(json.dumps(list(values)))))
        return column.in_(listed)
    return column.in_(list(values))


def kept_ids(session: Session, name: str, query: Select[Any]) -> Select[Any]:
    """The ids `query` selects, as a select to test membership with (`column.in_(…)`),
    for several statements of one unit of work.

    On SQLite they are kept in a temporary table of the connection (`temp.<name>`, an
    INTEGER PRIMARY KEY, refilled by each call): SQLite builds the lookup of an `IN
    (subquery)` afresh for each statement, which for a group of 200,000 students cost
    about 0.1 s a statement (bench/bench_report.py), while it looks an id up in such a
    table directly. The temporary database is the connection's own, so nothing stored
    is written and no writer waits. Elsewhere the query itself is returned: PostgreSQL
    hashes it once per statement, cheaply. `name` must be an identifier of ours."""
    if session.get_bind().dialect.name != "sqlite":
        return query
    if not name.isidentifier():
        raise ValueError(f"not an identifier: {name!r}")
    kept = table(name, column("id", Integer), schema="temp")
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)"))
    session.execute(delete(kept))
    session.execute(insert(kept).from_select(["id"], query).prefix_with("OR IGNORE"))
    return select(kept.c.id)


def _table(target: type[DeclarativeBase] | Table) -> Table:
    table = target if isinstance(target, Table) else target.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(session: Session, target: type[DeclarativeBase] | Table,
                rows: Sequence[Mapping[str, Any]], *,
                skip_conflicts: Sequence[str] | None = None,
                returning: str | None = None) -> list[Any]:
    """Insert many rows of one table in the caller's unit of work, the fastest way each
    backend offers, and return the `returning` column of the rows inserted (in the order
    given), or [] without `returning`.

    - `skip_conflicts` names a unique key: a row that would repeat one already stored
      (another worker got there first) is skipped, not an error (ON CONFLICT DO NOTHING).
    - Otherwise, on PostgreSQL, `COPY_FROM` rows or more go by COPY when nothing is to be
      returned; every other case is one INSERT per batch of rows (SQLAlchemy's
      "insertmanyvalues" when returning, the driver's executemany when not).

    Every row must name the same columns; defaults of the model are not applied (give
    every column that has one)."""
    if not rows:
        return []
    table = _table(target)
    dialect = session.get_bind().dialect.name
    column = table.c[returning] if returning is not None else None
    if skip_conflicts is not None:
        statement: Any
        if dialect == "postgresql":
            statement = pg_insert(table).on_conflict_do_nothing(index_elements=skip_conflicts)
        elif dialect == "sqlite":
            statement = sqlite_insert(table).on_conflict_do_nothing(
                index_elements=skip_conflicts)
        else:  # pragma: no cover - other backends: the unique key refuses a repeat
            statement = insert(table)
        if column is None:
            column = next(iter(table.primary_key.columns))
        # One statement per row: RETURNING with ON CONFLICT tells which rows went in.
        found: list[Any] = []
        for row in rows:
            found += session.execute(statement.returning(column), dict(row)).scalars().all()
        return found if returning is not None else []
    if column is not None:
        return list(session.scalars(insert(table).returning(column,
                                                            sort_by_parameter_order=True),
                                    [dict(row) for row in rows]))
    if dialect == "postgresql" and len(rows) >= COPY_FROM:
        _copy(session, table, rows)
        return []
    session.execute(insert(table), [dict(row) for row in rows])
    return []


def _copy(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """PostgreSQL's COPY into `table`, on the session's own connection (so inside its
    transaction). JSON columns are sent as JSON text; instants as they are (psycopg
    converts aware datetimes)."""
    columns = list(rows[0])
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    names = ", ".join(table.c[name].name for name in columns)
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
        f"COPY {table.name} ({names}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v
                            for v in (row[c] for c in columns)])


def normalize_url(url: str) -> str:
    """Accept the common `postgres://` / `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


POOL_OVERFLOW = 5
"""Connections a process may open beyond its pool size while every pooled one is busy
(closed again when returned): a burst of work waits less, and the most a process ever
holds stays `pool_size + POOL_OVERFLOW`."""
POOL_TIMEOUT = 30
"""Seconds a unit of work waits for a free connection before it fails."""


class DriverMissing(ValueError):
    """The URL names a database whose Python driver is not installed (`mysql://` without
    MySQLdb): one line for the person at the prompt, not an import traceback."""


def pool_options(size: int | None) -> dict[str, Any]:
    """An explicit pool: `size` connections kept, `POOL_OVERFLOW` more while busy (None:
    SQLAlchemy's own defaults, 5 + 10)."""
    if size is None:
        return {}
    return {"pool_size": size, "max_overflow": POOL_OVERFLOW, "pool_timeout": POOL_TIMEOUT}


def make_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if ":memory:" not in url and url not in {"sqlite://", "sqlite+pysqlite://"}:
        for key, value in pool_options(pool_size).items():
            kwargs.setdefault(key, value)
    try:
        if url.startswith("sqlite"):
            kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
            engine = create_engine(url, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    except ImportError as exc:  # create_engine imports the URL's driver
        scheme = url.partition(":")[0]
        raise DriverMissing(
            f"DATABASE_URL is {scheme}://…, whose Python driver ({exc.name or exc}) is not "
            "installed: install it, or use PostgreSQL (postgresql://…) or SQLite "
            "(sqlite:///…), which mentorbot runs on.") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


CommitListener = Callable[[Mapping[str, Any]], None]
"""Told, after a unit of work of `Database.session()` committed, what it noted in its
`session.info` (a store notes what a copy kept elsewhere must see: the finder's index)."""


class Database:
    """One per process. `pool_size`: the connections it keeps (`DB_POOL_SIZE`; the most it
    holds is `pool_size + POOL_OVERFLOW`)."""

    def __init__(self, url: str, *, pool_size: int | None = None, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, pool_size=pool_size, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._commit_listeners: list[CommitListener] = []

    def on_commit(self, listener: CommitListener) -> None:
        """Call `listener` with each committed unit of work's notes (once per listener,
        however often it is added)."""
        if listener not in self._commit_listeners:
            self._commit_listeners.append(listener)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any exception."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        notes = dict(session.info)
        for listener in list(self._commit_listeners):
            listener(notes)

    def upgrade(self, revision: str = "head") -> None:
        upgrade(self.url, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str, script_location: Path = MIGRATIONS_DIR) -> Any:
    from alembic.config import Config  # lazy: only migrating needs alembic (about half a second)

    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head", *, script_location: Path = MIGRATIONS_DIR) -> None:
    from alembic import command  # lazy: see alembic_config

    command.upgrade(alembic_config(url, script_location), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command  # lazy: see alembic_config

    command.downgrade(alembic_config(url), revision)

"""SQL expressions that SQLite and PostgreSQL spell differently, written once here so that a
figure counted in the database (`bot.reports.store`) is the same query on both.

Instants are exact on both backends. PostgreSQL stores `timestamptz` (microseconds);
SQLite stores the text SQLAlchemy writes, `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, whose order
is the order of the instants. So on SQLite an instant is never turned into a number (its
date functions keep milliseconds only): a later instant is built as text, whole seconds
by `strftime` and the microseconds copied, and a duration to order by is a whole number of
microseconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Interval
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class greatest(FunctionElement[Any]):  # noqa: N801 - named as the SQL function it is
    """The largest of its arguments (PostgreSQL `greatest`, SQLite's many-argument `max`).
    The two disagree about NULL (PostgreSQL skips it, SQLite returns it): give it none."""

    name = "greatest"
    inherit_cache = True

    @property
    def type(self) -> Any:  # type: ignore[override]
        return next(iter(self.clauses)).type


@compiles(greatest)
def _greatest(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


class later_by(ColumnElement[Any]):  # noqa: N801 - reads as SQL: later_by(sent_at, week)
    """`instant + delta`, exactly (a whole number of seconds): PostgreSQL adds an interval
    of microseconds (never days, which would follow the session's time zone); SQLite
    adds the seconds to the whole-second part of the stored text and keeps its
    microseconds."""

    inherit_cache = False

    def __init__(self, instant: Any, delta: timedelta) -> None:
        if delta.microseconds:
            raise ValueError("later_by takes whole seconds")
        self.instant = instant
        self.seconds = int(delta.total_seconds())
        self.type = instant.type


@compiles(later_by)
def _later_by(element: later_by, compiler: SQLCompiler, **kw: Any) -> str:
    instant = compiler.process(element.instant, **kw)
    return f"({instant} + INTERVAL '{element.seconds * 1_000_000} microseconds')"


@compiles(later_by, "sqlite")
def _later_by_sqlite(element: later_by, compiler: SQLCompiler, **kw: Any) -> str:
    instant = compiler.process(element.instant, **kw)
    return (f"(strftime('%Y-%m-%d %H:%M:%S', substr({instant}, 1, 19), "
            f"'{element.seconds:+d} seconds') || substr({instant}, 20))")


class elapsed(ColumnElement[Any]):  # noqa: N801 - reads as SQL: elapsed(asked, answered)
    """`end - start`, as a value to order by: an interval on PostgreSQL, whole
    microseconds on SQLite. Only its order is the same on both."""

    inherit_cache = False

    def __init__(self, start: Any, end: Any) -> None:
        self.start = start
        self.end = end
        self.type = Interval()


@compiles(elapsed)
def _elapsed(element: elapsed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.end, **kw)} - {compiler.process(element.start, **kw)})"


@compiles(elapsed, "sqlite")
def _elapsed_sqlite(element: elapsed, compiler: SQLCompiler, **kw: Any) -> str:
    def micros(instant: ColumnElement[Any]) -> str:
        text = compiler.process(instant, **kw)
        return (f"(CAST(strftime('%s', substr({text}, 1, 19)) AS INTEGER) * 1000000 "
                f"+ CAST(substr({text}, 21, 6) AS INTEGER))")

    return f"({micros(element.end)} - {micros(element.start)})"


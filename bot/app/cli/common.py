"""What the CLI verbs share: the configured database (opened for what the verb does, see
`bot.infra.schema`), the clock and the core."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bot.app.core import Core
from bot.infra.clock import Clock, SystemClock
from bot.infra.db import Database
from bot.infra.schema import Purpose, open_database
from bot.infra.settings import get_settings

clock_factory: Callable[[], Clock] = SystemClock
"""Where every verb gets its clock (through `clock()`): the system's. One place, so a test
sets its fixed clock here once (tests/conftest.py) and no command-line test depends on
today's date or hour."""


def clock() -> Clock:
    """The clock a verb reads "now" from, and hands to the core."""
    return clock_factory()


def database(purpose: Purpose = Purpose.WRITE) -> Database:
    """The configured database, checked for `purpose`: read-only verbs never write, verbs
    that write need the current schema, and only CREATE migrates."""
    settings = get_settings()
    return open_database(settings.database_url, purpose, pool_size=settings.db_pool_size)


def creating_on_default() -> Purpose:
    """`shell` and `run` create the embedded SQLite default on purpose (a fresh checkout just
    works); against any other database they need it migrated first."""
    return Purpose.CREATE if get_settings().uses_embedded_database else Purpose.WRITE


def core(purpose: Purpose = Purpose.WRITE) -> Core:
    return Core(db=database(purpose), clock=clock(), settings=get_settings())


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1

"""What the CLI verbs share: the configured database and core."""

from __future__ import annotations

import sys

from bot.app.core import Core
from bot.infra.db import Database
from bot.infra.settings import get_settings


def database(migrate: bool = True) -> Database:
    """The configured database, migrated to head so every verb works on a fresh machine."""
    db = Database(get_settings().database_url)
    if migrate:
        db.upgrade()
    return db


def core() -> Core:
    return Core(db=database(), settings=get_settings())


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1

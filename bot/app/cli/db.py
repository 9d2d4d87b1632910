"""`mentorbot db upgrade`."""

from __future__ import annotations

import argparse

from bot.infra.schema import create_database, describe
from bot.infra.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database maintenance",
                        description="Database maintenance.")
    verbs = db.add_subparsers(dest="db_verb", metavar="VERB")
    verbs.required = True
    up = verbs.add_parser("upgrade", help="apply migrations to DATABASE_URL",
                          description="Apply all Alembic migrations to DATABASE_URL.")
    up.set_defaults(func=upgrade)


def upgrade(args: argparse.Namespace) -> int:
    """Create or upgrade the schema, and say which: created at a revision, upgraded from
    one to another, or already up to date."""
    url = get_settings().database_url
    db, migration = create_database(url)
    db.dispose()
    print(migration.describe(describe(url)))
    return 0

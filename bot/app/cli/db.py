"""`mentorbot db upgrade`."""

from __future__ import annotations

import argparse

from bot.infra.schema import Purpose, open_database
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
    db = open_database(get_settings().database_url, Purpose.CREATE)
    print(f"Database is up to date ({db.engine.url.render_as_string(hide_password=True)}).")
    return 0

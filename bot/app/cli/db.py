"""`mentorbot db upgrade` and `mentorbot db check`."""

from __future__ import annotations

import argparse

from bot.infra.schema import check_schema, compare, create_database, describe
from bot.infra.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database maintenance",
                        description="Database maintenance.")
    verbs = db.add_subparsers(dest="db_verb", metavar="VERB")
    verbs.required = True
    up = verbs.add_parser("upgrade", help="apply migrations to DATABASE_URL",
                          description="Apply all Alembic migrations to DATABASE_URL.")
    up.set_defaults(func=upgrade)
    check = verbs.add_parser(
        "check", help="compare the live schema with this mentorbot's models",
        description="Read the database at DATABASE_URL (writing nothing) and compare its "
        "schema with this mentorbot's models: missing or extra tables and columns, column "
        "types and nullability, indexes, unique constraints and foreign keys. Exits 0 when "
        "they match, 1 with the differences listed, 2 when the database cannot be read.")
    check.set_defaults(func=check_verb)


def upgrade(args: argparse.Namespace) -> int:
    """Create or upgrade the schema, and say which: created at a revision, upgraded from
    one to another, or already up to date."""
    url = get_settings().database_url
    db, migration = create_database(url)
    try:
        differences = compare(db)
    finally:
        db.dispose()
    print(migration.describe(describe(url)))
    if differences:
        # The revision is current, but the tables are not what it says (a column dropped
        # by hand): "up to date" alone would be wrong.
        print(f"But the tables differ from this mentorbot's models in {len(differences)} "
              "place(s): `mentorbot db check` lists them.")
        return 1
    return 0


def check_verb(args: argparse.Namespace) -> int:
    """The live schema against the models: 0 when they match, 1 with the differences."""
    found = check_schema(get_settings().database_url)
    print(found.report())
    return 0 if found.matches else 1

"""The command line and its database: a bad or unreachable DATABASE_URL, a schema behind or
ahead of the code, each give one clear line and a non-zero exit (never a traceback);
read-only verbs write nothing; only the verbs that create the database on purpose migrate; a
failed migration on SQLite leaves the file as it was.

One case runs `python -m bot` as a real process (the exit status and standard error as a
shell sees them, with the logging the process sets up); the others run `main()` in this
process with the same environment and working directory: a process apiece added 1.5 s each
and checked nothing more."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.infra.db import MIGRATIONS_DIR, Database, upgrade
from bot.infra.schema import DatabaseUnavailable, head_revision, migrate
from tests.support.cli import Mentorbot, Ran

ROOT = Path(__file__).resolve().parent.parent


def _process(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=url, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _one_clear_line(result: Ran | subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_bad_database_url_is_one_line_from_a_real_process(tmp_path: Path) -> None:
    result = _process("nudges", "failed", url="not a url at all", cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result)


@pytest.mark.parametrize("url", ["not a url at all", "mysql+nosuchdriver://x@y/z",
                                 "sqlite:////nonexistent-dir/deeper/x.sqlite3"])
def test_a_bad_database_url_is_one_line(mentorbot: Mentorbot, tmp_path: Path,
                                        url: str) -> None:
    _one_clear_line(mentorbot("nudges", "failed", url=url, cwd=tmp_path))


def test_an_unreachable_postgres_is_one_line(mentorbot: Mentorbot, tmp_path: Path) -> None:
    url = f"postgresql://nobody@127.0.0.1:{_free_port()}/nothing"
    result = mentorbot("organizer", "add", "a@b.edu", "--group", "em", "--name", "A",
                       url=url, cwd=tmp_path)
    _one_clear_line(result, "Cannot use the database")


def test_read_only_verbs_create_and_migrate_nothing(mentorbot: Mentorbot,
                                                    tmp_path: Path) -> None:
    db_file = tmp_path / "fresh.sqlite3"
    result = mentorbot("nudges", "due", "--json", url=f"sqlite:///{db_file}", cwd=tmp_path)
    _one_clear_line(result, "mentorbot db upgrade")
    assert not db_file.exists()


def test_a_schema_behind_the_code_is_refused_until_upgraded(mentorbot: Mentorbot,
                                                            tmp_path: Path) -> None:
    db_file = tmp_path / "old.sqlite3"
    sqlite3.connect(db_file).close()  # an empty file: no tables, no version
    url = f"sqlite:///{db_file}"
    before = db_file.read_bytes()
    _one_clear_line(mentorbot("nudges", "failed", url=url, cwd=tmp_path),
                    "mentorbot db upgrade")
    _one_clear_line(mentorbot("organizer", "add", "a@b.edu", "--group", "em", "--name", "A",
                              url=url, cwd=tmp_path), "mentorbot db upgrade")
    assert db_file.read_bytes() == before
    upgraded = mentorbot("db", "upgrade", url=url, cwd=tmp_path)
    assert upgraded.returncode == 0
    assert upgraded.stdout.strip() == (f"Created the database schema at revision "
                                       f"{head_revision()} in {url}.")
    again = mentorbot("db", "upgrade", url=url, cwd=tmp_path)
    assert again.stdout.strip() == (f"The database schema in {url} is up to date (revision "
                                    f"{head_revision()}).")
    assert mentorbot("nudges", "failed", url=url, cwd=tmp_path).returncode == 0


def test_an_upgrade_names_the_revisions_it_went_between(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.sqlite3'}"
    upgrade(url, "0002")
    db = Database(url)
    try:
        migration = migrate(db)
    finally:
        db.dispose()
    assert migration.describe("here") == (f"Upgraded the database schema from revision 0002 "
                                          f"to {head_revision()} in here.")


def test_a_schema_newer_than_the_code_is_refused(mentorbot: Mentorbot, tmp_path: Path) -> None:
    db_file = tmp_path / "newer.sqlite3"
    url = f"sqlite:///{db_file}"
    upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    db.dispose()
    for verb in (("nudges", "failed"), ("db", "upgrade"), ("demo",)):
        _one_clear_line(mentorbot(*verb, url=url, cwd=tmp_path), "newer than this mentorbot")


def test_shell_creates_only_the_embedded_default(mentorbot: Mentorbot, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite3"
    sqlite3.connect(elsewhere).close()
    _one_clear_line(mentorbot("shell", url=f"sqlite:///{elsewhere}", cwd=tmp_path),
                    "mentorbot db upgrade")
    result = mentorbot("shell", url=None, cwd=tmp_path)
    assert (tmp_path / "mentorbot.sqlite3").exists()
    assert "Traceback" not in result.stderr
    assert "There is no one in the database yet" in result.stderr


def test_a_failed_migration_on_sqlite_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = head_revision()
    (scripts / "versions" / "9999_breaks.py").write_text(
        '"""A migration that fails half-way."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9999_breaks'\ndown_revision = {head!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.create_table('half_done', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    with op.batch_alter_table('people') as batch:\n"
        "        batch.drop_column('quiet_hours')\n"
        "    raise RuntimeError('the migration broke')\n\n\n"
        "def downgrade() -> None:\n    pass\n")
    db_file = tmp_path / "live.sqlite3"
    url = f"sqlite:///{db_file}"
    upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO people (name, email, quiet_hours, created_at) "
                          "VALUES ('Ana', 'ana@x.edu', '22:00-07:00', '2027-01-04')"))
    db.dispose()
    before = _dump(db_file)
    db = Database(url)
    with pytest.raises(RuntimeError, match="the migration broke"):
        migrate(db, script_location=scripts)
    db.dispose()
    assert _dump(db_file) == before


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_migrate_refuses_a_database_from_a_newer_mentorbot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(DatabaseUnavailable, match="newer"):
        migrate(db)
    db.dispose()


# --- a URL whose driver is not installed ----------------------------------------------------


@pytest.mark.parametrize(("url", "driver"), [("mysql://u:p@localhost/db", "MySQLdb"),
                                             ("mysql+pymysql://u:p@localhost/db", "pymysql"),
                                             ("oracle://u:p@localhost/db", "oracledb")])
@pytest.mark.parametrize("verb", [("db", "upgrade"), ("db", "check"), ("nudges", "due"),
                                  ("discord", "sync", "--dry-run")])
def test_a_database_whose_driver_is_missing_is_one_line_and_exit_2(
        mentorbot: Mentorbot, tmp_path: Path, url: str, driver: str, verb: tuple[str, ...]) -> None:
    result = mentorbot(*verb, url=url, cwd=tmp_path)
    _one_clear_line(result, f"whose Python driver ({driver}) is not installed",
                    "PostgreSQL", "SQLite")
    assert result.returncode == 2


# --- mentorbot db check ---------------------------------------------------------------------


def test_db_check_finds_what_the_revision_does_not_say(mentorbot: Mentorbot, own_db_url: str,
                                                       tmp_path: Path) -> None:
    """A column dropped by hand, an index dropped, a column added, a type changed: `db
    upgrade` no longer calls that "up to date", and `db check` lists each one. On a database
    of its own: the worker's reused one must keep its schema for the tests after it."""
    db_url = own_db_url
    matches = mentorbot("db", "check", url=db_url, cwd=tmp_path)
    assert matches.returncode == 0, matches.stderr
    assert matches.stdout.startswith("The database schema in ")
    assert f"matches this mentorbot (revision {head_revision()})." in matches.stdout
    db = Database(db_url)
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE people DROP COLUMN last_platform"))
        conn.execute(text("DROP INDEX ix_link_requests_owner_id"))
        conn.execute(text("ALTER TABLE letters ADD COLUMN extra TEXT"))
        if postgres:
            conn.execute(text("ALTER TABLE people ALTER COLUMN timezone TYPE TEXT"))
    db.dispose()
    expected = ["column letters.extra: not in the models",
                "column people.last_platform: missing",
                "index ix_link_requests_owner_id on link_requests(owner_id): missing"]
    if postgres:
        expected.append("column people.timezone: type TEXT in the database, VARCHAR(64) in "
                        "the models")
    expected.sort()

    upgraded = mentorbot("db", "upgrade", url=db_url, cwd=tmp_path)
    assert upgraded.returncode == 1
    assert "is up to date (revision" in upgraded.stdout
    assert (f"But the tables differ from this mentorbot's models in {len(expected)} "
            "place(s): `mentorbot db check` lists them.") in upgraded.stdout

    checked = mentorbot("db", "check", url=db_url, cwd=tmp_path)
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert lines[0].startswith(f"{len(expected)} differences between the database in ")
    assert [line.removeprefix("  - ") for line in lines[1:]] == expected
    assert "Traceback" not in checked.stderr


def test_db_check_writes_nothing_and_needs_a_database(mentorbot: Mentorbot, tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    result = mentorbot("db", "check", url=f"sqlite:///{missing}", cwd=tmp_path)
    _one_clear_line(result, f"There is no database at {missing}")
    assert result.returncode == 2 and not missing.exists()


def test_db_check_leaves_slack_sdks_own_tables_alone(mentorbot: Mentorbot, tmp_path: Path) -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    from bot.infra.schema import OTHER_TABLES

    assert {SQLAlchemyInstallationStore.default_installations_table_name,
                            SQLAlchemyInstallationStore.default_bots_table_name,
                            SQLAlchemyOAuthStateStore.default_table_name} == OTHER_TABLES
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    db = Database(url)
    SQLAlchemyInstallationStore(client_id="c", engine=db.engine).create_tables()
    SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine).create_tables()
    db.dispose()
    result = mentorbot("db", "check", url=url, cwd=tmp_path)
    assert result.returncode == 0, result.stdout

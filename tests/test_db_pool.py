"""DB_POOL_SIZE: each process holds at most `DB_POOL_SIZE + POOL_OVERFLOW` connections (what
the README's "Running several workers" counts against PostgreSQL's max_connections), and a
pool size, or a send rate, out of range is refused with one line naming the setting."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from bot.infra.db import POOL_OVERFLOW, Database
from bot.infra.settings import DEFAULT_DB_POOL_SIZE, Settings
from tests.support.cli import Mentorbot


def test_a_process_holds_at_most_its_pool_and_the_overflow(db_url: str) -> None:
    db = Database(db_url, pool_size=2, pool_timeout=0.2)
    try:
        with ExitStack() as held:
            for _ in range(2 + POOL_OVERFLOW):
                connection = held.enter_context(db.engine.connect())
                assert connection.execute(text("SELECT 1")).scalar() == 1
            with pytest.raises(exc.TimeoutError):  # one more waits, then fails
                db.engine.connect()
        # Given back: the pool keeps its 2 open and closes the overflow.
        assert db.engine.pool.checkedin() == 2  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_the_pool_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "7")
    assert Settings(_env_file=None).db_pool_size == 7  # type: ignore[call-arg]
    monkeypatch.delenv("DB_POOL_SIZE")
    assert Settings(_env_file=None).db_pool_size == DEFAULT_DB_POOL_SIZE  # type: ignore[call-arg]


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("DB_POOL_SIZE", "0", "DB_POOL_SIZE is '0': Input should be greater than or equal to 1"),
    ("DB_POOL_SIZE", "lots", "DB_POOL_SIZE is 'lots': Input should be a valid integer"),
    ("SLACK_SEND_RATE", "-1", "SLACK_SEND_RATE is '-1': Input should be greater than or equal"),
    ("DISCORD_SEND_RATE", "fast", "DISCORD_SEND_RATE is 'fast': Input should be a valid number"),
])
def test_a_setting_out_of_range_is_one_line_and_changes_nothing(
        mentorbot: Mentorbot, tmp_path: Path, setting: str, value: str, says: str) -> None:
    database = tmp_path / "mentorbot.sqlite3"
    result = mentorbot("nudges", "failed", url=f"sqlite:///{database}", cwd=tmp_path,
                       env={setting: value})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line
    assert result.stderr.startswith(f"mentorbot: {says}")
    assert not database.exists()  # nothing was opened, let alone made

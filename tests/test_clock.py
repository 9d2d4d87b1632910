"""The clocks themselves: production's reads the machine (timezone-aware, UTC); everything
else in the suite runs on the test's clock, the command line included. This module is the
one allowed to read the real clock (pyproject's banned-api allowlist)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.cli import common as cli_common
from bot.app.cli import main
from bot.app.core import Core
from bot.infra.clock import FixedClock, SystemClock
from tests.support.clocks import DAY, NIGHT, RunningClock


def test_the_system_clock_is_the_machines_in_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


def test_the_command_line_runs_on_the_system_clock_unless_a_test_sets_one(
        monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> None:
    assert cli_common.clock() is clock  # tests/conftest.py put the test's clock there
    monkeypatch.undo()
    assert cli_common.clock_factory is SystemClock


def test_a_verb_reads_the_test_clock(cli: Core, clock: FixedClock,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    clock.set(NIGHT)
    assert main(["nudges", "due"]) == 0
    assert capsys.readouterr().out.strip() == "No nudges due at 2027-01-05T02:00:00+00:00."


def test_a_running_clock_starts_at_its_moment_and_runs_with_real_time() -> None:
    clock = RunningClock(DAY)
    first = clock.now()
    time.sleep(0.01)
    second = clock.now()
    assert DAY <= first < second < DAY + timedelta(seconds=5)
    clock.set(NIGHT)
    assert NIGHT <= clock.now() < NIGHT + timedelta(seconds=5)
    clock.advance(timedelta(hours=6))
    assert clock.now() >= NIGHT + timedelta(hours=6)

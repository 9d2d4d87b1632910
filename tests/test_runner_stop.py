"""`mentorbot run` stops cleanly: a real process on the SQLite demo data (the console
adapter, no chat platform configured) exits 0 within 10 seconds of the end of its input or
of SIGTERM, even while its start-up jobs run, and leaves no nudge claimed."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import demo
from bot.infra.clock import SystemClock
from bot.infra.db import Database, upgrade
from bot.infra.models import Nudge
from bot.vocab.nudges import NudgeState

STOP_WITHIN = 10.0
STARTED = "No chat platform is configured"  # the console is about to start
PLANNING = 'Running job "plan nudges'  # a start-up job is running


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("run") / "demo.sqlite3"
    upgrade(f"sqlite:///{path}")
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        demo.load(session, SystemClock())
    db.dispose()
    return path


@pytest.fixture
def database_file(demo_file: Path, tmp_path: Path) -> Path:
    """A copy of the demo database: every run starts from the same unplanned state."""
    path = tmp_path / "mentorbot.sqlite3"
    path.write_bytes(demo_file.read_bytes())
    return path


@dataclass
class Running:
    proc: subprocess.Popen[str]
    lines: queue.Queue[tuple[float, str]]

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        """The moment a line containing `text` appeared on standard error."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {text!r}")
            try:
                at, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if text in line:
                return at


Start = Callable[[int], Running]


@pytest.fixture
def start(database_file: Path, tmp_path: Path) -> Iterator[Start]:
    started: list[Running] = []

    def run(stdin: int) -> Running:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(DATABASE_URL=f"sqlite:///{database_file}", LOG_LEVEL="DEBUG",
                   PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[tuple[float, str]] = queue.Queue()

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.put((time.monotonic(), line))

        threading.Thread(target=read, daemon=True).start()
        running = Running(proc, lines)
        started.append(running)
        return running

    yield run
    for running in started:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()


def claimed_left(database_file: Path) -> int:
    """Pending nudges still held by a worker after the process is gone."""
    db = Database(f"sqlite:///{database_file}")
    with db.session() as session:
        held = session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.state == NudgeState.PENDING, Nudge.claimed_by.is_not(None)))
    db.dispose()
    return int(held or 0)


def test_run_exits_0_soon_after_its_input_ends(start: Start, database_file: Path) -> None:
    running = start(subprocess.DEVNULL)
    began = running.wait_for(STARTED)
    assert running.proc.wait(timeout=60) == 0
    assert time.monotonic() - began < STOP_WITHIN
    assert claimed_left(database_file) == 0


def test_sigterm_during_the_start_up_jobs_exits_0_within_10_seconds(
        start: Start, database_file: Path) -> None:
    running = start(subprocess.PIPE)  # input stays open: only the signal stops it
    running.wait_for(PLANNING)
    sent = time.monotonic()
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=60) == 0
    assert time.monotonic() - sent < STOP_WITHIN
    assert claimed_left(database_file) == 0


def test_sigterm_while_waiting_for_input_exits_0(start: Start, database_file: Path) -> None:
    running = start(subprocess.PIPE)
    running.wait_for('Job "deliver due nudges')  # the start-up sweep is over
    sent = time.monotonic()
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=60) == 0
    assert time.monotonic() - sent < STOP_WITHIN
    assert claimed_left(database_file) == 0


# --- a stop while the program is still loading ----------------------------------------------


def _caught(pid: int) -> set[int]:
    """The signals a process has a handler for (Linux: SigCgt in /proc/PID/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("SigCgt:"):
                mask = int(line.split()[1], 16)
                return {n for n in range(1, 65) if mask & (1 << (n - 1))}
    return set()


def _handler_in_place(proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Poll until the process catches SIGTERM: it is ready to be told to stop."""
    deadline = time.monotonic() + timeout
    while signal.SIGTERM not in _caught(proc.pid):
        assert proc.poll() is None, "the process ended before catching SIGTERM"
        assert time.monotonic() < deadline, "SIGTERM was never caught"
        time.sleep(0.001)


ENTRY_POINTS = {"python -m bot": [sys.executable, "-m", "bot"],
                "mentorbot": [str(Path(sys.executable).with_name("mentorbot"))]}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_sigterm_and_sigint_at_once_while_it_loads_stop_it_cleanly(
        database_file: Path, tmp_path: Path, entry_point: str) -> None:
    """Both signals as soon as the process can take them, while it is still importing the
    program: it exits 0, with no traceback and nothing started, not killed by the signal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=f"sqlite:///{database_file}", LOG_LEVEL="DEBUG")
    proc = subprocess.Popen([*ENTRY_POINTS[entry_point], "run"], cwd=tmp_path, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _handler_in_place(proc)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert STARTED not in err and "Running job" not in err, err  # stopped before starting
    assert claimed_left(database_file) == 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_ctrl_c_while_another_verb_loads_says_interrupted(database_file: Path,
                                                          tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database_file}")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "nudges", "due"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _handler_in_place(proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err, out) == (130, "mentorbot: interrupted\n", "")

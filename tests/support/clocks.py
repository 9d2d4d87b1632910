"""The moments tests run at, and a clock for the few tests whose subject waits for real.

Nothing in the suite reads the real clock (ruff's banned-api rule in `pyproject.toml`
enforces it): a test that passed at 15:00 UTC and failed at 03:00 UTC was reading the hour of
the machine, not the hour it meant. Delivery and quiet-hours tests run at both `DAY` and
`NIGHT` (`AT_DAY_AND_NIGHT`), so what each hour sends is asserted, not assumed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

DAY = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
"""Monday 15:00 UTC (10:00 in New York): outside everyone's default quiet hours."""
NIGHT = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
"""Tuesday 02:00 UTC: inside the default quiet hours (21:00–08:00) for people on UTC."""
MORNING = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
"""When `NIGHT`'s quiet hours end, for people on UTC."""

AT_DAY_AND_NIGHT = pytest.mark.parametrize("start", [DAY, NIGHT], ids=["day", "night"])
"""Run a test at both hours; the test takes `start: datetime`."""


def sending_resumes(start: datetime) -> datetime:
    """When a reminder due at `start` (DAY or NIGHT) goes out for someone on UTC with the
    default quiet hours: at once by day, at the end of the night otherwise."""
    return MORNING if start == NIGHT else start


class RunningClock:
    """Starts at a fixed instant and runs on with real (monotonic) time.

    For the few tests whose subject waits for real between threads (leases that must expire
    while two sweepers race, back-off measured in fractions of a second): the date and hour
    stay the test's choice, only the seconds run. `advance()` jumps, as `FixedClock`'s does."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._start += delta

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (and run on from there)."""
        with self._lock:
            self._start = moment
            self._origin = time.monotonic()

    def timestamp(self) -> float:
        """Seconds since the epoch, for a fake that stamps messages as its platform does."""
        return self.now().timestamp()

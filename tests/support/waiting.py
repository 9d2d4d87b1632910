"""Waiting in tests without sleeping on a guess.

A test that slept 0.2 s and then asserted "nothing was sent" proved nothing on a loaded
machine and cost 0.2 s on an idle one. Instead: wait for a condition that must come true
(`wait_until`, bounded, failing loudly with what it waited for), or for the work in flight to
finish (`InFlight.settle`, which fakes and harnesses expose as `settle()`), then assert."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

SETTLE_TIMEOUT = 10.0
"""Seconds `settle()` waits before failing: far above any in-process step of the suite."""
POLL = 0.005


def wait_until(condition: Callable[[], bool], *, timeout: float = SETTLE_TIMEOUT,
               what: str = "the condition") -> None:
    """Return as soon as `condition()` holds; fail after `timeout` seconds saying `what`.
    For conditions nobody signals (a row in another connection, a process's state)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(POLL)


class InFlight:
    """Counts units of work begun and not yet finished: requests a fake is answering, tasks
    submitted to an executor it watches. `settle()` returns once the count is zero."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._count = 0
        self._changed = threading.Condition()

    def begin(self) -> None:
        with self._changed:
            self._count += 1

    def end(self) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    @property
    def busy(self) -> int:
        with self._changed:
            return self._count

    def watch(self, executor: Executor) -> None:
        """Count every task submitted to `executor` from now until it finishes (or is
        cancelled). Wraps the instance's `submit`: the executor itself is unchanged."""
        submit = executor.submit

        def tracked(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            self.begin()
            try:
                future = submit(fn, *args, **kwargs)
            except BaseException:
                self.end()
                raise
            future.add_done_callback(lambda _future: self.end())
            return future

        executor.submit = tracked  # type: ignore[method-assign]

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._count == 0, timeout):
                raise AssertionError(f"{self.name}: {self._count} unit(s) of work still in "
                                     f"flight after {timeout:g} s")


def settle_all(*parts: InFlight, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until none of `parts` has work in flight, at one moment: work finishing in one
    may start work in another (a listener refreshing Home), so look again until a whole pass
    finds them all idle."""
    deadline = time.monotonic() + timeout
    while True:
        for part in parts:
            part.settle(max(deadline - time.monotonic(), 0.0))
        if all(part.busy == 0 for part in parts):
            return

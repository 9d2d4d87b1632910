"""Stop signals that come while the program is still loading: noted by a handler that uses
nothing but the standard library (`install`, called first by `bot.app.entry`), then handed to
the verb once it is known. `mentorbot run` takes them after installing its own handlers
(`take`) and stops at once; any other verb gets the default handling back (`release`), and
the signal noted meanwhile acts then as it would have: SIGTERM ends the process, Ctrl-C
ends it with "interrupted" and status 130, never a traceback."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_noted: list[int] = []


def _note(signum: int, _frame: FrameType | None) -> None:
    _noted.append(signum)


def install() -> None:
    """Note SIGINT and SIGTERM instead of acting on them, until a verb takes over."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _note)


def take() -> int | None:
    """The first stop signal that came while the program loaded (forgotten once taken), for
    a verb that handles stopping itself (`mentorbot run`, after installing its own)."""
    first = _noted[0] if _noted else None
    _noted.clear()
    return first


def release() -> None:
    """The default handling back, for a verb that has none of its own; a stop signal that
    came while the program loaded acts now. (Only the main thread may set handlers: a verb
    run from another thread, as tests do, leaves them be.)"""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    first = take()
    if first == signal.SIGTERM:
        os.kill(os.getpid(), signal.SIGTERM)
    elif first == signal.SIGINT:
        raise KeyboardInterrupt

"""The console script's first lines (`mentorbot`, `python -m bot`): catch SIGINT and SIGTERM
before anything heavy is imported.

Loading the program (SQLAlchemy, pydantic, the platforms' libraries) takes a second or
three. Until now a SIGTERM in that time killed the process by the signal, and a Ctrl-C
printed a KeyboardInterrupt traceback. So the handlers here, which only note the signal,
are installed first, using nothing but the standard library; once the verb is known its
own handling takes over (`take`): `mentorbot run` stops cleanly at once (exit 0) if a
signal came while it loaded; any other verb gets the default handling back (`release`), and
the signal noted meanwhile then acts as it would have: SIGTERM ends the process, Ctrl-C
ends it with "interrupted" and status 130, never a traceback."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
    install()
    try:
        from bot.app.cli import main as cli_main  # after the handlers: the slow part
    except KeyboardInterrupt:  # pragma: no cover - only with the handlers not yet in place
        print("mentorbot: interrupted", file=sys.stderr)
        return 130
    return cli_main(argv)

"""The console script's first lines (`mentorbot`, `python -m bot`): catch SIGINT and SIGTERM
before anything heavy is imported.

Loading the program (SQLAlchemy, pydantic, the platforms' libraries) takes a second or
three. Until now a SIGTERM in that time killed the process by the signal, and a Ctrl-C
printed a KeyboardInterrupt traceback. So the handlers of `bot.app.early_signals`, which
only note the signal, are installed first, and the program is loaded after them."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.app import early_signals


def main(argv: Sequence[str] | None = None) -> int:
    early_signals.install()
    try:
        from bot.app.cli import main as cli_main  # after the handlers: the slow part
    except KeyboardInterrupt:  # pragma: no cover - only with the handlers not yet in place
        print("mentorbot: interrupted", file=sys.stderr)
        return 130
    return cli_main(argv)

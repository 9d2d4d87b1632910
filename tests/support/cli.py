"""The command line run in the test's own process, as `python -m bot` would run it.

`python -m bot` is `raise SystemExit(main())`: a process adds 1.5–2 s of start-up (and a
PNG-writing verb more) and checks nothing `main()` does not, except the logging the process
sets up and its exit status as a shell sees it; tests/test_cli_database.py keeps one real
process for those. Verbs read the test's clock (tests/conftest.py sets it for the CLI)."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.infra.settings import get_settings


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Mentorbot:
    """`mentorbot ARGS` in this process, as `python -m bot` would run it: DATABASE_URL set
    (or not), no chat platform configured, in `cwd`, with `stdin` as its input."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        for name in list(os.environ):
            if name.startswith(("SLACK_", "DISCORD_")):
                monkeypatch.delenv(name)

    def __call__(self, *args: str, url: str | None, cwd: Path, stdin: str = "",
                 env: dict[str, str] | None = None) -> Ran:
        for name, value in (env or {}).items():
            self.monkeypatch.setenv(name, value)
        if url is None:
            self.monkeypatch.delenv("DATABASE_URL", raising=False)
        else:
            self.monkeypatch.setenv("DATABASE_URL", url)
        self.monkeypatch.chdir(cwd)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        get_settings.cache_clear()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's refusals
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        finally:
            get_settings.cache_clear()
        out = self.capsys.readouterr()
        return Ran(code, out.out, out.err)

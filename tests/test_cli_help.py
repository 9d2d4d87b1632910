"""Every verb's --help reads as written: argparse %-formats help strings but not
descriptions, so a doubled `%%` in a description would be printed as is. The report's
description states its target from the rule (`TARGET_MATCH_RATE`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from bot.app.cli import build_parser
from bot.reports.rules import TARGET_MATCH_RATE


def _parsers(parser: argparse.ArgumentParser, path: str = "mentorbot"
             ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_no_help_text_shows_a_doubled_percent_sign() -> None:
    pages = dict(_parsers(build_parser()))
    assert len(pages) > 10
    assert [path for path, parser in pages.items() if "%%" in parser.format_help()] == []


def test_report_help_states_the_target_match_rate() -> None:
    pages = dict(_parsers(build_parser()))
    text = " ".join(pages["mentorbot report"].format_help().split())
    assert f"match rate ({TARGET_MATCH_RATE:.0%} is the usual target)" in text
    assert "70%" in text

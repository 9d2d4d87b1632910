"""`mentorbot run`: start the adapters whose credentials are set, and the scheduler."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser(
        "run", help="start the configured adapters and the scheduler",
        description="Start Slack (SLACK_BOT_TOKEN with SLACK_APP_TOKEN or "
        "SLACK_SIGNING_SECRET), Discord (DISCORD_TOKEN) and the scheduler. With neither "
        "configured, says what to set and runs the console adapter instead.")
    run.add_argument("--as", dest="as_email", metavar="EMAIL",
                     help="console only: act as this person (default: the demo student, else the first student)")
    # It stops cleanly on SIGINT and SIGTERM itself, from the first moment (bot.app.early_signals).
    run.set_defaults(func=start, handles_stop_signals=True)


def start(args: argparse.Namespace) -> int:
    from bot.app.runner import run  # lazy: loads the configured adapters

    return run(as_email=args.as_email)

"""`mentorbot discord sync [--dry-run] [--guild ID]`: register the slash commands with
Discord. The payload comes from the same CommandTree the running bot dispatches with.
(The Discord adapter is imported inside the command: the core never loads discord.py.)"""

from __future__ import annotations

import argparse
import json

from bot.app.cli.common import fail
from bot.infra.db import Database
from bot.infra.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    discord_verb = sub.add_parser("discord", help="Discord administration",
                                  description="Discord administration.")
    verbs = discord_verb.add_subparsers(dest="discord_verb", metavar="VERB")
    verbs.required = True
    sync = verbs.add_parser(
        "sync", help="register the /mentor and /letter slash commands with Discord",
        description="Register the /mentor and /letter slash commands with Discord (needs "
        "DISCORD_TOKEN). Global commands can take up to an hour to appear everywhere; "
        "--guild registers them to one server at once, for trying changes.")
    sync.add_argument("--dry-run", action="store_true",
                      help="print the JSON payload that would be sent, and send nothing")
    sync.add_argument("--guild", type=int, metavar="ID",
                      help="register to this server (guild id) only")
    sync.set_defaults(func=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from adapters.discord.sync import sync_commands, sync_payload  # lazy: loads discord.py
    from bot.app.core import Core  # lazy: the other verbs need no core

    settings = get_settings()
    core = Core(db=Database(settings.database_url), settings=settings)  # never connects
    if args.dry_run:
        print(json.dumps(sync_payload(core, guild_id=args.guild), indent=2,
                         ensure_ascii=False))
        return 0
    if not settings.discord_token:
        return fail("DISCORD_TOKEN is not set: put the bot token in the environment or .env "
                    "(or use --dry-run to see the payload).")
    names = sync_commands(core, settings.discord_token, guild_id=args.guild)
    where = f"server {args.guild}" if args.guild else "all servers (global)"
    print(f"Registered {len(names)} commands for {where}: {', '.join(names)}")
    return 0

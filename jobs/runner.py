"""The main job: adapters whose credentials are set, plus the scheduler; the console
adapter when no chat platform is configured."""

from __future__ import annotations

import logging
import sys

from bot.cli.common import core as make_core
from bot.settings import get_settings

log = logging.getLogger(__name__)

NOTHING_CONFIGURED = """\
No chat platform is configured, so mentorbot runs on the console.
To connect it, set in the environment or a .env file:
  Slack:   SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)
           or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP on PORT, default 3000)
  Discord: DISCORD_TOKEN
"""


def run(as_email: str | None = None) -> int:
    settings = get_settings()
    core = make_core()
    if not (settings.slack_configured or settings.discord_configured):
        print(NOTHING_CONFIGURED, file=sys.stderr)
        return _console(core, as_email)
    raise SystemExit("chat adapters are not wired yet")


def _console(core, as_email: str | None) -> int:  # type: ignore[no-untyped-def]
    from adapters.console import Shell
    from bot.cli.shell import pick_person

    with core.db.session() as session:
        person = pick_person(session, as_email)
        if person is None:
            print("The database is empty: run `mentorbot demo` first.", file=sys.stderr)
            return 1
        actor_id, label = person.id, f"{person.name} <{person.email}>"
    return Shell(core, actor_id, label).run()

"""The main job (`mentorbot run`): the chat adapters whose credentials are set and the
scheduler, all sharing one core; the console adapter when no chat platform is configured.

Each part is a `Service` built by a `build(core, settings)` function in its own module, so
this file only composes them. Services start their own threads; the main thread waits."""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading
from typing import Protocol

from adapters.console import ConsoleChannel, Shell
from bot.app.cli.common import core as make_core
from bot.app.cli.common import creating_on_default
from bot.app.cli.shell import pick_person
from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Channel, Router
from bot.infra.settings import Settings, get_settings
from jobs.scheduler import build as build_scheduler

log = logging.getLogger(__name__)

NOTHING_CONFIGURED = """\
No chat platform is configured, so mentorbot runs on the console.
To connect it, set in the environment or a .env file:
  Slack:   SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)
           or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP on PORT, default 3000)
  Discord: DISCORD_TOKEN
"""

ADAPTER_BUILDERS = {  # imported only when configured: each loads its platform library
    "slack": "adapters.slack.service",
    "discord": "adapters.discord.service",
}


class Service(Protocol):
    name: str

    def start(self) -> None:
        """Start without blocking (a thread of its own)."""

    def stop(self) -> None: ...

    def channel(self) -> Channel | None:
        """The delivery channel for direct messages through this platform, if any."""


def configured_adapters(settings: Settings) -> list[str]:
    return [name for name, on in (("slack", settings.slack_configured),
                                  ("discord", settings.discord_configured)) if on]


def run(as_email: str | None = None) -> int:
    settings = get_settings()
    core = make_core(creating_on_default())
    names = configured_adapters(settings)
    if not names:
        print(NOTHING_CONFIGURED, file=sys.stderr)
        return _console(core, as_email)
    router = Router()
    services: list[Service] = []
    for name in names:
        service: Service = importlib.import_module(ADAPTER_BUILDERS[name]).build(core, settings)
        channel = service.channel()
        if channel is not None:
            router.add(channel)
        services.append(service)
    core.router = router  # announcements post to group channels through the same channels
    services.append(_scheduler(core, router))
    return _serve(services)


def delivery_router(core: Core, settings: Settings) -> Router:
    """The configured adapters' delivery channels without starting the adapters (their
    Web APIs need no running connection), for a one-off sweep (`mentorbot nudges run`);
    the console channel when no chat platform is configured."""
    router = Router()
    for name in configured_adapters(settings):
        service = importlib.import_module(ADAPTER_BUILDERS[name]).build(core, settings)
        channel = service.channel()
        if channel is not None:
            router.add(channel)
    if not router.channels:
        router.add(ConsoleChannel())
    return router


def _scheduler(core: Core, router: Router) -> Service:
    return build_scheduler(core, router, plan_all)


def _serve(services: list[Service]) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    for service in services:
        log.info("starting %s", service.name)
        service.start()
    stop.wait()
    for service in reversed(services):
        service.stop()
    return 0


def _console(core: Core, as_email: str | None) -> int:
    with core.db.session() as session:
        person = pick_person(session, as_email)
        if person is None:
            print("The database is empty: run `mentorbot demo` first.", file=sys.stderr)
            return 1
        actor_id, label = person.id, f"{person.name} <{person.email}>"
    router = Router([ConsoleChannel()])
    core.router = router
    shell = Shell(core, actor_id, label, router=router)
    # Planned nudges and digests are printed too, as they fall due.
    scheduler = _scheduler(core, router)
    scheduler.start()
    try:
        return shell.run()
    finally:
        scheduler.stop()

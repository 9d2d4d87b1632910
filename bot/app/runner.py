"""The main job (`mentorbot run`): the chat adapters whose credentials are set and the
scheduler, all sharing one core; the console adapter when no chat platform is configured.

Each part is a `Service` built by a `build(core, settings)` function in its own module, so
this file only composes them. Services start their own threads; the main thread waits. The
web pages (PUBLIC_URL set) ride on the Slack HTTP server when there is one, else get a
server of their own (`web_services`).

Stopping: SIGTERM or SIGINT at any moment (or the end of the console's input) stops the
services in reverse order and exits 0 within `STOP_GRACE` seconds. The scheduler's sweep
finishes its sends in flight and gives back the nudges it claimed but did not send; a job
still running when the grace runs out (a planning transaction, a send that hangs) dies with
the process, having committed nothing half-done (a send in flight has its attempt recorded,
so the next worker looks for it before sending again)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from adapters.console import ConsoleChannel, Shell
from adapters.console.shell import STOP_POLL
from adapters.slack.edge import RECORD_LIFETIME, REPLAY_PLATFORM
from bot.app import early_signals
from bot.app.cli.common import core as make_core
from bot.app.cli.common import creating_on_default
from bot.app.cli.shell import pick_person
from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Channel, Router
from bot.infra.settings import Settings, get_settings
from jobs.scheduler import STOP_WAIT
from jobs.scheduler import build as build_scheduler

log = logging.getLogger(__name__)

STOP_GRACE = STOP_WAIT + 3.0
"""Seconds from a stop request to the process's exit at the latest."""

SHORT_LIVED = {REPLAY_PLATFORM: timedelta(seconds=RECORD_LIFETIME)}
"""`seen_events` records that matter only within a window: the Slack request signatures
remembered against replays (retention deletes them once no replay could pass the edge's
age check)."""

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


@runtime_checkable
class Mountable(Protocol):
    """A service whose HTTP server can carry other applications under their own paths."""

    @property
    def serves_http(self) -> bool: ...

    def mount(self, prefixes: tuple[str, ...], application: Any) -> None: ...


class Service(Protocol):
    name: str

    def start(self) -> None:
        """Start without blocking (a thread of its own)."""

    def stop(self) -> Any:
        """Stop, waiting a bounded time for work in flight."""

    def channel(self) -> Channel | None:
        """The delivery channel for direct messages through this platform, if any."""


def configured_adapters(settings: Settings) -> list[str]:
    return [name for name, on in (("slack", settings.slack_configured),
                                  ("discord", settings.discord_configured)) if on]


@dataclass
class Stopper:
    """What a stop signal does: note the request (the main thread and every job look at it
    between steps) and start the watchdog that ends the process after STOP_GRACE whatever
    still runs. Python runs a signal handler in the main thread only once that thread is
    back in Python code, so the main thread never blocks without a timeout."""

    requested: threading.Event = field(default_factory=threading.Event)
    shell: Shell | None = None
    _watchdog: threading.Timer | None = None

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.on_signal)

    def on_signal(self, signum: int, _frame: Any) -> None:
        if not self.requested.is_set():
            log.info("stopping (%s)", signal.Signals(signum).name)
        self.request()

    def wait(self) -> None:
        while not self.requested.wait(STOP_POLL):
            pass

    def request(self) -> None:
        """Stop now; exit within STOP_GRACE seconds at the latest."""
        self.requested.set()
        if self.shell is not None:
            self.shell.stop.set()
        if self._watchdog is None:
            self._watchdog = threading.Timer(STOP_GRACE, _exit_now)
            self._watchdog.daemon = True
            self._watchdog.start()


def _exit_now() -> None:
    """The grace is over: end the process, nothing half-done is committed (see above)."""
    log.warning("still busy %.0f s after the stop request: exiting anyway", STOP_GRACE)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(0)


def run(as_email: str | None = None) -> int:
    stopper = Stopper()
    stopper.install()  # before anything slow: a stop during start-up is honoured too
    if early_signals.take() is not None:
        return 0  # stopped while the program loaded: nothing was started
    settings = get_settings()
    core = make_core(creating_on_default())
    names = configured_adapters(settings)
    if not names:
        print(NOTHING_CONFIGURED, file=sys.stderr)
        return _console(core, as_email, stopper)
    router = Router()
    services: list[Service] = []
    for name in names:
        service: Service = importlib.import_module(ADAPTER_BUILDERS[name]).build(core, settings)
        channel = service.channel()
        if channel is not None:
            router.add(channel)
        services.append(service)
    core.router = router  # announcements post to group channels through the same channels
    services += web_services(core, settings, services)
    services.append(_scheduler(core, router))
    return _serve(services, stopper)


def web_services(core: Core, settings: Settings, services: list[Service]) -> list[Service]:
    """The web pages, when PUBLIC_URL is set: mounted on the Slack HTTP server when there is
    one (no new port), else a server of their own on WEB_PORT (default PORT). Returns the
    services to add (none when they were mounted)."""
    if not settings.web_enabled:
        return []
    from adapters.http import server_for  # lazy, like the pages: waitress with them
    from adapters.web import service as web  # lazy: Flask loads only when pages are served

    application = web.application(core.web_pages())
    for service in services:
        if isinstance(service, Mountable) and service.serves_http:
            service.mount(web.PREFIXES, application)
            log.info("web pages at %s, on the Slack HTTP server", settings.public_url)
            return []
    log.info("web pages at %s, served on port %s", settings.public_url,
             settings.web_listen_port)
    return [web.WebService(application, settings.host, settings.web_listen_port,
                           server=server_for(settings))]


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
    return build_scheduler(core, router, plan_all, SHORT_LIVED)


def _serve(services: list[Service], stopper: Stopper) -> int:
    started: list[Service] = []
    for service in services:
        if stopper.requested.is_set():
            break
        log.info("starting %s", service.name)
        service.start()
        started.append(service)
    stopper.wait()
    _stop(started)
    return 0


def _stop(services: list[Service]) -> None:
    for service in reversed(services):
        try:
            service.stop()
        except Exception:  # the others must still stop
            log.exception("stopping %s failed", service.name)


def _console(core: Core, as_email: str | None, stopper: Stopper) -> int:
    with core.db.session() as session:
        person = pick_person(session, as_email)
        if person is None:
            print("The database is empty: run `mentorbot demo` first.", file=sys.stderr)
            return 1
        actor_id, label = person.id, f"{person.name} <{person.email}>"
    router = Router([ConsoleChannel()])
    core.router = router
    shell = Shell(core, actor_id, label, router=router)
    stopper.shell = shell
    if stopper.requested.is_set():
        return 0
    # Planned nudges and digests are printed too, as they fall due; the web pages are
    # served beside the console when PUBLIC_URL is set.
    background = [*web_services(core, core.settings, []), _scheduler(core, router)]
    for service in background:
        service.start()
    try:
        return shell.run()
    finally:
        stopper.request()  # the watchdog bounds the wait for the scheduler's jobs
        _stop(background)

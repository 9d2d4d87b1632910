"""`mentorbot run`'s Slack part: the Bolt app over Socket Mode (SLACK_APP_TOKEN set) or HTTP
on PORT at /slack/events (commands, interactivity and events; with OAuth also /slack/install
and /slack/oauth_redirect; the web pages under /web/ and /static/ when mounted), and the
delivery channel the scheduler sends nudges through. The HTTP server itself is
`adapters.http` (pluggable: `server=`)."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from adapters.http import HttpServer, Server, ServerFactory, mounted, server_for
from bot.framework.channels import DeliveryError
from bot.framework.ports import CorePort
from bot.infra.settings import Settings

from .app import SlackBot, build_app, web_client
from .channel import SlackChannel
from .edge import Application, RecentSignatures, guarded

__all__ = ["EVENTS_PATH", "HttpServer", "SlackService", "build", "wsgi_app"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005)."""


def wsgi_app(app: App, signing_secret: str, *, recent: RecentSignatures | None = None,
             mounts: Mapping[str, Application] | None = None) -> Application:
    """Bolt at EVENTS_PATH behind the edge's guard, a health check, and any other
    applications `mounts` puts under their own path prefixes (the web pages): their
    requests pass the guard untouched (it only looks at POSTs to EVENTS_PATH). `recent`:
    the signatures this process accepted (the guard's own when not given)."""
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return guarded(mounted(application, mounts or {}), path=EVENTS_PATH,
                   signing_secret=signing_secret, recent=recent)


class SlackService:
    name = "slack"

    def __init__(self, core: CorePort, settings: Settings, *, host: str | None = None,
                 server: ServerFactory | None = None) -> None:
        self.core = core
        self.settings = settings
        self.host = settings.host if host is None else host
        self.server = server or server_for(settings)
        # Other applications served on the same port under their own paths (the web
        # pages: `mount` before `start`).
        self.mounts: dict[str, Application] = {}
        self.oauth = None
        oauth_settings = None
        if settings.slack_client_id and settings.slack_client_secret:
            from .oauth import OAuthSetup

            self.oauth = OAuthSetup.create(settings)
            oauth_settings = self.oauth.oauth_settings
        self.bot: SlackBot = build_app(core, settings, oauth_settings=oauth_settings)
        self._http: Server | None = None
        self._socket: Any = None
        self._channel: SlackChannel | None = None

    @property
    def serves_http(self) -> bool:
        """Slack over HTTP (no SLACK_APP_TOKEN): other pages can share its port."""
        return not self.settings.slack_app_token

    def mount(self, prefixes: tuple[str, ...], application: Application) -> None:
        for prefix in prefixes:
            self.mounts[prefix] = application

    def start(self) -> None:
        # Move everything loaded at start-up (libraries, the command registry, date-parsing
        # data: ~100k objects) out of the collector's reach. Otherwise each full collection
        # walks them all while holding the GIL, stalling every acknowledgement for a few
        # hundred milliseconds under load (bench/bench_slack_http.py: p99 ~500 ms → ~40 ms).
        gc.collect()  # garbage from start-up must not be frozen with the rest
        gc.freeze()
        # An acknowledgement takes the GIL several times (accept, read, the app, write);
        # each time it waits for whichever worker thread holds it to let go, up to the
        # switch interval. 1 ms instead of Python's 5 bounds that wait
        # (bench/bench_slack_http.py at 50/s: ack p99 76–78 ms → 52–55 ms, same sittings).
        sys.setswitchinterval(SWITCH_INTERVAL)
        if self.settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self._socket = SocketModeHandler(self.bot.app, self.settings.slack_app_token)
            self._socket.connect()  # background threads; returns at once
            log.info("Slack: Socket Mode connected")
            return
        application = wsgi_app(self.bot.app, self.settings.slack_signing_secret or "",
                               mounts=self.mounts)
        self._http = self.server(application, self.host, self.settings.port)
        self._http.start()
        log.info("Slack: HTTP on %s port %s, path %s", self.host, self._http.port, EVENTS_PATH)

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._http is not None:
            self._http.stop()
        self.bot.home.shutdown()

    def channel(self) -> SlackChannel:
        """The channel the delivery sweep uses: no rate-limit retries inside (the sweep
        reschedules on DeliveryError.retry_after), within the send budget every worker
        shares (SLACK_SEND_RATE). A DM does not republish the person's Home: nothing on it
        comes from a DM (`adapters.slack.home`)."""
        if self._channel is None:
            clients: dict[str, WebClient] = {}

            def client_for(team_id: str) -> WebClient:
                if team_id not in clients:
                    clients[team_id] = web_client(self._token_for(team_id), self.settings,
                                                  retry_rate_limits=False)
                return clients[team_id]

            installed = None if self.oauth is None else (
                lambda team_id: self.oauth is not None and self.oauth.bot_token(team_id)
                is not None)
            self._channel = SlackChannel(client_for=client_for, core=self.core,
                                         installed=installed, budget=self.core.send_budget(),
                                         send_rate=self.settings.slack_send_rate)
        return self._channel

    def _token_for(self, team_id: str) -> str:
        if self.oauth is None:
            return self.settings.slack_bot_token or ""
        token = self.oauth.bot_token(team_id)
        if token is None:
            raise DeliveryError(f"mentorbot is not installed in Slack workspace {team_id!r}")
        return token


def build(core: CorePort, settings: Settings) -> SlackService:
    return SlackService(core, settings)

"""`mentorbot run`'s Slack part: the Bolt app over Socket Mode (SLACK_APP_TOKEN set) or HTTP
on PORT at /slack/events (commands, interactivity and events; with OAuth also /slack/install
and /slack/oauth_redirect), and the delivery channel the scheduler sends nudges through."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import create_server

from bot.app.core import Core
from bot.framework.channels import DeliveryError
from bot.infra.db import Database
from bot.infra.events import first_time
from bot.infra.settings import Settings

from .app import SlackBot, build_app, web_client
from .channel import SlackChannel
from .edge import REPLAY_PLATFORM, Application, guarded

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HTTP_THREADS = 8
"""Threads that run requests (the acknowledgement; the work goes to the app's own pool).
Connections are not threads: waitress reads requests asynchronously and hands a worker only
a complete one, so stalled or slow uploads hold no thread."""
CONNECTION_LIMIT = 256
"""Open connections at most; beyond it new ones wait in the listen backlog."""
IDLE_TIMEOUT = 15
"""Seconds a connection may sit with no complete request before it is closed: Slack sends
each request at once, so only a stalled or hostile client ever reaches this."""


def wsgi_app(app: App, signing_secret: str, remember: Callable[[str, datetime], bool]
             ) -> Application:
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return guarded(application, path=EVENTS_PATH, signing_secret=signing_secret,
                   remember=remember)


def remember_signatures(db: Database) -> Callable[[str, datetime], bool]:
    """Accepted request signatures, in the database so every worker process sees them."""

    def remember(signature: str, now: datetime) -> bool:
        with db.session() as session:
            return first_time(session, REPLAY_PLATFORM, signature, now)

    return remember


class HttpServer:
    """Bolt behind waitress: a bounded pool of request threads, a cap on body size (413
    before reading), idle connections closed, and no thread per connection (measured
    against the stdlib's thread-per-connection server with bench/bench_slack_http.py)."""

    def __init__(self, application: Application, host: str = "0.0.0.0", port: int = 3000,
                 ) -> None:
        self.server: Any = create_server(
            application, host=host, port=port, threads=HTTP_THREADS,
            connection_limit=CONNECTION_LIMIT, channel_timeout=IDLE_TIMEOUT,
            cleanup_interval=5, max_request_body_size=1_048_576, expose_tracebacks=False,
            ident="mentorbot", clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.run, daemon=True,
                                        name="slack-http")
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and every open connection, then the worker threads:
        the loop ends once nothing is left in its map.

        The closing runs inside the loop's own thread, woken through waitress's trigger:
        closed from here, the loop would sleep out its poll interval (a second) before
        noticing, and could be in `select` on a descriptor another thread just closed."""
        server = self.server
        running = self._thread is not None and self._thread.is_alive()
        if running:
            server.trigger.pull_trigger(lambda: _close_all(server._map))
            assert self._thread is not None
            self._thread.join(5)
        _close_all(server._map)  # never started, or the loop did not answer in time
        server.task_dispatcher.shutdown(timeout=5)
        if self._thread is not None:
            self._thread.join(5)


def _close_all(socket_map: dict[int, Any]) -> None:
    while socket_map:
        for channel in list(socket_map.values()):
            channel.close()


class SlackService:
    name = "slack"

    def __init__(self, core: Core, settings: Settings, *, host: str | None = None) -> None:
        self.core = core
        self.settings = settings
        self.host = settings.host if host is None else host
        self.oauth = None
        oauth_settings = None
        if settings.slack_client_id and settings.slack_client_secret:
            from .oauth import OAuthSetup

            self.oauth = OAuthSetup.create(core.db, settings)
            oauth_settings = self.oauth.oauth_settings
        self.bot: SlackBot = build_app(core, settings, oauth_settings=oauth_settings)
        self._http: HttpServer | None = None
        self._socket: Any = None
        self._channel: SlackChannel | None = None

    def start(self) -> None:
        # Move everything loaded at start-up (libraries, the command registry, date-parsing
        # data: ~100k objects) out of the collector's reach. Otherwise each full collection
        # walks them all while holding the GIL, stalling every acknowledgement for a few
        # hundred milliseconds under load (bench/bench_slack_http.py: p99 ~500 ms → ~40 ms).
        gc.collect()  # garbage from start-up must not be frozen with the rest
        gc.freeze()
        if self.settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self._socket = SocketModeHandler(self.bot.app, self.settings.slack_app_token)
            self._socket.connect()  # background threads; returns at once
            log.info("Slack: Socket Mode connected")
            return
        application = wsgi_app(self.bot.app, self.settings.slack_signing_secret or "",
                               remember_signatures(self.core.db))
        self._http = HttpServer(application, self.host, self.settings.port)
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
        reschedules on DeliveryError.retry_after), and Home refreshed after each DM."""
        if self._channel is None:
            clients: dict[str, WebClient] = {}

            def client_for(team_id: str) -> WebClient:
                if team_id not in clients:
                    clients[team_id] = web_client(self._token_for(team_id), self.settings,
                                                  retry_rate_limits=False)
                return clients[team_id]

            def after_dm(team_id: str, user_id: str, person_id: int) -> None:
                self.bot.home.refresh(client_for(team_id), user_id, person_id)

            installed = None if self.oauth is None else (
                lambda team_id: self.oauth is not None and self.oauth.bot_token(team_id)
                is not None)
            self._channel = SlackChannel(client_for=client_for, db=self.core.db,
                                         after_dm=after_dm, installed=installed)
        return self._channel

    def _token_for(self, team_id: str) -> str:
        if self.oauth is None:
            return self.settings.slack_bot_token or ""
        token = self.oauth.bot_token(team_id)
        if token is None:
            raise DeliveryError(f"mentorbot is not installed in Slack workspace {team_id!r}")
        return token


def build(core: Core, settings: Settings) -> SlackService:
    return SlackService(core, settings)

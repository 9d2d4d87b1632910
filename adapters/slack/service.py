"""`mentorbot run`'s Slack part: the Bolt app over Socket Mode (SLACK_APP_TOKEN set) or HTTP
on PORT at /slack/events (commands, interactivity and events; with OAuth also /slack/install
and /slack/oauth_redirect), and the delivery channel the scheduler sends nudges through."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.app.core import Core
from bot.framework.channels import DeliveryError
from bot.infra.settings import Settings

from .app import SlackBot, build_app, web_client
from .channel import SlackChannel

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request: a slow client never holds up another's acknowledgement."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s - %s", self.address_string(), format % args)


def wsgi_app(app: App) -> Callable[..., Any]:
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return application


class HttpServer:
    """Bolt behind a threaded WSGI server (the stdlib one; Bolt's own development server
    handles one request at a time)."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000) -> None:
        self.server = make_server(host, port, wsgi_app(app),
                                  server_class=_ThreadingWSGIServer,
                                  handler_class=_QuietHandler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.1,),
                                        daemon=True, name="slack-http")
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SlackService:
    name = "slack"

    def __init__(self, core: Core, settings: Settings, *, host: str = "0.0.0.0") -> None:
        self.core = core
        self.settings = settings
        self.host = host
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
        self._http = HttpServer(self.bot.app, self.host, self.settings.port)
        self._http.start()
        log.info("Slack: HTTP on port %s, path %s", self._http.port, EVENTS_PATH)

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

"""How `mentorbot run` serves the web pages: mounted on the Slack HTTP server (one port for
both) when Slack runs over HTTP, else on a server of their own at HOST and WEB_PORT
(default PORT): Socket Mode, Discord only, or the console. Only when PUBLIC_URL is set."""

from __future__ import annotations

import logging

from adapters.http import Application, HttpServer, Server, ServerFactory
from bot.framework.channels import Channel
from bot.pages.port import WebPort
from bot.web.rules import WEB_ROOT

from .app import wsgi

log = logging.getLogger(__name__)

PREFIXES = (f"{WEB_ROOT}/",)
"""The paths the pages (and their static files) live under."""


def application(pages: WebPort) -> Application:
    """The pages as a WSGI application; `pages` is what the assembly built
    (`bot.app.core.Core.web_pages`): the adapter knows the pages' port, nothing more."""
    return wsgi(pages)


class WebService:
    """The pages on a server of their own (a runner `Service`: no delivery channel)."""

    name = "web"

    def __init__(self, app: Application, host: str, port: int, *,
                 server: ServerFactory = HttpServer) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.server = server
        self._http: Server | None = None

    def start(self) -> None:
        self._http = self.server(self.app, self.host, self.port)
        self._http.start()
        log.info("web pages: HTTP on %s port %s, under %s/", self.host, self._http.port,
                 WEB_ROOT)

    @property
    def bound_port(self) -> int:
        return self._http.port if self._http is not None else self.port

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()

    def channel(self) -> Channel | None:
        return None

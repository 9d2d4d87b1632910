"""The process's HTTP server, shared by whatever answers over HTTP (Slack's events and the
web pages), and the path dispatch that puts them behind one port.

The server is pluggable: anything with `port`, `start()` and `stop()` built from a WSGI
application, a host and a port (`ServerFactory`) can replace `HttpServer`; the Slack
service and the web pages' own service both take the factory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from adapters.http_limits import Limits, limited_server
from bot.infra.settings import Settings

Application = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HTTP_THREADS = 8
"""Threads that run requests (the acknowledgement; the work goes to the app's own pool).
Connections are not threads: waitress reads requests asynchronously and hands a worker only
a complete one, so stalled or slow uploads hold no thread. What connections may hold
(limits per address, deadlines per request) is `adapters.http_limits`."""
MAX_REQUEST_BODY = 1_048_576


class Server(Protocol):
    @property
    def port(self) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


ServerFactory = Callable[[Application, str, int], Server]


class HttpServer:
    """A WSGI application behind waitress: a bounded pool of request threads, a cap on body
    size (413 before reading), no thread per connection (measured against the stdlib's
    thread-per-connection server with bench/bench_slack_http.py), and the connection
    limits and request deadlines of `adapters.http_limits` (bench/bench_slowloris.py)."""

    def __init__(self, application: Application, host: str = "0.0.0.0", port: int = 3000,
                 limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.server: Any = limited_server(
            application, host=host, port=port, limits=self.limits, threads=HTTP_THREADS,
            max_request_body_size=MAX_REQUEST_BODY, expose_tracebacks=False,
            ident="mentorbot", clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.run, daemon=True,
                                        name="http")
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


def server_for(settings: Settings) -> ServerFactory:
    """`HttpServer` with the limits the settings choose (HTTP_CONNECTIONS, …)."""
    limits = Limits.from_settings(settings)

    def factory(application: Application, host: str, port: int) -> Server:
        return HttpServer(application, host, port, limits=limits)

    return factory


def mounted(default: Application, mounts: Mapping[str, Application]) -> Application:
    """One application from several: a request whose path starts with one of `mounts`'
    prefixes ("/web/") goes to that application, anything else to `default`."""
    prefixes = tuple(mounts.items())

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        for prefix, app in prefixes:
            if path.startswith(prefix):
                return app(environ, start_response)
        return default(environ, start_response)

    return application

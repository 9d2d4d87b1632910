"""What the HTTP server keeps its connections to, so that slow or hostile clients cannot stop
it answering Slack (which gives up after 3 seconds) or the web pages.

Waitress already reads requests in one asynchronous loop and hands a worker thread only a
complete request, so a slow client holds no thread; what it holds is a connection. Stock
waitress then fails in two ways, both measured with `bench/bench_slowloris.py`: it stops
accepting at `connection_limit` (new connections, Slack's too, wait in the listen backlog),
and its only timeout is one of inactivity that each byte resets, so a client sending a byte
every few seconds keeps its connection for ever (300 such connections left a signed command
unanswered for 10–19 s). The server and channel below add:

- **Deadlines per request, not per byte**: a connection ready for a request (just opened,
  or its previous answer given) has `header_seconds` for the request's headers, then
  `body_seconds` for its body. Past either it is answered 408 (when part of a request
  came) and closed, however steadily the bytes trickle. A request a worker is running,
  and an answer being sent, are not timed here (waitress's inactivity timeout still
  closes a client that stops reading its answer).
- **Connections per address** (`per_address`, 0 for none): a new connection from an address
  that already holds that many is refused at once, before a byte is read.
- **No waiting at the limit**: at `connections` open, the connection that has waited
  longest for its request is closed to make room for the new one, rather than the new one
  (perhaps Slack's) waiting in the backlog. `poll()` replaces `select()`, which cannot watch
  file descriptors past 1,024.

Everything here runs in waitress's loop thread; the worker threads only mark when they
finish a request."""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.infra.settings import Settings

log = logging.getLogger(__name__)

CONNECTIONS = 1000
"""Connections open at once. Each costs a file descriptor and a little memory, never a
thread; Slack needs a handful."""
PER_ADDRESS = 32
"""Connections one address may hold. Slack's requests come from many addresses, each
answered in milliseconds; behind a reverse proxy every connection comes from the proxy:
set 0 there (the proxy keeps its own limits)."""
HEADER_SECONDS = 5.0
"""Seconds a connection has, once ready for a request, to send the request's headers."""
BODY_SECONDS = 10.0
"""Seconds from the end of the headers to the end of the body (at most a megabyte)."""
IDLE_TIMEOUT = 15
"""Seconds an answer may sit unsent (a client that stopped reading) before the connection is
closed: waitress's inactivity timeout, for what the deadlines above do not time."""
TICK = 0.5
"""Seconds at least between two checks of the deadlines (waitress's loop wakes at least once
a second to make them)."""
RESERVED_FILES = 256
"""File descriptors left for everything else (database connections, logs, clients)."""


def _plain(status: str, reason: str) -> bytes:
    """A whole HTTP response that closes the connection: the status and why, as text."""
    body = f"{status}: {reason}\n".encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


TIMED_OUT = _plain("408 Request Timeout", "the request did not arrive in time")
TOO_MANY = _plain("429 Too Many Requests", "too many connections from one address, or in all")


@dataclass(frozen=True)
class Limits:
    """The limits above, as one value the server is built with."""

    connections: int = CONNECTIONS
    per_address: int = PER_ADDRESS
    header_seconds: float = HEADER_SECONDS
    body_seconds: float = BODY_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """HTTP_CONNECTIONS, HTTP_CONNECTIONS_PER_ADDRESS, HTTP_HEADER_SECONDS and
        HTTP_BODY_SECONDS where set, else the defaults above."""
        default = cls()

        def pick(value: Any, fallback: Any) -> Any:
            return fallback if value is None else value

        return cls(connections=pick(settings.http_connections, default.connections),
                   per_address=pick(settings.http_connections_per_address,
                                    default.per_address),
                   header_seconds=pick(settings.http_header_seconds, default.header_seconds),
                   body_seconds=pick(settings.http_body_seconds, default.body_seconds))


class LimitedChannel(HTTPChannel):
    """A connection that knows since when it has been waiting for its request."""

    server: LimitedServer
    request: Any  # waitress's parser of the request being read, None between requests

    def __init__(self, server: LimitedServer, sock: socket.socket, addr: Any,
                 adj: Adjustments, map: dict[int, Any] | None = None) -> None:  # noqa: A002
        # None while a worker runs a request of this connection: not timed here.
        self.ready_at: float | None = time.monotonic()
        self.headers_at: float | None = None  # when the partial request's headers ended
        self._timed: Any = None  # the partial request headers_at belongs to
        self._counted = False
        super().__init__(server, sock, addr, adj, map)
        self.host = addr[0] if isinstance(addr, tuple) else str(addr)
        server.per_address[self.host] += 1
        self._counted = True

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        with self.requests_lock:  # the worker pops its request under this lock
            if self.requests:
                self.ready_at = None  # handed to a worker: until it is done
        partial = self.request
        if partial is not self._timed:
            self._timed, self.headers_at = partial, None
        if partial is not None and partial.headers_finished and self.headers_at is None:
            self.headers_at = time.monotonic()
        return bool(result)

    def service(self) -> None:
        try:
            super().service()
        finally:
            with self.requests_lock:
                self.ready_at = time.monotonic()

    def overdue(self, now: float, limits: Limits) -> bool:
        """Waiting for its request past the deadline (never while being served or
        answered)."""
        if (self.ready_at is None or self.requests or self.total_outbufs_len
                or self.will_close or self.close_when_flushed):
            return False
        if self.headers_at is not None:
            return now - self.headers_at > limits.body_seconds
        return now - self.ready_at > limits.header_seconds

    def waiting_since(self) -> float | None:
        """When it started waiting for its request; None when it is being served."""
        if self.ready_at is None or self.requests or self.total_outbufs_len:
            return None
        return self.ready_at

    def time_out(self) -> None:
        """Say 408 when part of a request came (a person's slow upload deserves a reason),
        then close; a connection that sent nothing is just closed."""
        with self.requests_lock:
            partial: Any = self.request
            self.request = None
        if partial is None:
            self.will_close = True
            return
        partial.close()
        with self.outbuf_lock:
            self.outbufs[-1].append(TIMED_OUT)
            self.total_outbufs_len += len(TIMED_OUT)
            self.current_outbuf_count += len(TIMED_OUT)
        self.close_when_flushed = True

    def del_channel(self, map: dict[int, Any] | None = None) -> None:  # noqa: A002
        if self._counted:
            self._counted = False
            left = self.server.per_address[self.host] - 1
            if left > 0:
                self.server.per_address[self.host] = left
            else:
                del self.server.per_address[self.host]
        super().del_channel(map)


class LimitedServer(TcpWSGIServer):
    """Waitress's TCP server, accepting by the limits above (see the module's docstring)."""

    channel_class = LimitedChannel
    active_channels: dict[int, LimitedChannel]

    def __init__(self, application: Any, *, limits: Limits, adj: Adjustments,
                 dispatcher: ThreadedTaskDispatcher) -> None:
        self.limits = limits
        self.per_address: Counter[str] = Counter()
        self.counts = Counter[str]()  # what was refused or closed, and why (for logs, tests)
        self._next_tick = 0.0
        self._logged = 0.0
        super().__init__(application, map={}, dispatcher=dispatcher, adj=adj,
                         sockinfo=adj.listen[0])

    def readable(self) -> bool:
        # Always accept: `handle_accept` decides (waitress stops accepting at its limit,
        # leaving Slack's next connection in the backlog behind the slow ones).
        now = time.monotonic()
        if now >= self._next_tick:
            self._next_tick = now + TICK
            self.maintenance(time.time())
        return bool(self.accepting)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # waitress's inactivity timeout (wall clock)
        tick = time.monotonic()
        late = [channel for channel in list(self.active_channels.values())
                if channel.overdue(tick, self.limits)]
        for channel in late:
            channel.time_out()
        if late:
            self._note("timed out", len(late))

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
        except OSError:
            log.warning("accept() failed", exc_info=True)
            return
        host = addr[0] if isinstance(addr, tuple) else str(addr)
        per_address = self.limits.per_address
        if per_address and self.per_address[host] >= per_address:
            self._turn_away(conn, "over the limit per address")
            return
        if len(self.active_channels) >= self.limits.connections and not self._make_room():
            self._turn_away(conn, "over the connection limit, every connection busy")
            return
        try:
            self.set_socket_options(conn)
            self.channel_class(self, conn, addr, self.adj, map=self._map)
        except OSError:  # the client is already gone
            conn.close()

    def _make_room(self) -> bool:
        """Close the connection that has waited longest for its request."""
        waiting = [(since, channel) for channel in self.active_channels.values()
                   if (since := channel.waiting_since()) is not None]
        if not waiting:
            return False
        _, oldest = min(waiting, key=lambda pair: pair[0])
        oldest.handle_close()
        self._note("closed to make room", 1)
        return True

    def _turn_away(self, conn: socket.socket, why: str) -> None:
        try:
            conn.setblocking(False)
            conn.send(TOO_MANY)
        except OSError:
            pass
        finally:
            conn.close()
        self._note(f"refused: {why}", 1)

    def _note(self, what: str, count: int) -> None:
        """Count, and log at most once every few seconds (an attack must not flood the
        log): what the edge refused or closed."""
        self.counts[what] += count
        now = time.monotonic()
        if now - self._logged >= 5:
            self._logged = now
            log.warning("HTTP connections so far: %s (open now: %d)",
                        ", ".join(f"{n} {w}" for w, n in sorted(self.counts.items())),
                        len(self.active_channels))


def room_for(connections: int) -> int:
    """`connections`, or fewer when the process may not open that many files: the soft limit
    is raised towards the hard one first (systemd's default soft limit is 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return connections
    fitted = max(1, soft - RESERVED_FILES)
    log.warning("HTTP: %d connections wanted, room for %d open files: %d connections at most",
                connections, soft, fitted)
    return fitted


def limited_server(application: Any, *, host: str, port: int, limits: Limits,
                   threads: int, **adjustments: Any) -> LimitedServer:
    """A `LimitedServer` listening on `host`:`port` (the first address `host` names), with
    `threads` workers and waitress's other `adjustments`."""
    connections = room_for(limits.connections)
    if connections != limits.connections:
        limits = Limits(connections, limits.per_address, limits.header_seconds,
                        limits.body_seconds)
    adj = Adjustments(host=host, port=port, threads=threads, asyncore_use_poll=True,
                      connection_limit=connections, channel_timeout=IDLE_TIMEOUT,
                      cleanup_interval=1, asyncore_loop_timeout=1, **adjustments)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    return LimitedServer(application, limits=limits, adj=adj, dispatcher=dispatcher)

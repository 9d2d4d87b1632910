"""Slow clients ("slowloris"): connections that send a request a byte at a time, in its
headers or in its body, from chosen loopback addresses (Linux answers on all of
127.0.0.0/8), and notice when the server closes them. Used by the edge's tests and by
bench/bench_slowloris.py; everything goes to 127.0.0.x only."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: mentorbot\r\n"
SLOW_HEADERS = HEAD + b"X-Padding: "
"""Headers that never end: a byte of padding at a time."""
SLOW_BODY = (HEAD + b"Content-Type: application/x-www-form-urlencoded\r\n"
             b"Content-Length: 100000\r\n\r\ntoken=")
"""Complete headers announcing a body that comes a byte at a time."""


@dataclass
class Slow:
    """One slow connection and what became of it."""

    sock: socket.socket
    kind: str  # "headers" or "body"
    source: str
    opened: float
    closed: float | None = None
    answer: bytes = b""
    sent: int = 0  # bytes trickled after the first burst
    replaced: bool = False  # a new connection was opened in its place

    @property
    def refused(self) -> bool:
        """Turned away at once with 429 (over the limit per address or in all)."""
        return self.answer.startswith(b"HTTP/1.1 429")

    @property
    def timed_out(self) -> bool:
        return self.answer.startswith(b"HTTP/1.1 408")

    @property
    def lifetime(self) -> float | None:
        return None if self.closed is None else self.closed - self.opened


@dataclass
class SlowClients:
    """Opens slow connections to `host`:`port` and keeps each sending a byte every
    `interval` seconds until the server closes it or `close()` is called."""

    port: int
    host: str = "127.0.0.1"
    interval: float = 2.0
    reopen: bool = False
    """Keep up the pressure: open a new connection in place of each one the server closes
    (at most one per closed connection, an `interval` after it closed)."""
    connections: list[Slow] = field(default_factory=list)
    peak_open: int = 0
    """The most connections open at once (neither closed nor refused), as the trickle saw."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def open(self, count: int, *, kind: str, sources: Sequence[str] = ("127.0.0.1",)) -> None:
        """`count` connections of `kind` ("headers" or "body"), spread over `sources`."""
        for i in range(count):
            self._connect(kind, sources[i % len(sources)])
        if self._thread is None:
            self._thread = threading.Thread(target=self._trickle, daemon=True, name="slow")
            self._thread.start()

    def _connect(self, kind: str, source: str) -> Slow:
        sock = socket.create_connection((self.host, self.port), timeout=5,
                                        source_address=(source, 0))
        sock.setblocking(False)
        slow = Slow(sock, kind, source, time.monotonic())
        try:
            sock.send(SLOW_HEADERS if kind == "headers" else SLOW_BODY)
        except OSError:
            slow.closed = time.monotonic()
        with self._lock:
            self.connections.append(slow)
        return slow

    def open_now(self) -> list[Slow]:
        self.poll()
        with self._lock:
            return [c for c in self.connections if c.closed is None]

    def poll(self) -> None:
        """Notice connections the server answered or closed."""
        with self._lock:
            live = [c for c in self.connections if c.closed is None]
        if not live:
            return
        poller = select.poll()  # select() cannot watch descriptors past 1,024
        by_fd = {}
        for slow in live:
            by_fd[slow.sock.fileno()] = slow
            poller.register(slow.sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        for fd, _ in poller.poll(0):
            self._read(by_fd[fd])

    def _read(self, slow: Slow) -> None:
        try:
            data = slow.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            slow.answer += data
        if not data or slow.answer:
            slow.closed = slow.closed or time.monotonic()

    def _trickle(self) -> None:
        while not self._stop.wait(min(self.interval, 0.1)):
            self.poll()
            with self._lock:
                self.peak_open = max(self.peak_open,
                                     sum(1 for c in self.connections if c.closed is None))
            now = time.monotonic()
            if self.reopen:
                self._replace_closed(now)
            with self._lock:
                live = [c for c in self.connections if c.closed is None]
            for slow in live:
                if now - slow.opened < self.interval:
                    continue
                due = int((now - slow.opened) / self.interval)
                if slow.sent >= due:
                    continue
                slow.sent = due
                try:
                    slow.sock.send(b"a")
                except BlockingIOError:
                    pass
                except OSError:
                    slow.closed = slow.closed or time.monotonic()

    def _replace_closed(self, now: float) -> None:
        with self._lock:
            gone = [c for c in self.connections
                    if c.closed is not None and not c.replaced and now - c.closed >= self.interval]
        for slow in gone:
            slow.replaced = True
            slow.sock.close()
            try:
                self._connect(slow.kind, slow.source)
            except OSError:  # the listen backlog is full: try again next time
                slow.replaced = False

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            for slow in self.connections:
                slow.sock.close()

"""The HTTP edge in front of Bolt: what a request must be before any of our code or Bolt's
parses it.

A request to `/slack/events` is refused, with one log line and a 4xx, when its body is
larger than `MAX_BODY` (413, decided from Content-Length before a byte is read), when its
content type is not one Slack sends (415: `application/x-www-form-urlencoded` for commands
and interactivity, `application/json` for the Events API; parameters such as `; charset=utf-8`
are fine), when its timestamp is not a whole number or is outside Slack's five-minute
window, or its signature does not verify (401), when its body is not UTF-8 (400), or when
the same signed request was already accepted here (409: a replay). Bolt verifies the
signature again; checking it here first means a forged request never reaches a parser.

Every signed request is checked for replay, whatever its content type: the media type this
edge decided on is the one Bolt is handed (`CONTENT_TYPE` rewritten to it), so the two can
never read one body two ways (a command replayed as `application/jsonx` once slipped past a
check that skipped "JSON" and was then parsed by Bolt as a form).

Nothing here waits for the database: the acknowledgement must not queue behind a write lock
that another writer holds (`bench/bench_slack_http.py`: SQLite's lock gave p99 208–673 ms).
Accepted signatures are remembered in memory (`RecentSignatures`, for as long as a replay
could still pass the age check), which refuses a replay to this process at once. The durable
record is written off the acknowledgement, by the work itself before it starts
(`adapters.slack.app.SlackBot.first_run`: the signature, or an event's id, in `seen_events`
through the core, whose unique row decides). So a replay is refused with 409 by the process
that accepted the original; one that reaches another worker process is acknowledged there
but never runs twice."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 1_048_576
"""Slack's payloads are a few kilobytes; a megabyte leaves room for the largest modal."""
SIGNATURE_WINDOW = 300
"""Seconds: Slack signs each request with its time; older ones are refused (and so are
requests claiming to come from further in the future)."""
RECORD_LIFETIME = 2 * SIGNATURE_WINDOW
"""Seconds a request's durable record must outlive its acceptance: a request is accepted
from `SIGNATURE_WINDOW` before its timestamp to `SIGNATURE_WINDOW` after, so a replay can
pass the age check until twice the window after the original was accepted."""
REPLAY_PLATFORM = "slack-request"
"""The `seen_events.platform` under which accepted request signatures are remembered."""
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
CONTENT_TYPES = frozenset({FORM, JSON})
"""The media types Slack posts: forms for commands and interactivity, JSON for events."""
REMEMBERED = 100_000
"""Signatures kept in memory at most: a minute and a half of the signing window at 50
requests a second is 30,000. Past it the oldest is forgotten (a replay of it to this process
is then acknowledged but, like one to another worker, never runs twice)."""

Application = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def media_type(content_type: str) -> str:
    """`Application/JSON ; charset=utf-8` → `application/json`."""
    return content_type.split(";", 1)[0].strip().lower()


class RecentSignatures:
    """Signatures this process accepted while a replay of them could still pass the age
    check: a dict in arrival order, each with the time it stops mattering. No database, no
    I/O: a lookup and an insert under a lock."""

    def __init__(self, capacity: int = REMEMBERED) -> None:
        self.capacity = capacity
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str, timestamp: int, now: float) -> bool:
        """True, and remembered, the first time `signature` (of a request signed at
        `timestamp`) is seen; False for a replay."""
        with self._lock:
            self._forget_expired(now)
            if signature in self._until:
                return False
            while len(self._until) >= self.capacity:
                self._until.popitem(last=False)
            self._until[signature] = timestamp + SIGNATURE_WINDOW
            return True

    def _forget_expired(self, now: float) -> None:
        # Arrival order is nearly expiry order (timestamps are within the window of their
        # arrival); an entry behind an unexpired one waits its turn, bounded by capacity.
        while self._until:
            signature, until = next(iter(self._until.items()))
            if until >= now:
                return
            del self._until[signature]

    def __len__(self) -> int:
        return len(self._until)


def _refuse(start_response: Callable[..., Any], status: str, reason: str,
            environ: dict[str, Any]) -> list[bytes]:
    log.warning("refused %s %s from %s: %s", environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"), environ.get("REMOTE_ADDR", "?"), reason)
    body = f"{status}: {reason}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


def guarded(app: Application, *, path: str, signing_secret: str,
            recent: RecentSignatures | None = None, max_body: int = MAX_BODY,
            clock: Callable[[], float] = time.time) -> Application:
    """`app` behind the checks above for POSTs to `path`; anything else passes through
    unchanged (health checks, the OAuth install pages, the web pages)."""
    verifier = SignatureVerifier(signing_secret)
    seen = recent if recent is not None else RecentSignatures()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or "0")
        except ValueError:
            return _refuse(start_response, "400 Bad Request", "Content-Length is not a number",
                           environ)
        if length > max_body:
            return _refuse(start_response, "413 Content Too Large",
                           f"body of {length} bytes is over {max_body}", environ)
        kind = media_type(environ.get("CONTENT_TYPE") or "")
        if kind not in CONTENT_TYPES:
            return _refuse(start_response, "415 Unsupported Media Type",
                           f"content type {kind or 'missing'!r} is not {FORM} or {JSON}",
                           environ)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not timestamp.isdigit():
            return _refuse(start_response, "401 Unauthorized",
                           "X-Slack-Request-Timestamp is missing or not a whole number", environ)
        now = clock()
        if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
            return _refuse(start_response, "401 Unauthorized",
                           "timestamp outside the signing window", environ)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(start_response, "400 Bad Request", "body is not UTF-8", environ)
        if not signature or not verifier.is_valid(body=body, timestamp=timestamp,
                                                  signature=signature):
            return _refuse(start_response, "401 Unauthorized", "signature does not verify",
                           environ)
        if not seen.first_time(signature, int(timestamp), now):
            return _refuse(start_response, "409 Conflict", "replay of a request already "
                           "handled", environ)
        environ["CONTENT_TYPE"] = kind  # what Bolt parses by: the type decided on here
        environ["wsgi.input"] = _Body(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        try:
            return app(environ, start_response)
        except Exception as exc:  # a signed request we could not parse: ours to fix
            return _refuse(start_response, "400 Bad Request",
                           f"{type(exc).__name__}: {exc}", environ)

    return application


class _Body:
    """The request body, already read, as a WSGI input stream."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else min(len(self._data),
                                                                   self._pos + size)
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def readline(self, size: int = -1) -> bytes:
        newline = self._data.find(b"\n", self._pos)
        end = len(self._data) if newline < 0 else newline + 1
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def __iter__(self) -> Any:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

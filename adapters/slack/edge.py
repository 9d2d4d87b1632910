"""The HTTP edge in front of Bolt: what a request must be before any of our code or Bolt's
parses it.

A request to `/slack/events` is refused, with one log line and a 4xx, when its body is
larger than `MAX_BODY` (413, decided from Content-Length before a byte is read), when its
timestamp is not a whole number or is outside Slack's five-minute window, or its signature
does not verify (401), when its body is not UTF-8 (400), or when the same signed request was
already accepted (409: a replay). Bolt verifies the signature again; checking it here first
means a forged request never reaches a parser, and a replayed one never runs twice.

Accepted signatures of commands and button presses are remembered in `seen_events` for the
signing window (any worker process sees them), keyed by the signature itself: it is an HMAC
of the timestamp and the body, so two different requests never share one. Events API
callbacks (JSON bodies) are left to the event-id check downstream, which already handles
each event once and must answer Slack's own retries with 200."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 1_048_576
"""Slack's payloads are a few kilobytes; a megabyte leaves room for the largest modal."""
SIGNATURE_WINDOW = 300
"""Seconds: Slack signs each request with its time; older ones are refused (and so are
requests claiming to come from further in the future)."""
REPLAY_PLATFORM = "slack-request"
"""The `seen_events.platform` under which accepted request signatures are remembered."""

Application = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Remember = Callable[[str, datetime], bool]
"""Records an accepted signature; False when it was seen before (a replay)."""


def _refuse(start_response: Callable[..., Any], status: str, reason: str,
            environ: dict[str, Any]) -> list[bytes]:
    log.warning("refused %s %s from %s: %s", environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"), environ.get("REMOTE_ADDR", "?"), reason)
    body = f"{status}: {reason}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


def guarded(app: Application, *, path: str, signing_secret: str, remember: Remember,
            max_body: int = MAX_BODY, clock: Callable[[], float] = time.time) -> Application:
    """`app` behind the checks above for POSTs to `path`; anything else passes through
    unchanged (health checks, the OAuth install pages)."""
    verifier = SignatureVerifier(signing_secret)

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
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not timestamp.isdigit():
            return _refuse(start_response, "401 Unauthorized",
                           "X-Slack-Request-Timestamp is missing or not a whole number", environ)
        if abs(clock() - int(timestamp)) > SIGNATURE_WINDOW:
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
        is_event = environ.get("CONTENT_TYPE", "").startswith("application/json")
        if not is_event and not remember(signature, datetime.fromtimestamp(clock(), UTC)):
            return _refuse(start_response, "409 Conflict", "replay of a request already "
                           "handled", environ)
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

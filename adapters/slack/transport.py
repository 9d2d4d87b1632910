"""A `WebClient` that keeps its HTTPS connections alive: one per thread that uses it.

slack_sdk's `WebClient` sends each call through `urllib.request.urlopen`, which opens a new
connection for every call (a name lookup, a TCP handshake and, to Slack, a TLS handshake)
and closes it after. `KeptAliveClient` sends the same request over a connection of the
calling thread's own (`http.client`, kept in a thread-local), opened on the thread's first
call and reused after, so a sending thread of the sweep makes its thousands of calls over
one connection. (urllib3's pool does the same job with more bookkeeping per call: measured
against the Slack stand-in, 0.55 ms of CPU a call against 0.2 ms for `http.client`.)

Only the transport changes. Everything slack_sdk does around it (building the request,
parsing the answer, `SlackApiError`, retry handlers, `Retry-After` on a 429) is slack_sdk's
own: the one method replaced, `_perform_urllib_http_request_internal`, answers exactly as the
urllib one does (a dict of status, headers and body, or `urllib.error.HTTPError` for a status
of 400 and up).

Failures keep exactly-once intact: a connection that could not be made, or a kept one found
closed before the request went (the server ends idle connections), is replaced and the call
made on the new one; an error once the request may have reached Slack (no answer, or a
connection lost mid-answer) is raised as `SlackRequestError` and never repeated here: the
delivery sweep decides, and looks in the DM's history first. With a proxy configured, the
client falls back to urllib (the proxy's own handling)."""

from __future__ import annotations

import http.client
import io
import logging
import select
import ssl
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError


class KeptAliveClient(WebClient):
    """A `WebClient` whose calls reuse a kept-alive connection per thread (see the module
    docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("logger") is None:
            kwargs["logger"] = _sdk_logger()
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        body = req.data
        if self.proxy is not None or parts.scheme not in ("http", "https") \
                or not (body is None or isinstance(body, bytes)):
            return dict(super()._perform_urllib_http_request_internal(url, req))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        connection, reused = self._connection(parts.scheme, parts.hostname or "",
                                              parts.port)
        try:
            connection.request("POST", target, body=body, headers=headers)
        except OSError as exc:  # not sent (could not connect, or the kept one was gone)
            connection.close()
            if not reused:
                raise URLError(exc) from exc
            connection, _ = self._connection(parts.scheme, parts.hostname or "", parts.port)
            try:
                connection.request("POST", target, body=body, headers=headers)
            except OSError as again:
                connection.close()
                raise URLError(again) from again
        try:
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError) as exc:  # sent: Slack may have it
            connection.close()
            raise SlackRequestError(f"no answer from {url}: {exc!r}") from exc
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason, response.msg,
                            io.BytesIO(data))
        # The headers read once into a dict (what slack_sdk makes of them anyway): each
        # look-up in the message object goes through the email package's header policy.
        headers = dict(response.msg.items())
        content_type, charset = _content_type(headers)
        if content_type == "application/gzip":
            return {"status": response.status, "headers": headers, "body": data}
        return {"status": response.status, "headers": headers,
                "body": data.decode(charset or "utf-8")}

    def _connection(self, scheme: str, host: str, port: int | None
                    ) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to `host`, and whether it was used before: kept while
        it is open, replaced when the other end closed it (or it is to another host)."""
        key = (scheme, host, port)
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and (self._local.key != key or _closed(connection)):
            connection.close()
            connection = None
        if connection is not None:
            return connection, True
        if scheme == "https":
            context = self.ssl if isinstance(self.ssl, ssl.SSLContext) \
                else ssl.create_default_context()
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                     context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self._local.connection, self._local.key = connection, key
        return connection, False


def _closed(connection: http.client.HTTPConnection) -> bool:
    """Whether a kept connection can no longer carry a request: closed here, or readable
    while idle (the other end closed it, or sent something unasked)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        poller = select.poll()  # not select(): a busy process may have fds past 1024
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _content_type(headers: dict[str, str]) -> tuple[str, str | None]:
    """The media type of an answer (lower case) and its charset, if it names one."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, given = param.partition("=")
        if name.strip().lower() == "charset":
            charset = given.strip().strip('"') or None
    return media.strip().lower(), charset


def _sdk_logger() -> logging.Logger:
    """The logger the client writes to, with the level slack_sdk's own has in effect when
    the client is made. slack_sdk formats its debug line for every call (the whole message,
    blocks included) whenever its logger's own level is at or below DEBUG, and a logger
    with no level of its own (NOTSET, 0) is; with the effective level set, the line is
    built only when debug logging is on."""
    logger = logging.getLogger(__name__ + ".slack_sdk")
    logger.setLevel(logging.getLogger("slack_sdk").getEffectiveLevel())
    return logger

"""The web pages on a real HTTP server (waitress on loopback, as `mentorbot run` serves them)
for tests: a core, its pages, links made as the chat commands make them, and a small client
that shows exactly what came back (status, every header, the body) without following
redirects. Also reads a dashboard page back into the numbers it shows."""

from __future__ import annotations

import html
import http.client
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

from adapters.web.app import wsgi
from adapters.web.service import WebService
from bot.app.core import Core
from bot.pages.port import WebPort
from bot.web import links
from bot.web.plan import PlanSource
from bot.web.rules import Page


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def shown(self) -> str:
        """The page's text as a person reads it (entities such as &#39; unescaped)."""
        return html.unescape(self.text)

    def cookie(self, name: str) -> dict[str, str] | None:
        """The Set-Cookie for `name`: its value under "value", each attribute by lower-case
        name ("httponly": "" when present)."""
        for line in self.all("Set-Cookie"):
            first, *attributes = [part.strip() for part in line.split(";")]
            key, _, value = first.partition("=")
            if key == name:
                out = {"value": value}
                for attribute in attributes:
                    k, _, v = attribute.partition("=")
                    out[k.lower()] = v
                return out
        return None


@dataclass
class WebServer:
    core: Core
    pages: WebPort
    service: WebService
    base: str
    jar: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, keep_cookies: bool = True) -> Answer:
        parts = urlsplit(path)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.service.bound_port, timeout=20)
        sent = dict(headers or {})
        if self.jar and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        try:
            conn.request(method, target, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.getheaders(), response.read())
        finally:
            conn.close()
        if keep_cookies:
            for line in answer.all("Set-Cookie"):
                key, _, value = line.split(";")[0].partition("=")
                if "max-age=0" in line.lower() or "expires=thu, 01 jan 1970" in line.lower():
                    self.jar.pop(key, None)
                else:
                    self.jar[key] = value
        return answer

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: Mapping[str, str], **kwargs: Any) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **kwargs.pop("headers", {})}
        return self.request("POST", path, body=urlencode(form).encode(), headers=headers,
                            **kwargs)

    def link(self, person_id: int, page: Page, group_id: int | None = None, *,
             via_admin: bool = False) -> str:
        """A link as the chat commands make one (their checks are theirs to test)."""
        with self.core.db.session() as session:
            return links.issue(session, self.core.settings, person_id=person_id, page=page,
                               group_id=group_id, now=self.core.clock.now(),
                               via_admin=via_admin).url

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def open(self, url: str) -> Answer:
        """Open a link as a browser would (the cookie is kept)."""
        return self.get(self.path(url))


@contextmanager
def web_server(core: Core, *, plans: PlanSource | None = None, https: bool = False
               ) -> Iterator[WebServer]:
    """The pages on their own server on a free loopback port, PUBLIC_URL pointing at it
    (https://… when `https`: what a deployment behind a TLS proxy has)."""
    web_pages = core.web_pages(plans)
    service = WebService(wsgi(web_pages), "127.0.0.1", 0)
    service.start()
    scheme = "https" if https else "http"
    # The port is known once the server listens: links (core) and pages start with it.
    core.settings = core.settings.model_copy(update={
        "public_url": f"{scheme}://127.0.0.1:{service.bound_port}"})
    web_pages.settings = core.settings
    try:
        yield WebServer(core, web_pages, service, f"http://127.0.0.1:{service.bound_port}")
    finally:
        service.stop()


class Tiles(HTMLParser):
    """The dashboard's tiles (data-key → (data-value, shown)), week rows and named lists."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, tuple[str, str]] = {}
        self.weeks: list[tuple[str, str, str]] = []
        self.looking: list[str] = []
        self.silent: list[str] = []
        self._key: str | None = None
        self._value = ""
        self._in_value = False
        self._shown = ""
        self._stack: list[str] = []
        self._row: list[str] | None = None
        self._week = ""
        self._cell: list[str] | None = None
        self._list: str | None = None
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and "data-key" in a and "tile" in (a.get("class") or ""):
            self._key, self._value, self._shown = a["data-key"], a.get("data-value") or "", ""
        elif tag == "dd" and self._key is not None and "value" in (a.get("class") or ""):
            self._in_value = True
        elif tag == "tr" and "data-week" in a:
            self._week, self._row = a["data-week"] or "", []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "ul" and a.get("id") == "looking":
            self._list = "looking"
        elif tag == "table" and a.get("id") == "silent":
            self._list = "silent"
        elif (tag, self._list) in (("li", "looking"), ("th", "silent")) and (
                tag == "li" or a.get("scope") == "row"):
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "dd" and self._in_value:
            self._in_value = False
        elif tag == "div" and self._key is not None:
            self.tiles.setdefault(self._key, (self._value, self._shown.strip()))
            self._key = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.weeks.append((self._week, self._row[1], self._row[2]))
            self._row = None
        if tag in ("li", "th") and self._item is not None and self._list is not None:
            getattr(self, self._list).append("".join(self._item).strip())
            self._item = None
        if tag in ("ul", "table") and self._list is not None:
            self._list = None

    def handle_data(self, data: str) -> None:
        if self._in_value:
            self._shown += data
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)


def read_dashboard(html: str) -> Tiles:
    parser = Tiles()
    parser.feed(html)
    return parser


__all__ = ["Answer", "WebServer", "read_dashboard", "web_server"]

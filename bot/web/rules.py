"""How a web link and the session it opens work, as constants and pure functions of a key,
a token and a `now` (SPEC "Web pages").

A link carries, signed, who it is for, which page (and group) it opens and until when it
works. Signing (itsdangerous: an HMAC of the contents under the key and a purpose, so a link
can never pass for a session cookie nor the reverse) makes it tamper-evident; the contents
are not secret (ids and a time). The expiry is ours, checked against the injected clock, not
itsdangerous's own timestamp, so tests never wait and never read the real clock.

A link works once: its random id is remembered at its first use (`bot.web.store`). It is
exchanged for a session cookie that names the same grant and lasts `SESSION_LIFETIME`;
forms carry a token derived from the grant's id (`csrf_token`), which a page from another
site cannot know."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

LINK_LIFETIME = timedelta(minutes=15)
"""A link works for this long after it is made, and once."""
SESSION_LIFETIME = timedelta(hours=4)
"""The session a link opens lasts this long (an afternoon's work on a plan)."""
NOTE_LIFETIME = timedelta(minutes=1)
"""A page's one-line answer to a form (“Added …”) is shown on the page that follows within
this long, then forgotten."""


WEB_ROOT = "/web"
"""Every page lives under this path (static files under /static)."""
OPEN_PATH = f"{WEB_ROOT}/open/"
"""A link is PUBLIC_URL + OPEN_PATH + the signed token."""
STATIC_PATH = f"{WEB_ROOT}/static"
"""The pages' style sheet and icon: served by the bot, like everything a page loads."""


class Page(StrEnum):
    REPORT = "report"  # an organizer's dashboard of one group
    PLAN = "plan"  # a student's own residency plan


class Purpose(StrEnum):
    """What a signed value is for: each is signed under its own salt, so one can never be
    used as another."""

    LINK = "mentorbot.web.link"
    SESSION = "mentorbot.web.session"
    NOTE = "mentorbot.web.note"


class Refusal(StrEnum):
    """Why a link or a session was not honoured, and the HTTP status that says so."""

    TAMPERED = "tampered"  # 403: not signed by us, or changed
    EXPIRED = "expired"  # 410: past its time
    REUSED = "reused"  # 410: opened before
    NOT_ALLOWED = "not-allowed"  # 403: its person may no longer see that page

    @property
    def status(self) -> int:
        return 410 if self in (Refusal.EXPIRED, Refusal.REUSED) else 403


@dataclass(frozen=True)
class Grant:
    """What a link, then the session it opened, lets its holder see: one page, for one
    person, of one group (the dashboard) or of their own (the plan), until `expires_at`."""

    link_id: str
    person_id: int
    page: Page
    group_id: int | None
    expires_at: datetime
    # The link was granted through platform admin rights (a workspace admin running a
    # group bound there) rather than the organizer role: the role is not required again.
    via_admin: bool = False

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def opened(self, now: datetime) -> Grant:
        """The session a link opens at `now`."""
        return replace(self, expires_at=now + SESSION_LIFETIME)


def new_link_id() -> str:
    """128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def grant_for(person_id: int, page: Page, group_id: int | None, now: datetime, *,
              via_admin: bool = False) -> Grant:
    return Grant(new_link_id(), person_id, page, group_id, now + LINK_LIFETIME, via_admin)


def _serializer(key: str, purpose: Purpose) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=purpose.value,
                             signer_kwargs={"digest_method": hashlib.sha256})


def sign(key: str, grant: Grant, purpose: Purpose) -> str:
    """`grant` as a signed, URL-safe token."""
    payload = [grant.link_id, grant.person_id, grant.page.value, grant.group_id,
               int(grant.expires_at.timestamp()), int(grant.via_admin)]
    return str(_serializer(key, purpose).dumps(payload))


def read(key: str, token: str, purpose: Purpose) -> Grant | None:
    """The grant `token` carries, or None when it is not one we signed for `purpose` (any
    change to it, a token of another purpose or key, or nonsense)."""
    try:
        payload: Any = _serializer(key, purpose).loads(token)
    except (BadData, UnicodeError, ValueError):
        return None
    try:
        link_id, person_id, page, group_id, expires, admin = payload
        return Grant(str(link_id), int(person_id), Page(page),
                     None if group_id is None else int(group_id),
                     datetime.fromtimestamp(int(expires), UTC), bool(admin))
    except (TypeError, ValueError):
        return None


def csrf_token(key: str, grant: Grant) -> str:
    """The token a session's forms carry: tied to the session, unknowable elsewhere."""
    return hmac.new(key.encode(), f"csrf:{grant.link_id}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str, grant: Grant, token: str) -> bool:
    return hmac.compare_digest(csrf_token(key, grant), token or "")


def sign_note(key: str, text: str, now: datetime) -> str:
    """A page's short answer to a form, for the page that follows (see NOTE_LIFETIME)."""
    return str(_serializer(key, Purpose.NOTE).dumps([text, int(now.timestamp())]))


def read_note(key: str, token: str, now: datetime) -> str | None:
    try:
        text, made = _serializer(key, Purpose.NOTE).loads(token)
        if now - datetime.fromtimestamp(int(made), UTC) > NOTE_LIFETIME:
            return None
        return str(text)
    except (BadData, UnicodeError, ValueError, TypeError):
        return None

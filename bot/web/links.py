"""Making a web link and honouring it: `issue` signs a grant into an address under
PUBLIC_URL; `redeem` checks the signature, the time and that it was never opened, and
remembers it as opened. Whoever issues a link has checked first that the person may see
the page (`/mentor report web` runs the report's checks); the page checks again at every
request (`bot.app.web`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.infra.settings import Settings
from bot.web import rules, store
from bot.web.rules import Grant, Page, Purpose, Refusal

NOT_SET_UP = ("Web pages are not set up here: whoever runs mentorbot sets PUBLIC_URL (the "
              "address the pages are served at) to turn them on.")


def signing_key(session: Session, settings: Settings, now: datetime) -> str:
    """WEB_SECRET when set, else the key kept in the database (made on first use)."""
    return settings.web_secret or store.signing_key(session, now)


@dataclass(frozen=True)
class Issued:
    url: str
    grant: Grant


def issue(session: Session, settings: Settings, *, person_id: int, page: Page,
          group_id: int | None, now: datetime, via_admin: bool = False,
          weeks: int | None = None) -> Issued:
    """A one-time link to `page` for `person_id`; refused when PUBLIC_URL is not set.
    `weeks`: the dashboard's period to open on (a view, not a permission: it rides in the
    address, unsigned, and the page checks it like its own form)."""
    if settings.public_url is None:
        raise UserError(NOT_SET_UP, title="No web pages here")
    grant = rules.grant_for(person_id, page, group_id, now, via_admin=via_admin)
    token = rules.sign(signing_key(session, settings, now), grant, Purpose.LINK)
    query = f"?weeks={weeks}" if weeks is not None else ""
    return Issued(f"{settings.public_url}{rules.OPEN_PATH}{token}{query}", grant)


def redeem(session: Session, settings: Settings, token: str, now: datetime
           ) -> Grant | Refusal:
    """The session a link opens, or why it opens none. A link is spent here, at its first
    use, whatever the page then decides."""
    grant = rules.read(signing_key(session, settings, now), token, Purpose.LINK)
    if grant is None:
        return Refusal.TAMPERED
    if grant.expired(now):
        return Refusal.EXPIRED
    if not store.use_link(session, grant.link_id, now=now, expires_at=grant.expires_at):
        return Refusal.REUSED
    return grant.opened(now)

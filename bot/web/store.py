"""The web pages' two tables, and the only module that writes them.

- `web_link_uses`: the id of each link at its first use (`use_link`: inserted once; a
  second use finds it and is refused), deleted once the link would have expired anyway
  (an old link is refused by its age alone).
- `web_keys`: the signing key made when WEB_SECRET is not set (`signing_key`: created once,
  whichever worker asks first; never changed)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.infra.models import WebKey, WebLinkUse

SIGNING_KEY = "signing"


def signing_key(session: Session, now: datetime) -> str:
    """The stored signing key, made now if there is none yet. Two workers asking at once
    both end up with the one that was stored first."""
    found = session.scalar(select(WebKey.secret).where(WebKey.name == SIGNING_KEY))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(WebKey(name=SIGNING_KEY, secret=secrets.token_urlsafe(48),
                               created_at=now))
    except IntegrityError:
        pass  # another worker made it first: theirs is the key
    return session.scalars(select(WebKey.secret).where(WebKey.name == SIGNING_KEY)).one()


def use_link(session: Session, link_id: str, *, now: datetime, expires_at: datetime) -> bool:
    """Record the first use of a link; False when it was used before (also when two uses
    race: the unique id lets one through)."""
    session.execute(delete(WebLinkUse).where(WebLinkUse.expires_at < now)
                    .execution_options(synchronize_session=False))
    if session.scalar(select(WebLinkUse.id).where(WebLinkUse.link_id == link_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(WebLinkUse(link_id=link_id, used_at=now, expires_at=expires_at))
    except IntegrityError:
        return False
    return True

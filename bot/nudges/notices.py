"""Direct messages owed to a person, stored as rows so none is lost before delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import Nudge, Person

NOTICE = "notice"
"""The kind of a direct message that answers something just done (an intro request reaching
a mentor, a match result). Unlike planned nudges it is due at once and ignores quiet hours."""


def queue_notice(session: Session, person: Person, reply: Reply, *, key: str,
                 now: datetime) -> Nudge:
    dedup_key = f"notice:{key}"
    existing = session.scalar(select(Nudge).where(Nudge.dedup_key == dedup_key))
    if existing is not None:
        return existing
    nudge = Nudge(
        person_id=person.id,
        kind=NOTICE,
        due_at=now,
        dedup_key=dedup_key,
        text=reply.as_text(),
        payload=reply.to_dict(),
        created_at=now,
    )
    session.add(nudge)
    session.flush()
    return nudge

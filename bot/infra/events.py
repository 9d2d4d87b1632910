"""Platform events the core reacts to (not commands) are each handled at most once: the
seen-event record. What an event means (joining a group's channel joins the group) belongs
to its feature (`bot.groups.store.joined_channel`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.infra.models import SeenEvent


def first_time(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen. Platforms re-send an event they think was
    lost (Slack's X-Slack-Retry-Num); the unique (platform, event_id) row makes the check
    safe even when the original and the retry are handled at the same moment."""
    if session.scalar(select(SeenEvent.id).where(SeenEvent.platform == platform,
                                                 SeenEvent.event_id == event_id)):
        return False
    try:
        with session.begin_nested():
            session.add(SeenEvent(platform=platform, event_id=event_id, seen_at=now))
    except IntegrityError:
        return False
    return True


def prune_seen(session: Session, *, before: datetime, platform: str | None = None) -> int:
    """Delete the records seen before `before` (of one platform, when given): past their
    window a retried event or a replayed request is refused by its age alone. Returns how
    many were deleted."""
    query = delete(SeenEvent).where(SeenEvent.seen_at < before)
    if platform is not None:
        query = query.where(SeenEvent.platform == platform)
    return len(session.execute(query.returning(SeenEvent.id)
                               .execution_options(synchronize_session=False)).all())

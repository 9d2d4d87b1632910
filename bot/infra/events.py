"""Platform events the core reacts to (not commands) are each handled at most once: the
seen-event record. What an event means (joining a group's channel joins the group) belongs
to its feature (`bot.groups.store.joined_channel`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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

"""Platform events the core reacts to (not commands) are each handled at most once: the
seen-event record. What an event means (joining a group's channel joins the group) belongs
to its feature (`bot.groups.store.joined_channel`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.infra.db import insert_rows
from bot.infra.models import SeenEvent


def first_time(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen. Platforms re-send an event they think was
    lost (Slack's X-Slack-Retry-Num), and a replayed request can reach two workers: one
    INSERT … ON CONFLICT DO NOTHING on the unique (platform, event_id) decides, even when
    both are handled at the same moment (on PostgreSQL the second waits for the first's
    transaction, then inserts nothing). One statement: this runs before every Slack
    request's work."""
    return bool(insert_rows(session, SeenEvent,
                            [{"platform": platform, "event_id": event_id, "seen_at": now}],
                            skip_conflicts=("platform", "event_id"), returning="id"))


def prune_seen(session: Session, *, before: datetime, platform: str | None = None) -> int:
    """Delete the records seen before `before` (of one platform, when given): past their
    window a retried event or a replayed request is refused by its age alone. Returns how
    many were deleted."""
    query = delete(SeenEvent).where(SeenEvent.seen_at < before)
    if platform is not None:
        query = query.where(SeenEvent.platform == platform)
    return len(session.execute(query.returning(SeenEvent.id)
                               .execution_options(synchronize_session=False)).all())

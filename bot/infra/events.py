"""Platform events the core reacts to (not commands): each is handled at most once, and
joining a channel bound to an interest group joins that group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.groups import store as groups
from bot.infra.models import ChannelBinding, InterestGroup, Person, SeenEvent


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


def bound_group(session: Session, platform: str, workspace: str,
                channel_id: str) -> InterestGroup | None:
    binding = session.scalar(
        select(ChannelBinding).where(
            ChannelBinding.platform == platform,
            ChannelBinding.workspace.in_({workspace, ""}),
            ChannelBinding.channel_id == channel_id,
        )
    )
    return binding.group if binding is not None else None


def joined_channel(session: Session, person: Person, platform: str, workspace: str,
                   channel_id: str, now: datetime) -> InterestGroup | None:
    """Someone joined a channel: when it belongs to a group, they join the group. Returns
    the group when that made them a new member."""
    group = bound_group(session, platform, workspace, channel_id)
    if group is None:
        return None
    return group if groups.join(session, person, group, now) else None

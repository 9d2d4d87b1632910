"""Posting each group's weekly digest to its bound channels, once per group and week.

The `digest_posts` row, unique on (group, ISO week), is the claim: whichever worker inserts
it posts, any other sees the row and does nothing. So several `mentorbot run` processes,
a scheduler restart or a catch-up run after downtime never post a week twice, and a week
missed while nothing ran is posted by the next catch-up (SPEC "Nudges")."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.framework.channels import ChannelTarget, DeliveryError, Router
from bot.groups import digest
from bot.groups.digest_rules import last_moment, week_key
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import DigestPost, InterestGroup
from bot.infra.settings import get_settings

log = logging.getLogger(__name__)

STALE_POSTING = timedelta(minutes=30)
"""A digest still `posting` this long after it was claimed belongs to a worker that died:
another may take it over (while posting, `posted_at` holds the claim time)."""


@dataclass(frozen=True)
class DigestResult:
    group_id: int
    week: str
    state: str  # posted | failed | empty (no bound channel) | taken (another worker has it)


def _claim(session: Session, group_id: int, week: str, now: datetime) -> bool:
    """Insert the (group, week) row; True if this call did, or took over a failed one or
    one whose worker died while posting."""
    values = {"group_id": group_id, "week": week, "state": "posting", "posted_at": now}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = maker(DigestPost).values(**values).on_conflict_do_nothing(
            index_elements=["group_id", "week"]).returning(DigestPost.id)
        # RETURNING, not rowcount: an ORM-executed insert reports -1 on psycopg.
        if session.execute(stmt).first() is not None:
            return True
    else:  # pragma: no cover - other backends rely on the unique constraint
        exists = session.scalar(select(DigestPost.id).where(DigestPost.group_id == group_id,
                                                            DigestPost.week == week))
        if exists is None:
            session.execute(insert(DigestPost).values(**values))
            return True
    retaken = session.execute(
        update(DigestPost)
        .where(DigestPost.group_id == group_id, DigestPost.week == week,
               or_(DigestPost.state == "failed",
                   and_(DigestPost.state == "posting",
                        DigestPost.posted_at < now - STALE_POSTING)))
        .values(state="posting", posted_at=now)
        .returning(DigestPost.id)
    )
    return retaken.first() is not None


def post_digest(db: Database, router: Router, clock: Clock, group_id: int,
                moment: datetime | None = None) -> DigestResult:
    """Post the digest of the week containing `moment` (default: the group's latest digest
    moment) unless it has been posted already."""
    now = clock.now()
    with db.session() as session:
        group = session.get(InterestGroup, group_id)
        if group is None:
            return DigestResult(group_id, "", "empty")
        moment = moment or last_moment(now, group.digest_weekday, group.digest_hour,
                                       group.timezone)
        week = week_key(moment, group.timezone)
        if not _claim(session, group_id, week, now):
            return DigestResult(group_id, week, "taken")
        reply = digest.build(session, group, now,
                             default_tz=get_settings().default_timezone)
        targets = [ChannelTarget(b.platform, b.workspace, b.channel_id) for b in group.bindings]
    # The claim is committed before posting: a second worker now sees it and stays out.
    errors: list[str] = []
    for target in targets:
        channel = router.channel_for_target(target)
        if channel is None:
            errors.append(f"{target.platform}:{target.channel_id}: no adapter can post there")
            continue
        try:
            channel.post_to_channel(target, reply)
        except DeliveryError as exc:
            errors.append(f"{target.platform}:{target.channel_id}: {exc}")
        except Exception as exc:
            log.exception("digest post to %s failed", target)
            errors.append(f"{target.platform}:{target.channel_id}: {type(exc).__name__}: {exc}")
    state = "failed" if errors else ("posted" if targets else "empty")
    with db.session() as session:
        session.execute(
            update(DigestPost)
            .where(DigestPost.group_id == group_id, DigestPost.week == week)
            .values(state=state, posted_at=clock.now() if state == "posted" else None,
                    last_error="; ".join(errors) or None)
        )
    if errors:
        log.warning("digest of group %s for %s: %s", group_id, week, "; ".join(errors))
    return DigestResult(group_id, week, state)


def due_groups(db: Database, now: datetime) -> list[tuple[int, datetime]]:
    """Groups whose latest digest moment has passed with no successful post for that week
    (missed while nothing ran, or failed): (group id, moment). A group created after the
    moment waits for its first one."""
    with db.session() as session:
        groups = session.execute(
            select(InterestGroup.id, InterestGroup.digest_weekday, InterestGroup.digest_hour,
                   InterestGroup.timezone, InterestGroup.created_at)
        ).all()
        done = {
            (row.group_id, row.week)
            for row in session.execute(
                select(DigestPost.group_id, DigestPost.week)
                .where(or_(DigestPost.state.in_(("posted", "empty")),
                           and_(DigestPost.state == "posting",
                                DigestPost.posted_at >= now - STALE_POSTING)))
            )
        }
    due = []
    for g in groups:
        moment = last_moment(now, g.digest_weekday, g.digest_hour, g.timezone)
        if g.created_at <= moment and (g.id, week_key(moment, g.timezone)) not in done:
            due.append((g.id, moment))
    return due


def catch_up(db: Database, router: Router, clock: Clock) -> list[DigestResult]:
    return [post_digest(db, router, clock, group_id, moment)
            for group_id, moment in due_groups(db, clock.now())]

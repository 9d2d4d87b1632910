"""Posting each group's weekly digest to its bound channels, once per group and week.

The `digest_posts` row, unique on (group, ISO week), is the claim, held with a lease as a
nudge is (`bot.nudges.store.claim_digest`, the same `LEASE`, `claimed_by` and
`lease_until`): whichever worker claims it posts, any other sees it held and does nothing;
a worker still posting renews its lease before each channel, and one that died is taken
over once the lease runs out. So several `mentorbot run` processes, a scheduler restart or
a catch-up run after downtime never post a week twice, and a week missed while nothing ran
is posted by the next catch-up (SPEC "Nudges")."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.framework.channels import ChannelTarget, DeliveryError, Router
from bot.groups.digest_rules import last_moment, owed_week, week_key
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.models import InterestGroup
from bot.infra.settings import get_settings
from bot.nudges import store
from bot.reports import digest
from bot.vocab.nudges import DigestState
from jobs.delivery import default_worker_id

log = logging.getLogger(__name__)

TAKEN = "taken"
"""What `post_digest` says when another worker holds the week, or it was posted already."""


@dataclass(frozen=True)
class DigestResult:
    group_id: int
    week: str
    state: str  # a DigestState (posted, failed, empty: no bound channel), or TAKEN


def post_digest(db: Database, router: Router, clock: Clock, group_id: int,
                moment: datetime | None = None, *, worker: str | None = None) -> DigestResult:
    """Post the digest of the week containing `moment` (default: the group's latest digest
    moment) unless it has been posted already or another worker holds it."""
    worker = worker or default_worker_id()
    now = clock.now()
    with db.session() as session:
        group = session.get(InterestGroup, group_id)
        if group is None or not group.digest_enabled:  # gone, or switched off meanwhile
            return DigestResult(group_id, "", DigestState.EMPTY)
        moment = moment or last_moment(now, group.digest_weekday, group.digest_hour,
                                       group.timezone)
        week = week_key(moment, group.timezone)
        if not store.claim_digest(session, group_id, week, worker=worker, now=now):
            return DigestResult(group_id, week, TAKEN)
        reply = digest.build(session, group, now,
                             default_tz=get_settings().default_timezone)
        targets = [ChannelTarget(b.platform, b.workspace, b.channel_id) for b in group.bindings]
    # The claim is committed before posting: a second worker now sees it and stays out.
    errors: list[str] = []
    for target in targets:
        with db.session() as session:
            if not store.renew_digest(session, group_id, week, worker=worker, now=clock.now()):
                # Held too long (a stalled process): another worker took the week over.
                log.warning("digest of group %s for %s: claim lost while posting", group_id,
                            week)
                return DigestResult(group_id, week, TAKEN)
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
    state = DigestState.FAILED if errors else (DigestState.POSTED if targets
                                               else DigestState.EMPTY)
    with db.session() as session:
        store.finish_digest(session, group_id, week, worker=worker, state=state,
                            now=clock.now(), error="; ".join(errors) or None)
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
            .where(InterestGroup.digest_enabled.is_(True))
        ).all()
        done = store.settled_digest_weeks(session, now)
    settled: dict[int, set[str]] = {}
    for group_id, week in done:
        settled.setdefault(group_id, set()).add(week)
    due = []
    for g in groups:
        owed = owed_week(now, g.digest_weekday, g.digest_hour, g.timezone,
                         created_at=g.created_at, enabled=True,
                         settled=settled.get(g.id, set()))
        if owed is not None:
            due.append((g.id, owed[0]))
    return due


def catch_up(db: Database, router: Router, clock: Clock, *, worker: str | None = None,
             stop: threading.Event | None = None) -> list[DigestResult]:
    """Post every digest owed now, one group after another; a `stop` leaves the rest to
    the next catch-up (nothing is claimed for them yet)."""
    results = []
    for group_id, moment in due_groups(db, clock.now()):
        if stop is not None and stop.is_set():
            break
        results.append(post_digest(db, router, clock, group_id, moment, worker=worker))
    return results

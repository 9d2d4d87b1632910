"""When a group's weekly digest is owed, as its settings change. The catch-up job posts any
owed digest at once (a week missed while nothing ran); so an organizer who moves the digest
to a day that has already passed this week, or switches it back on, would otherwise get a
digest at once instead of at the new day and hour. A week that only became owed through the
change is settled as not owed (through `bot.nudges.store`, the writer of `digest_posts`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.groups.digest_rules import owed_week
from bot.infra.models import InterestGroup
from bot.nudges import store
from bot.vocab.nudges import DigestState

SETTINGS_WORKER = "group-settings"
"""Who the settled week's row says claimed it."""
NOT_OWED = "not owed: the group's digest day, hour or zone changed after this moment"


def owed_now(session: Session, group: InterestGroup, now: datetime) -> str | None:
    """The ISO week whose digest `group` owes at `now` (`digest_rules.owed_week`), if any."""
    settled = {week for group_id, week in store.settled_digest_weeks(session, now)
               if group_id == group.id}
    owed = owed_week(now, group.digest_weekday, group.digest_hour, group.timezone,
                     created_at=group.created_at, enabled=group.digest_enabled,
                     settled=settled)
    return owed[1] if owed is not None else None


def forgive_passed_week(session: Session, group: InterestGroup, now: datetime,
                        owed_before: str | None) -> bool:
    """After a change of `group`'s digest settings: a week that is owed now but was not
    before the change is settled, so the next digest falls at the new day and hour. A week
    owed before (missed, or failed) stays owed. Returns whether a week was settled."""
    week = owed_now(session, group, now)
    if week is None or week == owed_before:
        return False
    if not store.claim_digest(session, group.id, week, worker=SETTINGS_WORKER, now=now):
        return False
    return store.finish_digest(session, group.id, week, worker=SETTINGS_WORKER,
                               state=DigestState.EMPTY, now=now, error=NOT_OWED)

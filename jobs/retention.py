"""Retention: the daily job that deletes what the bot no longer needs to keep.

- Nudges that are finished (sent, cancelled, dismissed, failed) once their last moment is
  older than `RETENTION_NUDGE_DAYS` (default 365). Pending and unreachable nudges stay,
  whatever their age: they are still owed. Each one's dedup key stays behind as a
  tombstone, so planning never brings a sent or dismissed reminder back.
- Processed-event records (`seen_events`: platform event ids handled once) older than
  `RETENTION_EVENT_DAYS` (default 30): a platform retries an event within minutes.
- Short-lived records with a window of their own, such as the Slack request signatures the
  HTTP edge remembers against replays, once past that window (a request older than the
  window is refused anyway). The assembly passes those windows in (`short_lived`), since
  the adapters that write them own their length.

Each write is the owning module's: `bot.nudges.store.prune`, `bot.infra.events.prune_seen`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.infra.db import Database
from bot.infra.events import prune_seen
from bot.infra.settings import Settings
from bot.nudges import store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept."""

    nudges: timedelta
    events: timedelta
    short_lived: Mapping[str, timedelta] = field(default_factory=dict)
    """`seen_events.platform` → how long those records matter."""

    @classmethod
    def from_settings(cls, settings: Settings,
                      short_lived: Mapping[str, timedelta] | None = None) -> Retention:
        return cls(nudges=timedelta(days=settings.retention_nudge_days),
                   events=timedelta(days=settings.retention_event_days),
                   short_lived=dict(short_lived or {}))


@dataclass(frozen=True)
class Pruned:
    nudges: int
    events: int


def prune(db: Database, now: datetime, retention: Retention) -> Pruned:
    """Delete what is past its retention at `now`; each kind in its own unit of work."""
    with db.session() as session:
        nudges = store.prune(session, before=now - retention.nudges, now=now)
    with db.session() as session:
        events = prune_seen(session, before=now - retention.events)
        for platform, window in retention.short_lived.items():
            events += prune_seen(session, before=now - window, platform=platform)
    if nudges or events:
        log.info("retention: deleted %d finished nudges and %d processed-event records",
                 nudges, events)
    return Pruned(nudges, events)

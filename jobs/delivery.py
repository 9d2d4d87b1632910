"""The delivery sweep: sends due nudges and notices through the channel router."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.db import Database
from bot.delivery import Address, DeliveryError, Router
from bot.models import Nudge, Person
from bot.replies import Reply

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0


def sweep(db: Database, clock: Clock, router: Router, *, limit: int = 500,
          kinds: tuple[str, ...] | None = None) -> SweepResult:
    """Deliver every pending message due now (of `kinds`, when given), once each."""
    result = SweepResult()
    now = clock.now()
    with db.session() as session:
        due = session.scalars(
            select(Nudge)
            .where(Nudge.state == "pending", Nudge.due_at <= now,
                   *([Nudge.kind.in_(kinds)] if kinds else []))
            .order_by(Nudge.due_at, Nudge.id)
            .limit(limit)
        ).all()
        for nudge in due:
            person = session.scalar(
                select(Person).options(selectinload(Person.identities))
                .where(Person.id == nudge.person_id)
            )
            if person is None:
                nudge.state = "cancelled"
                continue
            address = Address.of(person)
            channel = router.channel_for(address)
            if channel is None:
                continue
            nudge.attempts += 1
            try:
                channel.send_dm(address, Reply.from_dict(nudge.payload))
            except DeliveryError as exc:
                nudge.last_error = str(exc)
                result.retried += 1
                continue
            nudge.state = "sent"
            nudge.sent_at = now
            nudge.delivered_via = channel.name
            result.sent += 1
    return result

"""Putting nudges in the outbox for tests of delivery, commands and the CLI, through the
store's own bulk path (as a planner or a command would)."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import Nudge, Person
from bot.mentoring import specs as mentoring_specs
from bot.nudges import store
from bot.nudges.plans import Notice, PlannedNudge
from bot.nudges.vocab import NudgeKind, Subject

_keys = itertools.count(1)


def _reply(text: str) -> Reply:
    return Reply(title="Time to check in", text=text,
                 actions=(mentoring_specs.LOG.action("Log contact", {"mentor": "x"},
                                                     style="primary"),))


def add_nudge(session: Session, person: Person | int, *, due_at: datetime,
              kind: NudgeKind = NudgeKind.FOLLOWUP, text: str = "",
              created_at: datetime | None = None, subject_type: Subject = Subject.MENTORSHIP,
              subject_id: int = 1) -> Nudge:
    """One pending nudge (a notice when `kind` is NOTICE, due at `due_at`), returned as
    its stored row."""
    person_id = person if isinstance(person, int) else person.id
    n = next(_keys)
    reply = _reply(text or f"nudge {n}")
    if kind == NudgeKind.NOTICE:
        notice = Notice(person_id, reply, f"test:{n}", subject_type, subject_id)
        assert store.queue_notices(session, [notice], now=due_at) == 1
        key = notice.dedup_key
    else:
        planned = PlannedNudge(person_id, kind, due_at, subject_type, subject_id, f"test-{n}",
                               reply)
        assert store.insert_bulk(session, [planned], now=created_at or due_at) == 1
        key = planned.dedup_key
    nudge = session.scalar(select(Nudge).where(Nudge.dedup_key == key))
    assert nudge is not None
    return nudge


def bulk_nudges(session: Session, person_ids: list[int], count: int, *, due_at: datetime,
                kind: NudgeKind = NudgeKind.FOLLOWUP, prefix: str = "bulk") -> list[str]:
    """`count` nudges spread over `person_ids`, each with a distinct text; returns the texts."""
    texts = [f"{prefix} {i}" for i in range(count)]
    batch = next(_keys)
    store.insert_bulk(session, [
        PlannedNudge(person_ids[i % len(person_ids)], kind, due_at, Subject.NONE, i,
                     f"{prefix}-{batch}", Reply(text=t))
        for i, t in enumerate(texts)
    ], now=due_at)
    return texts

"""Putting nudges straight into the table, for tests of delivery, commands and the CLI."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.framework.replies import Action, Reply
from bot.infra.models import Nudge, Person

_keys = itertools.count(1)


def add_nudge(session: Session, person: Person | int, *, due_at: datetime,
              kind: str = "followup", text: str = "", created_at: datetime | None = None,
              subject_type: str = "mentorship", subject_id: int = 1) -> Nudge:
    person_id = person if isinstance(person, int) else person.id
    n = next(_keys)
    reply = Reply(title="Time to check in", text=text or f"nudge {n}",
                  actions=(Action("Log contact", "mentor log", {"mentor": "x"}, "primary"),))
    nudge = Nudge(person_id=person_id, kind=kind, due_at=due_at, subject_type=subject_type,
                  subject_id=subject_id, dedup_key=f"test:{n}", text=reply.as_text(),
                  payload=reply.to_dict(), created_at=created_at or due_at)
    session.add(nudge)
    session.flush()
    return nudge


def bulk_nudges(session: Session, person_ids: list[int], count: int, *, due_at: datetime,
                kind: str = "followup", prefix: str = "bulk") -> list[str]:
    """`count` nudges spread over `person_ids`, each with a distinct text; returns the texts."""
    texts = [f"{prefix} {i}" for i in range(count)]
    rows = [
        {"person_id": person_ids[i % len(person_ids)], "kind": kind, "due_at": due_at,
         "subject_type": "test", "subject_id": i, "dedup_key": f"{prefix}:{i}:{next(_keys)}",
         "text": t, "payload": Reply(text=t).to_dict(), "state": "pending", "attempts": 0,
         "created_at": due_at}
        for i, t in enumerate(texts)
    ]
    session.execute(insert(Nudge), rows)
    return texts

"""A letter's history (the `letter_events` table): when each letter last entered a state, and
how many changes it has been through. Read by the store (next steps, the calendar) and by
planning (when the writer agreed or submitted) alike, so neither needs the other."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.infra.models import LetterEvent
from bot.vocab.letters import LetterState


def state_moments(session: Session, letter_ids: Iterable[int],
                  state: LetterState) -> dict[int, datetime]:
    """When each letter last entered `state`."""
    ids = list(letter_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LetterEvent.letter_id, func.max(LetterEvent.at))
        .where(LetterEvent.letter_id.in_(ids), LetterEvent.to_state == state)
        .group_by(LetterEvent.letter_id)).all()
    return {letter_id: at for letter_id, at in rows}


def change_counts(session: Session, letter_ids: Iterable[int]) -> dict[int, int]:
    """How many events each letter has: a calendar's SEQUENCE, so the newer copy wins."""
    ids = list(letter_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LetterEvent.letter_id, func.count())
        .where(LetterEvent.letter_id.in_(ids))
        .group_by(LetterEvent.letter_id)).all()
    return {letter_id: count for letter_id, count in rows}

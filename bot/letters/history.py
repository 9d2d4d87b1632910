"""A letter's history (the `letter_events` table): when each letter last entered a state, and
how many changes it has been through, and the day its writer was asked. Read by the store
(next steps, the calendar, the writer's list) and by planning (when the writer was asked,
agreed or submitted) alike, so neither needs the other."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.infra.models import Letter, LetterEvent, Outcome
from bot.infra.zones import local_day
from bot.letters.programs import credits, read_program
from bot.letters.rules import DONE_STATES, writer_key
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


def asked_days(session: Session, letters: Sequence[Letter], tz: str) -> dict[int, date]:
    """The day (in `tz`) each letter's writer was asked. A letter past `asked` with no
    recorded ask (made by an import) counts from the day it was tracked; a planned letter,
    or one withdrawn before it was asked, has none: its writer was never asked."""
    moments = state_moments(session, [x.id for x in letters], LetterState.ASKED)
    days = {x.id: asked_day(x, moments.get(x.id), tz) for x in letters}
    return {letter_id: day for letter_id, day in days.items() if day is not None}


def asked_day(letter: Letter, asked_at: datetime | None, tz: str) -> date | None:
    """`asked_days` for one letter whose ask (if recorded) was at `asked_at`."""
    if asked_at is not None:
        return local_day(asked_at, tz)
    if letter.state in (LetterState.PLANNED, LetterState.WITHDRAWN):
        return None
    return local_day(letter.created_at, tz)


def writers_to_tell(session: Session, outcomes: Sequence[Outcome]) -> dict[int, list[Letter]]:
    """Per outcome, the letters whose writers hear about it: one per writer (the roster
    person, else the name as written), submitted by the time the outcome was recorded, not
    withdrawn since, and for the track and specialty the outcome is about (`credits`: a
    biology fellowship's letter had no part in an EM residency interview). The planner plans an outcome's nudge from it, and the nudge's words
    list it again when it is sent."""
    if not outcomes:
        return {}
    students = {o.student_id for o in outcomes}
    read_outcome = {o.id: read_program(o.text) for o in outcomes}
    rows = session.execute(
        select(Letter, LetterEvent.at)
        .join(LetterEvent, LetterEvent.letter_id == Letter.id)
        .where(Letter.student_id.in_(students), LetterEvent.to_state == LetterState.SUBMITTED,
               Letter.state.in_(DONE_STATES))
        .order_by(Letter.id)).all()
    found: dict[int, list[Letter]] = {}
    for outcome in outcomes:
        seen: set[str] = set()
        letters: list[Letter] = []
        for letter, submitted_at in rows:
            if letter.student_id != outcome.student_id or submitted_at > outcome.at:
                continue
            if not credits(read_outcome[outcome.id],
                           read_program(letter.program, letter.portal)):
                continue  # a letter for another track or specialty had no part in it
            key = writer_key(letter.writer_id, letter.writer_name)
            if key not in seen:
                seen.add(key)
                letters.append(letter)
        found[outcome.id] = letters
    return found

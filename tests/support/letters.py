"""Helpers for the letter tests: tracking a letter through the real core and reading what
came back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.framework.replies import Reply
from bot.infra.models import Letter, Mentorship, Nudge
from bot.vocab.letters import LetterState
from tests.support.factories import Driver

LIFECYCLE = (LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT,
             LetterState.SUBMITTED, LetterState.THANKED)


def track(driver: Driver, student: object, line: str) -> int:
    """Run `/letter remind …` and return the new letter's id."""
    reply = driver.run(student, f"/letter remind {line}")  # type: ignore[arg-type]
    assert not reply.error, reply.as_text()
    return int(reply.title.split("#")[1].split()[0])


def move(driver: Driver, student: object, letter_id: int, to: str) -> None:
    """Walk the letter along its lifecycle up to `to` (declined: asked, then declined)."""
    path = [LetterState.ASKED, LetterState.DECLINED] if to == LetterState.DECLINED else \
        list(LIFECYCLE[:LIFECYCLE.index(LetterState(to)) + 1])
    for state in path:
        reply = driver.run(student, f"/letter update {letter_id} {state}")  # type: ignore[arg-type]
        assert not reply.error, reply.as_text()


def section(reply: Reply, heading: str) -> str:
    """The text of the reply's first section whose heading starts with `heading`."""
    return next((s.text for s in reply.sections if s.heading.startswith(heading)), "")


def mentor(session: object, student: object, faculty: object, started: datetime,
           kind: str = "career") -> None:
    session.add(Mentorship(student_id=student.id, mentor_id=faculty.id,  # type: ignore[attr-defined]
                           kind=kind, started_at=started))


def letter(core: object, letter_id: int) -> Letter:
    with core.db.session() as s:  # type: ignore[attr-defined]
        found = s.get(Letter, letter_id)
        assert found is not None
        s.expunge(found)
        return found


def nudges(core: object, letter_id: int, *, state: str | None = None) -> list[Nudge]:
    with core.db.session() as s:  # type: ignore[attr-defined]
        query = select(Nudge).where(Nudge.subject_type == "letter",
                                    Nudge.subject_id == letter_id).order_by(Nudge.due_at)
        if state is not None:
            query = query.where(Nudge.state == state)
        rows = list(s.scalars(query))
        for row in rows:
            s.expunge(row)
        return rows

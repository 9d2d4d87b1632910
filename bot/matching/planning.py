"""Unanswered intro requests: after `rules.PENDING_AFTER` an `intro-pending` nudge to the
student (a polite follow-up they can send, and the next candidates); after
`rules.EXPIRE_AFTER` the request expires (a maintenance task, since time alone changes its
state) and the student is offered the next candidates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import IntroRequest, Person
from bot.infra.settings import Settings
from bot.matching import rules
from bot.matching.intros import expire_requests, pending_reply
from bot.matching.vocab import IntroState
from bot.nudges.planning import Plan, PlannedNudge
from bot.nudges.store import queue_notice, stored_keys
from bot.nudges.vocab import NudgeKind, Subject


def occurrence() -> str:
    """A request is followed up once: its key names the wait ("7d"), so it is stored once
    however often the planner runs."""
    return f"{rules.PENDING_AFTER.days}d"


def expire_unanswered(session: Session, now: datetime, settings: Settings) -> None:
    def notify(person: Person, reply: Reply, key: str) -> None:
        queue_notice(session, person.id, reply, key=key, now=now)

    expire_requests(session, now, notify)


def _nudge(request: IntroRequest, reply: Reply) -> PlannedNudge:
    return PlannedNudge(request.student_id, NudgeKind.INTRO_PENDING,
                        rules.pending_from(request.created_at), Subject.INTRO_REQUEST,
                        request.id, occurrence(), reply)


def plan_pending(session: Session, now: datetime, settings: Settings) -> Iterable[Plan]:
    rows = list(session.scalars(select(IntroRequest).where(
        IntroRequest.state == IntroState.OPEN,
        IntroRequest.created_at <= now - rules.PENDING_AFTER,
        IntroRequest.created_at > now - rules.EXPIRE_AFTER,
    )))
    if not rows:
        return []
    owed = {_nudge(r, Reply()).dedup_key: r for r in rows}
    planned = stored_keys(session, list(owed))
    plans: list[Plan] = []
    for key, request in owed.items():
        if key in planned:
            # Already owed (or sent): keep it without recomputing the suggestions.
            nudge = _nudge(request, Reply())
        else:
            student = session.get_one(Person, request.student_id)
            faculty = session.get_one(Person, request.faculty_id)
            tz = student.timezone or settings.default_timezone
            nudge = _nudge(request, pending_reply(session, request, student, faculty, now, tz))
        plans.append(Plan(Subject.INTRO_REQUEST, request.id, [nudge]))
    return plans

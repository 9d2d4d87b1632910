"""Unanswered intro requests: after 7 days an `intro-pending` nudge to the student (a polite
follow-up they can send, and the next candidates); after 14 days the request expires (a
maintenance task, since time alone changes its state) and the student is offered the next
candidates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import IntroRequest, Nudge, Person
from bot.infra.settings import Settings
from bot.matching.intros import EXPIRE_AFTER, PENDING_AFTER, expire_requests, pending_reply
from bot.nudges.planning import Plan, PlannedNudge
from bot.nudges.store import queue_notice

KIND = "intro-pending"
SUBJECT = "intro_request"
OCCURRENCE = "7d"


def expire_unanswered(session: Session, now: datetime, settings: Settings) -> None:
    def notify(person: Person, reply: Reply, key: str) -> None:
        queue_notice(session, person.id, reply, key=key, now=now)

    expire_requests(session, now, notify)


def plan_pending(session: Session, now: datetime, settings: Settings) -> Iterable[Plan]:
    rows = list(session.scalars(select(IntroRequest).where(
        IntroRequest.state == "open",
        IntroRequest.created_at <= now - PENDING_AFTER,
        IntroRequest.created_at > now - EXPIRE_AFTER,
    )))
    if not rows:
        return []
    keys = {f"{KIND}:{SUBJECT}:{r.id}:{OCCURRENCE}": r for r in rows}
    planned = set(session.scalars(select(Nudge.dedup_key).where(
        Nudge.dedup_key.in_(list(keys)))))
    plans: list[Plan] = []
    for key, request in keys.items():
        if key in planned:
            # Already owed (or sent): keep it without recomputing the suggestions.
            nudge = PlannedNudge(request.student_id, KIND, request.created_at + PENDING_AFTER,
                                 SUBJECT, request.id, OCCURRENCE, Reply())
            plans.append(Plan(SUBJECT, request.id, [nudge]))
            continue
        student = session.get_one(Person, request.student_id)
        faculty = session.get_one(Person, request.faculty_id)
        reply = pending_reply(session, request, student, faculty, now)
        nudge = PlannedNudge(request.student_id, KIND, request.created_at + PENDING_AFTER,
                             SUBJECT, request.id, OCCURRENCE, reply)
        plans.append(Plan(SUBJECT, request.id, [nudge]))
    return plans

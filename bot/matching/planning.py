"""Unanswered intro requests: after `rules.PENDING_AFTER` an `intro-pending` nudge to the
student (a polite follow-up they can send, and the next candidates); after
`rules.EXPIRE_AFTER` the request expires (a maintenance task, since time alone changes its
state) and the student is offered the next candidates.

Faculty who go quiet: when a faculty member's last `rules.QUIET_AFTER` requests expired,
a `still-mentoring` question (stay active, away until…, stop accepting); left unanswered for
`rules.ANSWER_WITHIN`, a maintenance task stops offering them to students and tells them
once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import FacultyProfile, IntroRequest, Person
from bot.infra.settings import Settings
from bot.infra.zones import local_day
from bot.matching import availability, rules
from bot.matching import availability_messages as say
from bot.matching.fit import away_on
from bot.matching.intros import expire_requests
from bot.nudges.planning import Plan, PlannedNudge
from bot.nudges.policy import nudge_at
from bot.nudges.store import queue_notice
from bot.people import store as people_store
from bot.vocab.matching import IntroState
from bot.vocab.nudges import NudgeKind, Subject
from bot.vocab.people import AcceptingOff


def occurrence() -> str:
    """A request is followed up once: its key names the wait ("7d"), so it is stored once
    however often the planner runs."""
    return f"{rules.PENDING_AFTER.days}d"


def expire_unanswered(session: Session, now: datetime, settings: Settings) -> None:
    def notify(person: Person, reply: Reply, key: str) -> None:
        queue_notice(session, person.id, reply, key=key, now=now)

    expire_requests(session, now, notify, default_tz=settings.default_timezone)


def _nudge(request: IntroRequest) -> PlannedNudge:
    return PlannedNudge(request.student_id, NudgeKind.INTRO_PENDING,
                        rules.pending_from(request.created_at), Subject.INTRO_REQUEST,
                        request.id, occurrence())


def plan_pending(session: Session, now: datetime, settings: Settings) -> Iterable[Plan]:
    """An intro-pending nudge for each open request waiting longer than
    `rules.PENDING_AFTER`. Its words (and the next candidates it suggests) are found when it
    is sent (`bot.matching.nudge_kinds`)."""
    rows = session.scalars(select(IntroRequest).where(
        IntroRequest.state == IntroState.OPEN,
        IntroRequest.created_at <= now - rules.PENDING_AFTER,
        IntroRequest.created_at > now - rules.EXPIRE_AFTER,
    ))
    return [Plan(Subject.INTRO_REQUEST, request.id, [_nudge(request)]) for request in rows]


# --- faculty who go quiet ----------------------------------------------------------------


def _question_due(went_quiet_at: datetime, tz: str) -> datetime:
    """The nudge hour of the day they went quiet, or of the next day when that hour had
    passed: the question arrives in their daytime like any reminder."""
    day = local_day(went_quiet_at, tz)
    due = nudge_at(day, tz)
    return due if due >= went_quiet_at else nudge_at(day + timedelta(days=1), tz)


def plan_still_mentoring(session: Session, now: datetime, settings: Settings) -> list[Plan]:
    """A `still-mentoring` question to each accepting faculty member whose last
    `rules.QUIET_AFTER` intro requests expired unanswered, once per such run of requests
    (the newest request names it), unless they are away or set their availability since.
    A question still waiting to go out to someone who no longer owes it is cancelled."""
    plans: dict[int, Plan] = {fid: Plan(Subject.FACULTY, fid)
                              for fid in availability.pending_questions(session)}
    for quiet in availability.quiet_faculty(session):
        tz = quiet.timezone or settings.default_timezone
        if away_on(quiet.away_until, local_day(now, tz)):
            continue
        if rules.answered_since(quiet.went_quiet_at, confirmed_at=quiet.confirmed_at,
                                away_until=quiet.away_until,
                                asked_day=local_day(quiet.went_quiet_at, tz)):
            continue
        nudge = PlannedNudge(quiet.faculty_id, NudgeKind.STILL_MENTORING,
                             _question_due(quiet.went_quiet_at, tz), Subject.FACULTY,
                             quiet.faculty_id, f"r{quiet.latest_request_id}")
        plans.setdefault(quiet.faculty_id, Plan(Subject.FACULTY, quiet.faculty_id)
                         ).nudges.append(nudge)
    return list(plans.values())


def stop_unanswered(session: Session, now: datetime, settings: Settings) -> None:
    """Faculty who left the still-mentoring question unanswered for `rules.ANSWER_WITHIN`
    are no longer offered to students (accepting becomes no, with the reason the report
    shows) and are told so once."""
    for asked in availability.questions_waiting(session, now):
        tz = asked.timezone or settings.default_timezone
        if rules.answered_since(asked.sent_at, confirmed_at=asked.confirmed_at,
                                away_until=asked.away_until,
                                asked_day=local_day(asked.sent_at, tz)):
            continue
        if away_on(asked.away_until, local_day(now, tz)):
            continue
        profile = session.get_one(FacultyProfile, asked.faculty_id)
        people_store.set_accepting(profile, False, now=now, reason=AcceptingOff.NO_ANSWER)
        queue_notice(session, asked.faculty_id, say.stopped_for_no_answer(asked.sent_at, tz),
                     key=f"{asked.dedup_key}:stopped", now=now,
                     subject_type=Subject.FACULTY, subject_id=asked.faculty_id)
    session.flush()

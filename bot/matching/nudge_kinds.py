"""The matching feature's nudge kinds: `intro-pending` (a request unanswered for a week: a
polite follow-up the student can send, and others to ask) and `still-mentoring` (to faculty
whose last requests all expired unanswered), each a `NudgeSpec`. The planner
(`bot.matching.planning`) says when each is owed; these say how it reads when it is sent,
from the request or the faculty member's availability as it is then. A request answered,
withdrawn or expired, or a faculty member who has answered the question, stopped accepting
or is away, makes the nudge moot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.infra.models import FacultyProfile, IntroRequest, Person
from bot.infra.zones import local_day
from bot.matching import availability_messages as say_availability
from bot.matching import intro_messages as say
from bot.matching import rules, specs
from bot.matching.finder import Result
from bot.matching.fit import away_on
from bot.matching.intros import next_candidates
from bot.nudges.kinds import Answers, Due, Moment, Moot, NudgeSpec, SubjectSpec, Words
from bot.vocab.matching import IntroState
from bot.vocab.nudges import NudgeKind, Subject

# --- an intro request still waiting --------------------------------------------------------


@dataclass(frozen=True)
class RequestNow:
    request: IntroRequest
    student_name: str
    faculty_name: str
    suggestions: tuple[Result, ...]  # others the student could ask as well, found now


def load_requests(session: Session, dues: Sequence[Due], *, now: datetime,
                  default_tz: str) -> Mapping[int, RequestNow]:
    """The requests and their two people in one query; for each request still open, the
    next candidates (a search each: a week-old unanswered request is rare)."""
    student, faculty = aliased(Person), aliased(Person)
    rows = session.execute(
        select(IntroRequest, student, faculty.name)
        .join(student, student.id == IntroRequest.student_id)
        .join(faculty, faculty.id == IntroRequest.faculty_id)
        .where(IntroRequest.id.in_({d.subject_id for d in dues if d.subject_id is not None}))
    ).all()
    found: dict[int, RequestNow] = {}
    for request, asker, faculty_name in rows:
        waiting = request.state == IntroState.OPEN and now < rules.expires_at(request.created_at)
        suggestions = next_candidates(session, asker, now, exclude={request.faculty_id},
                                      kind=request.kind, default_tz=default_tz) \
            if waiting else []
        found[request.id] = RequestNow(request, asker.name, faculty_name, tuple(suggestions))
    return found


INTRO_REQUEST = SubjectSpec(Subject.INTRO_REQUEST, load_requests, "the request was withdrawn")


def pending_words(state: RequestNow, due: Due, at: Moment) -> Words:
    request = state.request
    if request.state != IntroState.OPEN:
        return Moot(f"the request was {request.state}")
    if at.now >= rules.expires_at(request.created_at):
        return Moot("the request expired")
    return say.pending_reply(request, state.student_name, state.faculty_name,
                             state.suggestions, at.tz)


# --- a faculty member gone quiet -----------------------------------------------------------


@dataclass(frozen=True)
class FacultyNow:
    """A faculty member's availability as the still-mentoring question reads it."""

    accepting: bool
    confirmed_at: datetime | None  # set or confirmed accepting, or answered a request
    away_until: date | None
    went_quiet: Mapping[int, datetime]  # by the newest unanswered request: when it expired


def load_faculty(session: Session, dues: Sequence[Due], *, now: datetime,
                 default_tz: str) -> Mapping[int, FacultyNow]:
    ids = {d.subject_id for d in dues if d.subject_id is not None}
    requests = {int(d.occurrence[1:]) for d in dues if d.occurrence[1:].isdigit()}
    answered = dict(session.execute(
        select(IntroRequest.faculty_id, func.max(IntroRequest.answered_at))
        .where(IntroRequest.faculty_id.in_(ids),
               IntroRequest.state.in_((IntroState.ACCEPTED, IntroState.DECLINED)))
        .group_by(IntroRequest.faculty_id)).all())
    quiet: dict[int, dict[int, datetime]] = {}
    for rid, fid, created in session.execute(
            select(IntroRequest.id, IntroRequest.faculty_id, IntroRequest.created_at)
            .where(IntroRequest.id.in_(requests))):
        quiet.setdefault(fid, {})[rid] = rules.expires_at(created)
    found: dict[int, FacultyNow] = {}
    for fid, accepting, changed, away in session.execute(
            select(FacultyProfile.person_id, FacultyProfile.accepting,
                   FacultyProfile.accepting_changed_at, FacultyProfile.away_until)
            .where(FacultyProfile.person_id.in_(ids))):
        confirmed = max((t for t in (changed, answered.get(fid)) if t is not None),
                        default=None)
        found[fid] = FacultyNow(bool(accepting), confirmed, away, quiet.get(fid, {}))
    return found


FACULTY = SubjectSpec(Subject.FACULTY, load_faculty, "their faculty profile is gone")


def still_mentoring_words(state: FacultyNow, due: Due, at: Moment) -> Words:
    if not state.accepting:
        return Moot("they no longer accept mentees")
    if away_on(state.away_until, at.today):
        return Moot("they are away")
    went_quiet = state.went_quiet.get(int(due.occurrence[1:])) \
        if due.occurrence[1:].isdigit() else None
    if went_quiet is not None and rules.answered_since(
            went_quiet, confirmed_at=state.confirmed_at, away_until=state.away_until,
            asked_day=local_day(went_quiet, at.tz)):
        return Moot("they said whether they still mentor since")
    return say_availability.still_mentoring_question()


# --- the specs -----------------------------------------------------------------------------

NUDGE_SPECS: tuple[NudgeSpec[Any], ...] = (
    NudgeSpec(kind=NudgeKind.INTRO_PENDING, owner="matching",
              summary="an intro request unanswered for a week: a follow-up to send, and others "
                      "to ask",
              subject=INTRO_REQUEST, word=pending_words,
              answers=Answers((specs.REQUEST, specs.FIND))),
    NudgeSpec(kind=NudgeKind.STILL_MENTORING, owner="matching",
              summary="to faculty whose last intro requests all expired: still taking mentees?",
              subject=FACULTY, word=still_mentoring_words,
              answers=Answers((specs.STILL_MENTORING,))),
)
"""The matching feature's nudge kinds, listed by the program's assembly (`bot.app.nudges`)."""

"""Intro requests: a student asks a faculty member to be their mentor; the faculty member
accepts (a mentorship starts, within capacity even when two accepts race) or declines (the
student hears it kindly, with the next candidates); an unanswered request is followed up
after `rules.PENDING_AFTER` and expires after `rules.EXPIRE_AFTER`. Answer times feed the
faculty member's response record, which `/mentor find` uses for ranking.

Whether a faculty member can be asked at all is the one accessibility rule
(`bot.matching.fit.unavailable`), the same `/mentor find` applies. The wording is in
`bot.matching.intro_messages`.

The one writer of `intro_requests`. What an answer changes elsewhere goes through those
tables' owners: the faculty member's response record and the student's wish for a mentor
(`bot.people.store`), the mentorship an accept starts (`bot.mentoring.store`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.framework.replies import Reply
from bot.infra.db import id_in
from bot.infra.models import InterestGroup, IntroRequest, Membership, Mentorship, Person
from bot.matching import finder, rules
from bot.matching import intro_messages as say
from bot.matching.fit import FacultyView, unavailable
from bot.mentoring import store as mentoring
from bot.nudges.store import cancel_for
from bot.people import store as people
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MentorshipSource
from bot.vocab.nudges import Subject

Notify = Callable[[Person, Reply, str], None]


def _moved(result: Any) -> int:
    """Rows an UPDATE changed: how a conditional update tells whether it won a race."""
    return int(cast(CursorResult[Any], result).rowcount)


def open_request(session: Session, student_id: int, faculty_id: int) -> IntroRequest | None:
    return session.scalar(
        select(IntroRequest).where(
            IntroRequest.student_id == student_id,
            IntroRequest.faculty_id == faculty_id,
            IntroRequest.state == IntroState.OPEN,
        ).order_by(IntroRequest.created_at.desc()).limit(1)
    )


def shared_group(session: Session, student_id: int, faculty_id: int,
                 preferred: InterestGroup | None) -> InterestGroup | None:
    """The group the request belongs to: the channel's group when both are in it, else a
    group both belong to (lowest id, so it is stable)."""
    ids = set(session.scalars(select(Membership.group_id).where(
        Membership.person_id == student_id)))
    both = ids & set(session.scalars(select(Membership.group_id).where(
        Membership.person_id == faculty_id)))
    if preferred is not None and preferred.id in both:
        return preferred
    return session.get(InterestGroup, min(both)) if both else None


def _fresh_view(session: Session, faculty: Person, now: datetime | None = None,
                default_tz: str = "UTC") -> FacultyView:
    """The faculty member as the fit rules see them, read now (places, response record;
    with `now`, whether they are away)."""
    views = finder.load_faculty(session, [faculty.id], now=now, default_tz=default_tz)
    if not views:
        raise UserError(say.not_on_roster(faculty.name))
    return views[0]


# --- requesting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    request: IntroRequest
    faculty_message: Reply
    student_reply: Reply


def create_request(session: Session, student: Person, faculty: Person, *, kind: str,
                   note: str, now: datetime, group: InterestGroup | None,
                   tz: str, default_tz: str = "UTC") -> Created:
    """Send `student`'s request to `faculty`, or refuse with the reason. `tz` is the
    student's zone, for the dates a refusal names; `default_tz` the zone of anyone who has
    not set theirs (whether the faculty member is still away is their own day)."""
    if student.id == faculty.id:
        raise UserError(say.not_yourself())
    if not faculty.is_faculty or faculty.faculty_profile is None:
        raise UserError(say.not_on_roster(faculty.name))
    rel = finder.relations(session, student.id, now)
    if faculty.id in rel.mentors:
        raise UserError(say.already_mentors(faculty.name, rel.mentors[faculty.id]))
    if faculty.id in rel.open_requests:
        raise UserError(say.already_asked(faculty.name, rel.open_requests[faculty.id], tz),
                        title=say.ALREADY_ASKED_TITLE)
    if faculty.id in rel.declined:
        raise UserError(say.declined_recently(faculty.name))
    if len(rel.open_requests) >= rules.MAX_OPEN_REQUESTS:
        names: dict[int, str] = {pid: name for pid, name in session.execute(
            select(Person.id, Person.name).where(Person.id.in_(rel.open_requests)))}
        waiting = sorted(((names.get(pid, "?"), at) for pid, at in rel.open_requests.items()),
                         key=lambda pair: pair[1])
        raise UserError(say.too_many_open(waiting, tz), title=say.TOO_MANY_TITLE)
    view = _fresh_view(session, faculty, now, default_tz)
    closed = unavailable(view)
    if closed is not None:
        raise UserError(say.cannot_take_mentee(view, closed))
    rank = (session.scalar(select(func.max(IntroRequest.rank)).where(
        IntroRequest.student_id == student.id, IntroRequest.state == IntroState.OPEN)) or 0) + 1
    request = add_request(session, student.id, faculty.id, kind=kind, note=note,
                          group_id=group.id if group else None, rank=rank, at=now)
    people.set_wants_mentor(student, True)
    session.flush()
    return Created(request=request,
                   faculty_message=say.faculty_request_message(student, request, group),
                   student_reply=say.student_request_reply(student, faculty, request, group,
                                                           rank))


def add_request(session: Session, student_id: int, faculty_id: int, *, kind: str,
                note: str, group_id: int | None, rank: int | None, at: datetime
                ) -> IntroRequest:
    """Store an open request made at `at` (checked by the caller: `create_request`; or
    carried over, as the demo's are, with no rank)."""
    request = IntroRequest(student_id=student_id, faculty_id=faculty_id, group_id=group_id,
                           kind=kind, note=note, state=IntroState.OPEN, rank=rank,
                           created_at=at)
    session.add(request)
    session.flush()
    return request


# --- answering -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    request: IntroRequest
    mentorship: Mentorship | None
    student_message: Reply
    faculty_reply: Reply


def answer_request(session: Session, faculty: Person, student: Person, *, accept: bool,
                   now: datetime) -> Answered:
    request = open_request(session, student.id, faculty.id)
    if request is None:
        raise UserError(say.no_open_request(student.name))
    hours = max((now - request.created_at).total_seconds() / 3600, 0.0)
    # The first write of the answer locks the faculty profile's row, so two answers by one
    # faculty member are taken one after the other and the capacity count below sees the
    # other's mentorship.
    people.record_answer(session, faculty.id, hours)
    moved = _moved(session.execute(
        update(IntroRequest)
        .where(IntroRequest.id == request.id, IntroRequest.state == IntroState.OPEN)
        .values(state=IntroState.ACCEPTED if accept else IntroState.DECLINED, answered_at=now)
        .execution_options(synchronize_session=False)
    ))
    if moved != 1:
        raise UserError(say.already_answered(student.name))
    session.refresh(request)
    cancel_for(session, Subject.INTRO_REQUEST, [request.id])
    if accept:
        # Read after the lock above: a racing accept's mentorship is counted. Only free
        # places matter here: the faculty member is answering, and saying yes overrides
        # their own "not accepting".
        view = _fresh_view(session, faculty)
        if view.free <= 0:
            raise UserError(say.no_room_to_accept(view, student.name))
        mentoring.start_mentorships(
            session, [mentoring.NewMentorship(student.id, faculty.id, request.kind,
                                              request.group_id)],
            source=MentorshipSource.REQUEST, at=now)
        mentorship = mentoring.active_mentorship(session, student.id, faculty.id)
        assert mentorship is not None
        _settle_wish(session, student)
        session.flush()
        return Answered(request, mentorship,
                        say.accepted_message(faculty.name, mentorship.kind,
                                             mentorship.cadence_days,
                                             student.student_profile.stage
                                             if student.student_profile else None),
                        say.accepted_reply(student.name, request.kind))
    return Answered(request, None,
                    say.declined_message(faculty.name, next_candidates(
                        session, student, now, exclude={faculty.id})),
                    say.declined_reply(student.name))


def _settle_wish(session: Session, student: Person) -> None:
    """A student with a new mentor and no other open requests no longer waits for one."""
    still_open = session.scalar(select(func.count()).select_from(IntroRequest).where(
        IntroRequest.student_id == student.id, IntroRequest.state == IntroState.OPEN))
    if not still_open and student.student_profile is not None:
        people.set_wants_mentor(student, False)


def next_candidates(session: Session, student: Person, now: datetime, *,
                    exclude: set[int], kind: str | None = None,
                    default_tz: str = "UTC") -> list[finder.Result]:
    """The best few faculty the student could ask now and is not already waiting on."""
    view = finder.student_view(student)
    found = finder.search(session, view, now, kind=kind,
                          limit=rules.NEXT_CANDIDATES + len(exclude), exclude=exclude,
                          default_tz=default_tz)
    return [r for r in found.results
            if r.fit.accessible and r.waiting_since is None][:rules.NEXT_CANDIDATES]


# --- time passing ----------------------------------------------------------------------


def expire_requests(session: Session, now: datetime, notify: Notify, *,
                    default_tz: str = "UTC") -> int:
    """Close requests unanswered after `rules.EXPIRE_AFTER`; count them against the faculty
    member's response record and offer the student the next candidates."""
    due = list(session.scalars(select(IntroRequest).where(
        IntroRequest.state == IntroState.OPEN,
        IntroRequest.created_at <= now - rules.EXPIRE_AFTER)))
    for request in due:
        moved = _moved(session.execute(
            update(IntroRequest)
            .where(IntroRequest.id == request.id, IntroRequest.state == IntroState.OPEN)
            .values(state=IntroState.EXPIRED)
            .execution_options(synchronize_session=False)
        ))
        if moved != 1:
            continue
        people.record_unanswered(session, request.faculty_id)
        cancel_for(session, Subject.INTRO_REQUEST, [request.id])
        student = session.get_one(Person, request.student_id)
        faculty = session.get_one(Person, request.faculty_id)
        suggestions = next_candidates(session, student, now, exclude={faculty.id},
                                      kind=request.kind, default_tz=default_tz)
        notify(student, say.expired_message(faculty.name, suggestions, request.kind),
               f"intro:{request.id}:expired")
    return len(due)


def settle_matched(session: Session, request_ids: list[int], now: datetime) -> None:
    """The requests a match round answered: accepted at `now`."""
    if request_ids:
        session.execute(update(IntroRequest)
                        .where(id_in(session, IntroRequest.id, request_ids))
                        .values(state=IntroState.ACCEPTED, answered_at=now)
                        .execution_options(synchronize_session=False))


def pending_reply(session: Session, request: IntroRequest, student: Person, faculty: Person,
                  now: datetime, tz: str, default_tz: str = "UTC") -> Reply:
    """The follow-up nudge owed on a request unanswered after `rules.PENDING_AFTER`, dated
    in the student's zone `tz`."""
    suggestions = next_candidates(session, student, now, exclude={faculty.id},
                                  kind=request.kind, default_tz=default_tz)
    return say.pending_reply(request, student.name, faculty.name, suggestions, tz)

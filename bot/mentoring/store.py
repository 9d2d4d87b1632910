"""Keeping mentor relationships alive: contacts (and how useful a meeting was), rhythms,
action items, "Did you meet?" check-ins and ending a mentorship, in the database.

Other features record their own contacts through `record_contact` (the letter flow logs
each ask with `is_ask=True`), so the follow-up clock and the transactional check see every
touch point, and pending nudges that a contact makes moot are cancelled at once. Ending a
mentorship goes through `end_mentorship` whoever asks (either side, a check-in answer, the
deletion of a person's data), so both sides are always told and its reminders always stop.
A mentorship starts through `start_mentorships` however it came about (an accepted intro
request, a match round, the demo), so its starting rhythm is set in one place. The one
writer of `mentorships`, `contacts`, `action_items` and `checkins`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, aliased

from bot.errors import NotFound, UserError
from bot.groups import store as groups
from bot.infra.db import as_utc, insert_rows
from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Mentorship,
    Person,
)
from bot.infra.settings import Settings
from bot.infra.zones import local_day
from bot.mentoring import messages, rules
from bot.mentoring.cadence import clamp_cadence_days, default_cadence_days
from bot.mentoring.history import Followup, followups
from bot.mentoring.messages import OpenItem
from bot.mentoring.planning import replan_student
from bot.mentoring.vocab import CheckinAnswer, EndReason
from bot.nudges.store import cancel_for, queue_notice
from bot.vocab.mentoring import MentorKind, MentorshipSource
from bot.vocab.nudges import Subject

MAX_NOTE = 500


# --- starting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMentorship:
    """A mentorship to start: who mentors whom, of what kind, in which group (if any)."""

    student_id: int
    mentor_id: int
    kind: str
    group_id: int | None = None


def start_mentorships(session: Session, starts: Sequence[NewMentorship], *,
                      source: MentorshipSource, at: datetime) -> int:
    """Start each mentorship of `starts` at `at`, at its starting rhythm: the kind's, and
    for a career mentor the rhythm of the group it started in
    (`cadence.default_cadence_days`). In bulk: a match round may start tens of thousands.
    Returns how many started; the caller has checked every one may."""
    if not starts:
        return 0
    groups = {s.group_id for s in starts if s.group_id is not None}
    weeks = {group_id: rhythm for group_id, rhythm in session.execute(
        select(InterestGroup.id, InterestGroup.followup_weeks)
        .where(InterestGroup.id.in_(groups)))} if groups else {}
    insert_rows(session, Mentorship, [
        {"student_id": s.student_id, "mentor_id": s.mentor_id, "group_id": s.group_id,
         "kind": s.kind,
         "cadence_days": default_cadence_days(s.kind, weeks.get(s.group_id)
                                              if s.group_id is not None else None),
         "active": True, "source": source, "started_at": at, "last_contact_at": None,
         "ended_at": None, "ended_by_id": None, "end_reason": "", "end_note": ""}
        for s in starts])
    return len(starts)


def active_mentorship(session: Session, student_id: int, mentor_id: int) -> Mentorship | None:
    """The student's current mentorship with this mentor (the most recent, if several)."""
    return session.scalar(
        select(Mentorship)
        .where(Mentorship.student_id == student_id, Mentorship.mentor_id == mentor_id,
               Mentorship.active.is_(True))
        .order_by(Mentorship.started_at.desc(), Mentorship.id.desc())
        .limit(1)
    )


def check_counterpart(session: Session, student: Person, mentor: Person) -> Mentorship | None:
    """A contact or task is about a mentor, or at least a faculty member the bot knows (a
    letter writer is often not a formal mentor). Anyone else is refused."""
    if mentor.id == student.id:
        raise UserError("That's you: name the mentor you were in touch with.")
    mentorship = active_mentorship(session, student.id, mentor.id)
    if mentorship is None and not mentor.is_faculty:
        raise UserError(f"{mentor.name} is neither your mentor nor a faculty member I know.")
    return mentorship


def _check_rating(rating: int | None) -> None:
    low, high = rules.RATING_SCALE
    if rating is not None and not low <= rating <= high:
        raise UserError(messages.bad_rating(rating))


def record_contact(session: Session, student: Person, mentor: Person, *, at: datetime,
                   note: str = "", is_ask: bool = False, now: datetime | None = None,
                   default_tz: str = "UTC", rating: int | None = None) -> Contact:
    """Record that `student` was in touch with `mentor` at `at` (UTC, not in the future),
    with how useful it was (`rating`, on `rules.RATING_SCALE`) when they say.

    Restarts the follow-up clock of their mentorship, if any. With `now`, the student's
    relationship nudges are re-planned at once, so a follow-up or a transactional flag this
    contact answers is cancelled before it can go out."""
    if now is not None and at > now:
        raise UserError("A contact can't be in the future.")
    if len(note) > MAX_NOTE:
        raise UserError(messages.note_too_long(len(note), MAX_NOTE))
    _check_rating(rating)
    mentorship = check_counterpart(session, student, mentor)
    tz = student.timezone or default_tz
    if mentorship is not None and rules.before_mentorship(at, as_utc(mentorship.started_at), tz):
        raise UserError(messages.before_mentorship(
            mentor.name, mentorship.kind, local_day(as_utc(mentorship.started_at), tz),
            local_day(at, tz)))
    contact = Contact(student_id=student.id, mentor_id=mentor.id,
                      mentorship_id=mentorship.id if mentorship else None,
                      at=at, note=note.strip(), is_ask=is_ask, created_at=now or at,
                      rating=rating)
    session.add(contact)
    if mentorship is not None and (mentorship.last_contact_at is None
                                   or mentorship.last_contact_at < at):
        mentorship.last_contact_at = at
    if mentorship is not None:
        _answer_by_contact(session, mentorship, at, now or at)
    session.flush()
    if now is not None:
        replan_student(session, student.id, now=now, default_tz=default_tz)
    return contact


def _answer_by_contact(session: Session, mentorship: Mentorship, at: datetime,
                       now: datetime) -> None:
    """A contact logged since the mentorship began (`rules.met_since`) answers its open
    "Did you meet?" check-in: they met. The question's nudge is then moot (re-planning
    cancels it), and no later round is asked."""
    question = open_checkin(session, mentorship.id)
    if question is None:
        return
    previous = last_answer(session, mentorship.id)
    since = previous[1] if previous is not None else mentorship.started_at
    if rules.met_since(at, as_utc(since)):
        session.execute(
            update(Checkin).where(Checkin.id == question.id, Checkin.answer.is_(None))
            .values(answer=CheckinAnswer.MET.value, answered_at=now)
            .execution_options(synchronize_session=False))
        session.expire(question)


def rate_recent_contact(session: Session, student: Person, mentor: Person, rating: int, *,
                        now: datetime) -> Contact | None:
    """Rate the contact with `mentor` the student logged within `rules.RATE_WITHIN` (the
    latest), rather than logging another; None when there is none to rate. A second rating
    replaces the first: the student changed their mind."""
    _check_rating(rating)
    contact = session.scalar(
        select(Contact).where(Contact.student_id == student.id, Contact.mentor_id == mentor.id)
        .order_by(Contact.created_at.desc(), Contact.id.desc()).limit(1))
    if contact is None or not rules.is_rateable(contact.created_at, now):
        return None
    contact.rating = rating
    session.flush()
    return contact


@dataclass(frozen=True)
class Closed:
    """How an action item closed: when, with what note, and whether consciously not
    done."""

    at: datetime
    note: str = ""
    decided_not: bool = False


def set_cadence(mentorship: Mentorship, days: int) -> int:
    mentorship.cadence_days = clamp_cadence_days(days)
    return mentorship.cadence_days


def add_action_item(session: Session, student: Person, mentor: Person, task: str, *,
                    due_at: datetime | None, now: datetime, closed: Closed | None = None
                    ) -> ActionItem:
    """A new open item suggested by `mentor`, or (`closed`) one recorded as closed
    already: history carried over, which owes no reminder."""
    mentorship = check_counterpart(session, student, mentor)
    item = ActionItem(student_id=student.id, mentor_id=mentor.id,
                      mentorship_id=mentorship.id if mentorship else None,
                      task=task.strip(), due_at=due_at, created_at=now)
    if closed is not None:
        item.done_at = closed.at
        item.done_note = closed.note
        item.decided_not = closed.decided_not
    session.add(item)
    session.flush()
    return item


def finish_action_item(session: Session, student: Person, item_id: int, *, note: str,
                       decided_not: bool, now: datetime, default_tz: str = "UTC") -> ActionItem:
    """Close an item, done or consciously not done; its pending reminders are cancelled."""
    item = session.get(ActionItem, item_id)
    if item is None or item.student_id != student.id:
        raise NotFound(messages.no_such_item(item_id))
    if item.done_at is not None:
        raise UserError(messages.already_closed(item_id, item.done_at,
                                                student.timezone or default_tz))
    item.done_at = now
    item.done_note = note.strip()
    item.decided_not = decided_not
    session.flush()
    replan_student(session, student.id, now=now, default_tz=default_tz)
    return item


def set_group_rhythm(session: Session, group: InterestGroup, weeks: int) -> int:
    """Set a group's main-mentor rhythm (within MAIN_MENTOR_RANGE_WEEKS). Career
    mentorships of the group still on the previous group rhythm follow it; a rhythm a
    student chose stays. Returns how many mentorships moved."""
    days = default_cadence_days(MentorKind.CAREER, weeks)
    previous = default_cadence_days(MentorKind.CAREER, group.followup_weeks)
    groups.set_followup_weeks(session, group, days // 7)
    return follow_group_rhythm(session, group.id, previous_days=previous, days=days)


def follow_group_rhythm(session: Session, group_id: int, *, previous_days: int,
                        days: int) -> int:
    """A group's main-mentor rhythm went from `previous_days` to `days`: its active
    career mentorships still on the previous rhythm follow; a rhythm a student chose
    stays. Returns how many mentorships moved."""
    if days == previous_days:
        return 0
    result = session.execute(
        update(Mentorship)
        .where(Mentorship.group_id == group_id, Mentorship.kind == MentorKind.CAREER,
               Mentorship.active.is_(True), Mentorship.cadence_days == previous_days)
        .values(cadence_days=days)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return _moved(result)


def replan_group(session: Session, group: InterestGroup, *, now: datetime,
                 default_tz: str) -> None:
    students = session.scalars(select(Mentorship.student_id).distinct().where(
        Mentorship.group_id == group.id, Mentorship.active.is_(True))).all()
    for student_id in students:
        replan_student(session, student_id, now=now, default_tz=default_tz)


# --- what /mentor list shows --------------------------------------------------------------


@dataclass(frozen=True)
class MentorRow:
    """A student's mentor as `/mentor list` shows it: the follow-up as every view dates it,
    and the open items that mentor suggested."""

    followup: Followup
    open_items: list[OpenItem]


def student_mentors(session: Session, student: Person, *, default_tz: str) -> list[MentorRow]:
    items = open_items(session, student.id)
    return [
        MentorRow(followup=row, open_items=[(i.id, i.task, i.due_at) for i in items
                                            if i.mentor_id == row.mentor_id])
        for row in followups(session, Mentorship.student_id == student.id,
                             default_tz=default_tz)
    ]


def open_items(session: Session, student_id: int) -> list[ActionItem]:
    return list(session.scalars(
        select(ActionItem)
        .where(ActionItem.student_id == student_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.id)
    ))


def mentees(session: Session, mentor: Person, *, default_tz: str) -> list[Followup]:
    """The faculty member's active mentees, with the last contact as every view shows it."""
    return followups(session, Mentorship.mentor_id == mentor.id, default_tz=default_tz)


def names(session: Session, person_ids: set[int]) -> dict[int, str]:
    return {p.id: p.name for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}


def requests_waiting(session: Session, faculty: Person) -> list[tuple[IntroRequest, Person]]:
    """Intro requests to `faculty` still waiting for an answer, oldest first, with their
    students."""
    rows = session.execute(
        select(IntroRequest, Person)
        .join(Person, Person.id == IntroRequest.student_id)
        .where(IntroRequest.faculty_id == faculty.id, IntroRequest.state == "open")
        .order_by(IntroRequest.created_at, IntroRequest.id)
    ).all()
    return [(request, student) for request, student in rows]



# --- ending a mentorship --------------------------------------------------------------------


def _moved(result: Any) -> int:
    """Rows a conditional UPDATE changed: whether this unit of work won a race."""
    return int(cast(CursorResult[Any], result).rowcount)


def mentorship_between(session: Session, actor: Person, other: Person) -> Mentorship | None:
    """The active mentorship `actor` has with `other`, on either side: `other` as their
    mentor, or (a faculty member naming a mentee) `other` as their student."""
    return (active_mentorship(session, actor.id, other.id)
            or active_mentorship(session, other.id, actor.id))


@dataclass(frozen=True)
class Ended:
    """A mentorship just ended, and what each side needs to hear about it."""

    mentorship: Mentorship
    student: Person
    mentor: Person
    told: tuple[int, ...]  # who got a notice
    places_taken: int  # the mentor's active mentorships now
    capacity: int


def end_mentorship(session: Session, mentorship: Mentorship, *, by: Person | None,
                   reason: EndReason, note: str = "", now: datetime) -> Ended:
    """End `mentorship`: it is kept (inactive, with when, by whom, why and the note), its
    pending reminders and those of its open action items stop at once, and each side other
    than `by` gets a kind notice (both, when `by` is None: the command line, a deletion).
    The mentor's place is free again because places count active mentorships. Refused,
    changing nothing, when it has ended already (two presses racing included)."""
    if len(note) > MAX_NOTE:
        raise UserError(messages.note_too_long(len(note), MAX_NOTE))
    student = session.get_one(Person, mentorship.student_id)
    mentor = session.get_one(Person, mentorship.mentor_id)
    other = mentor if by is not None and by.id == student.id else student
    moved = _moved(session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id, Mentorship.active.is_(True))
        .values(active=False, ended_at=now, ended_by_id=by.id if by is not None else None,
                end_reason=reason.value, end_note=note.strip())
        .execution_options(synchronize_session=False)))
    if moved != 1:
        raise UserError(messages.already_ended(other.name))
    session.refresh(mentorship)
    cancel_for(session, Subject.MENTORSHIP, [mentorship.id])
    items = session.scalars(select(ActionItem.id).where(
        ActionItem.mentorship_id == mentorship.id, ActionItem.done_at.is_(None))).all()
    cancel_for(session, Subject.ACTION_ITEM, items)
    told: list[int] = []
    for person, counterpart in ((student, mentor), (mentor, student)):
        if by is not None and person.id == by.id:
            continue
        notice = messages.ended_notice(reason, to_student=person.id == student.id,
                                       other_name=counterpart.name, kind=mentorship.kind,
                                       note=note)
        queue_notice(session, person.id, notice, now=now,
                     key=f"mentorship:{mentorship.id}:ended:{person.id}")
        told.append(person.id)
    taken = session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.mentor_id == mentor.id, Mentorship.active.is_(True))) or 0
    capacity = session.scalar(select(FacultyProfile.capacity).where(
        FacultyProfile.person_id == mentor.id)) or 0
    return Ended(mentorship, student, mentor, tuple(told), int(taken), int(capacity))


def ended_by_student(session: Session, student_id: int) -> set[int]:
    """Faculty whose mentorship with this student has ended (whoever ended it) and who do
    not mentor them again now: `/mentor find` and match rounds offer them to the student
    again only if the student asks for them (a `/mentor request`)."""
    ended = set(session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.student_id == student_id, Mentorship.active.is_(False),
        Mentorship.ended_at.is_not(None))))
    if not ended:
        return set()
    current = set(session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.student_id == student_id, Mentorship.active.is_(True))))
    return ended - current


# --- "Did you meet?" check-ins ---------------------------------------------------------------

_MARGIN = timedelta(days=2)
"""Slack on the UTC prefilter of the check-in queries: a local day is at most a day off."""


def _insert_checkins(session: Session, rows: list[dict[str, Any]]) -> int:
    """New check-in rows; one that another worker stored meanwhile is skipped (unique on
    mentorship and round), so two planners never ask the same question twice."""
    return len(insert_rows(session, Checkin, [{"answer": None, "answered_at": None, **row}
                                              for row in rows],
                           skip_conflicts=("mentorship_id", "round"), returning="id"))


def ask_due_checkins(session: Session, now: datetime, default_tz: str) -> int:
    """Store the check-ins that fall due at `now` (round 0, `rules.CHECKIN_AFTER_DAYS` after
    a mentorship starts; the next round `rules.CHECKIN_AGAIN_DAYS` after a "not yet"), one
    row per question, so its answer has a row to land in; none where a contact logged since
    the start (or since the "not yet") already says they met. Returns how many were new."""
    rows: list[dict[str, Any]] = []
    asked = select(Checkin.id).where(Checkin.mentorship_id == Mentorship.id).exists()
    # A contact logged since the mentorship began answers the question (`rules.met_since`).
    met = select(Contact.id).where(Contact.student_id == Mentorship.student_id,
                                   Contact.mentor_id == Mentorship.mentor_id,
                                   Contact.at >= Mentorship.started_at).exists()
    first_window = timedelta(days=rules.CHECKIN_AFTER_DAYS + rules.CHECKIN_FRESH_DAYS)
    started = session.execute(
        select(Mentorship.id, Mentorship.student_id, Mentorship.started_at, Person.timezone)
        .join(Person, Person.id == Mentorship.student_id)
        .where(Mentorship.active.is_(True),
               Mentorship.started_at >= now - first_window - _MARGIN,
               Mentorship.started_at <= now - timedelta(days=rules.CHECKIN_AFTER_DAYS)
               + _MARGIN,
               ~asked, ~met))
    for mid, sid, started_at, tz in started:
        due = rules.first_checkin_due(started_at, tz or default_tz, now)
        if due is not None:
            rows.append({"mentorship_id": mid, "student_id": sid, "round": 0, "asked_at": due})
    later = aliased(Checkin)
    followed = select(later.id).where(later.mentorship_id == Checkin.mentorship_id,
                                      later.round == Checkin.round + 1).exists()
    met_since_answer = select(Contact.id).where(
        Contact.student_id == Checkin.student_id, Contact.mentor_id == Mentorship.mentor_id,
        Contact.at >= Checkin.answered_at).exists()
    again_window = timedelta(days=rules.CHECKIN_AGAIN_DAYS + rules.CHECKIN_FRESH_DAYS)
    answered = session.execute(
        select(Checkin.mentorship_id, Checkin.student_id, Checkin.round, Checkin.answer,
               Checkin.answered_at, Person.timezone)
        .join(Mentorship, Mentorship.id == Checkin.mentorship_id)
        .join(Person, Person.id == Checkin.student_id)
        .where(Mentorship.active.is_(True), Checkin.answer == CheckinAnswer.NOT_YET,
               Checkin.round < rules.CHECKIN_LAST_ROUND,
               Checkin.answered_at >= now - again_window - _MARGIN, ~followed,
               ~met_since_answer))
    for mid, sid, round_, answer, answered_at, tz in answered:
        found = rules.next_checkin_due(round_, answer, answered_at, tz or default_tz, now)
        if found is not None:
            rows.append({"mentorship_id": mid, "student_id": sid, "round": found[0],
                         "asked_at": found[1]})
    return _insert_checkins(session, rows)


def ask_checkins(session: Session, now: datetime, settings: Settings) -> None:
    """The planning job's maintenance step: check-ins that time alone makes due."""
    ask_due_checkins(session, now, settings.default_timezone)


def open_checkin(session: Session, mentorship_id: int) -> Checkin | None:
    """The check-in about this mentorship still waiting for an answer (the latest round)."""
    return session.scalar(
        select(Checkin).where(Checkin.mentorship_id == mentorship_id,
                              Checkin.answer.is_(None))
        .order_by(Checkin.round.desc()).limit(1))


def last_answer(session: Session, mentorship_id: int) -> tuple[str, datetime] | None:
    """The latest answer given about this mentorship, and when."""
    row = session.execute(
        select(Checkin.answer, Checkin.answered_at)
        .where(Checkin.mentorship_id == mentorship_id, Checkin.answer.is_not(None))
        .order_by(Checkin.round.desc()).limit(1)).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def answer_checkin(session: Session, checkin: Checkin, answer: CheckinAnswer, *,
                   now: datetime, mentor_name: str, tz: str) -> None:
    """Record the answer to an open check-in; a second answer (two presses racing) is
    refused, changing nothing."""
    moved = _moved(session.execute(
        update(Checkin).where(Checkin.id == checkin.id, Checkin.answer.is_(None))
        .values(answer=answer.value, answered_at=now)
        .execution_options(synchronize_session=False)))
    if moved != 1:
        raise UserError(messages.no_checkin_open(
            mentor_name, last_answer(session, checkin.mentorship_id), tz))
    session.refresh(checkin)

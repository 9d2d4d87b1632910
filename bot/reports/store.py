"""The reads behind a group's report: a few column-only queries (counts grouped in the
database where a count is all a figure needs), handed as plain values to
`bot.reports.rules`. Nothing here writes.

Who belongs to a group: its students are members with the student role, its faculty members
with the faculty role (the people a match round pairs). Relationships are the active
mentorships of the group's students, read through `bot.mentoring.history.followups`, the
one reading of last contact and rhythm that the planner, `/mentor list` and the digest use.
Which faculty offer a place now is the matching feature's one accessibility rule
(`bot.matching.fit.open_places`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Nudge,
    Person,
    Role,
    StudentProfile,
)
from bot.infra.zones import local_day
from bot.matching import finder
from bot.matching.fit import open_places
from bot.matching.vocab import IntroState
from bot.mentoring.history import Followup, aware, followups
from bot.nudges.policy import REMINDERS
from bot.nudges.vocab import NudgeKind, Subject
from bot.reports import rules
from bot.reports.rules import (
    Answers,
    Headline,
    Intros,
    NudgeRow,
    Pair,
    Participants,
    Period,
    Report,
    SilentFaculty,
    Span,
    Week,
)
from bot.vocab.letters import LetterState

STUDENT, FACULTY, ORGANIZER = "student", "faculty", "organizer"


# --- who belongs -------------------------------------------------------------------------------


def members(group_id: int) -> Select[int]:
    return select(Membership.person_id).where(Membership.group_id == group_id)


def _with_role(group_id: int, role: str) -> Select[int]:
    return (select(Membership.person_id)
            .join(Role, and_(Role.person_id == Membership.person_id, Role.role == role))
            .where(Membership.group_id == group_id))


def students(group_id: int) -> Select[int]:
    """The group's students (members with the student role), as a subquery."""
    return _with_role(group_id, STUDENT)


def organized_groups(session: Session, person_id: int) -> list[InterestGroup]:
    """The groups `person_id` organizes, by slug."""
    return list(session.scalars(
        select(InterestGroup)
        .join(Role, and_(Role.group_id == InterestGroup.id, Role.role == ORGANIZER))
        .where(Role.person_id == person_id)
        .order_by(InterestGroup.slug)))


def _count(session: Session, query: Select[int]) -> int:
    return session.scalar(select(func.count()).select_from(query.distinct().subquery())) or 0


def participants(session: Session, group_id: int) -> Participants:
    faculty_ids = list(session.scalars(
        _with_role(group_id, FACULTY)
        .join(FacultyProfile, FacultyProfile.person_id == Membership.person_id).distinct()))
    views = finder.load_faculty(session, faculty_ids) if faculty_ids else []
    return Participants(students=_count(session, students(group_id)),
                        faculty=len(faculty_ids),
                        faculty_accepting=sum(1 for view in views if open_places(view) > 0))


def relationships(session: Session, group_id: int, default_tz: str) -> list[Followup]:
    """Every active mentorship of the group's students, with last contact and rhythm."""
    return followups(session, Mentorship.student_id.in_(students(group_id)),
                     default_tz=default_tz)


def health_of(rows: Iterable[Followup], now: datetime) -> rules.HealthCounts:
    """Each relationship's health on its student's local day."""
    today: dict[str, date] = {}

    def day(tz: str) -> date:
        found = today.get(tz)
        if found is None:
            found = today[tz] = local_day(now, tz)
        return found

    return rules.health_counts(rules.health(row.due_day, row.cadence_days, day(row.tz))
                               for row in rows)


def looking_unmatched(session: Session, group_id: int) -> tuple[str, ...]:
    """Students of the group looking for a mentor (they said so, or an intro request is
    waiting) with no active mentor, by name."""
    waiting = select(IntroRequest.student_id).where(IntroRequest.state == IntroState.OPEN)
    mentored = select(Mentorship.student_id).where(Mentorship.active.is_(True))
    names = session.scalars(
        select(Person.name)
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(Person.id.in_(students(group_id)),
               or_(StudentProfile.wants_mentor.is_(True), Person.id.in_(waiting)),
               Person.id.not_in(mentored))
        .order_by(Person.name, Person.id))
    return tuple(names)


# --- intro requests ----------------------------------------------------------------------------


def _requests_of(group_id: int, period: Period) -> tuple[ColumnElement[bool], ...]:
    """Requests made in the group, or by its students, during the period."""
    return (or_(IntroRequest.group_id == group_id,
                IntroRequest.student_id.in_(students(group_id))),
            IntroRequest.created_at >= period.start)


def intros(session: Session, group_id: int, period: Period) -> Intros:
    where = _requests_of(group_id, period)
    by_state = dict(session.execute(
        select(IntroRequest.state, func.count()).where(*where).group_by(IntroRequest.state)
    ).tuples().all())
    answered = session.execute(
        select(IntroRequest.created_at, IntroRequest.answered_at)
        .where(*where, IntroRequest.state.in_((IntroState.ACCEPTED, IntroState.DECLINED)),
               IntroRequest.answered_at.is_not(None))).tuples().all()
    hours = [rules.answer_hours(asked, done) for asked, done in answered if done is not None]
    return Intros(sent=sum(by_state.values()), accepted=by_state.get(IntroState.ACCEPTED, 0),
                  declined=by_state.get(IntroState.DECLINED, 0),
                  expired=by_state.get(IntroState.EXPIRED, 0),
                  waiting=by_state.get(IntroState.OPEN, 0), median_hours=rules.median(hours))


def silent_faculty(session: Session, group_id: int, period: Period
                   ) -> tuple[SilentFaculty, ...]:
    """Faculty who let a request of the period expire, and faculty of the group whose
    accepting the bot turned off for want of an answer; by name."""
    expired = func.sum(case((IntroRequest.state == IntroState.EXPIRED, 1), else_=0))
    asked: dict[int, tuple[str, int, int]] = {
        fid: (name, int(n_expired or 0), int(n_asked))
        for fid, name, n_expired, n_asked in session.execute(
            select(IntroRequest.faculty_id, Person.name, expired, func.count())
            .join(Person, Person.id == IntroRequest.faculty_id)
            .where(*_requests_of(group_id, period))
            .group_by(IntroRequest.faculty_id, Person.name))
        if n_expired}
    turned_off = {
        pid: (name, aware(changed)) for pid, name, changed in session.execute(
            select(Person.id, Person.name, FacultyProfile.accepting_changed_at)
            .join(FacultyProfile, FacultyProfile.person_id == Person.id)
            .where(Person.id.in_(_with_role(group_id, FACULTY)),
                   FacultyProfile.accepting.is_(False),
                   FacultyProfile.accepting_off_reason != ""))}
    out = []
    for pid in asked.keys() | turned_off.keys():
        off_name, off_at = turned_off.get(pid, ("", None))
        name, n_expired, n_asked = asked.get(pid, (off_name, 0, 0))
        out.append(SilentFaculty(name, n_expired, n_asked, off_at))
    return tuple(sorted(out, key=lambda f: (-f.expired, f.name)))


# --- meetings and letters ----------------------------------------------------------------------


def meetings(session: Session, group_id: int, period: Period) -> rules.Meetings:
    asked_in = (Checkin.student_id.in_(students(group_id)), Checkin.asked_at >= period.start)
    counted = session.execute(
        select(Checkin.answer, func.count()).where(*asked_in).group_by(Checkin.answer)
    ).tuples().all()
    ratings = session.execute(
        select(Contact.mentor_id, Contact.rating)
        .where(Contact.student_id.in_(students(group_id)), Contact.rating.is_not(None),
               Contact.at >= period.start)).tuples().all()
    return rules.meetings(sum(n for _, n in counted),
                          {answer: n for answer, n in counted if answer},
                          [(mentor, rating) for mentor, rating in ratings if rating is not None])


def letters(session: Session, group_id: int, first_day: date, today: date) -> rules.Letters:
    """Letters of the group's students whose deadline falls in the period or later."""
    mine = (Letter.student_id.in_(students(group_id)), Letter.deadline >= first_day)
    by_state = dict(session.execute(
        select(Letter.state, func.count()).where(*mine).group_by(Letter.state)
    ).tuples().all())
    soonest, latest = rules.risk_window(today)
    near = session.execute(
        select(Letter.state, Letter.deadline)
        .where(Letter.student_id.in_(students(group_id)),
               Letter.state.in_((LetterState.PLANNED, LetterState.ASKED)),
               Letter.deadline >= soonest, Letter.deadline <= latest)).tuples().all()
    return rules.letters(by_state, near, today)


# --- nudges ------------------------------------------------------------------------------------


def _reminders_of(group_id: int, period: Period) -> tuple[ColumnElement[bool], ...]:
    """Reminders to the group's members planned during the period."""
    return (Nudge.person_id.in_(members(group_id)), Nudge.kind.in_(REMINDERS),
            Nudge.created_at >= period.start)


def nudges(session: Session, group_id: int, period: Period) -> rules.Nudges:
    where = _reminders_of(group_id, period)
    rows = [NudgeRow(NudgeKind(kind), state, subject_id, sent_at, snoozes or 0)
            for kind, state, subject_id, sent_at, snoozes in session.execute(
                select(Nudge.kind, Nudge.state, Nudge.subject_id, Nudge.sent_at, Nudge.snoozes)
                .where(*where))]
    return rules.nudges(rows, answers(session, where, period), period.end)


def answers(session: Session, where: tuple[ColumnElement[bool], ...], period: Period
            ) -> Answers:
    """What happened since the period began to the subjects of the reminders `where`
    selects: contacts, closed items, answered check-ins and letter moves."""

    def subjects(kind: Subject) -> Select[int | None]:
        return select(Nudge.subject_id).where(*where, Nudge.subject_type == kind)

    mentorship_pairs = {mid: (sid, tid) for mid, sid, tid in session.execute(
        select(Mentorship.id, Mentorship.student_id, Mentorship.mentor_id)
        .where(Mentorship.id.in_(subjects(Subject.MENTORSHIP))))}
    letter_pairs = {lid: (sid, wid) for lid, sid, wid in session.execute(
        select(Letter.id, Letter.student_id, Letter.writer_id)
        .where(Letter.id.in_(subjects(Subject.THANKED_LETTER)), Letter.writer_id.is_not(None)))
        if wid is not None}
    logged: dict[Pair, set[tuple[datetime, bool]]] = defaultdict(set)
    contact = select(Contact.student_id, Contact.mentor_id, Contact.created_at, Contact.is_ask)
    for query in (
        contact.join(Mentorship, and_(Mentorship.student_id == Contact.student_id,
                                      Mentorship.mentor_id == Contact.mentor_id))
        .where(Mentorship.id.in_(subjects(Subject.MENTORSHIP))),
        contact.join(Letter, and_(Letter.student_id == Contact.student_id,
                                  Letter.writer_id == Contact.mentor_id))
        .where(Letter.id.in_(subjects(Subject.THANKED_LETTER))),
    ):
        for sid, tid, at, is_ask in session.execute(
                query.where(Contact.created_at >= period.start)):
            logged[(sid, tid)].add((at, bool(is_ask)))
    closed = dict(session.execute(
        select(ActionItem.id, ActionItem.done_at)
        .where(ActionItem.id.in_(subjects(Subject.ACTION_ITEM)),
               ActionItem.done_at.is_not(None))).tuples().all())
    checkins: dict[int, list[datetime]] = defaultdict(list)
    for mid, answered_at in session.execute(
            select(Checkin.mentorship_id, Checkin.answered_at)
            .where(Checkin.mentorship_id.in_(subjects(Subject.MENTORSHIP)),
                   Checkin.answered_at >= period.start)
            .order_by(Checkin.answered_at)):
        if answered_at is not None:
            checkins[mid].append(answered_at)
    moves: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for lid, state, at in session.execute(
            select(LetterEvent.letter_id, LetterEvent.to_state, LetterEvent.at)
            .where(LetterEvent.letter_id.in_(subjects(Subject.LETTER)),
                   LetterEvent.at >= period.start)
            .order_by(LetterEvent.at)):
        moves[lid].append((state, at))
    return Answers(
        contacts={pair: sorted(seen) for pair, seen in logged.items()},
        mentorship_pairs=mentorship_pairs, thanked_letter_pairs=letter_pairs,
        items_closed={iid: at for iid, at in closed.items() if at is not None},
        checkins_answered=checkins, letter_moves=moves)


# --- week by week ------------------------------------------------------------------------------


def weekly(session: Session, group: InterestGroup, period: Period) -> tuple[Week, ...]:
    """Per week of the period: the match rate at its end and the contacts dated in it."""
    bounds = period.week_bounds()
    dated = [func.sum(case((and_(Contact.at >= start, Contact.at < end), 1), else_=0))
             for start, end in bounds]
    counts = session.execute(
        select(*dated).where(Contact.student_id.in_(students(group.id)),
                             Contact.at >= period.start, Contact.at < period.end)).one()
    joined = {pid: at for pid, at in session.execute(
        select(Membership.person_id, func.min(Membership.joined_at))
        .where(Membership.person_id.in_(students(group.id)), Membership.group_id == group.id)
        .group_by(Membership.person_id))}
    spans: dict[int, list[Span]] = defaultdict(list)
    for sid, started, active, ended in session.execute(
            select(Mentorship.student_id, Mentorship.started_at, Mentorship.active,
                   Mentorship.ended_at)
            .where(Mentorship.student_id.in_(students(group.id)),
                   Mentorship.started_at < period.end,
                   or_(Mentorship.active.is_(True), Mentorship.ended_at >= period.start))):
        span = rules.mentorship_span(started, bool(active), ended)
        if span is not None:
            spans[sid].append(span)
    rates = rules.match_rates([end for _, end in bounds],
                              {pid: aware(at) or period.end for pid, at in joined.items()},
                              spans)
    return tuple(Week(local_day(start, group.timezone), rate, int(n or 0))
                 for (start, _end), rate, n in zip(bounds, rates, counts, strict=True))


# --- the report, and the headline ----------------------------------------------------------


def report(session: Session, group: InterestGroup, now: datetime, *,
           weeks: int = rules.DEFAULT_WEEKS, default_tz: str = "UTC") -> Report:
    """Every figure of `group`'s report at `now`, over the last `weeks` weeks."""
    period = Period(now, weeks)
    first_day = local_day(period.start, group.timezone)
    today = local_day(now, group.timezone)
    rows = relationships(session, group.id, default_tz)
    matching, coverage = rules.networks(((r.student_id, r.kind) for r in rows),
                                        _count(session, students(group.id)))
    return Report(
        group_slug=group.slug, group_name=group.name, period=period, first_day=first_day,
        last_day=today, participants=participants(session, group.id), matching=matching,
        coverage=coverage, health=health_of(rows, now), intros=intros(session, group.id, period),
        silent_faculty=silent_faculty(session, group.id, period),
        looking=looking_unmatched(session, group.id),
        meetings=meetings(session, group.id, period),
        letters=letters(session, group.id, first_day, today),
        nudges=nudges(session, group.id, period), weeks=weekly(session, group, period))


def headline(session: Session, group: InterestGroup, now: datetime, *,
             default_tz: str = "UTC") -> Headline:
    rows = relationships(session, group.id, default_tz)
    matching, _ = rules.networks(((r.student_id, r.kind) for r in rows),
                                 _count(session, students(group.id)))
    today = local_day(now, group.timezone)
    at_risk = letters(session, group.id, today, today).at_risk
    return Headline(group.slug, group.name, matching, health_of(rows, now).needs_checkin,
                    at_risk)


def headlines(session: Session, person_id: int, now: datetime, *, default_tz: str = "UTC"
              ) -> list[Headline]:
    """The headline of every group `person_id` organizes."""
    return [headline(session, group, now, default_tz=default_tz)
            for group in organized_groups(session, person_id)]


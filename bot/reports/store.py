"""The reads behind a group's report: a few column-only queries, with counts grouped in the
database where a count is all a figure needs, handed as plain values to
`bot.reports.rules`. Nothing here writes.

Who belongs to a group: its students are members with the student role, its faculty members
with the faculty role (the people a match round pairs). Which faculty offer a place now is
the matching feature's one accessibility rule (`bot.matching.fit.open_places`).

Relationships are dated by the mentoring feature's one rule (`bot.mentoring.cadence`: the
last contact is the later of the mentorship's record and the contact log, the next
follow-up one rhythm after it), read here in a single pass rather than through
`bot.mentoring.history.followups`: a report reads every relationship of a group of
thousands at once, and that general reader (names, every summary of the contact log) took
more than the report's whole second. tests/test_report_health.py checks the two agree.

The group's students and members are read once and passed to every later query as one
bound list (`bot.infra.db.id_in`), rather than re-joining memberships and roles in
each of them."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from bot.groups.store import organized_by
from bot.infra.db import id_in
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
from bot.mentoring.cadence import followup_day, last_contact
from bot.mentoring.history import aware
from bot.nudges.kinds import Evidence, NudgeCatalog
from bot.reports import rules
from bot.reports.rules import (
    Headline,
    Intros,
    Participants,
    Period,
    Report,
    Scope,
    SilentFaculty,
    Span,
    Week,
)
from bot.vocab.matching import IntroState
from bot.vocab.nudges import Subject
from bot.vocab.people import AcceptingOff
from bot.vocab.people import Role as RoleName

STUDENT, FACULTY, ORGANIZER = RoleName.STUDENT, RoleName.FACULTY, RoleName.ORGANIZER


# --- who belongs -------------------------------------------------------------------------------


def _with_role(group_id: int, role: str) -> Select[int]:
    return (select(Membership.person_id)
            .join(Role, and_(Role.person_id == Membership.person_id, Role.role == role))
            .where(Membership.group_id == group_id).distinct())


def student_ids(session: Session, group_id: int, stage: str | None = None) -> list[int]:
    """The group's students: members with the student role (at `stage`, when given)."""
    query = _with_role(group_id, STUDENT)
    if stage is not None:
        query = query.where(Membership.person_id.in_(_at_stage(stage)))
    return list(session.scalars(query))


def _at_stage(stage: str) -> Select[int]:
    return select(StudentProfile.person_id).where(StudentProfile.stage == stage)


def member_ids(session: Session, group_id: int) -> list[int]:
    return list(session.scalars(
        select(Membership.person_id).where(Membership.group_id == group_id)))


SCAN_FROM = 1000
"""From this many people on, a query that asks for it (`scan=True`: it needs columns the
person's index does not hold) has SQLite read the table through once rather than look each
person up in the index and jump to the row: when most of a table belongs to the group the
pass is about twice as fast (bench/bench_report.py: letters, reminders, ratings). A read the
index covers (contacts by student, mentor and day) stays with the index."""


class Members:
    """The group's students and members, read once, as conditions for later queries."""

    def __init__(self, session: Session, group_id: int, scope: Scope = rules.WHOLE_GROUP) -> None:
        self.session = session
        self.group_id = group_id
        self.scope = scope
        self.students = student_ids(session, group_id, scope.stage)
        # With a stage, the members counted are the students at that stage (faculty have
        # none): their reminders, not the faculty's.
        self.members = (member_ids(session, group_id) if scope.stage is None
                        else self.students)
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def _among(self, column: Any, ids: list[int], scan: bool) -> ColumnElement[bool]:
        if scan and self.sqlite and len(ids) >= SCAN_FROM:
            column = column + 0  # an expression, not the column: SQLite reads the table through
        return cast(ColumnElement[bool], id_in(self.session, column, ids or [0]))

    def student(self, column: Any, *, scan: bool = False) -> ColumnElement[bool]:
        """`column` is one of the group's students."""
        return self._among(column, self.students, scan)

    def member(self, column: Any, *, scan: bool = False) -> ColumnElement[bool]:
        """`column` is one of the group's members."""
        return self._among(column, self.members, scan)


def participants(session: Session, group_id: int, students: int) -> Participants:
    faculty_ids = list(session.scalars(
        _with_role(group_id, FACULTY)
        .join(FacultyProfile, FacultyProfile.person_id == Membership.person_id)))
    views = finder.load_faculty(session, faculty_ids) if faculty_ids else []
    return Participants(students=students, faculty=len(faculty_ids),
                        faculty_accepting=sum(1 for view in views if open_places(view) > 0))


# --- relationships: health, networks and their history ----------------------------------------


class Relationships:
    """The group's students' mentorships, active ones and those that ended in the period,
    read in one pass: health and networks from the active ones, each student's spans of
    being mentored for the week-by-week match rate."""

    def __init__(self, session: Session, group: Members, period: Period,
                 default_tz: str) -> None:
        logged = type_coerce(
            select(func.max(Contact.at))
            .where(Contact.student_id == Mentorship.student_id,
                   Contact.mentor_id == Mentorship.mentor_id)
            .correlate(Mentorship).scalar_subquery(), Contact.at.type)
        rows = session.connection().execute(
            select(Mentorship.student_id, Mentorship.kind, Mentorship.cadence_days,
                   Mentorship.started_at, Mentorship.last_contact_at, Mentorship.active,
                   Mentorship.ended_at, Person.timezone,
                   case((Mentorship.active.is_(True), logged)))
            .join(Person, Person.id == Mentorship.student_id)
            .where(group.student(Mentorship.student_id), Mentorship.started_at < period.end,
                   or_(Mentorship.active.is_(True), Mentorship.ended_at >= period.start))
        ).all()
        today: dict[str, date] = {}
        only = group.scope.kind
        self.kinds: list[tuple[int, str]] = []  # every kind: mentor networks compare them
        self.kinds_in_scope: list[tuple[int, str]] = []  # the scope's kind, when it has one
        states: list[rules.Health] = []
        self.spans: dict[int, list[Span]] = defaultdict(list)
        for student, kind, cadence, started, recorded, active, ended, tz, log in rows:
            in_scope = only is None or kind == only
            span = rules.mentorship_span(started, bool(active), ended)
            if span is not None and in_scope:
                self.spans[student].append(span)
            if not active:
                continue
            self.kinds.append((student, kind))
            if not in_scope:
                continue
            self.kinds_in_scope.append((student, kind))
            zone = tz or default_tz
            day = today.get(zone)
            if day is None:
                day = today[zone] = local_day(period.end, zone)
            due = followup_day(last_contact(recorded, log), started, cadence, zone)
            states.append(rules.health(due, cadence, day))
        self.health = rules.health_counts(states)


def looking_unmatched(session: Session, group: Members) -> tuple[str, ...]:
    """Students of the group looking for a mentor (they said so, or an intro request is
    waiting) with no active mentor, by name."""
    waiting = select(IntroRequest.student_id).where(IntroRequest.state == IntroState.OPEN)
    mentored = select(Mentorship.student_id).where(Mentorship.active.is_(True))
    names = session.scalars(
        select(Person.name)
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(group.student(Person.id),
               or_(StudentProfile.wants_mentor.is_(True), Person.id.in_(waiting)),
               Person.id.not_in(mentored))
        .order_by(Person.name, Person.id))
    return tuple(names)


# --- intro requests ----------------------------------------------------------------------------


def _requests_of(group: Members, period: Period) -> tuple[ColumnElement[bool], ...]:
    """Requests made in the group, or by its students, during the period (by students at
    the scope's stage, for a mentor of its kind, when it has them)."""
    scope = group.scope
    return (or_(IntroRequest.group_id == group.group_id,
                group.student(IntroRequest.student_id)),
            IntroRequest.created_at >= period.start,
            *((IntroRequest.student_id.in_(_at_stage(scope.stage)),)
              if scope.stage is not None else ()),
            *((IntroRequest.kind == scope.kind,) if scope.kind is not None else ()))


def intros(session: Session, group: Members, period: Period) -> Intros:
    where = _requests_of(group, period)
    by_state = dict(session.execute(
        select(IntroRequest.state, func.count()).where(*where).group_by(IntroRequest.state)
    ).all())
    answered = session.execute(
        select(IntroRequest.created_at, IntroRequest.answered_at)
        .where(*where, IntroRequest.state.in_((IntroState.ACCEPTED, IntroState.DECLINED)),
               IntroRequest.answered_at.is_not(None))).all()
    hours = [rules.answer_hours(asked, done) for asked, done in answered if done is not None]
    return Intros(sent=sum(by_state.values()), accepted=by_state.get(IntroState.ACCEPTED, 0),
                  declined=by_state.get(IntroState.DECLINED, 0),
                  expired=by_state.get(IntroState.EXPIRED, 0),
                  waiting=by_state.get(IntroState.OPEN, 0), median_hours=rules.median(hours))


def silent_faculty(session: Session, group: Members, period: Period
                   ) -> tuple[SilentFaculty, ...]:
    """Faculty who let a request of the period expire, and faculty of the group whose
    accepting the bot turned off for want of an answer; by name."""
    expired = func.sum(case((IntroRequest.state == IntroState.EXPIRED, 1), else_=0))
    asked: dict[int, tuple[str, int, int]] = {
        fid: (name, int(n_expired or 0), int(n_asked))
        for fid, name, n_expired, n_asked in session.execute(
            select(IntroRequest.faculty_id, Person.name, expired, func.count())
            .join(Person, Person.id == IntroRequest.faculty_id)
            .where(*_requests_of(group, period))
            .group_by(IntroRequest.faculty_id, Person.name))
        if n_expired}
    turned_off = {
        pid: (name, aware(changed)) for pid, name, changed in session.execute(
            select(Person.id, Person.name, FacultyProfile.accepting_changed_at)
            .join(FacultyProfile, FacultyProfile.person_id == Person.id)
            .where(Person.id.in_(_with_role(group.group_id, FACULTY)),
                   FacultyProfile.accepting.is_(False),
                   FacultyProfile.accepting_off_reason == AcceptingOff.NO_ANSWER))}
    out = []
    for pid in asked.keys() | turned_off.keys():
        off_name, off_at = turned_off.get(pid, ("", None))
        name, n_expired, n_asked = asked.get(pid, (off_name, 0, 0))
        out.append(SilentFaculty(name, n_expired, n_asked, off_at))
    return tuple(sorted(out, key=lambda f: (-f.expired, f.name)))


# --- meetings and letters ----------------------------------------------------------------------


def meetings(session: Session, group: Members, period: Period) -> rules.Meetings:
    counted = session.execute(
        select(Checkin.answer, func.count())
        .where(group.student(Checkin.student_id), Checkin.asked_at >= period.start)
        .group_by(Checkin.answer)).all()
    ratings = session.execute(
        select(Contact.mentor_id, func.count(), func.sum(Contact.rating))
        .where(group.student(Contact.student_id, scan=True), Contact.rating.is_not(None),
               Contact.at >= period.start)
        .group_by(Contact.mentor_id)).all()
    return rules.meetings(sum(n for _, n in counted),
                          {answer: n for answer, n in counted if answer},
                          {mentor: (int(n), int(total or 0)) for mentor, n, total in ratings})


def letters(session: Session, group: Members, first_day: date, today: date) -> rules.Letters:
    """Letters of the group's students whose deadline falls in the period or later, counted
    by state and deadline (never read one by one)."""
    counted = session.execute(
        select(Letter.state, Letter.deadline, func.count())
        .where(group.student(Letter.student_id, scan=True), Letter.deadline >= first_day)
        .group_by(Letter.state, Letter.deadline)).all()
    return rules.letters(counted, today)


# --- nudges ------------------------------------------------------------------------------------


def nudges(session: Session, group: Members, period: Period,
           catalog: NudgeCatalog) -> rules.Nudges:
    """Reminders to the group's members planned in the period, in one pass: what became of
    each and, for each one judged (its kind's spec says what answers it), when it was sent
    and the first answer recorded at or after that."""
    judged = and_(Nudge.kind.in_(catalog.measured), Nudge.sent_at.is_not(None),
                  Nudge.sent_at <= rules.judged_if_sent_by(period.end))
    rows = session.connection().execute(
        select(Nudge.state, Nudge.sent_at.is_not(None), Nudge.snoozes > 0,
               case((judged, Nudge.sent_at)), case((judged, _first_answer(catalog))))
        .where(group.member(Nudge.person_id, scan=True), Nudge.kind.in_(catalog.reminders),
               Nudge.created_at >= period.start)).all()
    tallies: Counter[tuple[str, bool, bool]] = Counter()
    first: list[tuple[datetime, datetime | None]] = []
    for state, was_sent, was_snoozed, sent_at, answer in rows:
        tallies[(state, bool(was_sent), bool(was_snoozed))] += 1
        if sent_at is not None:
            first.append((sent_at, answer))
    return rules.nudges([(*key, n) for key, n in tallies.items()], first)


def _first_answer(catalog: NudgeCatalog) -> ColumnElement[datetime]:
    """For the reminder on the current row, the first answer its kind's spec counts
    (`Answers.evidence`: a contact, news, the item closed, the check-in answered, the letter
    moved) recorded at or after it was sent."""
    news_only = catalog.answered_by(Evidence.NEWS)
    contacts = (*catalog.answered_by(Evidence.CONTACT), *news_only)

    def earliest(query: Select[Any]) -> ColumnElement[datetime]:
        return type_coerce(query.correlate(Nudge).scalar_subquery(), Nudge.sent_at.type)

    def contact_after(owner: Any, student: Any, mentor: Any) -> ColumnElement[datetime]:
        return earliest(
            select(func.min(Contact.created_at)).select_from(owner)
            .join(Contact, and_(Contact.student_id == student, Contact.mentor_id == mentor))
            .where(owner.id == Nudge.subject_id, Contact.created_at >= Nudge.sent_at,
                   or_(Nudge.kind.not_in(news_only), Contact.is_ask.is_(False))))

    letter_moved = or_(*(and_(Nudge.kind == kind, LetterEvent.to_state.in_(states))
                         for kind, states in catalog.letter_moves.items()))
    about = Nudge.subject_type
    return type_coerce(case(
        (and_(about == Subject.MENTORSHIP, Nudge.kind.in_(contacts)),
         contact_after(Mentorship, Mentorship.student_id, Mentorship.mentor_id)),
        (and_(about == Subject.THANKED_LETTER, Nudge.kind.in_(contacts)),
         contact_after(Letter, Letter.student_id, Letter.writer_id)),
        (and_(about == Subject.ACTION_ITEM,
              Nudge.kind.in_(catalog.answered_by(Evidence.ITEM_CLOSED))),
         earliest(select(ActionItem.done_at).where(ActionItem.id == Nudge.subject_id))),
        (and_(about == Subject.MENTORSHIP,
              Nudge.kind.in_(catalog.answered_by(Evidence.CHECKIN_ANSWERED))),
         earliest(select(func.min(Checkin.answered_at)).where(
             Checkin.mentorship_id == Nudge.subject_id, Checkin.answered_at >= Nudge.sent_at))),
        (and_(about == Subject.LETTER, Nudge.kind.in_(tuple(catalog.letter_moves))),
         earliest(select(func.min(LetterEvent.at)).where(
             LetterEvent.letter_id == Nudge.subject_id, LetterEvent.at >= Nudge.sent_at,
             letter_moved))),
    ), Nudge.sent_at.type)


# --- week by week ------------------------------------------------------------------------------


def weekly(session: Session, group: InterestGroup, members: Members, period: Period,
           spans: dict[int, list[Span]]) -> tuple[Week, ...]:
    """Per week of the period: the match rate at its end and the contacts dated in it."""
    bounds = period.week_bounds()
    dated = [func.sum(case((and_(Contact.at >= start, Contact.at < end), 1), else_=0))
             for start, end in bounds]
    counts = session.execute(
        select(*dated).where(members.student(Contact.student_id), Contact.at >= period.start,
                             Contact.at < period.end)).one()
    joined = {pid: at for pid, at in session.execute(
        select(Membership.person_id, Membership.joined_at)
        .where(Membership.group_id == group.id, members.student(Membership.person_id)))}
    rates = rules.match_rates([end for _, end in bounds], joined, spans)
    return tuple(Week(local_day(start, group.timezone), rate, int(n or 0))
                 for (start, _end), rate, n in zip(bounds, rates, counts, strict=True))


# --- the report, and the headline ----------------------------------------------------------


def report(session: Session, group: InterestGroup, now: datetime, catalog: NudgeCatalog, *,
           weeks: int = rules.DEFAULT_WEEKS, default_tz: str = "UTC",
           scope: Scope = rules.WHOLE_GROUP) -> Report:
    """Every figure of `group`'s report at `now`, over the last `weeks` weeks, counting the
    part of the group `scope` names (see `rules.Scope`; `catalog`: the nudge kinds, which
    say which reminders count and what answers each)."""
    period = Period(now, weeks)
    first_day = local_day(period.start, group.timezone)
    today = local_day(now, group.timezone)
    members = Members(session, group.id, scope)
    held = Relationships(session, members, period, default_tz)
    matching, _ = rules.networks(held.kinds_in_scope, len(members.students))
    _, coverage = rules.networks(held.kinds, len(members.students))
    return Report(
        group_slug=group.slug, group_name=group.name, period=period, first_day=first_day,
        last_day=today, participants=participants(session, group.id, len(members.students)),
        matching=matching, coverage=coverage, health=held.health,
        intros=intros(session, members, period),
        silent_faculty=silent_faculty(session, members, period),
        looking=looking_unmatched(session, members),
        meetings=meetings(session, members, period),
        letters=letters(session, members, first_day, today),
        nudges=nudges(session, members, period, catalog),
        weeks=weekly(session, group, members, period, held.spans), scope=scope)


def headline(session: Session, group: InterestGroup, now: datetime, *,
             default_tz: str = "UTC") -> Headline:
    members = Members(session, group.id)
    held = Relationships(session, members, Period(now), default_tz)
    matching, _ = rules.networks(held.kinds, len(members.students))
    today = local_day(now, group.timezone)
    return Headline(group.slug, group.name, matching, held.health.needs_checkin,
                    letters(session, members, today, today).at_risk)


def headlines(session: Session, person_id: int, now: datetime, *, default_tz: str = "UTC"
              ) -> list[Headline]:
    """The headline of every group `person_id` organizes."""
    return [headline(session, group, now, default_tz=default_tz)
            for group in organized_by(session, person_id)]


"""The reads behind a group's report. Every figure is counted in the database: each query
returns a handful of rows (a count per state, per week, per set of mentor kinds), never
one row per student, contact or reminder, and `bot.reports.rules` turns those counts into
figures. Nothing here writes. A group of 200,000 students with a million contacts is a
dozen grouped queries, not a million Python objects (bench/bench_report.py).

Where a rule needs more than a comparison the database can make, the query groups by the
rule's inputs and the pure rule runs once per group (letters by state and deadline, the
kinds of mentor each student holds); where it is a comparison of instants, the rule gives
its bounds and the database compares (a relationship's health: `rules.health_bounds`, in
each student's zone; a reminder acted on within `rules.ACTED_WITHIN`). Instants are
compared exactly on both backends (`bot.infra.sql`). tests/test_report_agreement.py checks
every figure against a straightforward computation in Python on random groups.

Who belongs to a group: its students are members with the student role, its faculty members
with the faculty role (the people a match round pairs). Which faculty offer a place now is
the matching feature's one accessibility rule (`bot.matching.fit.open_places`).

Relationships are dated by the mentoring feature's one rule (`bot.mentoring.cadence`: the
last contact is the later of the mentorship's record and the contact log, the next
follow-up one rhythm after it); tests/test_report_health.py checks the report agrees with
`bot.mentoring.history.followups`, which every other view reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    column,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    type_coerce,
    values,
)
from sqlalchemy.orm import Session

from bot.groups.store import organized_by
from bot.infra.db import kept_ids
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
    UTCDateTime,
)
from bot.infra.sql import elapsed, greatest, later_by
from bot.infra.zones import local_day, local_midnight_utc
from bot.matching.fit import FacultyView, open_places
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
    Week,
)
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.nudges import Subject
from bot.vocab.people import AcceptingOff
from bot.vocab.people import Role as RoleName

STUDENT, FACULTY, ORGANIZER = RoleName.STUDENT, RoleName.FACULTY, RoleName.ORGANIZER


# --- who belongs -------------------------------------------------------------------------------


def _with_role(group_id: int, role: str) -> Select[int]:
    """The members of the group with `role` (one row each: memberships are unique)."""
    return select(Membership.person_id).where(
        Membership.group_id == group_id,
        select(Role.id).where(Role.person_id == Membership.person_id, Role.role == role)
        .exists())


def _at_stage(stage: str) -> Select[int]:
    return select(StudentProfile.person_id).where(StudentProfile.stage == stage)


def students_of(group_id: int, stage: str | None = None) -> Select[int]:
    """The group's students: members with the student role (at `stage`, when given)."""
    query = _with_role(group_id, STUDENT)
    if stage is not None:
        query = query.where(Membership.person_id.in_(_at_stage(stage)))
    return query


def student_ids(session: Session, group_id: int, stage: str | None = None) -> list[int]:
    return list(session.scalars(students_of(group_id, stage)))


SCAN_FROM = 1000
"""From this many students on, a query that asks for it (`scan=True`: it needs columns no
index holds) has SQLite read the table through once, looking each row's person up among
the group's, rather than look each person up in the table's index and jump to the row:
when most of a table belongs to the group the pass is several times faster
(bench/bench_report.py: reminders, mentorships). A read an index covers stays with it."""


class Members:
    """The group's students and members, as conditions for later queries: the database
    resolves them (`bot.infra.db.kept_ids`), never a list of ids read into Python."""

    def __init__(self, session: Session, group_id: int, scope: Scope = rules.WHOLE_GROUP) -> None:
        self.session = session
        self.group_id = group_id
        self.scope = scope
        stage = scope.stage
        tag = "all" if stage is None else stage if stage.isidentifier() else stage.encode().hex()
        self.students_query = kept_ids(session, f"report_students_{group_id}_{tag}",
                                       students_of(group_id, stage))
        # With a stage, the members counted are the students at that stage (faculty have
        # none): their reminders, not the faculty's.
        self.members_query = (kept_ids(session, f"report_members_{group_id}",
                                       select(Membership.person_id)
                                       .where(Membership.group_id == group_id))
                              if stage is None else self.students_query)

    @cached_property
    def students(self) -> list[int]:
        """The students' ids, for a caller that needs them one by one."""
        return list(self.session.scalars(self.students_query))

    def count(self) -> int:
        return int(self.session.scalar(
            select(func.count()).select_from(self.students_query.subquery())) or 0)

    @cached_property
    def large(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite" and self.count() >= SCAN_FROM

    def _among(self, column: Any, ids: Select[Any], scan: bool) -> ColumnElement[bool]:
        if scan and self.large:
            column = column + 0  # an expression, not the column: SQLite reads the table through
        return cast(ColumnElement[bool], column.in_(ids))

    def unindexed(self, column: Any) -> Any:
        """`column`, to group a read that scans by: as an expression when the group is
        large, so that SQLite does not walk an index in its order and jump to each row."""
        return column.concat("") if self.large else column

    def student(self, column: Any, *, scan: bool = False) -> ColumnElement[bool]:
        """`column` is one of the group's students."""
        return self._among(column, self.students_query, scan)

    def member(self, column: Any, *, scan: bool = False) -> ColumnElement[bool]:
        """`column` is one of the group's members."""
        return self._among(column, self.members_query, scan)


def participants(session: Session, group_id: int, students: int) -> Participants:
    """The group's faculty, and how many of them offer a place now: counted by the inputs
    of `open_places` (accepting, capacity, current mentees), the rule applied per count."""
    active = (select(func.count()).where(Mentorship.mentor_id == FacultyProfile.person_id,
                                         Mentorship.active.is_(True))
              .correlate(FacultyProfile).scalar_subquery())
    inputs = (select(FacultyProfile.accepting, FacultyProfile.capacity, active.label("active"))
              .where(FacultyProfile.person_id.in_(_with_role(group_id, FACULTY)))
              .subquery())
    counted = session.execute(
        select(inputs.c.accepting, inputs.c.capacity, inputs.c.active, func.count())
        .group_by(inputs.c.accepting, inputs.c.capacity, inputs.c.active)).all()
    faculty = accepting = 0
    for is_accepting, capacity, mentees, n in counted:
        view = FacultyView(id=0, name="", specialty="", capacity=capacity or 0,
                           active=mentees or 0, accepting=bool(is_accepting))
        faculty += n
        accepting += n if open_places(view) > 0 else 0
    return Participants(students=students, faculty=faculty, faculty_accepting=accepting)


# --- relationships: health and networks --------------------------------------------------------


def _last_contact() -> ColumnElement[datetime]:
    """The instant an active mentorship's next follow-up counts from: its start, or the
    later of its own record and the contact log when that is later (`cadence.followup_day`
    takes the local day of the same instant)."""
    logged = (select(func.max(Contact.at))
              .where(Contact.student_id == Mentorship.student_id,
                     Contact.mentor_id == Mentorship.mentor_id)
              .correlate(Mentorship).scalar_subquery())
    started = Mentorship.started_at
    return cast(ColumnElement[datetime], greatest(
        started, func.coalesce(Mentorship.last_contact_at, started),
        func.coalesce(type_coerce(logged, Contact.at.type), started)))


def _zone(default_tz: str) -> ColumnElement[str]:
    """The zone a student's follow-ups fall in: theirs, else the default."""
    return cast(ColumnElement[str],
                func.coalesce(func.nullif(Person.timezone, ""), literal(default_tz)))


class Relationships:
    """The active mentorships of the group's students: their health (the scope's kind of
    mentor only) and, per set of mentor kinds, how many students hold it; in one grouped
    query, each relationship's last contact compared with the bounds of
    `rules.health_bounds` for its student's zone and its rhythm (`_health_bounds`).

    `kinds` lists (student, mentor kind) of each active mentorship, for a caller that wants
    them one by one (`one_by_one`); the report does not."""

    def __init__(self, session: Session, group: Members, period: Period,
                 default_tz: str, *, one_by_one: bool = True) -> None:
        self.group = group
        self.kinds: list[tuple[int, str]] = [] if not one_by_one else [
            (s, k) for s, k in session.execute(
                select(Mentorship.student_id, Mentorship.kind)
                .where(Mentorship.active.is_(True), group.student(Mentorship.student_id)))]
        scope_kind = group.scope.kind
        named = tuple(MENTOR_KINDS)
        if scope_kind is not None and scope_kind not in named:
            named += (scope_kind,)
        in_scope = Mentorship.kind == scope_kind if scope_kind is not None else true()
        zone = _zone(default_tz)
        bounds = _health_bounds(session, period.end, default_tz)
        # One row per active mentorship, its last contact read once (OFFSET 0 keeps both
        # databases from copying the lookup into each comparison below).
        held = (select(Mentorship.student_id, Mentorship.kind, Mentorship.cadence_days,
                       in_scope.label("in_scope"), zone.label("zone"),
                       _last_contact().label("last"))
                .select_from(Mentorship).join(Person, Person.id == Mentorship.student_id)
                .where(Mentorship.active.is_(True),
                       group.student(Mentorship.student_id, scan=True))
                .offset(0).subquery())
        state = case((held.c.last < bounds.c.checkin_before, 2),
                     (held.c.last < bounds.c.due_before, 1), else_=0)
        scoped = held.c.in_scope.is_(True)
        signature = sum((func.max(case((held.c.kind == kind, 1 << bit), else_=0))
                         for bit, kind in enumerate(named)), start=literal(0))
        other = case((held.c.kind.not_in(named), held.c.kind))
        # Kinds outside the vocabulary: none, one, or more than one (all networks ask).
        others = case((func.max(other).is_(None), 0), (func.max(other) == func.min(other), 1),
                      else_=2)
        per_student = (
            select(signature.label("signature"), others.label("others"),
                   func.sum(case((scoped, 1), else_=0)).label("held"),
                   func.sum(case((scoped, case((state == 2, 1), else_=0)),
                                 else_=0)).label("needs"),
                   func.sum(case((scoped, case((state == 1, 1), else_=0)),
                                 else_=0)).label("soon"))
            .select_from(held)
            .join(bounds, and_(bounds.c.zone == held.c.zone,
                               bounds.c.cadence == held.c.cadence_days), isouter=True)
            .group_by(held.c.student_id).subquery())
        rows = session.execute(
            select(per_student.c.signature, per_student.c.others, func.count(),
                   func.sum(per_student.c.held), func.sum(per_student.c.needs),
                   func.sum(per_student.c.soon))
            .group_by(per_student.c.signature, per_student.c.others)).all()
        self.held: list[tuple[frozenset[str], int]] = []
        total = needs_checkin = due_soon = 0
        for bits, n_others, n, n_held, n_needs, n_soon in rows:
            kinds_held = frozenset(kind for bit, kind in enumerate(named) if bits >> bit & 1)
            others_held = frozenset(f"another kind {i}" for i in range(int(n_others)))
            self.held.append((kinds_held | others_held, int(n)))
            total += int(n_held or 0)
            needs_checkin += int(n_needs or 0)
            due_soon += int(n_soon or 0)
        self.health = rules.HealthCounts(on_track=total - needs_checkin - due_soon,
                                         due_soon=due_soon, needs_checkin=needs_checkin)

    def networks(self, students: int) -> tuple[rules.Matching, rules.Coverage]:
        """The match rate (of the scope's kind) and coverage (every kind)."""
        matching, _ = rules.networks_held(self.held, students, self.group.scope.kind)
        _, coverage = rules.networks_held(self.held, students)
        return matching, coverage


def _values(session: Session, column: Any, *where: ColumnElement[bool]) -> list[Any]:
    """The distinct values of an indexed column, found by skipping along its index from
    each to the next (a recursive query: one index probe per value, however many rows)."""
    seen = select(func.min(column).label("value")).where(*where).cte("seen", recursive=True)
    seen = seen.union_all(
        select(select(func.min(column)).where(*where, column > seen.c.value)
               .scalar_subquery())
        .where(seen.c.value.is_not(None)))
    return list(session.scalars(select(seen.c.value).where(seen.c.value.is_not(None))))


def _health_bounds(session: Session, moment: datetime, default_tz: str) -> Any:
    """For each zone anyone has set (and the default) and each rhythm an active mentorship
    has: the first instants of the two days of `rules.health_bounds` in that zone, on its
    local day at `moment`, to compare each relationship's last contact with: before the
    first, it needs a check-in; before the second, it is due soon. Every zone and rhythm
    a relationship can have is there: the zones and rhythms are read along their indexes
    (`_values`)."""
    zones = {zone or default_tz for zone in _values(session, Person.timezone)} | {default_tz}
    cadences = _values(session, Mentorship.cadence_days, Mentorship.active == true())
    rows = []
    for zone in sorted(zones):
        today = local_day(moment, zone)
        for cadence in cadences:
            checkin_day, soon_day = rules.health_bounds(cadence, today)
            rows.append((zone, cadence, local_midnight_utc(checkin_day, zone),
                         local_midnight_utc(soon_day, zone)))
    if not rows:  # no active mentorship: a table with one row no relationship matches
        rows.append(("", -1, moment, moment))
    return values(column("zone", String), column("cadence", Integer),
                  column("checkin_before", UTCDateTime()), column("due_before", UTCDateTime()),
                  name="bounds").data(rows).cte("bounds")


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
    answered = (*where, IntroRequest.state.in_((IntroState.ACCEPTED, IntroState.DECLINED)),
                IntroRequest.answered_at.is_not(None))
    return Intros(sent=sum(by_state.values()), accepted=by_state.get(IntroState.ACCEPTED, 0),
                  declined=by_state.get(IntroState.DECLINED, 0),
                  expired=by_state.get(IntroState.EXPIRED, 0),
                  waiting=by_state.get(IntroState.OPEN, 0),
                  median_hours=_median_hours(session, answered))


def _median_hours(session: Session, where: Sequence[ColumnElement[bool]]) -> float | None:
    """The median time to an answer: the one or two requests in the middle, ordered by it
    in the database, and `rules.median` of their hours."""
    n = int(session.scalar(select(func.count()).select_from(IntroRequest).where(*where)) or 0)
    if not n:
        return None
    middle = session.execute(
        select(IntroRequest.created_at, IntroRequest.answered_at).where(*where)
        .order_by(elapsed(IntroRequest.created_at, IntroRequest.answered_at))
        .offset((n - 1) // 2).limit(2 - n % 2)).all()
    hours = [rules.answer_hours(asked, done) for asked, done in middle if done is not None]
    return rules.median(hours)


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
            .group_by(IntroRequest.faculty_id, Person.name)
            .having(expired > 0))}
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


@dataclass(frozen=True)
class ContactLog:
    """What the report reads of the contact log, in one pass over its covering index: the
    contacts of the group's students dated in each week of the period, and of those
    dated in the period or later, how many were rated, the ratings' sum and how many
    mentors they rate."""

    weekly: tuple[int, ...]
    ratings: int
    total: int
    mentors: int


def contact_log(session: Session, group: Members, period: Period) -> ContactLog:
    dated = [func.sum(case((and_(Contact.at >= start, Contact.at < end), 1), else_=0))
             for start, end in period.week_bounds()]
    *weeks, ratings, total, mentors = session.execute(
        select(*dated, func.count(Contact.rating), func.sum(Contact.rating),
               func.count(func.distinct(case((Contact.rating.is_not(None),
                                              Contact.mentor_id)))))
        .where(group.student(Contact.student_id), Contact.at >= period.start)).one()
    return ContactLog(tuple(int(n or 0) for n in weeks), int(ratings or 0), int(total or 0),
                      int(mentors or 0))


def meetings(session: Session, group: Members, period: Period, logged: ContactLog
             ) -> rules.Meetings:
    counted = session.execute(
        select(Checkin.answer, func.count())
        .where(group.student(Checkin.student_id), Checkin.asked_at >= period.start)
        .group_by(Checkin.answer)).all()
    return rules.meetings_rated(sum(n for _, n in counted),
                                {answer: n for answer, n in counted if answer},
                                logged.ratings, logged.total, logged.mentors)


def letters(session: Session, group: Members, first_day: date, today: date) -> rules.Letters:
    """Letters of the group's students whose deadline falls in the period or later, counted
    by state and deadline (never read one by one)."""
    counted = session.execute(
        select(Letter.state, Letter.deadline, func.count())
        .where(group.student(Letter.student_id), Letter.deadline >= first_day)
        .group_by(Letter.state, Letter.deadline)).all()
    return rules.letters(counted, today)


# --- nudges ------------------------------------------------------------------------------------


def nudges(session: Session, group: Members, period: Period,
           catalog: NudgeCatalog) -> rules.Nudges:
    """Reminders to the group's members planned in the period, counted by what became of
    them; of those judged (sent at least `rules.ACTED_WITHIN` before the report, of a kind
    whose spec says what answers it), how many were acted on (`_answers`).

    SQLite counts the answers in the same pass, looking each judged reminder's evidence up
    in its index; PostgreSQL counts them apart, one join per kind of evidence, which it
    makes in bulk (either way of asking the other took about twice as long:
    bench/bench_report.py)."""
    planned = (group.member(Nudge.person_id, scan=True), Nudge.kind.in_(catalog.reminders),
               Nudge.created_at >= period.start)
    judged = and_(Nudge.kind.in_(catalog.measured), Nudge.sent_at.is_not(None),
                  Nudge.sent_at <= rules.judged_if_sent_by(period.end))
    answers = _answers(catalog)
    in_one_pass = session.get_bind().dialect.name == "sqlite"
    acted = case(*answers, else_=false()) if in_one_pass else false()
    was_sent = Nudge.sent_at.is_not(None)
    was_snoozed = Nudge.snoozes > 0
    state = group.unindexed(Nudge.state)
    rows = session.execute(
        select(state, was_sent, was_snoozed, func.count(),
               func.sum(case((judged, 1), else_=0)),
               func.sum(case((judged, case((acted, 1), else_=0)), else_=0)))
        .where(*planned).group_by(state, was_sent, was_snoozed)).all()
    counted_apart = 0
    if not in_one_pass:
        counted_apart = int(session.scalar(select(sum(
            (select(func.count()).select_from(Nudge).where(*planned, judged, which, answer)
             .scalar_subquery() for which, answer in answers), start=literal(0)))) or 0)
    return rules.nudges_counted(
        ((str(state), bool(sent), bool(snoozed), int(n), int(n_judged or 0),
          int(n_acted or 0)) for state, sent, snoozed, n, n_judged, n_acted in rows),
        acted=counted_apart)


def _answers(catalog: NudgeCatalog) -> list[tuple[ColumnElement[bool], ColumnElement[bool]]]:
    """For the reminder on the current row, (which reminders, whether one was acted on),
    one pair per kind of evidence its kind's spec counts as an answer (`Answers.evidence`:
    a contact, news, the item closed, the check-in answered, the letter moved); the pairs
    do not overlap. Acted on: an answer was recorded within `rules.ACTED_WITHIN` of the
    send. That is `rules.acted_on` of the first answer at or after the send: the first
    came that soon exactly when some answer did, so the database stops at the first it
    finds."""
    sent = Nudge.sent_at
    by = later_by(sent, rules.ACTED_WITHIN)
    news_only = catalog.answered_by(Evidence.NEWS)
    contacts = (*catalog.answered_by(Evidence.CONTACT), *news_only)

    def contact_within(owner: Any, student: Any, mentor: Any) -> ColumnElement[bool]:
        return (select(Contact.id).select_from(owner)
                .join(Contact, and_(Contact.student_id == student, Contact.mentor_id == mentor))
                .where(owner.id == Nudge.subject_id, Contact.created_at >= sent,
                       Contact.created_at <= by,
                       or_(Nudge.kind.not_in(news_only), Contact.is_ask.is_(False)))
                .exists())

    letter_moved = or_(*(and_(Nudge.kind == kind, LetterEvent.to_state.in_(states))
                         for kind, states in catalog.letter_moves.items()))
    about = Nudge.subject_type
    return [
        (and_(about == Subject.MENTORSHIP, Nudge.kind.in_(contacts)),
         contact_within(Mentorship, Mentorship.student_id, Mentorship.mentor_id)),
        (and_(about == Subject.THANKED_LETTER, Nudge.kind.in_(contacts)),
         contact_within(Letter, Letter.student_id, Letter.writer_id)),
        (and_(about == Subject.ACTION_ITEM,
              Nudge.kind.in_(catalog.answered_by(Evidence.ITEM_CLOSED))),
         select(ActionItem.id).where(ActionItem.id == Nudge.subject_id,
                                     ActionItem.done_at >= sent,
                                     ActionItem.done_at <= by).exists()),
        (and_(about == Subject.MENTORSHIP,
              Nudge.kind.in_(catalog.answered_by(Evidence.CHECKIN_ANSWERED))),
         select(Checkin.id).where(Checkin.mentorship_id == Nudge.subject_id,
                                  Checkin.answered_at >= sent,
                                  Checkin.answered_at <= by).exists()),
        (and_(about == Subject.LETTER, Nudge.kind.in_(tuple(catalog.letter_moves))),
         select(LetterEvent.id).where(LetterEvent.letter_id == Nudge.subject_id,
                                      LetterEvent.at >= sent, LetterEvent.at <= by,
                                      letter_moved).exists()),
    ]


# --- week by week ------------------------------------------------------------------------------


def _moment_index(instant: Any, moments: Sequence[datetime]) -> ColumnElement[int]:
    """How many of `moments` (in time order) come before `instant`: the index of the first
    moment at or after it (`bisect_left`), as the database counts it."""
    return cast(ColumnElement[int], case(
        *((instant <= literal(moment, UTCDateTime()), index)
          for index, moment in enumerate(moments)), else_=len(moments)))


def weekly(session: Session, group: InterestGroup, members: Members, period: Period,
           logged: ContactLog) -> tuple[Week, ...]:
    """Per week of the period: the match rate at its end and the contacts dated in it."""
    bounds = period.week_bounds()
    rates = _match_rates(session, group, members, period, [end for _, end in bounds])
    return tuple(Week(local_day(start, group.timezone), rate, n)
                 for (start, _end), rate, n in zip(bounds, rates, logged.weekly, strict=True))


def _match_rates(session: Session, group: InterestGroup, members: Members, period: Period,
                 moments: Sequence[datetime]) -> list[float | None]:
    """The match rate at each of `moments` (`rules.match_rates`), counted in the database:
    how many students are members from each moment on, and the pieces of time each
    student was mentored, as moment indexes. A student's mentorships (of the scope's
    kind, active or ended in the period, `rules.mentorship_span`) are taken in order of
    their first moment; each covers from the later of that and the reach of the ones
    before it (`rules.covered_pieces`): a running maximum, so each moment counts once
    however many mentors. Then `rules.match_rates_counted`."""
    joined = (select(Membership.person_id.label("student_id"),
                     _moment_index(Membership.joined_at, moments).label("first"))
              .where(Membership.group_id == group.id, members.student(Membership.person_id))
              .subquery())
    firsts = session.execute(
        select(joined.c.first, func.count()).group_by(joined.c.first)).all()
    kind = members.scope.kind
    spans = (
        select(Mentorship.student_id,
               _moment_index(Mentorship.started_at, moments).label("low"),
               case((Mentorship.active.is_(True), len(moments)),
                    else_=_moment_index(Mentorship.ended_at, moments)).label("high"))
        .where(members.student(Mentorship.student_id), Mentorship.started_at < period.end,
               or_(Mentorship.active.is_(True),
                   and_(Mentorship.ended_at.is_not(None),
                        Mentorship.ended_at >= period.start)),
               *((Mentorship.kind == kind,) if kind is not None else ()))
        .subquery())
    reach = func.max(spans.c.high).over(partition_by=spans.c.student_id,
                                        order_by=(spans.c.low, spans.c.high),
                                        rows=(None, -1))
    ordered = (select(spans.c.student_id, spans.c.low, spans.c.high, reach.label("reach"))
               .subquery())
    start = greatest(ordered.c.low, joined.c.first,
                     func.coalesce(ordered.c.reach, joined.c.first))
    pieces = (select(start.label("low"), ordered.c.high)
              .join(joined, joined.c.student_id == ordered.c.student_id)
              .where(start < ordered.c.high).subquery())
    counted = session.execute(
        select(pieces.c.low, pieces.c.high, func.count())
        .group_by(pieces.c.low, pieces.c.high)).all()
    return rules.match_rates_counted(
        len(moments), ((int(first), int(n)) for first, n in firsts),
        (((int(low), int(high)), int(n)) for low, high, n in counted))


# --- the report, and the headline ----------------------------------------------------------


WORK_MEM = "64MB"
"""PostgreSQL's memory for one sort or hash while a report counts: a group of 200,000
students sorted on disk with the default 4 MB."""


def _counting(session: Session) -> None:
    """Settings for the rest of this unit of work, on PostgreSQL: no JIT compilation (the
    report's grouped reads run in well under a second, and compiling them took two:
    bench/bench_report.py) and `WORK_MEM`."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def report(session: Session, group: InterestGroup, now: datetime, catalog: NudgeCatalog, *,
           weeks: int = rules.DEFAULT_WEEKS, default_tz: str = "UTC",
           scope: Scope = rules.WHOLE_GROUP) -> Report:
    """Every figure of `group`'s report at `now`, over the last `weeks` weeks, counting the
    part of the group `scope` names (see `rules.Scope`; `catalog`: the nudge kinds, which
    say which reminders count and what answers each)."""
    _counting(session)
    period = Period(now, weeks)
    first_day = local_day(period.start, group.timezone)
    today = local_day(now, group.timezone)
    members = Members(session, group.id, scope)
    students = members.count()
    held = Relationships(session, members, period, default_tz, one_by_one=False)
    matching, coverage = held.networks(students)
    logged = contact_log(session, members, period)
    return Report(
        group_slug=group.slug, group_name=group.name, period=period, first_day=first_day,
        last_day=today, participants=participants(session, group.id, students),
        matching=matching, coverage=coverage, health=held.health,
        intros=intros(session, members, period),
        silent_faculty=silent_faculty(session, members, period),
        looking=looking_unmatched(session, members),
        meetings=meetings(session, members, period, logged),
        letters=letters(session, members, first_day, today),
        nudges=nudges(session, members, period, catalog),
        weeks=weekly(session, group, members, period, logged), scope=scope)


def headline(session: Session, group: InterestGroup, now: datetime, *,
             default_tz: str = "UTC") -> Headline:
    _counting(session)
    members = Members(session, group.id)
    held = Relationships(session, members, Period(now), default_tz, one_by_one=False)
    matching, _ = held.networks(members.count())
    today = local_day(now, group.timezone)
    return Headline(group.slug, group.name, matching, held.health.needs_checkin,
                    letters(session, members, today, today).at_risk)


def headlines(session: Session, person_id: int, now: datetime, *, default_tz: str = "UTC"
              ) -> list[Headline]:
    """The headline of every group `person_id` organizes."""
    return [headline(session, group, now, default_tz=default_tz)
            for group in organized_by(session, person_id)]

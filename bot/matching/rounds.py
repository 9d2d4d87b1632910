"""Match rounds (`/mentor match`): every student of a group who asked for a mentor is matched
to the group's faculty within their free places, by student-proposing deferred acceptance.
This module reads a round from the database and writes its outcome; the round itself, as
values, and its solution are in `bot.matching.round_solver`, the wording in
`bot.matching.round_messages`.

Who takes part: students of the group with `wants_mentor` set (`/mentor profile
looking:yes`, or any `/mentor request`) or an open intro request to faculty of the group,
except students already matched by an earlier round of this group (so running a round twice
never matches anyone twice). Their choices: the faculty of the group they asked for, in the
order they asked (`IntroRequest.rank`); a student who asked nobody gets their
`/mentor find` order among the group's faculty. Each faculty member's places are the one
accessibility rule's open places (`bot.matching.fit.open_places`).

Writing a round's outcome goes through each table's owner: the mentorships
(`bot.mentoring.store.start_mentorships`), the requests they answer
(`bot.matching.intros.settle_matched`), the students' wish for a mentor
(`bot.people.store.stop_waiting`), the group's lock (`bot.groups.store.lock_group`) and the
notices (`bot.nudges.store`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.groups.store import lock_group
from bot.infra.db import id_in
from bot.infra.models import (
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Membership,
    Mentorship,
    Person,
    StudentProfile,
)
from bot.infra.models import Role as RoleRow
from bot.matching import finder, intros, rules
from bot.matching.fit import StudentView
from bot.matching.round_messages import faculty_message, student_message, summary
from bot.matching.round_solver import Choice, RoundInput, RoundResult, find_order, places, solve
from bot.mentoring import store as mentoring
from bot.nudges import store as nudge_store
from bot.nudges.plans import Notice
from bot.people import store as people
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MentorshipSource
from bot.vocab.nudges import Subject
from bot.vocab.people import Role

# --- reading ---------------------------------------------------------------------------


def load_round(session: Session, group: InterestGroup, now: datetime, *,
               default_tz: str = "UTC") -> RoundInput:
    """Everything a round of `group` needs at `now`. Faculty away on their own local day
    (`default_tz` when they have not set a zone) offer no places."""
    members = select(Membership.person_id).where(Membership.group_id == group.id)
    faculty_ids = sorted(session.scalars(
        select(FacultyProfile.person_id)
        .join(RoleRow, and_(RoleRow.person_id == FacultyProfile.person_id,
                            RoleRow.role == Role.FACULTY))
        .where(FacultyProfile.person_id.in_(members))).unique())
    views = finder.load_faculty(session, faculty_ids, now=now,
                                default_tz=default_tz) if faculty_ids else []
    faculty = {v.id: v for v in views}
    free = places(faculty)

    # Open requests to the group's faculty, in each student's order: plain columns only,
    # sorted by the database (a round may read hundreds of thousands of them). On SQLite,
    # `+ 0` keeps the planner from probing the faculty index once per faculty member, which
    # is several times slower than one pass over the table when the group is large.
    dialect = session.get_bind().dialect.name
    to_faculty = IntroRequest.faculty_id + 0 if dialect == "sqlite" else IntroRequest.faculty_id
    if dialect == "postgresql":
        # Sorting a large group's requests in memory rather than in temporary files.
        session.execute(sql_text("SET LOCAL work_mem = '64MB'"))
    requests = session.execute(
        select(IntroRequest.id, IntroRequest.student_id, IntroRequest.faculty_id,
               IntroRequest.kind)
        .where(id_in(session, to_faculty, faculty_ids or [0]),
               IntroRequest.state == IntroState.OPEN)
        .order_by(IntroRequest.student_id, IntroRequest.rank.is_(None), IntroRequest.rank,
                  IntroRequest.created_at, IntroRequest.id)
    ).all()
    requesters = sorted({row[1] for row in requests})

    already_matched = select(Mentorship.student_id).where(
        Mentorship.group_id == group.id, Mentorship.source == MentorshipSource.MATCH,
        Mentorship.active.is_(True))
    rows = session.execute(
        select(Person.id, Person.name, StudentProfile.stage,
               cast(StudentProfile.interests, Text), cast(StudentProfile.research, Text))
        .join(RoleRow, and_(RoleRow.person_id == Person.id, RoleRow.role == Role.STUDENT))
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(Person.id.in_(members), Person.id.not_in(already_matched),
               or_(StudentProfile.wants_mentor.is_(True),
                   id_in(session, Person.id, requesters or [0])))
        .order_by(Person.id)
    ).all()
    students = {pid: StudentView.of(pid, stage, finder.json_list(interests),
                                    finder.json_list(research))
                for pid, _name, stage, interests, research in rows}
    names = {pid: name for pid, name, *_ in rows}
    names.update({v.id: v.name for v in views})

    mentors: dict[int, set[int]] = defaultdict(set)
    for sid, mid in session.execute(select(Mentorship.student_id, Mentorship.mentor_id).where(
            Mentorship.active.is_(True),
            id_in(session, Mentorship.mentor_id, faculty_ids or [0]))):
        mentors[sid].add(mid)
    declined: dict[int, set[int]] = defaultdict(set)
    for sid, fid in session.execute(
            select(IntroRequest.student_id, IntroRequest.faculty_id)
            .where(id_in(session, IntroRequest.faculty_id, faculty_ids or [0]),
                   IntroRequest.state == IntroState.DECLINED,
                   IntroRequest.answered_at >= rules.declined_since(now))):
        declined[sid].add(fid)
    choices: dict[int, list[Choice]] = defaultdict(list)
    for rid, sid, fid, kind in requests:
        if sid in students:
            choices[sid].append(Choice(fid, kind, rid))
    no_choices: list[int] = []
    for sid, view in students.items():
        blocked = mentors.get(sid, set()) | declined.get(sid, set())
        mine = _first_asks(choices.get(sid, []), blocked)
        if not mine:
            mine = find_order(view, faculty, free, blocked)
        if mine:
            choices[sid] = mine
        else:
            choices.pop(sid, None)
            no_choices.append(sid)
    return RoundInput(group=group, faculty=faculty, students=students, names=names,
                      choices=dict(choices), free=free, no_choices=no_choices)


def _first_asks(asked: list[Choice], blocked: set[int]) -> list[Choice]:
    """A student's requests in order, each faculty member once, without those who already
    mentor them or declined them lately."""
    seen: set[int] = set()
    mine: list[Choice] = []
    for choice in asked:
        if choice.faculty_id not in blocked and choice.faculty_id not in seen:
            seen.add(choice.faculty_id)
            mine.append(choice)
    return mine


# --- writing and telling -------------------------------------------------------------


def write(session: Session, result: RoundResult, now: datetime,
          on_notices: Callable[[], None] | None = None) -> int:
    """Store the mentorships, close the requests they answer, and queue everyone's DM
    (bulk statements: a round may match tens of thousands of students)."""
    data = result.data
    group = data.group
    matched = result.outcome.assignment
    if not matched and not data.students:
        return 0
    starts: list[mentoring.NewMentorship] = []
    accepted_requests: list[int] = []
    for sid, fid in matched.items():
        choice = next(c for c in data.choices[sid] if c.faculty_id == fid)
        starts.append(mentoring.NewMentorship(sid, fid, choice.kind, group.id))
        if choice.request_id is not None:
            accepted_requests.append(choice.request_id)
    mentoring.start_mentorships(session, starts, source=MentorshipSource.MATCH, at=now)
    intros.settle_matched(session, accepted_requests, now)
    people.stop_waiting(session, list(matched))
    round_id = uuid.uuid4().hex[:12]
    messages = [(sid, "student", student_message(result, sid)) for sid in data.students]
    messages += [(fid, "faculty", faculty_message(result, fid)) for fid in result.outcome.mentees]
    notices = [Notice(pid, reply, f"match:{group.id}:{round_id}:{pid}:{role}",
                      Subject.MATCH_ROUND, group.id)
               for pid, role, reply in messages]
    nudge_store.queue_notices(session, notices, now=now)
    if on_notices is not None and notices:
        on_notices()
    return len(notices)


def run_round(session: Session, group: InterestGroup, now: datetime, *, dry_run: bool,
              on_notices: Callable[[], None] | None = None,
              default_tz: str = "UTC") -> tuple[RoundResult, Reply]:
    if not dry_run:
        # Two organizers starting a round at once: the second waits for the first.
        lock_group(session, group.id)
    data = load_round(session, group, now, default_tz=default_tz)
    result = solve(data)
    if not dry_run:
        write(session, result, now, on_notices)
    return result, summary(result, dry_run=dry_run)

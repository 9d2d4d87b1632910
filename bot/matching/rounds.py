"""Match rounds (`/mentor match`): every student of a group who asked for a mentor is matched
to the group's faculty within their free places, by student-proposing deferred acceptance.

Who takes part: students of the group with `wants_mentor` set (`/mentor profile
looking:yes`, or any `/mentor request`) or an open intro request to faculty of the group,
except students already matched by an earlier round of this group (so running a round twice
never matches anyone twice). Their choices: the faculty of the group they asked for, in the
order they asked (`IntroRequest.rank`); a student who asked nobody gets their
`/mentor find` order among the group's faculty. Faculty do not rank students by hand: their
preference is the fit score, ties broken by a hash of the group, student and faculty ids, so
the same data always gives the same round."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, insert, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from bot.framework.replies import Reply, Section
from bot.infra.models import (
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Membership,
    Mentorship,
    Person,
    Role,
    StudentProfile,
)
from bot.matching import finder
from bot.matching import fit as rules
from bot.matching.deferred_acceptance import Outcome, deferred_acceptance
from bot.matching.fit import FacultyView, StudentView
from bot.mentoring.cadence import default_cadence_days
from bot.nudges import store as nudge_store
from bot.nudges.plans import Notice
from bot.nudges.vocab import Subject

FIND_CHOICES = 10  # choices taken from /mentor find for a student who asked nobody
LISTED = 25  # names listed in the organizer's summary before "and N more"


def round_seed(group_slug: str) -> int:
    return int.from_bytes(hashlib.blake2b(group_slug.encode(), digest_size=8).digest(), "big")


def tie_break(seed: int, student_id: int, faculty_id: int) -> int:
    """The declared, seeded tie-break between students of equal fit for one faculty member:
    `hash((seed, student, faculty))` over integers only, so it is the same in every
    process (Python salts the hashes of strings, not of integers), with the seed taken from
    the group's slug."""
    return hash((seed, student_id, faculty_id))


_TIE_BITS = 64
_TIE_MASK = (1 << _TIE_BITS) - 1


def priority_value(score: float, tie: int) -> int:
    """How much a faculty member wants a student, as one integer ordered like (fit score,
    tie-break). Within one faculty member's list the fractional part of the score (their
    own reputation) is the same for everyone, so the whole part orders it exactly; one
    integer compares much faster than a tuple in the algorithm's inner loop."""
    return (int(score) << _TIE_BITS) | (tie & _TIE_MASK)


@dataclass(slots=True)
class Choice:
    faculty_id: int
    kind: str
    request_id: int | None


@dataclass
class RoundInput:
    """Everything the algorithm needs, read from the database."""

    group: InterestGroup
    faculty: dict[int, FacultyView]
    students: dict[int, StudentView]
    names: dict[int, str]
    choices: dict[int, list[Choice]]
    free: dict[int, int]  # faculty id -> places this round
    no_choices: list[int] = field(default_factory=list)  # taking part, but nobody to rank


@dataclass
class RoundResult:
    data: RoundInput
    prefs: dict[int, list[int]]
    priority: dict[int, dict[int, int]]
    outcome: Outcome[int, int]
    algorithm_seconds: float = 0.0

    def matched(self) -> dict[int, int]:
        return self.outcome.assignment

    def unmatched(self) -> list[int]:
        return [s for s in self.data.students if s not in self.outcome.assignment]

    def free_after(self) -> dict[int, int]:
        taken = {f: len(s) for f, s in self.outcome.mentees.items()}
        return {f: n - taken.get(f, 0) for f, n in self.data.free.items()
                if n - taken.get(f, 0) > 0}


# --- reading ---------------------------------------------------------------------------


def load_round(session: Session, group: InterestGroup, now: datetime) -> RoundInput:
    members = select(Membership.person_id).where(Membership.group_id == group.id)
    faculty_ids = sorted(session.scalars(
        select(FacultyProfile.person_id)
        .join(Role, and_(Role.person_id == FacultyProfile.person_id, Role.role == "faculty"))
        .where(FacultyProfile.person_id.in_(members))).unique())
    views = finder.load_faculty(session, faculty_ids) if faculty_ids else []
    faculty = {v.id: v for v in views}
    free = {v.id: (v.free if v.accepting else 0) for v in views}

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
        .where(finder.id_in(session, to_faculty, faculty_ids or [0]),
               IntroRequest.state == "open")
        .order_by(IntroRequest.student_id, IntroRequest.rank.is_(None), IntroRequest.rank,
                  IntroRequest.created_at, IntroRequest.id)
    ).all()
    requesters = sorted({row[1] for row in requests})

    already_matched = select(Mentorship.student_id).where(
        Mentorship.group_id == group.id, Mentorship.source == "match",
        Mentorship.active.is_(True))
    rows = session.execute(
        select(Person.id, Person.name, StudentProfile.stage,
               cast(StudentProfile.interests, Text), cast(StudentProfile.research, Text))
        .join(Role, and_(Role.person_id == Person.id, Role.role == "student"))
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(Person.id.in_(members), Person.id.not_in(already_matched),
               or_(StudentProfile.wants_mentor.is_(True),
                   finder.id_in(session, Person.id, requesters or [0])))
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
            finder.id_in(session, Mentorship.mentor_id, faculty_ids or [0]))):
        mentors[sid].add(mid)
    declined: dict[int, set[int]] = defaultdict(set)
    for sid, fid in session.execute(select(IntroRequest.student_id, IntroRequest.faculty_id)
                                    .where(finder.id_in(session, IntroRequest.faculty_id, faculty_ids or [0]),
                                           IntroRequest.state == "declined",
                                           IntroRequest.answered_at >= now - finder.DECLINE_MEMORY)):
        declined[sid].add(fid)
    choices: dict[int, list[Choice]] = defaultdict(list)
    for rid, sid, fid, kind in requests:
        if sid in students:
            choices[sid].append(Choice(fid, kind, rid))
    no_choices: list[int] = []
    for sid, view in students.items():
        blocked = mentors.get(sid, set()) | declined.get(sid, set())
        mine = [c for c in choices.get(sid, []) if c.faculty_id not in blocked]
        seen: set[int] = set()
        mine = [c for c in mine if not (c.faculty_id in seen or seen.add(c.faculty_id))]
        if not mine:
            mine = _find_order(view, faculty, free, blocked)
        if mine:
            choices[sid] = mine
        else:
            choices.pop(sid, None)
            no_choices.append(sid)
    return RoundInput(group=group, faculty=faculty, students=students, names=names,
                      choices=dict(choices), free=free, no_choices=no_choices)


def _find_order(student: StudentView, faculty: dict[int, FacultyView], free: dict[int, int],
                blocked: set[int]) -> list[Choice]:
    """The student's `/mentor find` order among the group's faculty with places."""
    scored = [(rules.fit(student, v, reasons=False).key, -v.id, v.id)
              for v in faculty.values() if v.id not in blocked and free.get(v.id, 0) > 0]
    scored.sort(reverse=True)
    return [Choice(fid, "career", None) for _key, _neg, fid in scored[:FIND_CHOICES]]


# --- the algorithm -------------------------------------------------------------------


def solve(data: RoundInput) -> RoundResult:
    prefs = {sid: [c.faculty_id for c in mine] for sid, mine in data.choices.items()}
    priority: dict[int, dict[int, int]] = {}
    seed = round_seed(data.group.slug)
    scorers = {fid: rules.Scorer(view) for fid, view in data.faculty.items()
               if data.free.get(fid, 0) > 0}
    for sid, faculty_ids in prefs.items():
        student = data.students[sid]
        for fid in faculty_ids:
            scorer = scorers.get(fid)
            if scorer is not None:
                ranks = priority.get(fid)
                if ranks is None:
                    ranks = priority[fid] = {}
                ranks[sid] = priority_value(scorer.score(student), tie_break(seed, sid, fid))
    started = time.perf_counter()
    outcome = deferred_acceptance(prefs, data.free, priority)
    elapsed = time.perf_counter() - started
    return RoundResult(data=data, prefs=prefs, priority=priority, outcome=outcome,
                       algorithm_seconds=elapsed)


# --- writing and telling -------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def student_message(result: RoundResult, sid: int) -> Reply:
    data = result.data
    group = data.group
    matched = result.outcome.assignment.get(sid)
    mine = data.choices.get(sid, [])
    above = mine if matched is None else mine[: [c.faculty_id for c in mine].index(matched)]
    filled = [data.names[c.faculty_id] for c in above if data.free.get(c.faculty_id, 0) > 0]
    closed = [data.names[c.faculty_id] for c in above if data.free.get(c.faculty_id, 0) <= 0]
    notes: list[str] = []
    if filled:
        notes.append(f"{_join(filled)} filled {'their places' if len(filled) > 1 else 'every place'}"
                     " with students whose fit with them was higher.")
    if closed:
        notes.append(f"{_join(closed)} had no free places this round.")
    if matched is not None:
        number = [c.faculty_id for c in mine].index(matched) + 1
        kind = mine[number - 1].kind
        name = data.names[matched]
        text = (f"You are matched with {name} as your {kind} mentor — your "
                f"{_ordinal(number)} choice.")
        if notes:
            text += " " + " ".join(notes) + (
                " That is how a stable match works: no stable outcome of this round gives "
                "you a mentor you ranked higher.")
        text += f" Write to {name} this week to set up a first meeting."
        return Reply(title=f"{group.name} match round: you have a mentor", text=text)
    if not mine:
        text = ("There was no one to match you with this round: none of the group's faculty "
                "with free places fits your profile yet. Add interests with /mentor profile, "
                "or ask someone directly with /mentor find.")
    else:
        text = ("No match this round. " + " ".join(notes) + " No stable outcome of this "
                "round gives you one of them. Your wish stays open for the next round, and "
                "/mentor find shows faculty you can ask directly.")
    return Reply(title=f"{group.name} match round: no match yet", text=text)


def faculty_message(result: RoundResult, fid: int) -> Reply:
    data = result.data
    lines = []
    for sid in result.outcome.mentees.get(fid, []):
        student = data.students[sid]
        stage = rules.stage_label(student.stage) if student.stage else "stage not given"
        interests = "; ".join(student.interests) or "no interests listed"
        lines.append(f"• {data.names[sid]} ({stage}; {interests})")
    return Reply(
        title=f"{data.group.name} match round: your new mentees",
        text=("These students were matched with you. They've been asked to write to you to "
              "set up a first meeting:\n" + "\n".join(lines)),
    )


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summary(result: RoundResult, *, dry_run: bool) -> Reply:
    data = result.data
    matched = result.outcome.assignment
    unmatched = result.unmatched()
    free_after = result.free_after()
    first = sum(1 for s in matched if result.outcome.choice_number(result.prefs, s) == 1)
    n = len(data.students)
    head = (f"{n} student{'' if n == 1 else 's'} asked for a mentor; {len(matched)} matched "
            f"({first} to their first choice), {len(unmatched)} not matched. "
            f"{len(data.faculty)} faculty in the group; {len(free_after)} still have free "
            "places.")
    if dry_run:
        head = "Dry run — nothing was saved and nobody was told.\n" + head
    pairs = [f"• {data.names[s]} → {data.names[f]} "
             f"({_ordinal(result.outcome.choice_number(result.prefs, s) or 0)} choice)"
             for s, f in sorted(matched.items(), key=lambda p: data.names[p[0]])]
    why = []
    for sid in sorted(unmatched, key=lambda s: data.names[s]):
        if sid in data.no_choices or not data.choices.get(sid):
            reason = "no faculty of the group with free places fits their profile"
        elif all(data.free.get(c.faculty_id, 0) <= 0 for c in data.choices[sid]):
            reason = "every faculty member they chose had no free places"
        else:
            reason = "their choices filled up with students of higher fit"
        why.append(f"• {data.names[sid]}: {reason}")
    room = [f"• {data.names[f]}: {n} free" for f, n in
            sorted(free_after.items(), key=lambda p: data.names[p[0]])]
    return Reply(
        title=f"{data.group.name} match round{' (dry run)' if dry_run else ''}",
        text=head,
        sections=(
            Section(heading="Matched", text=_listed(pairs) or "nobody"),
            Section(heading="Not matched", text=_listed(why) or "nobody"),
            Section(heading="Faculty with free places", text=_listed(room) or "none"),
        ),
    )


def _listed(lines: list[str]) -> str:
    if len(lines) <= LISTED:
        return "\n".join(lines)
    return "\n".join(lines[:LISTED]) + f"\n…and {len(lines) - LISTED} more"


def write(session: Session, result: RoundResult, now: datetime,
          on_notices: Callable[[], None] | None = None) -> int:
    """Store the mentorships, close the requests they answer, and queue everyone's DM
    (bulk statements: a round may match tens of thousands of students)."""
    data = result.data
    group = data.group
    matched = result.outcome.assignment
    if not matched and not data.students:
        return 0
    rows: list[dict[str, Any]] = []
    accepted_requests: list[int] = []
    for sid, fid in matched.items():
        choice = next(c for c in data.choices[sid] if c.faculty_id == fid)
        rows.append({"student_id": sid, "mentor_id": fid, "group_id": group.id,
                     "kind": choice.kind,
                     "cadence_days": default_cadence_days(choice.kind, group.followup_weeks),
                     "active": True, "source": "match", "started_at": now})
        if choice.request_id is not None:
            accepted_requests.append(choice.request_id)
    if rows:
        _bulk_insert(session, Mentorship.__table__, rows)
    if accepted_requests:
        session.execute(update(IntroRequest)
                        .where(finder.id_in(session, IntroRequest.id, accepted_requests))
                        .values(state="accepted", answered_at=now)
                        .execution_options(synchronize_session=False))
    if matched:
        session.execute(update(StudentProfile)
                        .where(finder.id_in(session, StudentProfile.person_id, list(matched)))
                        .values(wants_mentor=False)
                        .execution_options(synchronize_session=False))
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


def _bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows at once, inside the unit of work: COPY on PostgreSQL (one stream instead of
    a statement per row), the driver's executemany elsewhere (SQLite's runs in C)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v
                            for v in (row[c] for c in columns)])


def run_round(session: Session, group: InterestGroup, now: datetime, *, dry_run: bool,
              on_notices: Callable[[], None] | None = None) -> tuple[RoundResult, Reply]:
    if not dry_run and session.get_bind().dialect.name == "postgresql":
        # Two organizers starting a round at once: the second waits for the first.
        session.execute(select(InterestGroup.id).where(InterestGroup.id == group.id)
                        .with_for_update())
    elif not dry_run:
        session.execute(update(InterestGroup).where(InterestGroup.id == group.id)
                        .values(followup_weeks=InterestGroup.followup_weeks))
    data = load_round(session, group, now)
    result = solve(data)
    if not dry_run:
        write(session, result, now, on_notices)
    return result, summary(result, dry_run=dry_run)

"""The report counted in the database (`bot.reports.store`) equals the same report worked
out row by row in Python (`tests/support/report_reference.py`), on random groups, on
SQLite and PostgreSQL: every figure, the names listed and the week-by-week history, for
the whole group and for a stage and a kind of mentor.

The random groups lean on the edges the database must get exactly right: students in
zones with daylight saving (a half-hour one included), a quarter-hour offset, none, or one
the zone database does not know; relationships whose last contact falls a microsecond
either side of the first instant of a health boundary's local day; reminders answered a
microsecond either side of a week after the send, and sent a microsecond either side of
the last moment that has them judged; spans and contacts on week boundaries; ids shared
by rows of different subject types; rhythms outside the usual range."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from bot.app.nudges import nudge_catalog
from bot.infra.db import Database
from bot.infra.models import (
    ActionItem,
    Base,
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
from bot.infra.zones import local_day, local_midnight_utc
from bot.reports import rules, store
from bot.reports.rules import Scope
from bot.vocab.letters import LetterState
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.nudges import NudgeKind, NudgeState, Subject
from bot.vocab.people import AcceptingOff
from bot.vocab.stages import STAGES
from tests.support.report_reference import reference_report

NOW = datetime(2027, 3, 29, 7, 30, 0, 250_000, tzinfo=UTC)  # the day after Europe's DST change
ZONES = [None, "", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "Asia/Kathmandu", "America/Santiago", "Mars/Olympus_Mons"]
GROUP_ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland"]
KINDS = [*MENTOR_KINDS, "peer"]  # a kind outside the vocabulary, as an old row might hold
CADENCES = [7, 14, 42, 84, 3, 100]
US = timedelta(microseconds=1)
SUBJECTS = [Subject.MENTORSHIP, Subject.THANKED_LETTER, Subject.ACTION_ITEM, Subject.LETTER,
            Subject.NONE]


class World:
    """Random rows for one report, with the instants that matter for it."""

    def __init__(self, rng: random.Random, weeks: int) -> None:
        self.rng = rng
        self.period = rules.Period(NOW, weeks)
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.next_id: dict[Any, int] = {}

    def add(self, model: Any, **row: Any) -> int:
        ident = self.next_id.get(model, 1)
        self.next_id[model] = ident + 1
        if "id" in model.__table__.c:
            row["id"] = ident
        self.rows.setdefault(model, []).append(row)
        return ident

    def instant(self, *, near: list[datetime] | None = None, days: int = 200) -> datetime:
        """Mostly anywhere in the last `days`; often a microsecond from an instant that
        matters."""
        rng = self.rng
        marks = (near or []) + [start for start, _ in self.period.week_bounds()] + \
            [self.period.start, self.period.end, rules.judged_if_sent_by(NOW)]
        if rng.random() < 0.5:
            return rng.choice(marks) + rng.choice([-US, timedelta(0), US])
        return NOW - timedelta(seconds=rng.uniform(-3 * 86400, days * 86400),
                               microseconds=rng.randrange(1_000_000))


def _health_marks(zone: str | None, cadence: int) -> list[datetime]:
    """The first instants of the days `rules.health_bounds` names for this zone and rhythm,
    a day either side."""
    today = local_day(NOW, zone or "UTC")
    marks = []
    for day in rules.health_bounds(cadence, today):
        for shift in (-1, 0, 1):
            marks.append(local_midnight_utc(day + timedelta(days=shift), zone or "UTC"))
    return marks


def _build(rng: random.Random, weeks: int) -> World:
    world = World(rng, weeks)
    group_tz = rng.choice(GROUP_ZONES)
    world.add(InterestGroup, slug="g", name="Group", timezone=group_tz, specialty="",
              followup_weeks=6, digest_weekday=0, digest_hour=9, created_at=NOW)
    world.add(InterestGroup, slug="other", name="Other", timezone="UTC", specialty="",
              followup_weeks=6, digest_weekday=0, digest_hour=9, created_at=NOW)
    students, faculty = [], []
    for i in range(rng.randint(0, 12)):
        zone = rng.choice(ZONES)
        pid = world.add(Person, name=f"Student {rng.randrange(1000):03d}-{i}",
                        email=f"s{i}@example.edu", timezone=zone, created_at=NOW)
        students.append((pid, zone))
        world.add(Role, person_id=pid, role="student", group_id=None)
        world.add(StudentProfile, person_id=pid, stage=rng.choice([*STAGES, None]),
                  interests=[], research=[], wants_mentor=rng.random() < 0.3)
        for group_id in (1, 2):
            if rng.random() < (0.85 if group_id == 1 else 0.3):
                world.add(Membership, person_id=pid, group_id=group_id,
                          joined_at=world.instant(days=300))
    for i in range(rng.randint(0, 6)):
        pid = world.add(Person, name=f"Dr. Faculty {i}", email=f"f{i}@example.edu",
                        timezone=rng.choice(ZONES), created_at=NOW)
        faculty.append(pid)
        world.add(Role, person_id=pid, role="faculty", group_id=None)
        accepting = rng.random() < 0.7
        world.add(FacultyProfile, person_id=pid, specialty="", title="", research=[],
                  capacity=rng.choice([0, 1, 2, 3]), accepting=accepting, stages=[],
                  office_hours=None, reputation=0, requests_answered=0,
                  requests_unanswered=0, response_hours_total=0.0, accepting_since=None,
                  away_until=None,
                  accepting_changed_at=None if accepting else world.instant(),
                  accepting_off_reason=(AcceptingOff.NO_ANSWER if not accepting
                                        and rng.random() < 0.5 else ""))
        if rng.random() < 0.8:
            world.add(Membership, person_id=pid, group_id=1, joined_at=world.instant(days=400))
    if not faculty or not students:
        return world
    mentorships = []
    for _ in range(rng.randint(0, 14)):
        student, zone = rng.choice(students)
        cadence = rng.choice(CADENCES)
        marks = _health_marks(zone, cadence)
        started = world.instant(near=marks, days=400)
        active = rng.random() < 0.75
        mid = world.add(
            Mentorship, student_id=student, mentor_id=rng.choice(faculty),
            group_id=rng.choice([1, 2, None]), kind=rng.choice(KINDS), cadence_days=cadence,
            active=active, source="request", started_at=started,
            last_contact_at=rng.choice([None, world.instant(near=marks)]),
            ended_at=(None if active or rng.random() < 0.2
                      else started + timedelta(days=rng.uniform(0, 200))),
            ended_by_id=None, end_reason="", end_note="")
        mentorships.append((mid, student, zone, cadence))
        for _ in range(rng.randint(0, 3)):
            at = world.instant(near=marks, days=300)
            mentor = rng.choice(faculty)
            world.add(Contact, student_id=student,
                      mentor_id=mentor if rng.random() < 0.3 else
                      next(m["mentor_id"] for m in world.rows[Mentorship] if m["id"] == mid),
                      mentorship_id=None, at=at, note="",
                      is_ask=rng.random() < 0.3, rating=rng.choice([None, None, 1, 2, 3, 4]),
                      created_at=at + rng.choice([timedelta(0), timedelta(days=1), US]))
    for _ in range(rng.randint(0, 10)):
        state = rng.choice(list(IntroState))
        created = world.instant(days=120)
        world.add(IntroRequest, student_id=rng.choice(students)[0],
                  faculty_id=rng.choice(faculty), group_id=rng.choice([1, 2, None]),
                  kind=rng.choice(KINDS), note="", state=state, rank=None,
                  created_at=created,
                  answered_at=(created + timedelta(hours=rng.choice([1, 2, 2, 48.5, 300]))
                               if state in (IntroState.ACCEPTED, IntroState.DECLINED)
                               and rng.random() < 0.9 else None))
    for mid, student, _zone, _cadence in mentorships:
        for round_ in range(rng.randint(0, 2)):
            asked = world.instant()
            answer = rng.choice([None, "met", "not-yet", "no"])
            world.add(Checkin, mentorship_id=mid, student_id=student, round=round_,
                      asked_at=asked, answer=answer,
                      answered_at=world.instant(near=[asked]) if answer or
                      rng.random() < 0.2 else None)
    letters = []
    for _ in range(rng.randint(0, 8)):
        student = rng.choice(students)[0]
        writer = rng.choice(faculty)
        lid = world.add(Letter, student_id=student, writer_id=writer, writer_name="Dr. W",
                        program="", kind=None, portal=None,
                        deadline=(NOW + timedelta(days=rng.randint(-120, 60))).date(),
                        state=rng.choice(list(LetterState)), state_reason="", packet={},
                        created_at=NOW, updated_at=NOW)
        letters.append(lid)
        for _ in range(rng.randint(0, 2)):
            world.add(LetterEvent, letter_id=lid, from_state=None,
                      to_state=rng.choice(list(LetterState)), at=world.instant(), note="")
    items = []
    for _ in range(rng.randint(0, 4)):
        created = world.instant()
        items.append(world.add(
            ActionItem, student_id=rng.choice(students)[0], mentor_id=rng.choice(faculty),
            mentorship_id=None, task="t", due_at=None, created_at=created,
            done_at=rng.choice([None, world.instant(near=[created])]), done_note="",
            decided_not=False))
    people = [pid for pid, _ in students] + faculty
    subject_of = {spec.kind: spec.subject.type if spec.subject else Subject.NONE
                  for spec in nudge_catalog()}
    pools = {Subject.MENTORSHIP: [m[0] for m in mentorships], Subject.LETTER: letters,
             Subject.THANKED_LETTER: letters, Subject.ACTION_ITEM: items}
    for index in range(rng.randint(0, 30)):
        kind = rng.choice(list(NudgeKind))
        subject = subject_of[kind] if rng.random() < 0.85 else rng.choice(SUBJECTS)
        pool = pools.get(subject) if rng.random() < 0.85 else None
        subject_id = rng.choice(pool) if pool else rng.choice(
            [*(m[0] for m in mentorships), *letters, *items, None, 99])
        state = rng.choice(list(NudgeState))
        sent = rng.choice([None, world.instant(near=[rules.judged_if_sent_by(NOW)], days=60)])
        world.add(Nudge, person_id=rng.choice(people), kind=kind, due_at=NOW,
                  subject_type=subject, subject_id=subject_id, dedup_key=f"k{index}",
                  text="", payload={}, state=state, attempts=0, sent_at=sent,
                  created_at=world.instant(days=90), snoozes=rng.choice([0, 0, 1, 3]))
        if sent is not None and rng.random() < 0.6:  # an answer about a week after
            answer = sent + rules.ACTED_WITHIN + rng.choice([-US, timedelta(0), US,
                                                             -timedelta(days=3)])
            _answer(world, rng, subject, subject_id, answer)
    return world


def _answer(world: World, rng: random.Random, subject: str, subject_id: int | None,
            at: datetime) -> None:
    """Something that may answer a reminder about `subject`, recorded at `at`."""
    if subject_id is None:
        return
    if subject == Subject.MENTORSHIP:
        row = next((m for m in world.rows.get(Mentorship, []) if m["id"] == subject_id), None)
        if row is not None:
            world.add(Contact, student_id=row["student_id"], mentor_id=row["mentor_id"],
                      mentorship_id=None, at=at - timedelta(days=1), note="",
                      is_ask=rng.random() < 0.4, rating=None, created_at=at)
            if rng.random() < 0.5:
                world.add(Checkin, mentorship_id=subject_id, student_id=row["student_id"],
                          round=7 + len(world.rows[Checkin]) if Checkin in world.rows else 7,
                          asked_at=at, answer="met", answered_at=at)
    elif subject in (Subject.LETTER, Subject.THANKED_LETTER):
        row = next((x for x in world.rows.get(Letter, []) if x["id"] == subject_id), None)
        if row is not None:
            world.add(LetterEvent, letter_id=subject_id, from_state=None,
                      to_state=rng.choice(list(LetterState)), at=at, note="")
            world.add(Contact, student_id=row["student_id"], mentor_id=row["writer_id"],
                      mentorship_id=None, at=at, note="", is_ask=rng.random() < 0.4,
                      rating=None, created_at=at)
    elif subject == Subject.ACTION_ITEM:
        for row in world.rows.get(ActionItem, []):
            if row["id"] == subject_id and rng.random() < 0.5:
                row["done_at"] = at


def _write(database: Database, world: World) -> None:
    with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        for model in (InterestGroup, Person, Role, StudentProfile, FacultyProfile, Membership,
                      Mentorship, Contact, IntroRequest, Checkin, Letter, LetterEvent,
                      ActionItem, Nudge):
            rows = world.rows.get(model)
            if rows:
                columns = set().union(*rows)
                session.execute(insert(model.__table__),
                                [{c: row.get(c) for c in columns} for row in rows])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), weeks=st.sampled_from([1, 4, 12, 52]),
       stage=st.sampled_from([None, *STAGES]), kind=st.sampled_from([None, *MENTOR_KINDS]),
       default_tz=st.sampled_from(["UTC", "America/Chicago", "Asia/Kathmandu"]))
def test_the_report_counted_in_the_database_equals_the_rows_counted_one_by_one(
        database: Database, seed: int, weeks: int, stage: str | None, kind: str | None,
        default_tz: str) -> None:
    world = _build(random.Random(seed), weeks)
    _write(database, world)
    catalog = nudge_catalog()
    for scope in (rules.WHOLE_GROUP, Scope(stage=stage, kind=kind)):
        with database.session() as session:
            group = session.get_one(InterestGroup, 1)
            found = store.report(session, group, NOW, catalog, weeks=weeks,
                                 default_tz=default_tz, scope=scope)
            expected = reference_report(session, group, NOW, catalog, weeks=weeks,
                                        default_tz=default_tz, scope=scope)
        assert found == expected, (seed, scope)


def test_the_edges_the_random_groups_lean_on_are_edges() -> None:
    """The instants the generator favours are where the rules change their answer."""
    zone = "Australia/Lord_Howe"
    checkin_day, soon_day = rules.health_bounds(42, local_day(NOW, zone))
    start = local_midnight_utc(checkin_day, zone)
    assert local_day(start, zone) == checkin_day
    assert local_day(start - US, zone) == checkin_day - timedelta(days=1)
    assert soon_day - checkin_day == timedelta(days=42 + rules.DUE_SOON_DAYS + 1)
    sent = NOW - timedelta(days=10)
    assert rules.acted_on(sent, sent + rules.ACTED_WITHIN)
    assert not rules.acted_on(sent, sent + rules.ACTED_WITHIN + US)
    assert date(2027, 3, 28) == local_day(NOW - timedelta(days=1), "Europe/London")

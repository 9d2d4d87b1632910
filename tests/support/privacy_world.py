"""A person with data in every table that names people, and the people around them, for the
privacy tests (export completeness, deletion leaving nothing behind); and a search of every
table of a database for text that identifies someone.

The person is both a student and a faculty member (a resident who mentors), so they appear
in every column that can hold a person: as the student and as the mentor, the writer, the
faculty member asked. A table added later that names people gets a row built from its
columns (`generic_row`), so the completeness test covers it without being edited."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Column, MetaData, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    Identity,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    LinkAttempt,
    LinkCode,
    Membership,
    Mentorship,
    Nudge,
    Outcome,
    Person,
    Role,
    StudentProfile,
)
from bot.privacy import references
from bot.residency import importing
from bot.residency import store as residency_store
from bot.vocab.nudges import NudgeKind, NudgeState, Subject
from bot.vocab.residency import Applicant, Region, Result, SignalTier
from tests.support.factories import add_faculty, add_group, add_student

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quillfeather@example.edu"
SLACK_ID = "UZEPHYR01"
DISCORD_ID = "777000000000000042"
WORKSPACE = "T0MEDSCHOOL"
NEEDLES = (NAME, EMAIL, SLACK_ID, DISCORD_ID)


@dataclass
class World:
    person_id: int
    elena_id: int  # faculty: the person's mentor, letter writer
    omar_id: int  # faculty: accepting, a next candidate
    sam_id: int  # student: the person's mentee
    group_id: int
    rows: dict[str, set[int]] = field(default_factory=dict)  # the person's rows, by table


def _nudge(person_id: int, kind: NudgeKind, text: str, key: str, now: datetime, *,
           subject: Subject = Subject.NONE, subject_id: int | None = None,
           state: NudgeState = NudgeState.SENT) -> Nudge:
    reply = Reply(title="Reminder", text=text)
    return Nudge(person_id=person_id, kind=kind, due_at=now - timedelta(days=1),
                 subject_type=subject, subject_id=subject_id, dedup_key=key, text=text,
                 payload=reply.to_dict(), state=state,
                 sent_at=now - timedelta(days=1) if state == NudgeState.SENT else None,
                 created_at=now - timedelta(days=2))


def build(session: Session, now: datetime) -> World:
    """The person, the people around them, and rows naming the person in every column
    that can (and text of other people's that names them)."""
    elena = add_faculty(session, "Dr. Elena Ramirez", specialty="emergency medicine",
                        capacity=3, research=["point-of-care ultrasound"])
    omar = add_faculty(session, "Dr. Omar Farah", specialty="emergency medicine", capacity=3)
    sam = add_student(session, "Sam Okoro", interests=["emergency medicine"],
                      wants_mentor=True)
    person = Person(name=NAME, email=EMAIL, timezone="America/Chicago",
                    created_at=now - timedelta(days=300), quiet_hours="22:00-07:00",
                    last_platform="slack")
    person.roles += [Role(role="student"), Role(role="faculty")]
    person.identities += [Identity(platform="slack", workspace=WORKSPACE, external_id=SLACK_ID),
                          Identity(platform="discord", workspace="", external_id=DISCORD_ID)]
    person.student_profile = StudentProfile(stage="resident", interests=["emergency medicine"],
                                            research=["ultrasound"])
    person.faculty_profile = FacultyProfile(
        specialty="emergency medicine", title="Chief Resident", research=["ultrasound"],
        capacity=2, accepting=True, office_hours="Tuesdays 3-5pm, ED conference room",
        accepting_since=now - timedelta(days=2))
    session.add(person)
    session.flush()
    group = add_group(session, "em", name="EM Interest Group", specialty="emergency medicine",
                      members=[elena, omar, sam])
    session.add(Membership(person_id=person.id, group_id=group.id,
                           joined_at=now - timedelta(days=200)))
    session.add(Role(person_id=person.id, role="organizer", group_id=group.id))
    start = now - timedelta(days=120)
    mine = Mentorship(student_id=person.id, mentor_id=elena.id, group_id=group.id,
                      kind="career", started_at=start, last_contact_at=now - timedelta(days=20))
    mentee = Mentorship(student_id=sam.id, mentor_id=person.id, group_id=group.id,
                        kind="research", started_at=start + timedelta(days=10))
    ended = Mentorship(student_id=person.id, mentor_id=omar.id, kind="clinical",
                       started_at=start - timedelta(days=90), active=False,
                       ended_at=start, ended_by_id=person.id, end_reason="student",
                       end_note="moved to research")
    sams = Mentorship(student_id=sam.id, mentor_id=omar.id, kind="career",
                      started_at=start)
    session.add_all([mine, mentee, ended, sams])
    session.flush()
    session.add_all([
        IntroRequest(student_id=person.id, faculty_id=omar.id, kind="research",
                     note="I'd love to learn ultrasound research", rank=1,
                     created_at=now - timedelta(days=2)),
        IntroRequest(student_id=sam.id, faculty_id=person.id, kind="research",
                     note="Could you mentor me?", rank=2, created_at=now - timedelta(days=3)),
        Contact(student_id=person.id, mentor_id=elena.id, mentorship_id=mine.id,
                at=now - timedelta(days=20), note="talked about residency", rating=3),
        Contact(student_id=sam.id, mentor_id=person.id, mentorship_id=mentee.id,
                at=now - timedelta(days=5), note="Sam's private note", rating=4, is_ask=True),
        Contact(student_id=sam.id, mentor_id=omar.id, mentorship_id=sams.id,
                at=now - timedelta(days=4),
                note=f"Omar said to ask {NAME} ({EMAIL}) about ultrasound"),
        Checkin(mentorship_id=mine.id, student_id=person.id, round=0,
                asked_at=start + timedelta(days=14), answer="met",
                answered_at=start + timedelta(days=15)),
        ActionItem(student_id=person.id, mentor_id=elena.id, mentorship_id=mine.id,
                   task="read the EM guide", created_at=now - timedelta(days=20)),
        ActionItem(student_id=sam.id, mentor_id=person.id, mentorship_id=mentee.id,
                   task="draft an abstract", created_at=now - timedelta(days=5),
                   done_at=now - timedelta(days=1), done_note="Sam's reason",
                   decided_not=True),
        Outcome(student_id=person.id, kind="interview", text="Interview at County EM",
                at=now - timedelta(days=1)),
        LinkCode(person_id=person.id, code_hash="0" * 64, platform="slack",
                 created_at=now - timedelta(minutes=1), expires_at=now + timedelta(minutes=9)),
        LinkAttempt(person_id=person.id, at=now - timedelta(minutes=5), succeeded=False),
    ])
    own_letter = Letter(student_id=person.id, writer_id=elena.id,
                        writer_name="Dr. Elena Ramirez", program="EM residency",
                        deadline=(now + timedelta(days=60)).date(), state="agreed",
                        packet={"cv": True}, created_at=now - timedelta(days=30),
                        updated_at=now - timedelta(days=10))
    sams_letter = Letter(student_id=sam.id, writer_id=person.id, writer_name=NAME,
                         program="Research year", deadline=(now + timedelta(days=50)).date(),
                         state="asked", packet={"statement": True},
                         state_reason="Sam's own reason", created_at=now - timedelta(days=9),
                         updated_at=now - timedelta(days=9))
    session.add_all([own_letter, sams_letter])
    session.flush()
    session.add_all([
        LetterEvent(letter_id=own_letter.id, from_state="asked", to_state="agreed",
                    at=now - timedelta(days=10), note="said yes in clinic"),
        LetterEvent(letter_id=sams_letter.id, from_state="planned", to_state="asked",
                    at=now - timedelta(days=9), note=f"asked {NAME} after rounds"),
        _nudge(person.id, NudgeKind.FOLLOWUP, "Time to follow up with Dr. Elena Ramirez",
               f"privacy-test:followup:{mine.id}", now, subject=Subject.MENTORSHIP,
               subject_id=mine.id),
        _nudge(sam.id, NudgeKind.FOLLOWUP, f"Time to follow up with {NAME}",
               f"privacy-test:followup:{mentee.id}", now, subject=Subject.MENTORSHIP,
               subject_id=mentee.id, state=NudgeState.PENDING),
        _nudge(elena.id, NudgeKind.NOTICE, f"Match round: you were matched with {NAME} "
               f"(<@{SLACK_ID}>)", f"privacy-test:match:{group.id}", now,
               subject=Subject.MATCH_ROUND, subject_id=group.id),
    ])
    session.flush()
    _residency(session, group, person, elena, sam, now)
    world = World(person.id, elena.id, omar.id, sam.id, group.id)
    fill_every_column(session, person.id, now)
    world.rows = rows_naming(session, person.id)
    return world


def _residency(session: Session, group: InterestGroup, person: Person, elena: Person,
               sam: Person, now: datetime) -> None:
    """The person's residency plan (profile, list, outcome), shared with their mentor, who
    commented; and their mentee's list, shared with them, on which they commented."""
    rows = importing.parse(importing.to_csv([
        {"name": "County EM", "specialty": "EM", "state": "NY", "city": "Brooklyn",
         "step2_mean": 245, "visa": "j1"},
        {"name": "Riverside EM", "specialty": "EM", "state": "RI", "step2_mean": 250}]))
    residency_store.import_programs(session, rows, group, now=now)
    county, riverside = residency_store.group_programs(session, [group.id])
    residency_store.save_profile(session, person, residency_store.ProfileChange(
        specialty="emergency medicine", applicant=Applicant.MD, step2=248, home=county,
        regions=(Region.NORTHEAST,)), now=now)
    residency_store.keep(session, person, riverside, now=now)
    residency_store.set_signal(session, person, riverside, SignalTier.GOLD, now=now)
    residency_store.record_outcome(session, person, county, Result.INTERVIEW, now=now)
    residency_store.share(session, person, elena, scores=True, now=now)
    residency_store.add_comment(session, person, elena, county, "Strong ultrasound track.",
                                now=now)
    residency_store.save_profile(session, sam, residency_store.ProfileChange(
        specialty="emergency medicine"), now=now)
    residency_store.share(session, sam, person, scores=False, now=now)
    residency_store.add_comment(session, sam, person, riverside, f"From {NAME}: apply early.",
                                now=now)


def rows_naming(session: Session, person_id: int) -> dict[str, set[int]]:
    """The primary keys of every row naming `person_id`, by table."""
    found: dict[str, set[int]] = {}
    for named in references.namings():
        key = list(named.table.primary_key.columns)[0]
        ids = set(session.scalars(select(key).where(named.naming(person_id))))
        if ids:
            found[named.name] = ids
    return found


def _value(column: Column[Any], session: Session, now: datetime) -> Any:
    for fk in column.foreign_keys:
        return session.scalar(select(fk.column).order_by(fk.column).limit(1))
    python = getattr(column.type, "impl_instance", column.type).python_type
    if python is bool:
        return False
    if python is datetime:
        return now
    if python is date:
        return now.date()
    return {int: 1, float: 0.0, str: "x", dict: {}, list: []}.get(python)


def generic_row(session: Session, table: Table, column: Column[Any], person_id: int,
                now: datetime) -> None:
    """A row of `table` naming `person_id` in `column`, every other required column filled
    by its type (a foreign key: any row of the table it points to)."""
    values: dict[str, Any] = {column.name: person_id}
    for other in table.columns:
        if other is column or other.nullable or other.default is not None \
                or other.server_default is not None:
            continue
        if other.primary_key and other.autoincrement in (True, "auto") \
                and getattr(other.type, "impl_instance", other.type).python_type is int:
            continue
        values[other.name] = _value(other, session, now)
    session.execute(insert(table).values(values))


def fill_every_column(session: Session, person_id: int, now: datetime) -> None:
    """Make sure every column that can name a person names `person_id` in some row."""
    for named in references.namings():
        for column in named.columns:
            count = session.scalar(select(func.count()).select_from(named.table)
                                   .where(column == person_id))
            if not count:
                generic_row(session, named.table, column, person_id, now)
    session.flush()


def mentions(engine: Engine, needles: tuple[str, ...] = NEEDLES) -> list[str]:
    """Every place in the database (every table, every text or JSON value) where one of
    `needles` appears, in any case: "table.column row: value"."""
    metadata = MetaData()
    metadata.reflect(bind=engine)
    wanted = [n.lower() for n in needles]
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    text = _as_text(value)
                    if text is not None and any(n in text.lower() for n in wanted):
                        found.append(f"{table.name}.{column}: {text[:120]}")
    return found


def _as_text(value: Any) -> str | None:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return value + " " + json.dumps(decoded, ensure_ascii=False)
    return None

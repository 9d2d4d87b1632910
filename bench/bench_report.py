"""Report benchmark: one group of 20,000 students and 2,000 faculty with 100,000 contacts and
50,000 letters (plus mentorships, intro requests, check-ins, action items, letter events and
reminders in proportion), by default; `--small`: a tenth of that, for CI. Prints, per
backend, with the machine's load average:

- the report: every figure, worded (text, JSON and CSV), without the chart — first run and
  best of 3 (the budget is 1 s);
- the chart: the PNG drawn from that report — the first one in the process (importing
  matplotlib included) and the best of 3 after it (the budget is 1 s more);
- `/mentor report` through the core, chart included, as an organizer gets it.

    python bench/bench_report.py [--small] [--backend sqlite|postgres|both]"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from datagen import NOW, load, postgres_database, reset_sequences, sqlite_database
from sqlalchemy import delete, insert, text

from bot.app.core import Core, Request
from bot.app.nudges import nudge_catalog
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Nudge,
)
from bot.infra.settings import Settings
from bot.reports import chart, export, messages, store
from bot.vocab.letters import LetterState
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MENTOR_KINDS, MentorshipSource
from bot.vocab.nudges import NudgeKind, NudgeState, Subject

BATCH = 10_000
YEAR = 365
KINDS = list(MENTOR_KINDS)
STATES = list(LetterState)
REMINDER_KINDS = [NudgeKind.FOLLOWUP, NudgeKind.ACTION_ITEM, NudgeKind.LETTER_ASK,
                  NudgeKind.LETTER_PACKET, NudgeKind.LETTER_DEADLINE, NudgeKind.CHECKIN,
                  NudgeKind.TRANSACTIONAL, NudgeKind.KEEP_IN_TOUCH]


def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    with db.engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(model.__table__), rows[start:start + BATCH])


def _ago(rng: random.Random, days: int = YEAR) -> datetime:
    return NOW - timedelta(days=rng.uniform(0, days))


def populate(db: Database, *, students: int, faculty: int, contacts: int,
             letters: int) -> None:
    """The roster from `datagen`, then a year of program history written in bulk."""
    rng = random.Random(14)
    roster = load(db, faculty=faculty, students=students)
    student_ids, faculty_ids = roster.student_ids, roster.faculty_ids
    with db.engine.begin() as conn:  # students joined over the last year
        conn.execute(delete(Membership.__table__).where(
            Membership.person_id >= student_ids[0]))
    _insert(db, Membership, [{"person_id": sid, "group_id": roster.group_id,
                              "joined_at": _ago(rng)} for sid in student_ids])

    mentorships: list[dict[str, Any]] = []
    for sid in student_ids:  # about 3 in 4 students have a mentor, some two or three
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            kind = rng.choice(KINDS)
            started = _ago(rng)
            ended = rng.random() < 0.15
            mentorships.append({
                "student_id": sid, "mentor_id": rng.choice(faculty_ids),
                "group_id": roster.group_id, "kind": kind,
                "cadence_days": 7 if kind != "career" else 42, "active": not ended,
                "source": MentorshipSource.MATCH, "started_at": started,
                "ended_at": started + timedelta(days=rng.uniform(1, 60)) if ended else None,
                "last_contact_at": None})
    _insert(db, Mentorship, mentorships)
    pairs = [(m["student_id"], m["mentor_id"]) for m in mentorships]
    contact_rows = []
    for _ in range(contacts):
        sid, mid = rng.choice(pairs)
        when = _ago(rng)
        contact_rows.append({"student_id": sid, "mentor_id": mid, "at": when,
                             "created_at": when, "note": "", "is_ask": rng.random() < 0.1,
                             "rating": rng.choice([None, None, None, 2, 3, 3, 4])})
    _insert(db, Contact, contact_rows)
    _insert(db, IntroRequest, [
        {"student_id": rng.choice(student_ids), "faculty_id": rng.choice(faculty_ids),
         "group_id": roster.group_id, "kind": "career", "note": "", "rank": None,
         "state": state, "created_at": (asked := _ago(rng, 120)),
         "answered_at": asked + timedelta(hours=rng.uniform(1, 200))
         if state in (IntroState.ACCEPTED, IntroState.DECLINED) else None}
        for state in rng.choices(list(IntroState), [1, 5, 1, 2], k=students)])
    with db.engine.begin() as conn:
        mentorship_ids = [row[0] for row in conn.execute(
            text("SELECT id FROM mentorships ORDER BY id"))]
    student_of = {mid: row["student_id"] for mid, row in zip(mentorship_ids, mentorships,
                                                             strict=True)}
    _insert(db, Checkin, [
        {"mentorship_id": mid, "student_id": student_of[mid], "round": 0,
         "asked_at": (asked := _ago(rng, 120)),
         "answer": answer, "answered_at": asked + timedelta(days=1) if answer else None}
        for mid in rng.sample(mentorship_ids, len(mentorship_ids) // 2)
        for answer in [rng.choice([None, "met", "met", "not-yet", "no"])]])
    letter_rows = []
    for _ in range(letters):
        sid = rng.choice(student_ids)
        writer = rng.choice(faculty_ids)
        letter_rows.append({
            "student_id": sid, "writer_id": writer, "writer_name": f"Dr. Faculty {writer}",
            "program": "EM residency",
            "deadline": (NOW + timedelta(days=rng.randint(-200, 200))).date(),
            "state": rng.choice(STATES), "state_reason": "", "packet": {},
            "created_at": _ago(rng), "updated_at": NOW})
    _insert(db, Letter, letter_rows)
    with db.engine.begin() as conn:
        letter_ids = [row[0] for row in conn.execute(text("SELECT id FROM letters"))]
    _insert(db, LetterEvent, [
        {"letter_id": lid, "from_state": "planned", "to_state": "asked", "at": _ago(rng, 120),
         "note": ""} for lid in rng.sample(letter_ids, len(letter_ids) // 2)])
    _insert(db, ActionItem, [
        {"student_id": rng.choice(student_ids), "mentor_id": rng.choice(faculty_ids),
         "task": "read the paper", "created_at": (made := _ago(rng, 120)),
         "done_at": made + timedelta(days=rng.uniform(1, 20)) if rng.random() < 0.6 else None,
         "done_note": "", "decided_not": False} for _ in range(students // 2)])
    nudges = []
    for index in range(contacts // 2):
        kind = rng.choice(REMINDER_KINDS)
        subject, subject_id = {
            NudgeKind.ACTION_ITEM: (Subject.ACTION_ITEM, rng.randint(1, students // 2)),
            NudgeKind.LETTER_ASK: (Subject.LETTER, rng.choice(letter_ids)),
            NudgeKind.LETTER_PACKET: (Subject.LETTER, rng.choice(letter_ids)),
            NudgeKind.LETTER_DEADLINE: (Subject.LETTER, rng.choice(letter_ids)),
            NudgeKind.KEEP_IN_TOUCH: (Subject.THANKED_LETTER, rng.choice(letter_ids)),
        }.get(kind, (Subject.MENTORSHIP, rng.choice(mentorship_ids)))
        state = rng.choices([NudgeState.SENT, NudgeState.FAILED, NudgeState.DISMISSED,
                             NudgeState.PENDING], [20, 1, 2, 2])[0]
        made = _ago(rng, 120)
        nudges.append({
            "person_id": rng.choice(student_ids), "kind": kind, "due_at": made,
            "subject_type": subject, "subject_id": subject_id,
            "dedup_key": f"bench:{index}", "text": "", "payload": {}, "state": state,
            "attempts": 1, "sent_at": made if state != NudgeState.PENDING else None,
            "created_at": made, "snoozes": rng.choice([0, 0, 0, 0, 1, 2])})
    _insert(db, Nudge, nudges)
    reset_sequences(db)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            for table in ("mentorships", "contacts", "letters", "nudges", "checkins",
                          "letter_events", "action_items", "intro_requests"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _figures(db: Database) -> tuple[float, store.Report]:
    t0 = time.perf_counter()
    with db.session() as session:
        group = session.get_one(InterestGroup, 1)
        report = store.report(session, group, NOW, nudge_catalog())
    messages.report_reply(report).as_text()
    export.as_json(report)
    export.as_csv(report)
    return time.perf_counter() - t0, report


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def run(db: Database, label: str, *, students: int, faculty: int, contacts: int,
        letters: int) -> None:
    t0 = time.perf_counter()
    populate(db, students=students, faculty=faculty, contacts=contacts, letters=letters)
    print(f"[{label}] loaded {students:,} students, {faculty:,} faculty, {contacts:,} contacts, "
          f"{letters:,} letters and their history in {time.perf_counter() - t0:.1f} s")

    first, report = _figures(db)
    best = min(_figures(db)[0] for _ in range(3))
    print(f"[{label}] report, every figure worded (text, JSON, CSV), no chart: first "
          f"{first * 1000:.0f} ms, best of 3 {best * 1000:.0f} ms ({_load()})")
    print(f"[{label}]   match rate {messages.percent(report.matching.rate)} of "
          f"{report.matching.students:,} students; {report.health.total:,} relationships; "
          f"{report.letters.total:,} letters counted; {report.nudges.planned:,} reminders; "
          f"{len(report.looking):,} students looking")

    t0 = time.perf_counter()
    picture = chart.png(report)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        chart.png(report)
        warm.append(time.perf_counter() - t0)
    print(f"[{label}] chart ({len(picture) / 1024:.0f} KiB PNG): first in this process "
          f"{cold * 1000:.0f} ms (importing matplotlib included), best of 3 after "
          f"{min(warm) * 1000:.0f} ms ({_load()})")

    settings = Settings(database_url=db.url, _env_file=None)  # type: ignore[call-arg]
    core = Core(db=db, clock=FixedClock(NOW), settings=settings)
    t0 = time.perf_counter()
    reply = core.handle(Request(root="mentor", actor_id=1, text="report group:bench"))
    whole = time.perf_counter() - t0
    assert not reply.error and reply.attachment is not None, reply.as_text()
    print(f"[{label}] /mentor report through the core, chart included: {whole * 1000:.0f} ms "
          f"({_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="CI sizes (a tenth)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    sizes = dict(students=20_000, faculty=2_000, contacts=100_000, letters=50_000)
    if args.small:
        sizes = {key: value // 10 for key, value in sizes.items()}
    print(f"report benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {_load()} on "
          f"{os.cpu_count()} CPUs")
    if args.backend in ("sqlite", "both"):
        with sqlite_database() as db:
            run(db, "sqlite", **sizes)
    if args.backend in ("postgres", "both"):
        with postgres_database("mentorbot_bench_report") as pg:
            if pg is not None:
                run(pg, "postgresql", **sizes)


if __name__ == "__main__":
    main()

"""Generated rosters for the matching benchmarks: faculty with specialties and research
areas, students with stages and interests, one interest group, and (for match rounds)
ranked intro requests. Written with bulk Core inserts so tens of thousands of people load
in seconds; a fixed seed makes every run the same data.

Also where a benchmark gets its databases: a fresh SQLite file, and a fresh PostgreSQL
database on `TEST_POSTGRES_URL` or on a throwaway server started like the test suite's."""

from __future__ import annotations

import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.infra.db import Database, normalize_url  # noqa: E402
from bot.infra.models import (  # noqa: E402
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Membership,
    Mentorship,
    Person,
    Role,
    StudentProfile,
)
from bot.vocab.matching import IntroState  # noqa: E402
from bot.vocab.mentoring import MentorKind, MentorshipSource  # noqa: E402
from bot.vocab.specialties import SPECIALTIES  # noqa: E402

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
SPECIALTY_NAMES = [name.title() for name in SPECIALTIES]
_TOPICS = [
    "sepsis", "ultrasound", "trauma", "stroke", "asthma", "heart failure", "diabetes",
    "opioid use disorder", "health equity", "medical education", "simulation", "resuscitation",
    "toxicology", "global health", "palliative care", "epilepsy", "neonatology", "oncology",
    "wound healing", "transplant", "imaging", "machine learning", "quality improvement",
    "infectious disease", "telehealth", "geriatrics", "sports medicine", "cardiac arrest",
    "airway management", "pain management", "dermatopathology", "melanoma", "glaucoma",
    "hearing loss", "depression", "addiction", "spine", "arthroplasty", "vaccines", "obesity",
]
_MODIFIERS = ["", "pediatric ", "point-of-care ", "outcomes in ", "rural ", "global "]
TOPICS = [f"{m}{t}" for t in _TOPICS for m in _MODIFIERS]
STAGES = ["premed", "ms1", "ms2", "ms3", "ms4", "resident"]
TITLES = ["Assistant Professor", "Associate Professor", "Professor", "Fellow", "Resident"]
BATCH = 10_000


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(insert(model.__table__), chunk)


@dataclass
class Roster:
    faculty_ids: list[int]
    student_ids: list[int]
    group_id: int
    organizer_id: int


def load(db: Database, *, faculty: int, students: int, seed: int = 7,
         capacity: int | None = None, mentorships: int = 0, group_slug: str = "bench",
         requests: tuple[int, int] | None = None, all_looking: bool = False) -> Roster:
    """Write a roster. `requests=(low, high)`: each student ranks between low and high
    faculty with open intro requests (popular faculty are asked more often)."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    fac_rows: list[dict[str, Any]] = []
    stu_rows: list[dict[str, Any]] = []
    organizer_id = 1
    people.append({"id": 1, "name": "Olive Organizer", "email": "organizer@example.edu",
                   "timezone": "UTC", "quiet_hours": None, "created_at": NOW})
    roles.append({"person_id": 1, "role": "faculty", "group_id": None})
    fac_rows.append(_faculty_row(rng, 1, capacity=0))
    faculty_ids = list(range(2, faculty + 2))
    student_ids = list(range(faculty + 2, faculty + students + 2))
    for pid in faculty_ids:
        people.append({"id": pid, "name": f"Dr. Faculty {pid}", "email": f"f{pid}@example.edu",
                       "timezone": "America/New_York", "quiet_hours": None, "created_at": NOW})
        roles.append({"person_id": pid, "role": "faculty", "group_id": None})
        fac_rows.append(_faculty_row(rng, pid, capacity=capacity))
    for pid in student_ids:
        people.append({"id": pid, "name": f"Student {pid}", "email": f"s{pid}@example.edu",
                       "timezone": "America/Chicago", "quiet_hours": None, "created_at": NOW})
        roles.append({"person_id": pid, "role": "student", "group_id": None})
        interests = rng.sample(SPECIALTY_NAMES, rng.choice([0, 1, 1, 2]))
        interests += rng.sample(TOPICS, rng.choice([0, 1]))
        stu_rows.append({"person_id": pid, "stage": rng.choice(STAGES), "interests": interests,
                         "research": rng.sample(TOPICS, rng.choice([0, 1, 2])),
                         "wants_mentor": all_looking})
    with db.engine.begin() as conn:
        conn.execute(insert(InterestGroup.__table__), [{
            "id": 1, "slug": group_slug, "name": "Bench Group", "specialty": "",
            "followup_weeks": 6, "digest_weekday": 0, "digest_hour": 9, "timezone": "UTC",
            "created_at": NOW}])
        _insert(conn, Person, people)
        _insert(conn, Role, roles)
        conn.execute(insert(Role.__table__), [{"person_id": 1, "role": "organizer",
                                               "group_id": 1}])
        _insert(conn, FacultyProfile, fac_rows)
        _insert(conn, StudentProfile, stu_rows)
        _insert(conn, Membership, [{"person_id": pid, "group_id": 1, "joined_at": NOW}
                                   for pid in [1, *faculty_ids, *student_ids]])
        if mentorships:
            _insert(conn, Mentorship, [
                {"student_id": rng.choice(student_ids), "mentor_id": rng.choice(faculty_ids),
                 "group_id": 1, "kind": MentorKind.CAREER, "cadence_days": 42, "active": True,
                 "source": MentorshipSource.IMPORT, "started_at": NOW - timedelta(days=30),
                 "last_contact_at": None, "ended_at": None}
                for _ in range(mentorships)])
        if requests is not None:
            _insert(conn, IntroRequest, _requests(rng, student_ids, faculty_ids, requests))
    db.engine.dispose()
    return Roster(faculty_ids, student_ids, 1, organizer_id)


def _faculty_row(rng: random.Random, pid: int, capacity: int | None) -> dict[str, Any]:
    answered = rng.choice([0, 0, 1, 3, 8])
    return {
        "person_id": pid, "specialty": rng.choice(SPECIALTY_NAMES),
        "title": rng.choice(TITLES), "research": rng.sample(TOPICS, rng.choice([0, 1, 2, 3])),
        "capacity": capacity if capacity is not None else rng.choice([1, 2, 3, 5, 8]),
        "accepting": capacity is not None or rng.random() < 0.8,
        "stages": rng.sample(STAGES, rng.choice([0, 0, 2, 3])), "office_hours": None,
        "reputation": int(rng.paretovariate(1.5)) - 1,
        "requests_answered": answered, "requests_unanswered": rng.choice([0, 0, 0, 1, 3]),
        "response_hours_total": answered * rng.uniform(4, 240), "accepting_since": None,
    }


def _requests(rng: random.Random, students: list[int], faculty: list[int],
              span: tuple[int, int]) -> list[dict[str, Any]]:
    weights = [1.0 / (i + 10) for i in range(len(faculty))]  # some faculty are popular
    rows: list[dict[str, Any]] = []
    for sid in students:
        wanted = rng.randint(*span)
        chosen: dict[int, None] = {}
        while len(chosen) < wanted:
            for fid in rng.choices(faculty, weights, k=wanted - len(chosen)):
                chosen[fid] = None
        for rank, fid in enumerate(chosen, 1):
            rows.append({"student_id": sid, "faculty_id": fid, "group_id": 1,
                         "kind": MentorKind.CAREER, "note": "", "state": IntroState.OPEN,
                         "rank": rank,
                         "created_at": NOW - timedelta(days=2), "answered_at": None})
    return rows


def reset_sequences(db: Database) -> None:
    """After explicit ids on PostgreSQL, move each serial past them."""
    if db.dialect != "postgresql":
        return
    with db.engine.begin() as conn:
        for table in ("people", "roles", "interest_groups", "memberships", "intro_requests",
                      "mentorships"):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
        conn.execute(text("ANALYZE"))


# --- databases ----------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.upgrade()
        try:
            yield db
        finally:
            db.dispose()


@contextmanager
def postgres_database(name: str) -> Iterator[Database | None]:
    """A fresh database on TEST_POSTGRES_URL, else on a server started for the run; None
    (and a note) when PostgreSQL is not installed."""
    from tests.support import postgres

    try:
        server = postgres.start()
    except postgres.PostgresUnavailable as exc:
        print(f"PostgreSQL not available, skipped: {exc}")
        yield None
        return
    admin = create_engine(normalize_url(server.url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(normalize_url(server.url)).set(database=name)
        db = Database(url.render_as_string(hide_password=False))
        db.upgrade()
        try:
            yield db
        finally:
            db.dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()
        server.stop()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]

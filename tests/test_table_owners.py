"""One module writes each table: every insert, update and delete of a stored row, every
model constructed and every mapped column assigned in `bot/`, `jobs/` and `adapters/` is
in the table's owner (`OWNERS`), which other code calls by a named write
(`bot.mentoring.store.start_mentorships`, `bot.people.store.set_accepting`, …).

The writes are found by reading the source (`tests/support/table_writes.py` says what it
sees and what it cannot); a write whose table it cannot tell fails the test too, outside
the declared exceptions. Privacy's erasure and merge move or remove one person's rows in
every table at once, so they are the one declared exception; `bot.infra.db`'s bulk
helpers write whatever table their caller names, and the caller's call is what is
checked."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bot.infra.models import Base
from tests.support.table_writes import (
    UNPLACED,
    ModuleScan,
    Write,
    scan_packages,
    scan_sources,
)

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("bot", "jobs", "adapters")

OWNERS = {
    "people": "bot.people.store",
    "identities": "bot.people.store",
    "roles": "bot.people.store",
    "faculty_profiles": "bot.people.store",
    "student_profiles": "bot.people.store",
    "interest_groups": "bot.groups.store",
    "channel_bindings": "bot.groups.store",
    "memberships": "bot.groups.store",
    "intro_requests": "bot.matching.intros",
    "mentorships": "bot.mentoring.store",
    "contacts": "bot.mentoring.store",
    "checkins": "bot.mentoring.store",
    "action_items": "bot.mentoring.store",
    "letters": "bot.letters.store",
    "letter_events": "bot.letters.store",
    "outcomes": "bot.letters.store",
    "nudges": "bot.nudges.store",
    "digest_posts": "bot.nudges.store",
    "seen_events": "bot.infra.events",
    "link_codes": "bot.privacy.store",
    "link_attempts": "bot.privacy.store",
    "link_requests": "bot.privacy.store",
    "link_merges": "bot.privacy.store",
    "nudge_tombstones": "bot.nudges.store",
    "deletion_records": "bot.privacy.store",
    "web_link_uses": "bot.web.store",
    "web_keys": "bot.web.store",
    "send_budgets": "bot.nudges.budget",
    "residency_programs": "bot.residency.store",
    "residency_profiles": "bot.residency.store",
    "residency_entries": "bot.residency.store",
    "residency_outcomes": "bot.residency.store",
    "residency_shares": "bot.residency.store",
    "residency_comments": "bot.residency.store",
}
"""Each stored table and the one module that writes it."""

ANY_TABLE = {
    "bot.privacy.erasure": "deleting a person's data removes or anonymizes their rows "
                           "everywhere, in one unit of work",
    "bot.privacy.merge": "linking two accounts moves one person's rows onto the other",
}
"""The declared exceptions: modules that may write any table."""

HELPERS = {"bot.infra.db": "the bulk write helpers; their callers name the table"}
"""Modules whose writes are their callers' (each call is checked where it is made)."""


@pytest.fixture(scope="module")
def scans() -> list[ModuleScan]:
    return scan_packages(ROOT, SCANNED)


def test_every_table_has_one_owner_that_exists() -> None:
    assert set(OWNERS) == set(Base.metadata.tables)
    for module in {*OWNERS.values(), *ANY_TABLE, *HELPERS}:
        importlib.import_module(module)


def _misplaced(writes: list[Write]) -> list[str]:
    return sorted(str(w) for w in writes
                  if w.module not in ANY_TABLE and w.module not in HELPERS
                  and OWNERS.get(w.table) != w.module)


def test_only_the_owner_writes_each_table(scans: list[ModuleScan]) -> None:
    assert _misplaced([w for scan in scans for w in scan.writes]) == []


def test_every_owner_is_seen_writing_its_tables(scans: list[ModuleScan]) -> None:
    """The scan is no blindfold: each owner's own writes of each of its tables are found."""
    seen = {(w.module, w.table) for scan in scans for w in scan.writes}
    assert sorted((module, table) for table, module in OWNERS.items()
                  if (module, table) not in seen) == []


def test_no_column_is_assigned_on_an_untyped_object(scans: list[ModuleScan]) -> None:
    """An attribute named like a mapped column, assigned on something the scan cannot
    type, might be a write it cannot place: annotate the variable instead."""
    unresolved = sorted(str(w) for scan in scans for w in scan.unresolved
                        if w.module not in ANY_TABLE)
    assert unresolved == []


SAMPLE = '''
from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from bot.infra import models
from bot.infra.db import insert_rows
from bot.infra.models import FacultyProfile, Mentorship, Person, Role
from bot.people.store import faculty_profile


class Box:
    person: Person


def by_statements(session: Session, ids: list[int]) -> None:
    session.execute(update(Mentorship).where(Mentorship.id.in_(ids)).values(active=False))
    session.execute(delete(Role))
    session.execute(pg_insert(Person.__table__).values(name="x"))
    session.execute(Person.__table__.delete())
    insert_rows(session, FacultyProfile, [])
    session.execute(text("UPDATE people SET name = 'x'"))


def by_objects(session: Session, person: Person, box: Box, rows: list[Mentorship]) -> None:
    session.add(models.Mentorship(student_id=1, mentor_id=2))
    person.timezone = "UTC"
    person.faculty_profile.capacity += 1
    box.person.quiet_hours = None
    person.roles.append(object())
    for mentorship in rows:
        mentorship.active = False
    found = session.get(Mentorship, 1)
    found.ended_at = None
    setattr(person, "email", None)
    profile, _created = faculty_profile(person)
    latest = session.scalars(select(Mentorship)).first()
    latest.kind = "career"
    session.delete(session.scalar(select(Role).limit(1)))


def unknown(session: Session, thing, table) -> None:
    session.add(thing)
    session.execute(delete(table))
    thing.cadence_days = 7
'''


def test_the_scan_sees_every_kind_of_write() -> None:
    scan, = scan_sources({"sample": SAMPLE, "bot.people.store": (
        "from bot.infra.models import FacultyProfile, Person\n"
        "def faculty_profile(person: Person) -> tuple[FacultyProfile, bool]: ...\n")})[1:]
    found = sorted((w.line, w.table) for w in scan.writes)
    line = {text.strip(): number for number, text in enumerate(SAMPLE.splitlines(), 1)}

    def at(code: str) -> int:
        return next(n for text, n in line.items() if text.startswith(code))

    expected = [
        (at("session.execute(update(Mentorship)"), "mentorships"),
        (at("session.execute(delete(Role))"), "roles"),
        (at("session.execute(pg_insert(Person.__table__)"), "people"),
        (at("session.execute(Person.__table__.delete())"), "people"),
        (at("insert_rows(session, FacultyProfile"), "faculty_profiles"),
        (at("session.execute(text(\"UPDATE people"), "people"),
        (at("session.add(models.Mentorship"), "mentorships"),  # constructed
        (at("session.add(models.Mentorship"), "mentorships"),  # added
        (at("person.timezone ="), "people"),
        (at("person.faculty_profile.capacity"), "faculty_profiles"),
        (at("box.person.quiet_hours"), "people"),
        (at("person.roles.append"), "roles"),
        (at("mentorship.active = False"), "mentorships"),
        (at("found.ended_at"), "mentorships"),
        (at("setattr(person"), "people"),
        (at("latest.kind"), "mentorships"),
        (at("session.delete(session.scalar"), "roles"),
        (at("session.add(thing)"), UNPLACED),
        (at("session.execute(delete(table))"), UNPLACED),
    ]
    assert found == sorted(expected)
    assert [(w.line, w.how) for w in scan.unresolved] == [
        (at("thing.cadence_days"), "assigns .cadence_days of an untyped object")]

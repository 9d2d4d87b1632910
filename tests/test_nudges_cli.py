"""`mentorbot nudges due [--at] [--json]`: a preview that plans, lists and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app.cli import main
from bot.app.cli.nudges import parse_moment
from bot.infra.db import Database
from bot.infra.models import Nudge, Person
from bot.infra.settings import get_settings
from tests.support.factories import add_faculty, add_student
from tests.support.relationships import add_mentorship, add_thanked_letter

LAST = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    db = Database(db_url)
    yield db
    db.dispose()
    get_settings.cache_clear()


def _seed(db: Database) -> None:
    with db.session() as s:
        ana = add_student(s, "Ana Diaz", email="ana@example.edu", tz="America/New_York")
        ben = add_student(s, "Ben Okafor", email="ben@example.edu")
        rivera = add_faculty(s, "Dr. Maria Rivera")
        park = add_faculty(s, "Dr. Sam Park")
        add_mentorship(s, ana, rivera, started_at=LAST - timedelta(days=30),
                       last_contact_at=LAST)
        add_mentorship(s, ben, rivera, started_at=LAST, last_contact_at=LAST + timedelta(days=20))
        add_thanked_letter(s, ben, park, thanked_at=LAST - timedelta(days=200),
                           deadline=date(2026, 6, 1))


def _due(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    assert main(["nudges", "due", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_due_json_lists_main_mentor_followup_after_43_days(cli_db, capsys):
    _seed(cli_db)
    at = (LAST + timedelta(days=43)).date().isoformat()
    items = _due(capsys, "--at", at)
    followups = [i for i in items if i["kind"] == "followup"]
    assert [(i["person"], i["due_at"]) for i in followups] == [
        ("ana@example.edu", "2027-02-15T15:00:00+00:00")]  # 10:00 in New York
    assert "Time to check in with Dr. Maria Rivera" in followups[0]["text"]
    assert {"person", "kind", "due_at", "text"} <= set(followups[0])
    keep = [i for i in items if i["kind"] == "keep-in-touch"]
    assert [i["person"] for i in keep] == ["ben@example.edu"]
    assert all(i["kind"] != "notice" for i in items)
    with cli_db.session() as s:  # a preview writes nothing
        assert s.scalar(select(func.count()).select_from(Nudge)) == 0


def test_due_before_the_rhythm_lists_no_followup(cli_db, capsys):
    _seed(cli_db)
    items = _due(capsys, "--at", "2027-02-15T14:59:00")
    assert [i for i in items if i["kind"] == "followup"] == []
    items = _due(capsys, "--at", "2027-02-15T10:00:00-05:00")
    assert [i["person"] for i in items if i["kind"] == "followup"] == ["ana@example.edu"]


def test_due_lists_stored_pending_rows_but_not_notices(cli_db, capsys):
    _seed(cli_db)
    with cli_db.session() as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.edu"))
        s.add(Nudge(person_id=ana.id, kind="notice", due_at=LAST, dedup_key="notice:x",
                    text="a notice", created_at=LAST))
        s.add(Nudge(person_id=ana.id, kind="letter-deadline", due_at=LAST, subject_type="test",
                    subject_id=1, dedup_key="test:1", text="deadline soon", created_at=LAST))
        s.add(Nudge(person_id=ana.id, kind="letter-ask", due_at=LAST, subject_type="test",
                    subject_id=2, dedup_key="test:2", text="sent already", state="sent",
                    created_at=LAST))
    items = _due(capsys, "--at", "2027-01-05")
    assert [(i["person"], i["kind"], i["text"]) for i in items
            if i["person"] == "ana@example.edu"] == [
        ("ana@example.edu", "letter-deadline", "deadline soon")]


def test_due_text_output(cli_db, capsys):
    _seed(cli_db)
    assert main(["nudges", "due", "--at", "2027-02-16"]) == 0
    out = capsys.readouterr().out
    assert "nudge(s) due at 2027-02-16T00:00:00+00:00" in out
    assert "followup  to Ana Diaz <ana@example.edu>" in out
    assert main(["nudges", "due", "--at", "2026-01-01"]) == 0
    assert "No nudges due" in capsys.readouterr().out


def test_parse_moment():
    assert parse_moment("2027-02-16") == datetime(2027, 2, 16, tzinfo=UTC)
    assert parse_moment("2027-02-16T10:30") == datetime(2027, 2, 16, 10, 30, tzinfo=UTC)
    assert parse_moment("2027-02-16T10:30Z") == datetime(2027, 2, 16, 10, 30, tzinfo=UTC)
    assert parse_moment("2027-02-16T05:30-05:00") == datetime(2027, 2, 16, 10, 30, tzinfo=UTC)
    with pytest.raises(SystemExit):
        main(["nudges", "due", "--at", "next tuesday"])

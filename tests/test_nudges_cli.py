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
from bot.vocab.letters import LetterState
from tests.support.factories import add_faculty, add_student
from tests.support.relationships import add_mentorship, add_thanked_letter
from tests.support.world import add_letter

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


def test_due_words_each_reminder_as_it_would_be_sent_at_that_moment(cli_db, capsys):
    """`text` is what the reminder would say if sent at --at, in its person's zone: the same
    pending letter-deadline says "in 3 days" on its day and "tomorrow" two days later. A
    notice, a reminder sent already and one whose subject is gone (it would be cancelled,
    not sent) are not listed."""
    _seed(cli_db)
    with cli_db.session() as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.edu"))
        s.add(Nudge(person_id=ana.id, kind="notice", due_at=LAST, dedup_key="notice:x",
                    text="a notice", created_at=LAST))
        letter = add_letter(s, ana, deadline=date(2027, 1, 8), state=LetterState.ASKED,
                            history=[(LetterState.ASKED, LAST - timedelta(days=30))],
                            created_at=LAST - timedelta(days=40))
        s.add(Nudge(person_id=ana.id, kind="letter-ask", due_at=LAST, subject_type="letter",
                    subject_id=letter.id, dedup_key="test:2", text="sent already",
                    state="sent", created_at=LAST))
        s.add(Nudge(person_id=ana.id, kind="letter-deadline", due_at=LAST,
                    subject_type="letter", subject_id=letter.id + 1, dedup_key="test:3",
                    created_at=LAST))

    def deadline_texts(at: str) -> list[str]:
        items = _due(capsys, "--at", at)
        assert not any(i["kind"] in ("notice", "letter-ask") for i in items)
        return [str(i["text"]) for i in items if i["kind"] == "letter-deadline"]

    # Tue 5 Jan, 10:00 in New York: the reminder's own moment
    (on_the_day,) = deadline_texts("2027-01-05T15:00")
    assert on_the_day.startswith("Dr. Omar Haddad's letter for EM residency is due in 3 days")
    assert "The deadline is Fri 08 Jan 2027" in on_the_day
    # Thursday evening in New York (Friday in UTC): tomorrow, on Ana's calendar
    (later,) = deadline_texts("2027-01-08T02:00")
    assert later.startswith("Dr. Omar Haddad's letter for EM residency is due tomorrow")
    assert "The deadline is tomorrow, Fri 08 Jan 2027" in later
    assert deadline_texts("2027-01-05T14:59") == []


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

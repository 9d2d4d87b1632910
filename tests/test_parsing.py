"""Tokenizing, date reading and person resolution: the forgiving parts of the core."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.errors import UserError
from bot.framework.replies import Action, Reply
from bot.framework.tokens import tokenize
from bot.infra.dates import parse_day
from bot.people.resolve import UnknownPerson, normalize_name, resolve
from bot.vocab.stages import STAGES, Stage, normalize_stage
from tests.support.factories import add_faculty, add_student

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # a Monday


def test_tokenize_quotes_and_options() -> None:
    tokens = tokenize('remind "Dr. Smith" program:"EM residency" due:2027-03-01 don\'t')
    assert [t.text for t in tokens] == ["remind", "Dr. Smith", "program:EM residency",
                                        "due:2027-03-01", "don't"]
    assert tokens[1].quoted and tokens[1].as_option() is None
    assert tokens[2].as_option() == ("program", "EM residency")
    assert tokenize("note:\u201csmart quotes\u201d")[0].as_option() == ("note", "smart quotes")
    with pytest.raises(UserError, match="not closed"):
        tokenize('note:"open')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", date(2027, 3, 1)),
        ("in 6 weeks", date(2027, 2, 15)),
        ("March 1", date(2027, 3, 1)),
        ("next friday", date(2027, 1, 15)),  # the Friday of next week (NOW is a Monday)
        ("3/15/2027", date(2027, 3, 15)),
    ],
)
def test_parse_day_forms(text: str, expected: date) -> None:
    assert parse_day(text, tz="America/New_York", now=NOW) == expected


def test_parse_day_uses_the_persons_zone() -> None:
    late = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)  # still Jan 4 in Los Angeles
    assert parse_day("today", tz="America/Los_Angeles", now=late, when="any") == date(2027, 1, 4)
    assert parse_day("today", tz="Asia/Tokyo", now=late, when="any") == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("text", "when", "message"),
    [
        ("2027-02-30", "future", "not a real date"),
        ("2026-12-01", "future", "in the past"),
        ("2027-02-01", "past", "in the future"),
        ("blorp", "future", "can't read"),
        ("", "future", "needs a date"),
    ],
)
def test_parse_day_errors(text: str, when: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_day(text, tz="UTC", now=NOW, when=when)  # type: ignore[arg-type]


def test_normalize_name_drops_titles_and_accents() -> None:
    assert normalize_name("Dr. José Núñez, MD") == "jose nunez"
    assert normalize_name("Prof. Ada LOVELACE PhD") == "ada lovelace"


def test_resolve_by_email_name_title_typo_and_role(database) -> None:  # type: ignore[no-untyped-def]
    with database.session() as s:
        smith = add_faculty(s, "Dr. Jane Smith", email="jane.smith@example.edu")
        add_faculty(s, "Dr. John Smith", email="john.smith@example.edu")
        nunez = add_faculty(s, "José Núñez")
        student = add_student(s, "Ana Diaz")
        assert resolve(s, "JANE.SMITH@example.edu").id == smith.id
        assert resolve(s, "dr jane smith").id == smith.id
        assert resolve(s, "Jane Smiht").id == smith.id
        assert resolve(s, "jose nunez", role="faculty").id == nunez.id
        assert resolve(s, f"person:{student.id}").id == student.id
        with pytest.raises(UserError, match="could be several people") as ambiguous:
            resolve(s, "Smith")
        assert "jane.smith@example.edu" in str(ambiguous.value)
        with pytest.raises(UnknownPerson, match="Closest") as unknown:
            resolve(s, "Jane Smoth-Whatever Q")
        assert unknown.value.closest[:2] in (("Dr. Jane Smith", "Dr. John Smith"),
                                             ("Dr. John Smith", "Dr. Jane Smith"))
        assert unknown.value.title == "Unknown person"
        with pytest.raises(UserError, match="not a faculty member"):
            resolve(s, "Ana Diaz", role="faculty")
        with pytest.raises(UnknownPerson, match="don't know") as unknown:
            resolve(s, "nobody@example.edu")
        assert unknown.value.closest == ()


def test_action_round_trip_and_text_rendering() -> None:
    action = Action("Accept", "mentor accept", {"student": "person:12"}, "primary")
    assert Action.decode(action.encode()) == ("mentor accept", {"student": "person:12"})
    reply = Reply(title="T", text="body", actions=(action,))
    assert Reply.from_dict(reply.to_dict()) == reply
    assert "/mentor accept student:person:12" in reply.as_text()
    with pytest.raises(ValueError):
        Action("x", "mentor accept", {"student": "y" * 120}).encode()


def test_stages_are_one_vocabulary_of_plain_values() -> None:
    assert [str(s) for s in STAGES] == ["premed", "ms1", "ms2", "ms3", "ms4", "resident"]
    for typed, stage in (("M3", Stage.MS3), ("third year", Stage.MS3), ("PGY-2", Stage.RESIDENT),
                         ("pre-med", Stage.PREMED), (" MS4 ", Stage.MS4)):
        assert normalize_stage(typed) is stage
    assert normalize_stage("ms2") == "ms2"  # stored and compared as its value
    with pytest.raises(UserError, match="one of premed, ms1, ms2, ms3, ms4, resident"):
        normalize_stage("ms9")

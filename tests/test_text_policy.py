"""What people type goes through one text policy (`bot.framework.text`): NFC, no control
character, a line break only where a field allows one, a length limit per field from one
table, and a refusal that names the field (and the limit) and changes nothing. Tried
through the surfaces people type into: a signed Slack command, Discord's typed options,
the console's line, the profile dialog, a roster file."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app.core import Core
from bot.framework import text
from bot.groups.roster import RosterError, import_csv
from bot.infra.models import ActionItem, FacultyProfile, Person, StudentProfile
from bot.nudges.quiet_hours import MIN_AWAKE
from tests.support.factories import Driver, add_faculty, add_student
from tests.support.properties import examples
from tests.support.relationships import add_mentorship
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.slack_app import slack_harness
from tests.support.snapshots import snapshot


@pytest.fixture
def ana(core: Core) -> int:
    with core.db.session() as session:
        student = add_student(session, "Ana Lopez", interests=["ultrasound"])
        faculty = add_faculty(session, "Dr. Elena Ramirez")
        add_mentorship(session, student, faculty, started_at=core.clock.now())
        return student.id


@pytest.fixture
def elena(core: Core, ana: int) -> int:
    with core.db.session() as session:
        person = session.scalars(select(Person).where(Person.name == "Dr. Elena Ramirez")).one()
        return person.id


def _unchanged(core: Core) -> dict[str, list[tuple[object, ...]]]:
    with core.db.session() as session:
        return snapshot(session, skip=("seen_events",))


# --- the refusals, word for word ---------------------------------------------------------


@pytest.mark.parametrize(("line", "refusal"), [
    ('profile research:"cardiac\x00 imaging"',
     "That command holds a control character (U+0000 NULL, at character 26); type plain "
     "text."),
    ("profile interests:\x01ultrasound",
     "That command holds a control character (U+0001 START OF HEADING, at character 19); "
     "type plain text."),
    ('log Elena note:"\x1b[2J\x1b[31mhacked"',
     "That command holds a control character (U+001B ESCAPE, at character 17); type plain "
     "text."),
    ("profile interests:" + "a;" * 60_000,
     "interests: is too long (120,000 characters; at most 1,000)."),
    ("profile interests:" + "x" * 101,
     "interests: “xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…” is too long for one item "
     "(101 characters; at most 100 each)."),
    ('todo Elena ""', "task: is empty; /mentor todo needs it"),
    ("profile quiet:00:00-23:59",
     "quiet: 00:00-23:59 leaves 0 h 01 min of the day for nudges; quiet hours must leave at "
     "least 8 hours (e.g. 21:00-08:00)."),
])
def test_a_refusal_names_the_field_and_changes_nothing(driver: Driver, core: Core, ana: int,
                                                       line: str, refusal: str) -> None:
    before = _unchanged(core)
    reply = driver.run(ana, f"/mentor {line}")
    assert reply.error and reply.text.startswith(refusal), reply.text
    assert _unchanged(core) == before


@pytest.mark.parametrize(("options", "refusal"), [
    ({"research": "cardiac\x00imaging"},
     "research: holds a control character (U+0000 NULL, at character 8); type plain text."),
    ({"interests": "ultra\x9bsound"},
     "interests: holds a control character (U+009B CONTROL SEQUENCE INTRODUCER, at "
     "character 6); type plain text."),
    ({"interests": "y" * 120_000}, "interests: is too long (120,000 characters; at most 1,000)."),
    ({"tz": "Europe/Paris\nUTC"}, "tz: must be one line (it holds a line break)."),
    ({"quiet": "20:00-05:00"},
     "quiet: 20:00-05:00 leaves 15 h 00 min"),  # accepted: shown below
])
def test_typed_options_meet_the_same_policy(driver: Driver, core: Core, ana: int,
                                            options: dict[str, str], refusal: str) -> None:
    """Discord's typed options and the profile dialog's fields arrive as typed values."""
    before = _unchanged(core)
    reply = driver.typed(ana, "mentor", "profile", **options)
    if "quiet" in options:
        assert not reply.error
        return
    assert reply.error and reply.text == refusal, reply.text
    assert _unchanged(core) == before


def test_an_empty_task_is_refused_however_it_comes(driver: Driver, core: Core, ana: int) -> None:
    for reply in (driver.run(ana, '/mentor todo Elena "   "'),
                  driver.typed(ana, "mentor", "todo", mentor="Elena", task=" \u3000 ")):
        assert reply.error and reply.text.startswith("task: is empty"), reply.text
    with core.db.session() as session:
        assert session.scalars(select(ActionItem)).all() == []


def test_the_quiet_rule_is_stated_from_its_constant(driver: Driver, ana: int) -> None:
    hours = int(MIN_AWAKE.total_seconds() // 3600)
    reply = driver.run(ana, "/mentor profile quiet:07:00-23:30")
    assert reply.error and reply.text == (
        f"quiet: 07:00-23:30 leaves 7 h 30 min of the day for nudges; quiet hours must leave "
        f"at least {hours} hours (e.g. 21:00-08:00).")
    assert not driver.run(ana, "/mentor profile quiet:08:00-23:00").error  # leaves 9 h
    assert not driver.run(ana, "/mentor profile quiet:23:00-08:00").error
    assert not driver.run(ana, "/mentor profile quiet:22:00-14:00").error  # 16 h quiet, 8 awake


def test_text_is_stored_nfc_and_trimmed(driver: Driver, core: Core, ana: int) -> None:
    decomposed = "cafe\u0301 research"
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    reply = driver.run(ana, f'/mentor profile research:"  {decomposed} ; line one  "')
    assert not reply.error, reply.text
    with core.db.session() as session:
        profile = session.get_one(StudentProfile, ana)
        assert profile.research == ["café research", "line one"]


def test_a_signed_slack_command_cannot_store_nul_or_soh(core: Core, ana: int) -> None:
    with core.db.session() as session:
        from bot.infra.models import Identity

        session.add(Identity(person_id=ana, platform="slack", workspace=TEAM_ID,
                             external_id="U1ANA"))
    before = _unchanged(core)
    with FakeSlackApi() as api:
        api.add_user("U1ANA", "Ana Lopez", email="ana.lopez@example.edu")
        with slack_harness(core, api) as slack:
            answer = slack.run("U1ANA", '/mentor profile research:"a\x00b" interests:"c\x01d"')
    assert "holds a control character (U+0000 NULL" in str(answer.params)
    with core.db.session() as session:
        assert session.get_one(StudentProfile, ana).research == []
    assert {k: v for k, v in _unchanged(core).items() if k != "people"} == \
        {k: v for k, v in before.items() if k != "people"}


def test_a_roster_cell_meets_the_same_policy(core: Core) -> None:
    rows = ("name,email,specialty,title\n"
            "Dr. Ada\x1b[0m Byron,ada@example.edu,Surgery,Professor\n"
            f"Dr. Ben Carter,ben@example.edu,Surgery,{'T' * 101}\n")
    with core.db.session() as session, pytest.raises(RosterError) as refused:
        import_csv(session, rows, "faculty", now=core.clock.now())
    assert refused.value.reasons_for(2) == (
        "name: holds a control character (U+001B ESCAPE, at character 8); type plain text.",)
    assert refused.value.reasons_for(3) == (
        f"title: is too long (101 characters; at most {text.field('title').limit}).",)


def test_every_limit_a_form_shows_is_the_tables(core: Core, elena: int) -> None:
    form = core.profile_form(elena)
    limits = {f.name: f.max_length for f in form.fields if f.kind == "text"}
    assert limits["office-hours"] == text.FIELDS["office-hours"].limit == 300
    assert limits["specialty"] == text.FIELDS["specialty"].limit


# --- any string at all -------------------------------------------------------------------

FIELDS = {"office-hours": "faculty", "specialty": "faculty", "interests": "student",
          "research": "student"}


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(FIELDS)),
       typed=st.text(st.characters(codec="utf-8"), max_size=1200))
def test_any_string_is_refused_naming_its_field_or_stored_clean(
        driver: Driver, core: Core, ana: int, elena: int, field: str, typed: str) -> None:
    person = ana if FIELDS[field] == "student" else elena
    reply = driver.typed(person, "mentor", "profile", **{field: typed})
    with core.db.session() as session:
        if FIELDS[field] == "student":
            profile = session.get_one(StudentProfile, person)
            stored: object = getattr(profile, field)
        else:
            faculty = session.get_one(FacultyProfile, person)
            stored = faculty.office_hours if field == "office-hours" else faculty.specialty
    if reply.error:
        assert reply.text.startswith(f"{field}:") or field in reply.text, reply.text
        return
    values = stored if isinstance(stored, list) else [stored or ""]
    rule = text.field(field)
    for value in values:
        assert isinstance(value, str)
        assert value == unicodedata.normalize("NFC", value)
        assert not any(unicodedata.category(c) == "Cc" for c in value), repr(value)
        assert len(value) <= (rule.item or rule.limit)


@given(st.text(max_size=300), st.sampled_from(sorted(text.FIELDS)))
def test_clean_text_is_normalized_and_within_its_limit(typed: str, name: str) -> None:
    rule = text.field(name)
    try:
        cleaned = text.clean(name, typed, rule)
    except Exception as exc:  # noqa: BLE001 - the refusal is the answer
        assert str(exc).startswith(f"{name}:"), exc
        return
    assert cleaned == unicodedata.normalize("NFC", cleaned) == cleaned.strip()
    assert len(cleaned) <= rule.limit
    assert all(c == "\n" or unicodedata.category(c) not in ("Cc", "Cs") for c in cleaned)
    assert "\n" not in cleaned or rule.lines or rule.item is not None

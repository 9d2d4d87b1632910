"""Roster import: validation with exact row numbers, all-or-nothing, upsert by email,
identities, group membership, and the `mentorbot import` command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.cli import main
from bot.errors import UserError
from bot.groups import roster
from bot.infra.models import FacultyProfile, Identity, Membership, Person, Role, StudentProfile
from bot.infra.settings import get_settings
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.snapshots import snapshot

FACULTY_HEADER = list(roster.FACULTY_COLUMNS)
STUDENT_HEADER = list(roster.STUDENT_COLUMNS)


def faculty_row(i: int, **overrides: str) -> dict[str, str]:
    row = {
        "name": f"Dr. Faculty {i:03d}", "email": f"faculty{i:03d}@example.edu",
        "specialty": "Emergency Medicine", "title": "Assistant Professor",
        "research": "resuscitation; ultrasound", "capacity": str(i % 5), "accepting": "yes",
        "stages": "ms3; ms4", "timezone": "America/New_York", "slack_id": f"U{i:08d}",
        "discord_id": f"{100000000000000000 + i}",
    }
    row.update(overrides)
    return row


def student_row(i: int, **overrides: str) -> dict[str, str]:
    row = {
        "name": f"Student {i:03d}", "email": f"student{i:03d}@example.edu", "stage": "ms2",
        "interests": "emergency medicine", "research": "sepsis", "timezone": "UTC",
        "slack_id": "", "discord_id": "",
    }
    row.update(overrides)
    return row


def to_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def do_import(core, text: str | bytes, kind: roster.Kind = "faculty",  # type: ignore[no-untyped-def]
              group: str | None = None) -> roster.ImportResult:
    with core.db.session() as s:
        return roster.import_csv(s, text, kind, now=core.clock.now(), group=group)


def refused(core, text: str | bytes, kind: roster.Kind = "faculty",  # type: ignore[no-untyped-def]
            group: str | None = None) -> roster.RosterError:
    with pytest.raises(roster.RosterError) as caught:
        do_import(core, text, kind, group)
    return caught.value


# --- all or nothing -----------------------------------------------------------------------


def test_one_bad_row_among_a_hundred_writes_nothing_and_names_the_row(core):
    rows = [faculty_row(i) for i in range(100)]
    rows[56]["email"] = "not-an-email"  # the 57th data row: row 58 counting the header
    error = refused(core, to_text(FACULTY_HEADER, rows))
    assert [p.row for p in error.problems] == [58]
    assert "not-an-email" in error.message and "Row 58:" in error.message
    assert "nothing was imported" in error.message
    with core.db.session() as s:
        assert count(s, Person) == 0 and count(s, Identity) == 0 and count(s, Role) == 0

    rows[56]["email"] = "faculty056@example.edu"
    result = do_import(core, to_text(FACULTY_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (100, 0, 0)
    with core.db.session() as s:
        assert count(s, Person) == 100 and count(s, FacultyProfile) == 100
        assert count(s, Identity) == 200
        person = s.scalar(select(Person).where(Person.email == "faculty007@example.edu"))
        assert person.name == "Dr. Faculty 007" and person.timezone == "America/New_York"
        assert person.is_faculty
        profile = person.faculty_profile
        assert profile.specialty == "emergency medicine"  # stored under its ERAS name
        assert profile.research == ["resuscitation", "ultrasound"]
        assert profile.capacity == 2 and profile.accepting is True
        assert profile.stages == ["ms3", "ms4"]
        assert {(i.platform, i.workspace, i.external_id) for i in person.identities} == {
            ("slack", "", "U00000007"), ("discord", "", "100000000000000007")}


def test_every_kind_of_bad_faculty_row_is_reported_with_its_row(core):
    bad = {
        2: (dict(email=""), "email is missing"),
        3: (dict(email="someone@nowhere"), "is not an email address"),
        4: (dict(capacity="-1"), "capacity must be a whole number"),
        5: (dict(capacity="three"), "capacity must be a whole number"),
        6: (dict(capacity="2.5"), "capacity must be a whole number"),
        7: (dict(accepting="maybe"), "accepting must be yes or no"),
        8: (dict(timezone="Mars/Olympus_Mons"), "unknown time zone"),
        9: (dict(stages="ms3; ms7"), "unknown stage"),
        10: (dict(name="   "), "name is empty"),
        11: (dict(research="x" * 2000),
             "research: is too long (2,000 characters; at most 1,000)."),
        12: (dict(title="t" * 101), "title: is too long (101 characters; at most 100)."),
        13: (dict(specialty=""), "specialty is empty"),
        14: (dict(slack_id="not a slack id"), "is not a Slack member ID"),
        15: (dict(discord_id="12ab"), "is not a Discord user ID"),
        16: (dict(name="Bell\x07 Ringer"),
             "name: holds a control character (U+0007 BELL, at character 5); type plain text."),
        17: (dict(capacity="51"), "capacity must be a whole number"),
    }
    rows = [faculty_row(n, **cells) for n, (cells, _) in sorted(bad.items())]
    rows.append(faculty_row(98, email="faculty004@example.edu"))  # row 18 repeats row 4's
    rows.append(faculty_row(99, email="FACULTY005@example.edu"))  # row 19: row 5's, other case
    error = refused(core, to_text(FACULTY_HEADER, rows))
    assert [p.row for p in error.problems] == list(range(2, 20))
    for row, (_, reason) in bad.items():
        assert any(reason in r for r in error.reasons_for(row)), (row, error.reasons_for(row))
    assert "already on row 4" in error.reasons_for(18)[0]
    assert "already on row 5" in error.reasons_for(19)[0]
    with core.db.session() as s:
        assert count(s, Person) == 0


def test_several_reasons_on_one_row_are_all_listed(core):
    rows = [faculty_row(1, email="nope", capacity="-3", accepting="perhaps", timezone="Nowhere")]
    error = refused(core, to_text(FACULTY_HEADER, rows))
    reasons = error.reasons_for(2)
    assert len(reasons) == 4, reasons
    assert "Row 2: " in error.message


def test_bad_student_rows(core):
    rows = [
        student_row(1, stage="ms9"),
        student_row(2, stage=""),
        student_row(3),
        student_row(4, email="student003@example.edu", slack_id="U123", discord_id=""),
        student_row(5, slack_id="U123"),
        student_row(6, interests="; ".join(["y" * 101])),
    ]
    error = refused(core, to_text(STUDENT_HEADER, rows), "students")
    assert [p.row for p in error.problems] == [2, 3, 5, 6, 7]
    assert "unknown stage" in error.reasons_for(2)[0]
    assert "stage is empty" in error.reasons_for(3)[0]
    assert "already on row 4" in error.reasons_for(5)[0]
    assert "slack_id U123 is already on row 5" in error.reasons_for(6)[0]
    assert error.reasons_for(7)[0].endswith(
        "is too long for one item (101 characters; at most 100 each).")


def test_missing_required_columns_are_named(core):
    text = "name,email,title\nDr. A,a@example.edu,Professor\n"
    error = refused(core, text)
    assert "specialty" in error.message and "missing required column" in error.message
    assert error.problems[0].row == 1
    error = refused(core, "name,interests\nAna,em\n", "students")
    assert "missing required columns: email, stage" in error.message
    assert "empty" in refused(core, "").message


def test_not_utf8_is_refused(core):
    text = to_text(FACULTY_HEADER, [faculty_row(1, name="José Núñez")]).encode("latin-1")
    assert "not UTF-8" in refused(core, text).message


def test_bom_extra_columns_aliases_and_blank_lines(core):
    text = ("\ufeffName,E-mail,Stage,Favourite colour,Interests,Timezone\n"
            "Ana Díaz,Ana.Diaz@Example.edu,M3,teal,emergency medicine; ultrasound,eastern\n"
            "\n"
            "Ben Okafor,ben@example.edu,PGY-1,blue,surgery,America/Chicago\n"
            "Cy Tran,cy@example.edu,ms9,red,,\n")
    error = refused(core, text.encode("utf-8"), "students")
    assert [p.row for p in error.problems] == [5]  # the blank line 3 still counts
    result = do_import(core, text.replace("ms9", "pre-med").encode("utf-8"), "students")
    assert result.created == 3
    with core.db.session() as s:
        ana = s.scalar(select(Person).where(Person.email == "ana.diaz@example.edu"))
        assert ana.name == "Ana Díaz" and ana.timezone == "America/New_York"
        assert ana.student_profile.stage == "ms3"
        assert ana.student_profile.interests == ["emergency medicine", "ultrasound"]
        stages = dict(s.execute(select(Person.email, StudentProfile.stage).join(
            StudentProfile, StudentProfile.person_id == Person.id)).all())
        assert stages == {"ana.diaz@example.edu": "ms3", "ben@example.edu": "resident",
                          "cy@example.edu": "premed"}


def test_quoted_cells_with_commas_and_newlines_keep_row_numbers(core):
    text = ('name,email,specialty,title\n'
            '"Lee, Dana",dana@example.edu,Surgery,"Associate Professor,\nVice Chair"\n'
            'Bad Row,bad,Surgery,Professor\n')
    error = refused(core, text)
    # the line break inside row 2's quoted title keeps row 3 row 3; a title is one line
    assert [p.row for p in error.problems] == [2, 3]
    assert error.reasons_for(2) == ("title: must be one line (it holds a line break).",)


# --- upsert -------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(core, clock):
    from datetime import timedelta

    with core.db.session() as s:
        add_group(s, "em-interest", specialty="Emergency Medicine")
    text = to_text(FACULTY_HEADER, [faculty_row(i) for i in range(30)])
    first = do_import(core, text, group="em-interest")
    assert (first.created, first.updated, first.unchanged, first.joined_group) == (30, 0, 0, 30)
    with core.db.session() as s:
        before = snapshot(s)
    clock.advance(timedelta(days=3))
    second = do_import(core, text, group="em-interest")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
    assert second.joined_group == 0 and "Nothing changed" in second.summary()
    with core.db.session() as s:
        assert snapshot(s) == before


def test_changed_rows_update_and_empty_cells_keep_values(core):
    rows = [faculty_row(i) for i in range(5)]
    do_import(core, to_text(FACULTY_HEADER, rows))
    rows[1].update(capacity="0", accepting="no", title="Professor")
    rows[2].update(name="Dr. Renamed")
    rows[3].update(research="", timezone="", capacity="")  # empty: leave as stored
    result = do_import(core, to_text(FACULTY_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 3)
    with core.db.session() as s:
        one = s.scalar(select(Person).where(Person.email == "faculty001@example.edu"))
        assert one.faculty_profile.capacity == 0 and one.faculty_profile.accepting is False
        assert one.faculty_profile.title == "Professor"
        three = s.scalar(select(Person).where(Person.email == "faculty003@example.edu"))
        assert three.faculty_profile.research == ["resuscitation", "ultrasound"]
        assert three.timezone == "America/New_York" and three.faculty_profile.capacity == 3
        assert s.scalar(select(Person.name).where(
            Person.email == "faculty002@example.edu")) == "Dr. Renamed"


def test_email_match_ignores_case_and_existing_people_gain_a_role(core):
    with core.db.session() as s:
        add_student(s, "Rae Resident", email="rae@example.edu", stage="resident")
        add_faculty(s, "Dr. Old Name", email="old@example.edu", specialty="Surgery")
    text = to_text(FACULTY_HEADER, [
        faculty_row(1, email="RAE@example.edu", name="Rae Resident", slack_id="", discord_id=""),
        faculty_row(2, email="Old@Example.edu", name="Dr. New Name", specialty="Surgery",
                    slack_id="", discord_id=""),
    ])
    result = do_import(core, text)
    assert (result.created, result.updated) == (0, 2)
    with core.db.session() as s:
        assert count(s, Person) == 2
        rae = s.scalar(select(Person).where(Person.email == "rae@example.edu"))
        assert rae.is_student and rae.is_faculty
        assert rae.student_profile.stage == "resident"
        assert rae.faculty_profile.specialty == "emergency medicine"


def test_identities_are_added_and_never_taken_from_someone_else(core):
    with core.db.session() as s:
        other = add_student(s, "Other Person", email="other@example.edu")
        s.add(Identity(person_id=other.id, platform="slack", workspace="T999",
                       external_id="U0TAKEN00"))
        mine = add_faculty(s, "Dr. Has Slack", email="has@example.edu")
        s.add(Identity(person_id=mine.id, platform="discord", workspace="G1",
                       external_id="200000000000000001"))
    rows = [
        faculty_row(1, email="has@example.edu", name="Dr. Has Slack",
                    discord_id="200000000000000001", slack_id="U0MINE000"),
        faculty_row(2, slack_id="U0TAKEN00", discord_id=""),
    ]
    error = refused(core, to_text(FACULTY_HEADER, rows))
    assert [p.row for p in error.problems] == [3]
    assert "slack_id U0TAKEN00 already belongs to Other Person <other@example.edu>" in \
        error.reasons_for(3)[0]
    with core.db.session() as s:
        assert count(s, Identity) == 2 and count(s, Person) == 2

    rows[1]["slack_id"] = "u0free000"  # Slack ids are upper-case; lower-case input is fixed
    result = do_import(core, to_text(FACULTY_HEADER, rows))
    assert (result.created, result.updated) == (1, 1) and result.identities_added == 2
    with core.db.session() as s:
        has = s.scalar(select(Person).where(Person.email == "has@example.edu"))
        assert {(i.platform, i.workspace, i.external_id) for i in has.identities} == {
            ("discord", "G1", "200000000000000001"), ("slack", "", "U0MINE000")}
        new = s.scalar(select(Person).where(Person.email == "faculty002@example.edu"))
        assert [(i.platform, i.external_id) for i in new.identities] == [("slack", "U0FREE000")]
    again = do_import(core, to_text(FACULTY_HEADER, rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_group_must_exist_and_membership_is_added_once(core):
    text = to_text(STUDENT_HEADER, [student_row(i) for i in range(3)])
    with pytest.raises(UserError) as caught:
        do_import(core, text, "students", group="peds")
    assert "mentorbot organizer add" in caught.value.message and "peds" in caught.value.message
    with core.db.session() as s:
        assert count(s, Person) == 0
        group = add_group(s, "peds", specialty="Pediatrics")
        group_id = group.id
    do_import(core, text, "students")  # first without the group
    result = do_import(core, text, "students", group="PEDS")
    assert (result.updated, result.joined_group) == (3, 3)
    assert do_import(core, text, "students", group="peds").joined_group == 0
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Membership).where(
            Membership.group_id == group_id)) == 3


def test_a_specialty_is_stored_under_its_canonical_name_and_anything_else_as_typed(core):
    rows = [faculty_row(1, specialty="EM"), faculty_row(2, specialty="peds"),
            faculty_row(3, specialty="Orthopedic Surgery"),
            faculty_row(4, specialty="Pediatric Emergency Medicine"),
            faculty_row(5, specialty="Hematology"),  # close to "dermatology", but not it
            faculty_row(6, specialty="Basket Weaving")]
    text = to_text(FACULTY_HEADER, rows)
    result = do_import(core, text)
    assert result.created == 6
    assert [w.row for w in result.warnings] == [7]  # the header is row 1
    with core.db.session() as s:
        stored = {email: specialty for email, specialty in s.execute(
            select(Person.email, FacultyProfile.specialty)
            .join(FacultyProfile, FacultyProfile.person_id == Person.id))}
    assert [stored[f"faculty00{i}@example.edu"] for i in range(1, 7)] == [
        "emergency medicine", "pediatrics", "orthopaedic surgery",
        "pediatric emergency medicine", "hematology and oncology", "Basket Weaving"]
    again = do_import(core, text)  # the same file compares equal to what it stored
    assert (again.updated, again.unchanged) == (0, 6)


def test_a_specialty_stored_before_it_was_canonical_is_updated_by_a_reimport(core):
    with core.db.session() as s:
        add_faculty(s, "Dr. Faculty 001", email="faculty001@example.edu", specialty="EM",
                    title="Assistant Professor", research=["resuscitation", "ultrasound"],
                    capacity=1, stages=["ms3", "ms4"], tz="America/New_York")
    result = do_import(core, to_text(FACULTY_HEADER, [
        faculty_row(1, specialty="EM", slack_id="", discord_id="")]))
    assert result.updated == 1
    with core.db.session() as s:
        assert s.scalar(select(FacultyProfile.specialty)) == "emergency medicine"


def test_to_csv_round_trips(core):
    text = roster.to_csv("faculty", [{
        "name": "Dr. Round Trip", "email": "rt@example.edu", "specialty": "Neurology",
        "research": ["stroke", "EEG"], "accepting": False, "capacity": 0,
    }])
    rows = roster.parse(text, "faculty")
    assert rows[0].research == ["stroke", "EEG"] and rows[0].accepting is False
    assert rows[0].capacity == 0 and rows[0].stages is None


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_env(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_cli_import_end_to_end(core, cli_env, tmp_path: Path, capsys):
    path = tmp_path / "faculty.csv"
    rows = [faculty_row(i) for i in range(20)]
    rows[9]["accepting"] = "sometimes"
    rows[14]["capacity"] = "-2"
    path.write_text(to_text(FACULTY_HEADER, rows), encoding="utf-8-sig")
    assert main(["import", "faculty", str(path)]) == 1
    err = capsys.readouterr().err
    assert "2 rows with problems; nothing was imported." in err
    assert "Row 11: accepting must be yes or no" in err
    assert "Row 16: capacity must be a whole number" in err
    with core.db.session() as s:
        assert count(s, Person) == 0

    rows[9]["accepting"], rows[14]["capacity"] = "no", "2"
    path.write_text(to_text(FACULTY_HEADER, rows), encoding="utf-8")
    assert main(["import", "faculty", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Imported 20 faculty: 20 created, 0 updated, 0 unchanged." in out
    assert main(["import", "faculty", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 created, 0 updated, 20 unchanged" in out and "Nothing changed" in out

    students = tmp_path / "students.csv"
    students.write_text(to_text(STUDENT_HEADER, [student_row(1)]), encoding="utf-8")
    assert main(["import", "students", str(students), "--group", "em-interest"]) == 1
    assert "mentorbot organizer add" in capsys.readouterr().err
    assert main(["organizer", "add", "lead@example.edu", "--group", "em-interest",
                 "--name", "Lee Lead"]) == 0
    capsys.readouterr()
    assert main(["import", "students", str(students), "--group", "em-interest"]) == 0
    assert "1 newly added to the group em-interest" in capsys.readouterr().out
    assert main(["import", "students", str(tmp_path / "missing.csv")]) == 1
    assert "Can't read" in capsys.readouterr().err
    with core.db.session() as s:
        assert count(s, StudentProfile) == 1


def test_cli_help_for_each_verb(capsys):
    for argv in (["import", "--help"], ["import", "faculty", "--help"],
                 ["import", "students", "--help"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 0
        out = capsys.readouterr().out
        assert "usage: mentorbot import" in out
    main_help = ["import", "students", "--help"]
    with pytest.raises(SystemExit):
        main(main_help)
    assert "interests" in capsys.readouterr().out

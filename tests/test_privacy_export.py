"""`/mentor privacy`, `/mentor privacy export` and `mentorbot person export`: the account of
what is stored, and an export that holds every row naming the person (every table with a
foreign key to people, found from the models, so a table added later is covered), without
the parts of other people's rows that only they see."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app.cli import main
from bot.app.core import Core
from bot.infra.db import Database
from bot.infra.models import Base, Membership, Person
from bot.privacy import catalog, references, rules
from tests.support.factories import Driver, add_group, add_student
from tests.support.privacy_world import EMAIL, NAME, World, build


@pytest.fixture
def world(core: Core) -> World:
    with core.db.session() as session:
        return build(session, core.clock.now())


def _export(driver: Driver, person_id: int) -> tuple[Any, dict[str, Any]]:
    reply = driver.run(person_id, "/mentor privacy export")
    assert not reply.error, reply.as_text()
    assert reply.attachment is not None
    return reply, json.loads(reply.attachment.content)


def _ids(document: dict[str, Any], table: str) -> set[int]:
    return {row["id"] if "id" in row else row["person_id"]
            for row in document["tables"].get(table, {}).get("rows", [])}


def test_every_table_naming_people_is_found_from_the_schema() -> None:
    """The discovery the export, deletion and merge rely on sees every foreign key to
    people.id in the models."""
    expected = {(t.name, fk.parent.name) for t in Base.metadata.sorted_tables
                for fk in t.foreign_keys
                if fk.column.table.name == "people" and t.name != "people"}
    found = {(n.name, c.name) for n in references.namings() for c in n.columns}
    assert found == expected
    assert {"contacts", "letters", "nudges", "checkins", "link_codes"} <= {n for n, _ in found}


def test_export_holds_every_row_naming_the_person(driver: Driver, world: World,
                                                   core: Core) -> None:
    reply, document = _export(driver, world.person_id)
    with core.db.session() as session:
        expected = {
            named.name: set(session.scalars(
                select(list(named.table.primary_key.columns)[0])
                .where(named.naming(world.person_id))))
            for named in references.namings()}
    # the world names the person in every column that can hold one
    for named in references.namings():
        for column in named.columns:
            with core.db.session() as session:
                n = session.scalar(select(func.count()).select_from(named.table)
                                   .where(column == world.person_id))
            assert n, f"no {named.name}.{column.name} row names the person"
    missing = {table: ids - _ids(document, table) for table, ids in expected.items()
               if ids - _ids(document, table)}
    assert missing == {}
    assert document["person"]["email"] == EMAIL and document["person"]["name"] == NAME
    assert document["person"]["quiet_hours"] == "22:00-07:00"
    # the rows that hang off rows of theirs come too (their letters' history)
    events = document["tables"]["letter_events"]["rows"]
    assert [e["note"] for e in events] == ["said yes in clinic"]
    assert reply.title == "Your data, as one file"
    rows = 1 + sum(len(t["rows"]) for t in document["tables"].values())
    assert f"{rows} rows from {1 + len(document['tables'])} tables" in reply.text
    assert reply.attachment is not None
    assert reply.attachment.filename == "mentorbot-my-data-2027-01-04.json"
    assert reply.attachment.mime_type == "application/json"


def test_export_leaves_out_what_only_the_other_party_sees(driver: Driver, world: World
                                                          ) -> None:
    _, document = _export(driver, world.person_id)
    contacts = {c.get("note"): c
                for c in document["tables"]["contacts"]["rows"]}
    # their own contact: whole; Sam's contact with them as the mentor: no note, no rating
    assert contacts["talked about residency"]["rating"] == 3
    sams = contacts[None]
    assert "rating" not in sams and "is_ask" not in sams
    assert sams["withheld"] == ["is_ask", "note", "rating"]
    assert "Sam's private note" not in json.dumps(document)
    assert "Sam's reason" not in json.dumps(document)
    letters = {row["program"]: row for row in document["tables"]["letters"]["rows"]}
    assert letters["EM residency"]["packet"] == {"cv": True}
    assert "packet" not in letters["Research year"]
    assert letters["Research year"]["state"] == "asked"
    requests = {row["note"]: row for row in document["tables"]["intro_requests"]["rows"]}
    assert requests["I'd love to learn ultrasound research"]["rank"] == 1
    assert "rank" not in requests["Could you mentor me?"]
    # Sam's letter's history is Sam's: not in the writer's export
    assert "after rounds" not in json.dumps(document)
    assert document["people_named"][str(world.elena_id)] == "Dr. Elena Ramirez"
    assert document["tables"]["contacts"]["about"].startswith("Contacts and notes:")


def test_another_persons_export_shows_nothing_of_theirs(driver: Driver, world: World) -> None:
    """Their mentor's export has the contact they logged with her, not their note on it,
    nor their account ids or email (only the name, as /mentor list shows it)."""
    _, document = _export(driver, world.elena_id)
    (contact,) = document["tables"]["contacts"]["rows"]
    assert contact["student_id"] == world.person_id and contact["withheld"]
    dumped = json.dumps(document)
    assert "talked about residency" not in dumped
    assert EMAIL not in dumped
    assert document["people_named"][str(world.person_id)] == NAME


def test_overview_names_every_part_and_who_sees_it(driver: Driver, world: World) -> None:
    reply = driver.run(world.person_id, "/mentor privacy")
    assert reply.title == "What I store about you"
    headings = [s.heading for s in reply.sections]
    assert headings == [*(p.heading for p in catalog.PARTS), "Your say over it"]
    letters = next(s for s in reply.sections if s.heading == "Letters")
    assert "Never a letter's text" in letters.text and "Who sees it: You, and the letter's " \
        "writer" in letters.text
    contacts = next(s for s in reply.sections if s.heading == "Contacts and notes")
    assert "rating you gave" in contacts.text and "never your notes or ratings" in contacts.text
    say = reply.sections[-1].text
    assert "/mentor privacy export" in say and "/mentor privacy delete" in say
    assert "/mentor link" in say


def test_every_table_naming_people_is_explained() -> None:
    """`/mentor privacy` states every part: a new table naming people must be given one."""
    unexplained = [n.name for n in references.namings() if catalog.part_of(n.name) is None]
    assert unexplained == []


def test_privacy_with_a_wrong_word_is_a_clear_error(driver: Driver, world: World,
                                                    core: Core) -> None:
    reply = driver.run(world.person_id, "/mentor privacy exprt")
    assert reply.error and "action: must be one of export, delete" in reply.text
    reply = driver.run(world.person_id, "/mentor privacy export now")
    assert reply.error and "now" in reply.text
    with core.db.session() as session:
        assert session.get(Person, world.person_id) is not None


def test_export_of_someone_with_nothing_but_a_profile(driver: Driver, core: Core) -> None:
    with core.db.session() as session:
        newcomer = add_student(session, "Nadia Newcomer").id
    _, document = _export(driver, newcomer)
    assert set(document["tables"]) == {"roles", "student_profiles"}
    assert document["people_named"] == {}


# --- the command line -----------------------------------------------------------------------


def _cli(monkeypatch: pytest.MonkeyPatch, url: str, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    from bot.infra.settings import get_settings

    get_settings.cache_clear()
    try:
        return main(list(argv))
    finally:
        get_settings.cache_clear()


def _snapshot(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def test_cli_export_prints_the_same_document_and_writes_nothing(
        world: World, database: Database, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(database)
    assert _cli(monkeypatch, db_url, "person", "export", EMAIL.upper()) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["person"]["id"] == world.person_id
    assert set(world.rows) <= set(document["tables"])
    assert _snapshot(database) == before


def test_cli_export_to_a_file(world: World, db_url: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export.json"
    assert _cli(monkeypatch, db_url, "person", "export", EMAIL, "--out", str(out)) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    assert json.loads(out.read_text())["person"]["email"] == EMAIL


@pytest.mark.parametrize(("email", "message"), [
    ("nobody@example.edu", "No one with the email nobody@example.edu is stored."),
    ("not-an-email", "“not-an-email” is not an email address."),
])
def test_cli_export_of_an_unknown_person(world: World, db_url: str, email: str, message: str,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(monkeypatch, db_url, "person", "export", email) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == message and captured.out == ""


def test_cli_export_to_an_unwritable_place(world: World, db_url: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no-such-dir" / "export.json"
    assert _cli(monkeypatch, db_url, "person", "export", EMAIL, "--out", str(out)) == 1
    assert f"Could not write {out}" in capsys.readouterr().err
    assert not out.exists()


# --- what organizers read ------------------------------------------------------------------


def test_the_readme_privacy_section_states_every_part_and_rule(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Privacy\n", 1)[1].split("\n## ", 1)[0]
    table = [line.split("|")[1].strip() for line in section.splitlines()
             if line.startswith("| ") and not line.startswith("| part")]
    assert table == [part.heading for part in catalog.PARTS]
    words = " ".join(section.split())
    assert f"valid {int(rules.CODE_LIFETIME.total_seconds() // 60)} minutes" in words
    assert f"works for {int(rules.CONFIRM_WINDOW.total_seconds() // 60)} minutes" in words
    assert rules.MAX_WRONG_CODES == 10 and "ten wrong codes within an hour" in words
    assert rules.WRONG_CODE_WINDOW == rules.LOCKED_FOR == timedelta(hours=1)
    assert "for that person for an hour" in words
    assert f'"{rules.ERASED}"' in words and f'"{rules.FORMER_WRITER}"' in words


def test_what_a_role_does_not_see_of_a_row() -> None:
    assert rules.withheld("contacts", ["mentor_id"]) == {"note", "rating", "is_ask"}
    assert rules.withheld("contacts", ["student_id"]) == frozenset()
    assert rules.withheld("contacts", ["student_id", "mentor_id"]) == frozenset()
    assert rules.withheld("letters", ["writer_id"]) == {"packet", "state_reason"}
    assert rules.withheld("outcomes", ["student_id"]) == frozenset()
    named = {(n.name, c.name) for n in references.namings() for c in n.columns}
    for table, column in rules.WITHHELD_FROM_OTHER_PARTY:
        assert (table, column) in named  # a rule about a column that names people
        withheld = rules.WITHHELD_FROM_OTHER_PARTY[(table, column)]
        assert withheld <= set(Base.metadata.tables[table].columns.keys())


def test_a_table_added_later_gets_a_row_for_the_completeness_test(core: Core) -> None:
    """The world builder fills any column naming a person that it has no data for with a
    row built from the table's columns (what a new table will get)."""
    from tests.support.privacy_world import generic_row

    with core.db.session() as session:
        person = add_student(session, "Nadia Newcomer")
        group_id = add_group(session, "em").id
        for table, column in (("outcomes", "student_id"), ("memberships", "person_id"),
                              ("link_attempts", "person_id")):
            named = references.naming(table)
            generic_row(session, named.table, named.table.c[column], person.id,
                        core.clock.now())
        assert references.counts(session, person.id) == {
            "roles": 1, "student_profiles": 1, "outcomes": 1, "memberships": 1,
            "link_attempts": 1}
        assert session.scalar(select(Membership.group_id)) == group_id

"""`mentorbot organizer add`: how a group's first organizer is made, without a typo ever
creating a stranger who then runs the group."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app.cli import main
from bot.app.core import Core
from bot.infra.models import InterestGroup, Person, Role
from tests.support.factories import add_faculty


def _counts(core: Core) -> tuple[int, int, int]:
    with core.db.session() as s:
        return (int(s.scalar(select(func.count()).select_from(Person)) or 0),
                int(s.scalar(select(func.count()).select_from(InterestGroup)) or 0),
                int(s.scalar(select(func.count()).select_from(Role)) or 0))


def test_an_email_on_no_roster_is_refused_and_changes_nothing(cli: Core, capsys) -> None:
    with cli.db.session() as s:
        add_faculty(s, "Dr. Nora Wells", email="nora.wells@example.edu")
    before = _counts(cli)
    assert main(["organizer", "add", "nora.wels@example.edu", "--group", "em-interest"]) == 1
    err = capsys.readouterr().err
    assert "No one with the email nora.wels@example.edu" in err
    assert "Did you mean nora.wells@example.edu" in err and "--name" in err
    assert _counts(cli) == before


def test_a_roster_person_becomes_organizer_and_the_group_is_created(cli: Core, capsys) -> None:
    with cli.db.session() as s:
        add_faculty(s, "Dr. Nora Wells", email="nora.wells@example.edu")
    assert main(["organizer", "add", "Nora.Wells@example.edu", "--group", "em-interest",
                 "--group-name", "EM Interest Group", "--specialty", "EM"]) == 0
    out = capsys.readouterr().out
    assert "Created group em-interest." in out
    assert "Dr. Nora Wells is now an organizer of em-interest." in out
    with cli.db.session() as s:
        group = s.scalar(select(InterestGroup))
        assert group is not None and group.name == "EM Interest Group"
        nora = s.scalar(select(Person).where(Person.email == "nora.wells@example.edu"))
        assert nora is not None and nora.has_role("organizer", group.id)


def test_name_adds_someone_on_no_roster(cli: Core, capsys) -> None:
    assert main(["organizer", "add", "lead@example.edu", "--group", "peds",
                 "--name", "Lee Lead"]) == 0
    assert "Added Lee Lead <lead@example.edu>." in capsys.readouterr().out
    assert main(["organizer", "add", "lead@example.edu", "--group", "peds"]) == 0
    assert "already organizes peds" in capsys.readouterr().out

"""`mentorbot organizer add`: how a group's first organizer is made, without a typo ever
creating a stranger who then runs the group."""

from __future__ import annotations

import io

import pytest
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
    assert "Created group em-interest (“EM Interest Group”, time zone UTC)." in out
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


def _group(core: Core, slug: str) -> InterestGroup:
    with core.db.session() as s:
        group = s.scalar(select(InterestGroup).where(InterestGroup.slug == slug))
        assert group is not None
        s.expunge(group)
        return group


def test_a_group_made_without_name_or_zone_says_what_it_assumed(cli: Core, capsys) -> None:
    """Not at a terminal, nothing is asked: the name is made from the slug and the zone is
    the deployment's default (or the organizer's own), and the output says so and how to
    change them."""
    assert main(["organizer", "add", "lead@example.edu", "--group", "emig",
                 "--name", "Lee Lead"]) == 0
    out = capsys.readouterr().out
    assert "Created group emig (“Emig”, time zone UTC)." in out
    assert ("Assumed the name “Emig” (made from the slug) and the time zone UTC (the "
            "deployment's DEFAULT_TIMEZONE), since --group-name and --tz were not given. An "
            "organizer changes them with /mentor group settings emig name:\"…\" "
            "tz:America/New_York.") in out
    with cli.db.session() as s:
        add_faculty(s, "Dr. Nora Wells", email="nora.wells@example.edu",
                    tz="America/Chicago")
    assert main(["organizer", "add", "nora.wells@example.edu", "--group", "peds-ig",
                 "--group-name", "Pediatrics Interest Group"]) == 0
    out = capsys.readouterr().out
    assert ("Assumed the time zone America/Chicago (Dr. Nora Wells's time zone), since --tz "
            "was not given. An organizer changes it with /mentor group settings peds-ig "
            "tz:America/New_York.") in out
    assert _group(cli, "peds-ig").timezone == "America/Chicago"


def test_flags_name_and_zone_and_a_bad_zone_changes_nothing(cli: Core, capsys) -> None:
    before = _counts(cli)
    assert main(["organizer", "add", "lead@example.edu", "--group", "emig", "--name",
                 "Lee Lead", "--tz", "Mars/Olympus"]) == 1
    assert "--tz: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert _counts(cli) == before
    assert main(["organizer", "add", "lead@example.edu", "--group", "emig", "--name",
                 "Lee Lead", "--group-name", "EM Interest Group", "--tz", "america/denver"]) == 0
    out = capsys.readouterr().out
    assert "Created group emig (“EM Interest Group”, time zone America/Denver)." in out
    assert "Assumed" not in out
    group = _group(cli, "emig")
    assert (group.name, group.timezone) == ("EM Interest Group", "America/Denver")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_name_and_zone_are_asked(cli: Core, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Each question shows its suggestion; Enter keeps it (a choice, not an assumption)."""
    monkeypatch.setattr("sys.stdin", _Terminal("EM Interest Group\n\n"))
    assert main(["organizer", "add", "lead@example.edu", "--group", "emig",
                 "--name", "Lee Lead"]) == 0
    out = capsys.readouterr().out
    assert "Display name for the group emig [Emig]: " in out
    assert "Time zone of emig (its digest's day and hour) [UTC]: " in out
    assert "Created group emig (“EM Interest Group”, time zone UTC)." in out
    assert "Assumed" not in out

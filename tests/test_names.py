"""Names that cannot pass for someone else's: zero-width and text-direction characters are
refused in roster rows (with the row number) and group names, stripped from names a
platform hands us, and people whose names differ only by such characters or case are
flagged on import."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app.cli import main
from bot.app.core import Core, PlatformUser
from bot.framework.channels import ChannelRef
from bot.groups import roster
from bot.infra.models import InterestGroup, Person
from bot.people.rules import (
    Likeness,
    invisible_characters,
    name_clashes,
    name_key,
    name_problem,
    without_invisible,
)
from tests.support.factories import Driver, add_faculty, add_group
from tests.support.snapshots import snapshot

HEADER = "name,email,specialty\n"
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069"]
FILLERS = ["\u3164", "\u115f", "\u034f"]


def _import(core: Core, text: str) -> roster.ImportResult:
    with core.db.session() as s:
        return roster.import_csv(s, text, "faculty", now=core.clock.now())


@pytest.mark.parametrize("char", ZERO_WIDTH + BIDI + FILLERS)
def test_each_invisible_or_direction_character_is_found(char: str) -> None:
    name = f"Dr. Wei{char}Xu"
    assert invisible_characters(name) == [char]
    problem = name_problem(name)
    assert problem is not None
    assert f"U+{ord(char):04X} {unicodedata.name(char)}" in problem
    assert "“Dr. WeiXu”" in problem
    assert without_invisible(name) == "Dr. WeiXu"


@given(st.text(alphabet=st.characters(categories=("L", "M", "N", "P", "Zs")), max_size=40))
def test_ordinary_names_in_any_script_pass(name: str) -> None:
    clean = without_invisible(name)
    if clean == name:
        assert name_problem(name) is None


@given(st.text(alphabet=st.characters(categories=("L", "Zs")), min_size=1, max_size=30),
       st.lists(st.sampled_from(ZERO_WIDTH + BIDI), min_size=1, max_size=3),
       st.integers(0, 30))
def test_an_invisible_character_anywhere_gives_the_same_key(name: str, chars: list[str],
                                                            at: int) -> None:
    at = min(at, len(name))
    hidden = name[:at] + "".join(chars) + name[at:]
    assert name_problem(hidden) is not None
    assert name_key(hidden) == name_key(name)


def test_names_differing_in_case_or_spacing_share_a_key() -> None:
    assert name_key("Dr. Wei Xu") == name_key("DR. WEI XU") == name_key("dr.  wei\u200bxu") \
        == name_key("Dr. WeiXu") == name_key("Ｄｒ. Wei Xu")
    assert name_key("Dr. Wei Xu") != name_key("Dr. Wei Xi")


def test_a_roster_row_with_an_invisible_character_is_refused_with_its_row(core: Core) -> None:
    with core.db.session() as s:
        before = snapshot(s)
    text = (HEADER + "Dr. Wei Xu,wei.xu@example.edu,EM\n"
            "Dr. Wei\u200bXu,wei.xu2@example.edu,EM\n"
            "\u202eDr. Ana Lima,ana@example.edu,EM\n")
    with pytest.raises(roster.RosterError) as caught:
        _import(core, text)
    error = caught.value
    assert [p.row for p in error.problems] == [3, 4]
    assert error.reasons_for(3) == (
        "name “Dr. WeiXu” contains an invisible or text-direction character, U+200B ZERO "
        "WIDTH SPACE: retype it without one",)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in error.reasons_for(4)[0]
    assert error.message.startswith("2 rows with problems; nothing was imported.")
    with core.db.session() as s:
        assert snapshot(s) == before


def test_look_alike_names_are_imported_and_flagged(core: Core) -> None:
    with core.db.session() as s:
        add_faculty(s, "Dr. Wei Xu", email="wei.xu@example.edu")
        stored = s.get_one(Person, 1)
        stored.name = "Dr. Wei\u200bXu"  # stored before names were checked
    text = (HEADER + "DR. WEI XU,wxu@example.edu,EM\n"
            "Dr. Ana Lima,ana@example.edu,EM\n"
            "dr. ana lima,ana.lima@example.edu,EM\n"
            "Dr. Wei Xu,wei.xu@example.edu,EM\n"  # the stored person: fixes their name
            "Dr. Omar Reyes,omar@example.edu,EM\n"
            "Dr. Omar Reyes,omar.reyes@example.edu,EM\n")  # same name: two people, said so
    result = _import(core, text)
    assert result.created == 5 and result.updated == 1
    assert result.look_alikes == [
        "Row 2: “DR. WEI XU” <wxu@example.edu> looks the same as “Dr. WeiXu” "
        "<wei.xu@example.edu> (already stored); check they are two different people",
        "Row 4: “dr. ana lima” <ana.lima@example.edu> looks the same as “Dr. Ana Lima” "
        "<ana@example.edu> (row 3); check they are two different people",
        "Row 7: “Dr. Omar Reyes” <omar.reyes@example.edu> has the same name as “Dr. Omar "
        "Reyes” <omar@example.edu> (row 6); check they are two different people",
    ]
    assert result.summary().splitlines()[1:] == result.look_alikes
    with core.db.session() as s:
        assert s.get_one(Person, 1).name == "Dr. Wei Xu"


def test_the_cli_prints_the_flags(core: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.infra.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", core.db.url)
    get_settings.cache_clear()
    try:
        path = tmp_path / "faculty.csv"
        path.write_text(HEADER + "Dr. Ana Lima,ana@example.edu,EM\n"
                        "dr. ana LIMA,ana.lima@example.edu,EM\n", encoding="utf-8")
        assert main(["import", "faculty", str(path)]) == 0
        out = capsys.readouterr().out
        assert "Imported 2 faculty: 2 created" in out
        assert "Row 3: “dr. ana LIMA” <ana.lima@example.edu> looks the same as" in out
    finally:
        get_settings.cache_clear()


def test_the_same_email_is_one_person_and_the_same_name_two_flagged() -> None:
    assert name_clashes([(2, "Dr. Wei Xu", "w@x.edu")], [("dr. wei xu", "W@x.edu")]) == []
    (clash,) = name_clashes([(2, "Sam Lee", "a@x.edu"), (3, "Sam Lee", "b@x.edu")], [])
    assert (clash.row, clash.other_row, clash.likeness) == (3, 2, Likeness.SAME)


def test_group_names_with_invisible_characters_are_refused(core: Core,
                                                          driver: Driver) -> None:
    with core.db.session() as s:
        organizer = add_faculty(s, "Dr. Grace Hopper")
        add_group(s, "seed", organizers=[organizer])
    here = ChannelRef(platform="slack", workspace="T1", channel_id="C1")
    reply = driver.run(organizer, '/mentor group create em-ig name:"EM\u2066 IG" '
                                  "specialty:EM", channel=here)
    assert reply.error and "U+2066 LEFT-TO-RIGHT ISOLATE" in reply.text
    with core.db.session() as s:
        assert s.query(InterestGroup).count() == 1


def test_a_platform_name_loses_its_invisible_characters(core: Core) -> None:
    person_id = core.identify(PlatformUser("slack", "U9", "T1", name="Dr. Wei\u200b\u202eXu"))
    with core.db.session() as s:
        assert s.get_one(Person, person_id).name == "Dr. WeiXu"

"""A name that shows as someone else's: every kind of space is one space (so a second "Dr.
Wei Xu" typed with a no-break space is the same name, and flagged beside the first);
invisible characters (a Braille blank, variation selectors, zero-width spaces) are refused;
a name written with look-alike letters (Cyrillic, Greek, fullwidth), compared by its UTS #39
skeleton, is refused naming the person it passes for. On roster import and on `mentorbot
organizer add --name`, through the real command line."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app.cli import main
from bot.app.core import Core
from bot.infra.models import Person
from bot.people.rules import Likeness, name_clashes, normalize_name, skeletons
from tests.support.factories import add_faculty
from tests.support.snapshots import snapshot

HEADER = "name,email,specialty\n"
SPACES = {"no-break": "\u00a0", "ideographic": "\u3000", "hair": "\u200a",
          "line separator": "\u2028", "thin": "\u2009", "figure": "\u2007",
          "narrow no-break": "\u202f", "paragraph separator": "\u2029"}
LOOK_ALIKES = {
    "Cyrillic е": ("Dr. W\u0435i Xu", "U+0435 CYRILLIC SMALL LETTER IE"),
    "Cyrillic Х": ("Dr. Wei \u0425u", "U+0425 CYRILLIC CAPITAL LETTER HA"),
    "Greek Χ": ("Dr. Wei \u03a7u", "U+03A7 GREEK CAPITAL LETTER CHI"),
    "Greek ι": ("Dr. We\u03b9 Xu", "U+03B9 GREEK SMALL LETTER IOTA"),
    "fullwidth": ("Dr. \uff37ei Xu", "U+FF37 FULLWIDTH LATIN CAPITAL LETTER W"),
    "mathematical": ("Dr. Wei \U0001d417u", "U+1D417 MATHEMATICAL BOLD CAPITAL X"),
}
INVISIBLE = {"Braille blank": ("Dr.\u2800Wei Xu", "U+2800 BRAILLE PATTERN BLANK"),
             "variation selector": ("Dr. Wei\ufe0f Xu", "U+FE0F VARIATION SELECTOR-16"),
             "variation selector 17": ("Dr. Wei Xu\U000e0100",
                                       "U+E0100 VARIATION SELECTOR-17"),
             "zero-width space": ("Dr. Wei\u200bXu", "U+200B ZERO WIDTH SPACE")}
"""Each name, and the character a refusal names; shown without it ("Dr.Wei Xu")."""


def _letter(name: str, code: str) -> str:
    """The look-alike letter as a refusal names it: the letter, its code point and name."""
    char = chr(int(code.split()[0][2:], 16))
    assert char in name
    return f"{char} {code}"


@pytest.fixture
def wei(cli: Core) -> int:
    with cli.db.session() as session:
        return add_faculty(session, "Dr. Wei Xu", email="wei.xu@example.edu").id


def _import(tmp_path: Path, rows: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "faculty.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    code = main(["import", "faculty", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _people(core: Core) -> list[tuple[str, str]]:
    with core.db.session() as session:
        return sorted((p.name, p.email or "") for p in session.scalars(select(Person)))


# --- the same name, typed with another space ------------------------------------------------


@pytest.mark.parametrize("space", sorted(SPACES))
def test_a_second_wei_xu_typed_with_another_space_is_flagged_beside_the_first(
        cli: Core, wei: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        space: str) -> None:
    typed = f"Dr.{SPACES[space]}Wei{SPACES[space]}{SPACES[space]}Xu"
    code, out = _import(tmp_path, f'"{typed}",wxu2@example.edu,EM\n', capsys)
    assert code == 0, out
    assert ("Row 2: “Dr. Wei Xu” <wxu2@example.edu> has the same name as “Dr. Wei Xu” "
            "<wei.xu@example.edu> (already stored); check they are two different people") in out
    assert ("Dr. Wei Xu", "wxu2@example.edu") in _people(cli)  # stored with plain spaces


def test_two_rows_of_one_name_name_each_other(cli: Core, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(tmp_path, "Dr. Ada Byron,ada@example.edu,EM\n"
                                  "Dr.\u00a0Ada Byron,ada.b@example.edu,EM\n", capsys)
    assert code == 0
    assert ("Row 3: “Dr. Ada Byron” <ada.b@example.edu> has the same name as “Dr. Ada Byron” "
            "<ada@example.edu> (row 2)") in out


# --- other letters that look the same -------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(LOOK_ALIKES))
def test_a_look_alike_of_a_stored_name_is_refused_naming_both(
        cli: Core, wei: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        kind: str) -> None:
    name, letter = LOOK_ALIKES[kind]
    with cli.db.session() as session:
        before = snapshot(session)
    code, out = _import(tmp_path, f"Dr. Ana Lima,ana@example.edu,EM\n"
                                  f"{name},fake@example.edu,EM\n", capsys)
    assert code != 0
    shown = unicodedata.normalize("NFC", name)
    assert (f"Row 3: name “{shown}” looks the same as “Dr. Wei Xu” <wei.xu@example.edu> "
            f"(already stored) but is written with other letters "
            f"({_letter(name, letter)}") in out, out
    assert "nothing was imported" in out
    with cli.db.session() as session:
        assert snapshot(session) == before


def test_a_look_alike_within_the_file_names_the_earlier_row(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(tmp_path, "Dr. Omar Reyes,omar@example.edu,EM\n"
                                  "Dr. \u039fmar Reyes,omar2@example.edu,EM\n", capsys)
    assert code != 0
    assert ("Row 3: name “Dr. Οmar Reyes” looks the same as “Dr. Omar Reyes” "
            "<omar@example.edu> (row 2) but is written with other letters "
            "(Ο U+039F GREEK CAPITAL LETTER OMICRON)") in out
    assert _people(cli) == []


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_an_invisible_character_in_a_roster_name_is_refused(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    name, char = INVISIBLE[kind]
    code, out = _import(tmp_path, f"{name},someone@example.edu,EM\n", capsys)
    assert code != 0 and f"contains an invisible or text-direction character, {char}" in out
    assert _people(cli) == []


# --- mentorbot organizer add --name ---------------------------------------------------------


def _add(name: str, capsys: pytest.CaptureFixture[str],
         email: str = "new.lead@example.edu") -> tuple[int, str]:
    code = main(["organizer", "add", email, "--group", "em-interest", "--name", name])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_organizer_add_refuses_an_invisible_character(
        cli: Core, wei: int, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    with cli.db.session() as session:
        before = snapshot(session)
    name, char = INVISIBLE[kind]
    code, out = _add(name, capsys)
    assert code == 1
    shown = "".join(c for c in name if c not in "\u2800\ufe0f\U000e0100\u200b")
    assert out == (f"--name “{shown}” contains an invisible or text-direction character, "
                   f"{char}: retype it without one.\n")
    with cli.db.session() as session:
        assert snapshot(session) == before


@pytest.mark.parametrize("kind", sorted(LOOK_ALIKES))
def test_organizer_add_refuses_a_look_alike_of_someone(
        cli: Core, wei: int, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    with cli.db.session() as session:
        before = snapshot(session)
    name, letter = LOOK_ALIKES[kind]
    code, out = _add(name, capsys)
    assert code == 1
    assert ("looks the same as “Dr. Wei Xu” <wei.xu@example.edu> (already stored) but is "
            f"written with other letters ({_letter(name, letter)}") in out, out
    assert "Nothing was changed." in out
    with cli.db.session() as session:
        assert snapshot(session) == before


def test_organizer_add_names_someone_of_the_same_name_and_goes_on(
        cli: Core, wei: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _add("Dr.\u3000Wei\u00a0Xu", capsys)
    assert code == 0, out
    assert ("Note: --name: “Dr. Wei Xu” <new.lead@example.edu> has the same name as “Dr. Wei "
            "Xu” <wei.xu@example.edu> (already stored); check they are two different "
            "people.") in out
    assert "Added Dr. Wei Xu <new.lead@example.edu>." in out


def test_organizer_add_refuses_a_control_character(cli: Core,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _add("Lee\x1b[31m Lead", capsys)
    assert code == 1 and "name: holds a control character (U+001B ESCAPE" in out
    assert _people(cli) == []


# --- the rules ------------------------------------------------------------------------------


def _alike(a: str, b: str) -> bool:
    return bool(set(skeletons(a)) & set(skeletons(b)))


def test_skeletons_tell_look_alikes_from_different_names() -> None:
    for name, _ in LOOK_ALIKES.values():
        assert _alike(name, "Dr. Wei Xu"), name
    assert _alike("DR. WEI XU", "Dr. Wei Xu")
    for other in ("Dr. Wel Xu", "Dr. Wei Xi", "Dr. Wei Xu Jr", "José Diaz"):
        assert not _alike(other, "Dr. Wei Xu"), other
    assert not _alike("José Diaz", "Jose Diaz")  # an accent makes a different name
    assert not _alike("Ali Khan", "All Khan")
    assert not _alike("Dr. Wei χu", "Dr. Wei Xu")  # a small chi is no x


@given(st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12),
       st.lists(st.sampled_from(sorted(SPACES.values())), min_size=1, max_size=3))
def test_any_spaces_make_one_space(word: str, spaces: list[str]) -> None:
    name = f"Dr.{''.join(spaces)}{word}"
    assert normalize_name(name) == normalize_name(f"Dr. {word}")
    (clash,) = name_clashes([(2, name, "a@x.edu")], [(f"Dr. {word}", "b@x.edu")])
    assert clash.likeness == Likeness.SAME

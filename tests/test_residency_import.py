"""`mentorbot programs import CSV [--group SLUG]` and `mentorbot programs list`: the program
list is checked all-or-nothing with spreadsheet row numbers and reasons, like the roster;
the region is derived from the state; a re-import changes nothing; listing only reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.cli import main
from bot.app.core import Core
from bot.infra.models import ResidencyProgram
from bot.residency import importing
from tests.support.factories import add_group
from tests.support.residency import em_rows

HEADER = ",".join(importing.COLUMNS)
GOOD = "Riverside EM,EM,Providence,RI,academic,10,j1;h1b,yes,yes,247.5,ResidencyCAS,yes," \
       "https://riverside.example.org"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "programs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _programs(core: Core) -> int:
    with core.db.session() as session:
        return session.scalar(select(func.count()).select_from(ResidencyProgram)) or 0


def test_a_bad_row_refuses_the_file_with_row_numbers_and_reasons(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cli.db.session() as session:
        add_group(session, "em-interest")
    path = _write(tmp_path, HEADER, GOOD,
                  "Mercy EM,cardiolgy,Dayton,Ohio,hospital,many,f1,maybe,,301,AMCAS,,ftp://x",
                  "",
                  "riverside em,emergency medicine,,ri,,,,,,,,,",
                  ",EM,,TX,,,,,,,,,")
    assert main(["programs", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: 3 rows with problems; nothing was imported." in err
    assert ("Row 3: specialty “cardiolgy” is not one I know; did you mean cardiology, "
            "interventional cardiology or advanced heart failure and transplant cardiology?; "
            "state must be a two-letter code: write OH for Ohio; type must be academic, "
            "community or community-academic, not “hospital”; positions must be a whole "
            "number from 0 to 500, not “many”; visa must be none, j1, h1b or both (j1;h1b), "
            "not “f1”; takes_do must be yes or no, not “maybe”; step2_mean must be a Step 2 CK "
            "score from 1 to 300, not “301”; portal must be ERAS or ResidencyCAS, not “AMCAS”; "
            "url must be a web address starting http:// or https://, not “ftp://x”") in err
    assert "Row 5: the same program (riverside em, RI) is already on row 2" in err
    assert "Row 6: name is empty" in err
    assert _programs(cli) == 0


def test_import_stores_programs_with_their_region_and_a_reimport_changes_nothing(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cli.db.session() as session:
        add_group(session, "em-interest")
    path = _write(tmp_path, HEADER, GOOD, "County EM,emergency medicine,Brooklyn,ny,"
                  "community-academic,,none,yes,no,,ERAS,no,")
    assert main(["programs", "import", str(path)]) == 0
    assert capsys.readouterr().out.strip() == (
        "Imported 2 programs into em-interest: 2 created, 0 updated, 0 unchanged.")
    with cli.db.session() as session:
        stored = {p.name: p for p in session.scalars(select(ResidencyProgram))}
    riverside, county = stored["Riverside EM"], stored["County EM"]
    assert (riverside.specialty, riverside.state, riverside.region, riverside.visa,
            riverside.step2_mean, riverside.portal) == (
        "emergency medicine", "RI", "Northeast", "j1;h1b", 248, "ResidencyCAS")
    assert (county.visa, county.takes_img, county.signals, county.step2_mean) == (
        "none", False, False, None)
    assert main(["programs", "import", str(path)]) == 0
    assert "0 created, 0 updated, 2 unchanged. Nothing changed." in capsys.readouterr().out
    assert main(["programs", "list", "--specialty", "EM", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["group"], r["name"], r["region"]) for r in listed] == [
        ("em-interest", "County EM", "Northeast"), ("em-interest", "Riverside EM", "Northeast")]


def test_the_group_must_be_named_when_there_are_several(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cli.db.session() as session:
        add_group(session, "em-interest")
        add_group(session, "im-interest")
    path = _write(tmp_path, HEADER, GOOD)
    assert main(["programs", "import", str(path)]) == 1
    assert "Name the group with --group SLUG (groups: em-interest, im-interest)." in \
        capsys.readouterr().err
    assert main(["programs", "import", str(path), "--group", "im-interest"]) == 0
    assert _programs(cli) == 1


def test_a_file_missing_a_required_column_is_refused(
        cli: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with cli.db.session() as session:
        add_group(session, "em-interest")
    path = _write(tmp_path, "name,city,state", "Riverside EM,Providence,RI")
    assert main(["programs", "import", str(path)]) == 1
    assert "Row 1: missing required column: specialty" in capsys.readouterr().err


def test_a_large_list_imports_in_one_pass(cli: Core, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with cli.db.session() as session:
        add_group(session, "em-interest")
    path = tmp_path / "big.csv"
    path.write_text(importing.to_csv(em_rows(400)), encoding="utf-8")
    assert main(["programs", "import", str(path)]) == 0
    assert "400 created" in capsys.readouterr().out
    assert _programs(cli) == 400


def test_the_verbs_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["programs", "import", "--help"], ["programs", "list", "--help"],
                 ["residency", "plan", "--help"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
    out = capsys.readouterr().out
    assert ",".join(importing.COLUMNS) in out.replace("\n", "").replace(" ", "") or \
        "name,specialty,city,state" in out
    assert "--count N" in out and "--json" in out

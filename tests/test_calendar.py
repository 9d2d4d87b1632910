"""`/letter calendar`: an .ics file that parses back with the icalendar library, one event per
date with stable UIDs, and the console saves it and prints the path."""

from __future__ import annotations

import io
from datetime import date

from icalendar import Calendar
from sqlalchemy import select

from adapters.console.shell import Shell
from bot.infra.models import Letter
from tests.support.factories import add_faculty, add_student


def events(content: bytes) -> dict[str, dict[str, object]]:
    cal = Calendar.from_ical(content)
    return {
        str(e["UID"]): {"start": e.decoded("DTSTART"), "end": e.decoded("DTEND"),
                        "summary": str(e["SUMMARY"]), "status": str(e["STATUS"]),
                        "sequence": int(e["SEQUENCE"])}
        for e in cal.walk("VEVENT")
    }


def test_calendar_has_each_date_once_with_stable_uids(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz="America/New_York")
        add_faculty(s, "Dr. Jane Smith")
    driver.run(ana, '/letter remind Dr. Jane Smith due:2027-04-19 program:"EM residency" '
                    "kind:specialty portal:ERAS")
    driver.run(ana, "/letter remind Bob Outsider due:2027-06-01 kind:research")
    with core.db.session() as s:
        first, second = s.scalars(select(Letter.id).order_by(Letter.id)).all()
    reply = driver.run(ana, "/letter calendar")
    assert not reply.error, reply.as_text()
    assert reply.attachment is not None
    assert (reply.attachment.filename, reply.attachment.mime_type) == ("letters.ics",
                                                                       "text/calendar")
    got = events(reply.attachment.content)
    assert len(got) == 6
    assert got[f"letter-{first}-askby@mentorbot"]["start"] == date(2027, 3, 8)
    assert got[f"letter-{first}-personal@mentorbot"]["start"] == date(2027, 4, 5)
    assert got[f"letter-{first}-deadline@mentorbot"]["start"] == date(2027, 4, 19)
    assert got[f"letter-{first}-deadline@mentorbot"]["end"] == date(2027, 4, 20)
    assert "EM residency" in got[f"letter-{first}-deadline@mentorbot"]["summary"]
    assert got[f"letter-{second}-askby@mentorbot"]["start"] == date(2027, 4, 20)
    assert {e["status"] for e in got.values()} == {"CONFIRMED"}

    # after a change the same UIDs come back, newer, and a declined letter is cancelled
    driver.run(ana, f"/letter update {second} asked")
    driver.run(ana, f"/letter update {second} declined")
    again = events(driver.run(ana, "/letter calendar").attachment.content)
    assert set(again) == set(got)
    assert again[f"letter-{second}-deadline@mentorbot"]["status"] == "CANCELLED"
    assert again[f"letter-{second}-deadline@mentorbot"]["sequence"] > \
        got[f"letter-{second}-deadline@mentorbot"]["sequence"]
    assert again[f"letter-{first}-askby@mentorbot"] == got[f"letter-{first}-askby@mentorbot"]


def test_calendar_with_no_letters_is_refused(core, driver):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
    reply = driver.run(ana, "/letter calendar")
    assert reply.error and reply.attachment is None


def test_console_writes_the_file_and_prints_its_path(core, tmp_path, monkeypatch):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz="America/New_York")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    lines = "/letter remind Bob Outsider due:2027-06-01 kind:research\n/letter calendar\n"
    shell = Shell(core, ana.id, "Ana Diaz", stdin=io.StringIO(lines), stdout=out)
    assert shell.run() == 0
    path = tmp_path / "letters.ics"
    assert f"Wrote {path}" in out.getvalue()
    assert len(events(path.read_bytes())) == 3

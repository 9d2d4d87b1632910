"""One personal deadline: the date a writer sees (`/letter list` as faculty, their Home tab,
the writer-deadline reminder as sent) is the date the student sees (`/letter list`, the
packet checklist, the packet draft), whatever day it is read: in time, after the date
told at the ask has passed, asked late, on the last days. Both read `rules.personal_deadline`
(the writer through `rules.writer_personal`), on the student's calendar.

Each case moves one letter to packet-sent, asked on `asked`, and reads every view on
`read`; the rule gives the expected day. The writer is in Los Angeles, the student in New
York: the day is the student's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.home.dashboard import dashboard
from bot.infra.models import Nudge
from bot.infra.zones import format_day
from bot.letters import rules
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, nudges, track
from tests.support.nudges import delivered

NY = "America/New_York"
LA = "America/Los_Angeles"
_DAY = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d \w{3} \d{4}")


@dataclass(frozen=True)
class Case:
    deadline: date
    asked: date  # the student's day of the ask (the clock starts Mon 4 Jan 2027)
    read: date  # the student's day every view is read on

    @property
    def expected(self) -> date:
        return rules.personal_deadline(self.deadline, today=self.read, asked_on=self.asked).on


CASES = {
    "in time, read before the date told": Case(date(2027, 3, 15), date(2027, 1, 4),
                                               date(2027, 2, 20)),
    "the date told has passed, the deadline has not": Case(date(2027, 3, 15),
                                                           date(2027, 1, 4),
                                                           date(2027, 3, 5)),
    "asked late, read before the date told": Case(date(2027, 1, 14), date(2027, 1, 4),
                                                  date(2027, 1, 8)),
    "asked late, the date told has passed": Case(date(2027, 1, 14), date(2027, 1, 4),
                                                 date(2027, 1, 12)),
    "the day before the deadline": Case(date(2027, 3, 15), date(2027, 1, 4),
                                        date(2027, 3, 14)),
}


def first_date_after(text: str, marker: str) -> date:
    part = text.split(marker, 1)[1]
    found = _DAY.search(part)
    assert found, part
    return datetime.strptime(found.group(), "%a %d %b %Y").date()


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_writer_and_the_student_see_one_personal_deadline(core, driver, clock,
                                                             case: Case) -> None:
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        smith = add_faculty(s, "Dr. Jane Smith", tz=LA)
    letter_id = track(driver, ana, f'Dr. Jane Smith due:{case.deadline} program:"EM '
                                   'residency" kind:specialty portal:ERAS')
    move(driver, ana, letter_id, "packet-sent")
    reading = datetime(case.read.year, case.read.month, case.read.day, 17, 0, tzinfo=UTC)
    clock.set(reading)  # noon in New York, 9:00 in Los Angeles: the same day in both
    expected = case.expected
    assert expected >= case.read

    student_list = driver.run(ana, "/letter list").as_text()
    student_packet = driver.run(ana, f"/letter packet {letter_id}").as_text()
    student_draft = driver.run(ana, f"/letter draft packet {letter_id}").sections[1].text
    writer_list = driver.run(smith, "/letter list").as_text()
    with core.db.session() as s:
        home = dashboard(s, s.get(type(smith), smith.id), reading, core.settings).as_text()
    views = {
        "student /letter list": first_date_after(student_list,
                                                 "The writer submits by your personal deadline"),
        "student packet checklist": first_date_after(student_packet, "Tell Dr. Jane Smith"),
        "student packet draft": first_date_after(student_draft, "Could you submit it by")
        if expected < case.deadline else first_date_after(student_draft, "Could you submit"),
        "writer /letter list": first_date_after(writer_list, "Their deadline for you:"),
        "writer Home tab": first_date_after(home, "Their deadline for you:"),
    }
    assert views == dict.fromkeys(views, expected), (format_day(expected), views)

    # the writer's reminder, worded as it would be sent on the reading day
    reminder = _a_writer_reminder(core, letter_id)
    if reminder is not None and case.read <= case.deadline:
        text = delivered(core.db, reminder, reading).as_text()
        assert first_date_after(text, "asked for your letter by") == expected


def _a_writer_reminder(core, letter_id: int) -> Nudge | None:
    found = [n for n in nudges(core, letter_id) if n.kind == "writer-deadline"]
    return found[0] if found else None


def test_the_issue_case_in_words(core, driver, clock) -> None:
    """The writer saw a passed personal deadline while the student saw a new one. Now both
    read Fri 12 Mar 2027 (the deadline less 3 days) once the Mon 01 Mar told at the ask has
    gone."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        smith = add_faculty(s, "Dr. Jane Smith", tz=LA)
    letter_id = track(driver, ana, 'Dr. Jane Smith due:2027-03-15 program:"EM residency" '
                                   "kind:specialty portal:ERAS")
    move(driver, ana, letter_id, "packet-sent")
    clock.set(datetime(2027, 3, 5, 17, 0, tzinfo=UTC))
    assert "Their deadline for you: Fri 12 Mar 2027" in driver.run(smith, "/letter list").as_text()
    assert "The writer submits by your personal deadline — by Fri 12 Mar 2027" in \
        driver.run(ana, "/letter list").as_text()

"""Dates that make sense: every date the bot asks a student to act on, or to tell a writer,
is today or later. When the ideal one has passed the bot says so and gives the best date
still possible (the real deadline less a few days, never before tomorrow): in `/letter
remind`'s timeline, the packet checklist, the nudges, the drafts, `/letter list` and the
calendar. Through the real core on SQLite and PostgreSQL; the clock starts Mon 4 Jan 2027,
10:00 in New York."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import select

from bot.app.planning import plan_all
from bot.infra.models import Nudge
from bot.letters import rules
from tests.support.factories import add_faculty, add_student
from tests.support.letters import move, nudges, track
from tests.support.nudges import delivered

NY = "America/New_York"
TODAY = date(2027, 1, 4)
_DAY = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d \w{3} \d{4}")


def people(core):
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", tz=NY)
        add_faculty(s, "Dr. Jane Smith")
    return ana


def day(text: str) -> date:
    return datetime.strptime(text, "%a %d %b %Y").date()


def told_dates(text: str, marker: str) -> list[date]:
    """The first date after each `marker` in `text`."""
    out = []
    for part in text.split(marker)[1:]:
        found = _DAY.search(part)
        assert found, part
        out.append(day(found.group()))
    return out


def test_a_letter_tracked_ten_days_out_never_gives_a_gone_personal_deadline(core, driver,
                                                                           clock):
    """The issue's case: tracked 10 days before its deadline, the letter told the student
    "Tell them your deadline for them" with a date 4 days gone."""
    ana = people(core)
    deadline = TODAY + timedelta(days=10)  # Thu 14 Jan 2027; ideal personal: Thu 31 Dec
    best = deadline - timedelta(days=rules.LATE_PERSONAL_DAYS)  # Mon 11 Jan
    reply = driver.run(ana, f"/letter remind Dr. Jane Smith due:{deadline} kind:specialty "
                            'program:"EM residency" portal:ERAS')
    text = reply.as_text()
    assert ("Personal deadline for the writer: Mon 11 Jan 2027 — the ideal date, Thu 31 Dec "
            "2026 (deadline − 14 days), has passed: tell your writer this one, the best date "
            "still possible") in text
    assert ("Ask by: today, Mon 04 Jan 2027 — the ideal date, Thu 03 Dec 2026 (deadline − 6 "
            "weeks), has passed: ask now") in text
    letter_id = int(reply.title.split("#")[1].split()[0])
    # the next morning's last-call nudge tells the best date, and names the gone one as gone
    (late,) = [n for n in nudges(core, letter_id) if n.kind == "letter-ask-late"]
    assert late.due_at == datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    late_text = delivered(core.db, late).as_text()  # as sent that morning
    assert told_dates(late_text, "Tell them your deadline for them:") == [best]
    assert "(the ideal date, Thu 31 Dec 2026, 14 days before the deadline, has passed" in \
        late_text
    # the packet checklist, the ask draft and the update reply tell the same date
    packet = driver.run(ana, f"/letter packet {letter_id}").as_text()
    assert told_dates(packet, "Tell Dr. Jane Smith") == [best]
    draft = driver.run(ana, f"/letter draft ask {letter_id}").as_text()
    assert told_dates(draft, "your deadline for them is") == [best]
    assert told_dates(draft, "Could you submit it by") == [best]
    asked = driver.run(ana, f"/letter update {letter_id} asked").as_text()
    assert told_dates(asked, "your personal deadline for them is") == [best]
    # no reminder is planned for a gone day: the check-in would fall on the day the writer
    # was told, which is the deadline reminder's own day, so that one says it all
    pending = {n.kind: n.due_at for n in nudges(core, letter_id, state="pending")}
    assert pending == {"letter-deadline": datetime(2027, 1, 11, 15, 0, tzinfo=UTC)}


def test_the_check_in_falls_on_the_day_the_writer_was_told(core, driver, clock):
    ana = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-02-03 kind:specialty")
    clock.set(datetime(2027, 1, 22, 15, 0, tzinfo=UTC))  # 12 days out: the ideal is gone
    asked = driver.run(ana, f"/letter update {letter_id} asked").as_text()
    assert told_dates(asked, "your personal deadline for them is") == [date(2027, 1, 31)]
    pending = {n.kind: n for n in nudges(core, letter_id, state="pending")}
    assert pending["letter-deadline"].due_at == datetime(2027, 1, 31, 15, 0, tzinfo=UTC)
    assert "letter-checkin" not in pending  # the deadline reminder's own day
    # asked in time, the check-in falls on the ideal personal deadline
    early = track(driver, ana, "Bob Outsider due:2027-03-15 kind:research")
    move(driver, ana, early, "asked")
    (checkin,) = [n for n in nudges(core, early, state="pending") if n.kind == "letter-checkin"]
    assert checkin.due_at == datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
    assert "Today is the personal deadline you gave Bob Outsider (Mon 01 Mar 2027)" in \
        delivered(core.db, checkin).as_text()


def test_a_day_or_two_out_the_personal_deadline_is_tomorrow_at_the_earliest(core, driver):
    ana = people(core)
    for days_left, expected in ((2, TODAY + timedelta(days=1)), (1, TODAY + timedelta(days=1)),
                                (0, TODAY)):
        deadline = TODAY + timedelta(days=days_left)
        reply = driver.run(ana, f"/letter remind Dr. Jane Smith due:{deadline} kind:specialty "
                                f"program:P{days_left}")
        assert told_dates(reply.as_text(), "Personal deadline for the writer:") == [expected]


def test_the_packet_checklist_restates_a_date_still_ahead(core, driver, clock):
    """Asked on time, the writer was told the ideal personal deadline; once that has
    passed with the packet still open, the checklist gives the best date left."""
    ana = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-03-15 kind:specialty")
    move(driver, ana, letter_id, "agreed")
    packet = driver.run(ana, f"/letter packet {letter_id}").as_text()
    assert told_dates(packet, "Tell Dr. Jane Smith") == [date(2027, 3, 1)]
    clock.set(datetime(2027, 3, 5, 15, 0, tzinfo=UTC))
    later = driver.run(ana, f"/letter packet {letter_id}").as_text()
    assert told_dates(later, "Tell Dr. Jane Smith") == [date(2027, 3, 12)]
    assert "the ideal date, Mon 01 Mar 2027" in later


def test_list_and_dashboard_never_ask_for_a_day_gone(core, driver, clock):
    from bot.home.dashboard import dashboard

    ana = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-03-15 kind:specialty")
    move(driver, ana, letter_id, "agreed")  # packet due Wed 6 Jan
    clock.set(datetime(2027, 1, 20, 15, 0, tzinfo=UTC))
    text = driver.run(ana, "/letter list").as_text()
    assert ("Next step: Send the packet — by today, Wed 20 Jan 2027 (the ideal date, Wed 06 "
            "Jan 2027, has passed)") in text
    with core.db.session() as s:
        from bot.infra.models import Person

        home = dashboard(s, s.get(Person, ana.id), clock.now(), core.settings).as_text()
    assert "Send the packet — by today, Wed 20 Jan 2027" in home


def test_the_calendar_puts_days_to_act_on_today_or_later(core, driver):
    ana = people(core)
    late = track(driver, ana, "Dr. Jane Smith due:2027-01-14 kind:specialty")
    early = track(driver, ana, "Bob Outsider due:2027-06-01 kind:research")
    content = driver.run(ana, "/letter calendar").attachment.content
    got = {str(e["UID"]): (e.decoded("DTSTART"), str(e["DESCRIPTION"]))
           for e in Calendar.from_ical(content).walk("VEVENT")}
    assert got[f"letter-{late}-askby@mentorbot"][0] == TODAY
    assert "The ideal ask-by date, Thu 03 Dec 2026, has passed" in \
        got[f"letter-{late}-askby@mentorbot"][1]
    assert got[f"letter-{late}-personal@mentorbot"][0] == date(2027, 1, 11)
    assert "the ideal one, Thu 31 Dec 2026, has passed" in \
        got[f"letter-{late}-personal@mentorbot"][1]
    assert got[f"letter-{early}-askby@mentorbot"][0] == date(2027, 4, 20)
    assert got[f"letter-{early}-personal@mentorbot"][0] == date(2027, 5, 18)
    assert all(start >= TODAY for start, _ in got.values())


@pytest.mark.parametrize("days_left", [0, 1, 3, 9, 14, 20, 27, 29, 41, 43, 90])
def test_every_date_a_new_letter_asks_for_is_today_or_later(core, driver, clock, days_left):
    """Whatever the lead time: the remind reply's ask and personal dates, and every nudge's
    ask and personal dates (worded for the day it falls on), are never before that day."""
    ana = people(core)
    deadline = TODAY + timedelta(days=days_left)
    reply = driver.run(ana, f"/letter remind Dr. Jane Smith due:{deadline} kind:specialty")
    text = reply.as_text()
    assert all(d >= TODAY for d in told_dates(text, "Ask by:"))
    assert all(d >= TODAY for d in told_dates(text, "Personal deadline for the writer:"))
    letter_id = int(reply.title.split("#")[1].split()[0])
    with core.db.session() as s:
        plan_all(s, clock.now(), core.settings)
    for nudge in nudges(core, letter_id):
        due_day = nudge.due_at.astimezone(UTC).date()
        for marker in ("Tell them your deadline for them:", "Ask by"):
            assert all(d >= due_day for d in told_dates(nudge.text, marker)), nudge.text


@given(deadline=st.dates(date(2026, 12, 1), date(2027, 6, 1)),
       asked=st.one_of(st.none(), st.dates(date(2026, 10, 1), date(2027, 6, 1))),
       today=st.dates(date(2026, 12, 1), date(2027, 6, 1)))
def test_personal_deadline_rules(deadline, asked, today):
    if asked is not None and asked > today:
        asked = today
    due = rules.personal_deadline(deadline, today=today, asked_on=asked)
    assert due.ideal == deadline - timedelta(days=rules.PERSONAL_DEADLINE_DAYS)
    if deadline > today:
        assert today < due.on <= deadline  # never before tomorrow, never after the deadline
    else:
        assert due.on == today
    assert due.late == (due.on != due.ideal)
    if due.late:
        assert due.ideal <= today or (asked is not None and due.ideal <= asked)
    told = rules.told_personal(deadline, asked or today)
    if told > today:
        assert due.on == told  # the date told at the ask holds while it is ahead


def test_nudges_due_lists_late_letters_with_dates_ahead(core, driver, clock):
    ana = people(core)
    letter_id = track(driver, ana, "Dr. Jane Smith due:2027-01-14 kind:specialty")
    with core.db.session() as s:
        kinds = dict(s.execute(select(Nudge.kind, Nudge.due_at).where(
            Nudge.subject_id == letter_id, Nudge.state == "pending")).all())
    # started after its last call: one reminder next morning, then the deadline's; no
    # check-in on the deadline reminder's own day
    assert kinds == {"letter-ask-late": datetime(2027, 1, 5, 15, 0, tzinfo=UTC),
                     "letter-deadline": datetime(2027, 1, 11, 15, 0, tzinfo=UTC)}

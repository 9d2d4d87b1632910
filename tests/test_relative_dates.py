"""Relative dates read as most people mean them, on every weekday, with a fixed clock: "next
friday" is the Friday of next week (on a Wednesday too), and the reply shows the date read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.infra.dates import WEEK_STARTS, parse_day, week_start
from tests.support.factories import add_faculty, add_student
from tests.support.properties import examples

MONDAY = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _on(weekday: int) -> datetime:
    return MONDAY + timedelta(days=weekday)


# Expected days, by the weekday the phrase is read on (Mon 4 Jan … Sun 10 Jan 2027).
NEXT_WEEK_FRIDAY = date(2027, 1, 15)


@pytest.mark.parametrize("weekday", range(7), ids=DAYS)
@pytest.mark.parametrize("phrase", ["next friday", "Next Friday", "next fri", "on next friday",
                                    "friday next week", "next week friday",
                                    "friday of next week"])
def test_next_friday_is_the_friday_of_next_week(phrase, weekday):
    assert parse_day(phrase, tz="UTC", now=_on(weekday)) == NEXT_WEEK_FRIDAY


@pytest.mark.parametrize(("weekday", "expected"), [
    (0, date(2027, 1, 8)), (1, date(2027, 1, 8)), (2, date(2027, 1, 8)), (3, date(2027, 1, 8)),
    (4, date(2027, 1, 15)), (5, date(2027, 1, 15)), (6, date(2027, 1, 15)),
], ids=DAYS)
def test_this_coming_friday_and_plain_friday_are_the_next_one_after_today(weekday, expected):
    now = _on(weekday)
    assert parse_day("this coming friday", tz="UTC", now=now) == expected
    assert parse_day("coming friday", tz="UTC", now=now) == expected
    assert parse_day("friday", tz="UTC", now=now) == expected


@pytest.mark.parametrize("weekday", range(7), ids=DAYS)
def test_other_relative_forms_on_every_weekday(weekday):
    now = _on(weekday)
    today = now.date()
    assert parse_day("tomorrow", tz="UTC", now=now) == today + timedelta(days=1)
    assert parse_day("in 3 days", tz="UTC", now=now) == today + timedelta(days=3)
    assert parse_day("next week", tz="UTC", now=now) == today + timedelta(weeks=1)
    assert parse_day("in 2 weeks", tz="UTC", now=now) == today + timedelta(weeks=2)
    assert parse_day("a week from today", tz="UTC", now=now) == today + timedelta(weeks=1)
    assert parse_day("two weeks from now", tz="UTC", now=now) == today + timedelta(weeks=2)
    assert parse_day("next monday", tz="UTC", now=now) == date(2027, 1, 11)
    assert parse_day("next sunday", tz="UTC", now=now) == date(2027, 1, 17)
    assert parse_day("next month", tz="UTC", now=now) == date(2027, 2, today.day)
    last_friday = date(2027, 1, 1) if weekday <= 4 else date(2027, 1, 8)
    assert parse_day("last friday", tz="UTC", now=now, when="past") == last_friday


def test_the_week_is_read_in_the_persons_zone():
    """Late on a Thursday in Los Angeles is Friday in UTC: "next friday" follows the
    person's own day."""
    late_thursday_la = datetime(2027, 1, 8, 5, 0, tzinfo=UTC)
    assert parse_day("next friday", tz="America/Los_Angeles", now=late_thursday_la) == \
        date(2027, 1, 15)
    assert parse_day("this coming friday", tz="America/Los_Angeles",
                     now=late_thursday_la) == date(2027, 1, 8)
    assert week_start(date(2027, 1, 10)).weekday() == WEEK_STARTS


def test_a_relative_form_in_the_past_is_still_an_error():
    with pytest.raises(UserError, match="in the future"):
        parse_day("next friday", tz="UTC", now=MONDAY, when="past")


def test_the_reply_shows_the_date_read(core, driver, clock):
    clock.set(_on(2))  # a Wednesday
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        add_faculty(s, "Dr. Maya Kim")
        doc = add_faculty(s, "Dr. Away Soon")
    todo = driver.run(ana, '/mentor todo "Dr. Maya Kim" read the guide due:"next friday"')
    assert not todo.error, todo.as_text()
    assert "Due Fri 15 Jan 2027" in todo.text
    away = driver.run(doc, '/mentor profile away:"next friday"')
    assert not away.error, away.as_text()
    assert "Away until Fri 15 Jan 2027" in away.text


_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@settings(max_examples=examples(200), deadline=None)
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 24)),
       weekday=st.integers(min_value=0, max_value=6),
       abbreviated=st.booleans())
def test_next_weekday_is_always_in_the_week_after_this_one(today, weekday, abbreviated):
    """Any day, any weekday: "next <day>" is that weekday of the following week, 1 to 13
    days ahead, and "this coming <day>" is the first such day after today."""
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    name = _NAMES[weekday][:3] if abbreviated else _NAMES[weekday]
    day = parse_day(f"next {name}", tz="UTC", now=now)
    assert day.weekday() == weekday
    assert week_start(day) == week_start(today) + timedelta(weeks=1)
    assert 1 <= (day - today).days <= 13
    coming = parse_day(f"this coming {name}", tz="UTC", now=now)
    assert coming.weekday() == weekday and 1 <= (coming - today).days <= 7

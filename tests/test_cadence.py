"""The pure rhythm rules: next follow-up across DST, rhythms by kind, reading a rhythm, and
the relationship rules (overdue items, transactional stretches, keep-in-touch)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.mentoring import rules
from bot.mentoring.cadence import (
    default_cadence_days,
    describe_cadence,
    last_contact,
    latest_occurrence,
    next_followup,
    parse_cadence,
)
from bot.mentoring.outline import UPDATE_OUTLINE, outline_text

NY = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_weekly_followup_across_spring_forward_keeps_local_hour():
    # Wed 10 Mar 2027 10:00 EST; clocks go forward on Sun 14 Mar.
    last = utc(2027, 3, 10, 15, 0)
    due = next_followup(last, utc(2027, 1, 1), 7, NY)
    assert due == utc(2027, 3, 17, 14, 0)  # 10:00 EDT = 14:00 UTC


def test_six_week_followup_across_spring_forward():
    last = utc(2027, 2, 20, 15, 0)  # Sat 20 Feb 10:00 EST
    assert next_followup(last, utc(2027, 1, 1), 42, NY) == utc(2027, 4, 3, 14, 0)


def test_weekly_followup_across_fall_back_keeps_local_hour():
    # Wed 3 Nov 2027 10:00 EDT; clocks go back on Sun 7 Nov.
    last = utc(2027, 11, 3, 14, 0)
    assert next_followup(last, utc(2027, 1, 1), 7, NY) == utc(2027, 11, 10, 15, 0)


def test_six_week_followup_across_fall_back():
    last = utc(2027, 10, 1, 18, 30)  # Fri 1 Oct 14:30 EDT
    assert next_followup(last, utc(2027, 1, 1), 42, NY) == utc(2027, 11, 12, 15, 0)


def test_local_day_of_contact_counts_not_utc_day():
    # 22:00 in New York on 9 Mar is already 10 Mar in UTC: the student's calendar decides.
    last = utc(2027, 3, 10, 3, 0)
    assert next_followup(last, utc(2027, 1, 1), 7, NY) == utc(2027, 3, 16, 14, 0)
    assert next_followup(last, utc(2027, 1, 1), 7, "UTC") == utc(2027, 3, 17, 10, 0)


def test_no_contact_counts_from_mentorship_start():
    started = utc(2027, 1, 4, 15, 0)
    assert next_followup(None, started, 42, "UTC") == utc(2027, 2, 15, 10, 0)


def test_rhythm_by_kind_and_group_setting():
    assert default_cadence_days("research") == 7
    assert default_cadence_days("clinical") == 7
    assert default_cadence_days("career") == 42
    assert default_cadence_days("career", group_weeks=4) == 28
    assert default_cadence_days("career", group_weeks=8) == 56
    assert default_cadence_days("career", group_weeks=2) == 28  # bounded to 4–8 weeks
    assert default_cadence_days("career", group_weeks=20) == 56


def test_weekly_and_six_week_rhythms_differ():
    last = utc(2027, 1, 4, 15, 0)
    weekly = next_followup(last, last, default_cadence_days("research"), "UTC")
    main = next_followup(last, last, default_cadence_days("career"), "UTC")
    assert weekly == utc(2027, 1, 11, 10, 0)
    assert main == utc(2027, 2, 15, 10, 0)


@pytest.mark.parametrize(("text", "days"), [
    ("weekly", 7), ("Weekly", 7), ("6w", 42), ("6 weeks", 42), ("4 weeks", 28),
    ("every 10 days", 10), ("10d", 10), ("biweekly", 14), ("monthly", 28), ("6", 42),
    ("two weeks", 14), ("every 3 weeks", 21), ("12w", 84),
])
def test_parse_cadence(text, days):
    assert parse_cadence(text) == days


@pytest.mark.parametrize(("text", "message"), [
    ("daily", "takes a rhythm"), ("3 days", "sensible range"), ("13 weeks", "sensible range"),
    ("every blue moon", "takes a rhythm"), ("", "takes a rhythm"), ("6 fortnights", "rhythm"),
])
def test_parse_cadence_refuses(text, message):
    with pytest.raises(UserError) as err:
        parse_cadence(text)
    assert message in err.value.message


def test_describe_cadence():
    assert describe_cadence(7) == "weekly"
    assert describe_cadence(42) == "every 6 weeks"
    assert describe_cadence(10) == "every 10 days"


def test_latest_occurrence_supersedes_stale_ones():
    first = date(2027, 2, 1)
    assert latest_occurrence(first, 7, "UTC", utc(2027, 2, 1, 9, 59)) is None
    assert latest_occurrence(first, 7, "UTC", utc(2027, 2, 1, 10, 0)) == (0, utc(2027, 2, 1, 10))
    assert latest_occurrence(first, 7, "UTC", utc(2027, 2, 8, 9, 0)) == (0, utc(2027, 2, 1, 10))
    assert latest_occurrence(first, 7, "UTC", utc(2027, 2, 8, 11, 0)) == (1, utc(2027, 2, 8, 10))
    assert latest_occurrence(first, 7, "UTC", utc(2027, 3, 30)) == (8, utc(2027, 3, 29, 10))


def test_action_item_reminders_start_the_day_after_due_then_weekly():
    due_at = utc(2027, 3, 12, 17, 0)  # noon on Fri 12 Mar in New York
    assert rules.action_item_due(due_at, NY, utc(2027, 3, 13, 13, 0)) is None
    assert rules.action_item_due(due_at, NY, utc(2027, 3, 13, 15, 0)) == (0, utc(2027, 3, 13, 15))
    # The weekly reminder after the spring-forward change is still at 10:00 local.
    assert rules.action_item_due(due_at, NY, utc(2027, 3, 21)) == (1, utc(2027, 3, 20, 14))


def test_followup_repeats_on_the_rhythm_while_nothing_is_logged():
    last = utc(2027, 1, 4, 15, 0)
    assert rules.followup_due(last, last, 42, "UTC", utc(2027, 2, 15, 9)) is None
    assert rules.followup_due(last, last, 42, "UTC", utc(2027, 2, 16)) == (
        date(2027, 2, 15), utc(2027, 2, 15, 10))
    assert rules.followup_due(last, last, 42, "UTC", utc(2027, 3, 30)) == (
        date(2027, 3, 29), utc(2027, 3, 29, 10))


def test_transactional_needs_three_months_of_asks_only():
    start = utc(2027, 1, 1)
    ask = utc(2027, 1, 15)
    assert rules.transactional_since(start, None, None, utc(2027, 6, 1)) is None  # no contact
    assert rules.transactional_since(start, None, ask, start + timedelta(days=89)) is None
    assert rules.transactional_since(start, None, ask, start + timedelta(days=90)) == start
    news = utc(2027, 2, 1)
    assert rules.transactional_since(start, news, ask, utc(2027, 6, 1)) is None  # news last
    later_ask = utc(2027, 3, 1)
    assert rules.transactional_since(start, news, later_ask, utc(2027, 4, 30)) is None
    assert rules.transactional_since(start, news, later_ask, utc(2027, 5, 2)) == news
    # Three calendar months, not 90 days: Feb 1 → May 1 (89 days).
    assert rules.transactional_flag_at(news, later_ask) == utc(2027, 5, 1)


def test_keep_in_touch_every_three_months():
    thanked = utc(2027, 3, 1, 15)
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 5, 30)) is None
    # Three calendar months (Mar 1 → Jun 1), not 91 days (→ May 31).
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 6, 1, 9, 59)) is None
    day, due = rules.keep_in_touch_due(thanked, "UTC", utc(2027, 6, 1, 10))
    assert day == date(2027, 6, 1) and due == utc(2027, 6, 1, 10)


@pytest.mark.parametrize(("note", "decided"), [
    ("decided not to, because the deadline passed", True),
    ("Decided not to — wrong fit", True),
    ("I chose not to apply", True),
    ("won't do it: no time before boards", True),
    ("read it; questions for next meeting", False),
    ("", False),
    ("not sure it helped, but done", False),
])
def test_decided_not(note, decided):
    assert rules.is_decided_not(note) is decided


def test_outline_has_four_parts_in_order():
    assert len(UPDATE_OUTLINE) == 4
    text = outline_text()
    assert text.startswith("1. ") and "\n4. " in text
    assert "thank" in UPDATE_OUTLINE[3][1].lower()


def test_keep_in_touch_counts_calendar_months_from_the_last_touch():
    # Nov 30 + 3 months is clamped to Feb 28; the next is May 30, not a drifted May 28.
    thanked = utc(2026, 11, 30, 15)
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 2, 28, 9)) is None
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 3, 1)) == (
        date(2027, 2, 28), utc(2027, 2, 28, 10))
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 5, 29)) == (
        date(2027, 2, 28), utc(2027, 2, 28, 10))
    assert rules.keep_in_touch_due(thanked, "UTC", utc(2027, 5, 30, 11)) == (
        date(2027, 5, 30), utc(2027, 5, 30, 10))


def test_transactional_stretch_is_three_calendar_months():
    # Nov 30 + 3 months = Feb 28 (90 days); Feb 1 + 3 months = May 1 (89 days).
    start = utc(2026, 11, 30)
    ask = utc(2026, 12, 15)
    assert rules.transactional_since(start, None, ask, utc(2027, 2, 27, 23)) is None
    assert rules.transactional_since(start, None, ask, utc(2027, 2, 28)) == start
    news = utc(2027, 2, 1)
    assert rules.transactional_since(start, news, utc(2027, 3, 1), utc(2027, 5, 1)) == news


def test_a_contact_before_the_mentorship_began_does_not_move_its_first_followup():
    started = utc(2027, 1, 4, 15)
    assert next_followup(utc(2026, 10, 6), started, 42, "UTC") == utc(2027, 2, 15, 10)


def test_last_contact_is_the_later_of_the_record_and_the_log():
    assert last_contact(None, None) is None
    assert last_contact(utc(2027, 1, 1), None) == utc(2027, 1, 1)
    assert last_contact(None, utc(2027, 1, 2)) == utc(2027, 1, 2)
    assert last_contact(utc(2027, 1, 3), utc(2027, 1, 2)) == utc(2027, 1, 3)
    assert last_contact(utc(2027, 1, 1), utc(2027, 1, 2)) == utc(2027, 1, 2)

"""Mentoring's wording states its thresholds from the constants that decide them: change a
rule and what people are told changes with it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.errors import UserError
from bot.mentoring import cadence, messages, rules, specs
from bot.mentoring.cadence import parse_cadence

LAST = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


def _todo_text() -> str:
    return messages.todo_noted(7, "read a paper", "Dr. Rivera", date(2027, 3, 12)).text


def _keep_in_touch_text() -> str:
    return messages.keep_in_touch(3, "Dr. Park", LAST, "UTC").text


def _group_text() -> str:
    return messages.group_rhythm_set("EM interest", 6, 2).text


def _range_error(text: str) -> str:
    with pytest.raises(UserError) as err:
        parse_cadence(text)
    return err.value.message


def test_wording_as_the_rules_stand() -> None:
    assert "I'll remind you the day after if it's still open, then weekly." in _todo_text()
    assert "It has been about 3 months since you last touched base" in _keep_in_touch_text()
    assert "Research and clinical mentors stay weekly." in _group_text()
    assert messages.group_rhythm_set("EM interest", 6, 2).title == (
        "EM interest: main mentors every 6 weeks")
    assert "keep in touch at least every 12 weeks and at most weekly" in _range_error("13w")
    low, high = cadence.MAIN_MENTOR_RANGE_WEEKS
    assert f"({low}–{high} weeks)" in specs.GROUP_RHYTHM.summary
    weeks = specs.GROUP_RHYTHM.option("weeks")
    assert weeks is not None and (weeks.min_value, weeks.max_value) == (low, high)


def test_action_item_reminders_are_worded_from_their_constants(monkeypatch) -> None:
    monkeypatch.setattr(rules, "ACTION_FIRST_REMINDER_DAYS", 2)
    monkeypatch.setattr(rules, "ACTION_REMINDER_DAYS", 14)
    assert "I'll remind you 2 days after if it's still open, then every 2 weeks." in (
        _todo_text())


def test_keep_in_touch_is_worded_from_its_interval(monkeypatch) -> None:
    monkeypatch.setattr(rules, "KEEP_IN_TOUCH_MONTHS", 4)
    assert "It has been about 4 months since" in _keep_in_touch_text()


def test_active_mentors_rhythm_is_worded_from_its_constant(monkeypatch) -> None:
    monkeypatch.setattr(cadence, "ACTIVE_MENTOR_DAYS", 14)
    assert "Research and clinical mentors stay every 2 weeks." in _group_text()


def test_cadence_range_is_worded_from_its_bounds(monkeypatch) -> None:
    monkeypatch.setattr(cadence, "MAX_CADENCE_DAYS", 70)
    monkeypatch.setattr(cadence, "MIN_CADENCE_DAYS", 14)
    assert "at least every 10 weeks and at most every 2 weeks" in _range_error("11 weeks")
    assert "at least every 10 weeks" in _range_error("weekly")


def test_counts_are_worded_in_the_singular_and_plural() -> None:
    assert messages.count(1, "week") == "1 week"
    assert messages.count(3, "month") == "3 months"
    assert messages.days_after(1) == "the day after"
    assert messages.days_after(3) == "3 days after"

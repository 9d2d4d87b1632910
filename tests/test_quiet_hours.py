"""Quiet hours as a pure rule: wall-clock windows in the person's zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nudges.quiet_hours import in_window, next_allowed, parse_window
from tests.support.clocks import DAY, MORNING, NIGHT

NY = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_outside_the_window_is_unchanged() -> None:
    due = utc(2027, 1, 4, 15, 0)  # 10:00 in New York
    assert next_allowed(due, NY) == due


def test_evening_waits_for_the_next_morning() -> None:
    due = utc(2027, 1, 5, 3, 0)  # 22:00 on Jan 4 in New York
    assert next_allowed(due, NY) == utc(2027, 1, 5, 13, 0)  # 08:00 EST


def test_small_hours_wait_for_the_same_morning() -> None:
    due = utc(2027, 1, 5, 8, 30)  # 03:30 in New York
    assert next_allowed(due, NY) == utc(2027, 1, 5, 13, 0)


def test_the_window_end_itself_is_allowed() -> None:
    assert next_allowed(utc(2027, 1, 5, 13, 0), NY) == utc(2027, 1, 5, 13, 0)
    assert next_allowed(utc(2027, 1, 5, 12, 59), NY) == utc(2027, 1, 5, 13, 0)


def test_spring_forward_morning_is_eight_local_not_eight_standard() -> None:
    # 14 March 2027: clocks go 02:00 EST -> 03:00 EDT. 01:30 EST is 06:30Z.
    assert next_allowed(utc(2027, 3, 14, 6, 30), NY) == utc(2027, 3, 14, 12, 0)  # 08:00 EDT
    # From the evening before, across the change.
    assert next_allowed(utc(2027, 3, 14, 2, 30), NY) == utc(2027, 3, 14, 12, 0)


def test_fall_back_morning_is_eight_local() -> None:
    # 7 November 2027: clocks go 02:00 EDT -> 01:00 EST. 05:30Z is 01:30 EDT.
    assert next_allowed(utc(2027, 11, 7, 5, 30), NY) == utc(2027, 11, 7, 13, 0)  # 08:00 EST
    # 06:30Z is 01:30 EST, the repeated hour: still quiet, same morning.
    assert next_allowed(utc(2027, 11, 7, 6, 30), NY) == utc(2027, 11, 7, 13, 0)


def test_window_ending_inside_a_dst_gap_lands_after_it() -> None:
    # Quiet until 02:30, a time that does not exist on 14 March 2027 in New York.
    result = next_allowed(utc(2027, 3, 14, 6, 30), NY, "22:00-02:30")
    assert result == utc(2027, 3, 14, 7, 30)  # 03:30 EDT, after the gap
    assert result > utc(2027, 3, 14, 7, 0)  # the gap ends at 03:00 EDT = 07:00Z


def test_daytime_window_and_other_zones() -> None:
    # A window that does not wrap midnight (a night-shift resident sleeping by day).
    assert next_allowed(utc(2027, 6, 1, 10, 0), "Europe/London", "09:00-17:00") == \
        utc(2027, 6, 1, 16, 0)  # 17:00 BST
    assert next_allowed(utc(2027, 6, 1, 20, 0), "Europe/London", "09:00-17:00") == \
        utc(2027, 6, 1, 20, 0)


def test_equal_bounds_mean_no_quiet_hours() -> None:
    due = utc(2027, 1, 5, 3, 0)
    assert next_allowed(due, NY, "00:00-00:00") == due
    assert not in_window(time(3, 0), time(0, 0), time(0, 0))


@pytest.mark.parametrize("window,expected", [
    (None, (time(21, 0), time(8, 0))),
    ("22:00-07:30", (time(22, 0), time(7, 30))),
])
def test_parse_window(window: str | None, expected: tuple[time, time]) -> None:
    assert parse_window(window) == expected


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 1, 1),
                 timezones=st.just(UTC)),
    st.sampled_from([NY, "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC"]),
    st.sampled_from(["21:00-08:00", "22:30-06:15", "09:00-17:00", "00:00-07:00"]),
)
def test_result_is_never_earlier_nor_quiet_nor_far(due: datetime, tz: str, window: str) -> None:
    from zoneinfo import ZoneInfo

    result = next_allowed(due, tz, window)
    assert result >= due
    start, end = parse_window(window)
    assert not in_window(result.astimezone(ZoneInfo(tz)).time(), start, end)
    assert (result - due).total_seconds() <= 25 * 3600


@pytest.mark.parametrize(("start", "allowed"), [(DAY, DAY), (NIGHT, MORNING)],
                         ids=["day", "night"])
def test_the_default_window_at_the_suites_day_and_night(start: datetime,
                                                        allowed: datetime) -> None:
    """The two moments the delivery tests run at (tests/support/clocks.py): by day nothing
    waits; at night a reminder waits for 08:00."""
    assert in_window(start.time(), *parse_window(None)) is (start == NIGHT)
    assert next_allowed(start, "UTC") == allowed

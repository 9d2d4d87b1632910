"""Counts and spans in words, the one way every feature states a threshold in text
("1 week", "2 weeks", "a week", "two weeks", "2–3"), so text built from a rule's constant
reads right whatever the constant is; and a list of things as English ("a, b and c")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve")


def count(n: int, unit: str, plural: str | None = None) -> str:
    """`n` and its noun, agreeing: '1 week', '2 weeks' (or the given plural)."""
    return f"{n} {unit}" if n == 1 else f"{n} {plural or unit + 's'}"


def spelled(n: int, unit: str) -> str:
    """As people say it: 'a week', 'two weeks', 'six months'; digits past twelve."""
    if n == 1:
        return f"a {unit}"
    if 1 < n < len(_NUMBER_WORDS):
        return f"{_NUMBER_WORDS[n]} {unit}s"
    return count(n, unit)


def days_as_weeks(days: int) -> str:
    """A number of days, in whole weeks when it is one: '1 week', '10 days'."""
    return count(days // 7, "week") if days and days % 7 == 0 else count(days, "day")


def span(length: timedelta) -> str:
    """A whole number of weeks or days: '1 week', '3 days'."""
    return days_as_weeks(length.days)


def span_in_words(length: timedelta) -> str:
    """A span as people say it: 'a week', 'two weeks', '10 days'."""
    if length.days and length.days % 7 == 0:
        return spelled(length.days // 7, "week")
    return spelled(length.days, "day")


def range_text(bounds: tuple[int, int]) -> str:
    """A range as the guide writes it: '2–3'."""
    low, high = bounds
    return f"{low}–{high}"


def and_list(items: Iterable[str], conjunction: str = "and") -> str:
    """Items as a sentence lists them: 'a', 'a and b', 'a, b and c' (empty items dropped),
    never the 'a; b' of a stored list."""
    words = [item.strip() for item in items if item and item.strip()]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"

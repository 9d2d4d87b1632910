"""How often a student should be in touch with a mentor (SPEC: main mentor every 4–8 weeks,
default 6; a mentor the student actively works with, weekly)."""

from __future__ import annotations

MAIN_MENTOR_WEEKS = 6
MAIN_MENTOR_RANGE_WEEKS = (4, 8)
ACTIVE_MENTOR_DAYS = 7
ACTIVE_KINDS = frozenset({"research", "clinical"})
MIN_CADENCE_DAYS = 7
MAX_CADENCE_DAYS = 84  # 12 weeks: beyond this a relationship is not being kept alive


def default_cadence_days(kind: str, group_weeks: int | None = None) -> int:
    """The rhythm a new mentorship of `kind` starts with. A group may set its main-mentor
    rhythm within 4–8 weeks; research and clinical mentors are weekly."""
    if kind in ACTIVE_KINDS:
        return ACTIVE_MENTOR_DAYS
    low, high = MAIN_MENTOR_RANGE_WEEKS
    weeks = MAIN_MENTOR_WEEKS if group_weeks is None else min(max(group_weeks, low), high)
    return weeks * 7


def clamp_cadence_days(days: int) -> int:
    return min(max(days, MIN_CADENCE_DAYS), MAX_CADENCE_DAYS)

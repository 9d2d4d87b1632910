"""A wave of nudges (many people's nudge hour at once, in one zone) is spread over their
morning at the pace the send budget sends it, instead of falling due at one instant; a
small one is left as it was."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from bot.infra.db import Database
from bot.infra.models import ActionItem, Nudge, Person
from bot.infra.settings import Settings
from bot.nudges import policy
from bot.nudges.planning import store_plans, wave_rate
from bot.nudges.plans import Plan, PlannedNudge
from bot.vocab.nudges import NudgeKind, Subject

TEN = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_a_wave_the_budget_sends_within_a_minute_stays_where_it_fell() -> None:
    assert set(policy.spread_wave(TEN, list(range(250)), 5.0).values()) == {TEN}
    assert set(policy.spread_wave(TEN, list(range(5000)), 0.0).values()) == {TEN}


def test_a_large_wave_goes_at_the_budgets_pace_and_within_the_morning() -> None:
    due = policy.spread_wave(TEN, list(range(1, 1201)), 5.0)  # 1,200 people: 4 minutes
    assert min(due.values()) == TEN and max(due.values()) < TEN + timedelta(minutes=4)
    per_minute = Counter(int((at - TEN).total_seconds() // 60) for at in due.values())
    assert sorted(per_minute) == [0, 1, 2, 3] and set(per_minute.values()) == {300}
    assert sorted(due, key=due.__getitem__)[:3] != [1, 2, 3]  # low ids are not always first
    huge = policy.spread_wave(TEN, list(range(100_000)), 5.0)
    assert max(huge.values()) < TEN + policy.MORNING


@settings(max_examples=100, deadline=None)
@given(people=st.sets(st.integers(1, 10**9), max_size=3000),
       rate=st.sampled_from([0.5, 1.0, 5.0, 25.0]))
def test_every_person_of_a_wave_keeps_one_instant_within_the_morning(
        people: set[int], rate: float) -> None:
    due = policy.spread_wave(TEN, sorted(people), rate)
    assert set(due) == people
    assert all(TEN <= at < TEN + policy.MORNING for at in due.values())
    span = min(len(people) / rate, policy.MORNING.total_seconds())
    if span < policy.WAVE.total_seconds():
        assert set(due.values()) <= {TEN}
        return
    per_second = Counter(int((at - TEN).total_seconds()) for at in due.values())
    assert max(per_second.values()) <= math.ceil(len(people) / span) + 1


def test_the_slowest_budget_in_force_sets_the_pace() -> None:
    assert wave_rate(Settings(_env_file=None)) == 5.0  # type: ignore[call-arg]
    assert wave_rate(Settings(_env_file=None, slack_send_rate=0,  # type: ignore[call-arg]
                              discord_send_rate=25)) == 25.0
    assert wave_rate(Settings(_env_file=None, slack_send_rate=0,  # type: ignore[call-arg]
                              discord_send_rate=0)) is None


def test_planning_stores_a_wave_spread_and_a_second_planning_adds_nothing(
        database: Database) -> None:
    with database.session() as session:
        people = list(session.scalars(insert(Person).returning(Person.id), [
            {"name": f"Student {i}", "email": f"s{i}@example.edu"} for i in range(600)]))
        mentor = session.scalar(insert(Person).returning(Person.id),
                                {"name": "Dr. Mentor", "email": "m@example.edu"})
        items = list(session.scalars(insert(ActionItem).returning(ActionItem.id), [
            {"student_id": p, "mentor_id": mentor, "task": "read", "due_at": TEN,
             "created_at": TEN} for p in people]))
        plans = [Plan(Subject.ACTION_ITEM, item, [PlannedNudge(
            person, NudgeKind.ACTION_ITEM, TEN, Subject.ACTION_ITEM, item, "0")])
            for person, item in zip(people, items, strict=True)]
        assert store_plans(session, plans, now=TEN, wave_rate=5.0) == 600
        assert store_plans(session, plans, now=TEN, wave_rate=5.0) == 0
        stored = list(session.scalars(select(Nudge.due_at)))
    assert min(stored) == TEN and max(stored) < TEN + timedelta(minutes=2)
    assert max(Counter(stored).values()) <= 5  # about the budget's pace

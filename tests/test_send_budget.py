"""The send budget every worker shares: how slots are laid out (`bot.nudges.slots`, pure),
how the shared row hands them out and holds them back (`bot.nudges.budget`, both
databases), and how one process spends them (`jobs.budget.SendBudgets`)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.framework.channels import BudgetKey, DeliveryError
from bot.infra.db import Database
from bot.nudges import budget, slots
from jobs.budget import SendBudgets

KEY = BudgetKey("slack", "T0MENTOR", "chat.postMessage")


# --- slots (pure) ------------------------------------------------------------------------


def test_an_idle_budget_starts_now_and_a_busy_one_after_its_last_grant() -> None:
    idle = slots.allot(next_slot=90.0, blocked_until=0.0, now=100.0, rate=5.0, want=3)
    assert (idle.start, idle.count) == (100.0, 3)
    assert idle.spacing == pytest.approx((1 + slots.HEADROOM) / 5)
    assert idle.end == pytest.approx(100.0 + 3 * idle.spacing)
    busy = slots.allot(next_slot=idle.end, blocked_until=0.0, now=100.5, rate=5.0, want=2)
    assert busy.start == idle.end and busy.at(1) == pytest.approx(idle.end + idle.spacing)
    booked = slots.allot(next_slot=idle.end, blocked_until=0.0, now=100.0, rate=5.0, want=2)
    assert (booked.start, booked.count) == (idle.end, 0)  # too far ahead: ask again then


def test_a_429_holds_the_budget_until_its_retry_after() -> None:
    held = slots.allot(next_slot=0.0, blocked_until=103.0, now=100.0, rate=5.0, want=2)
    assert (held.start, held.count) == (103.0, 0)  # wait, then ask again
    after = slots.allot(next_slot=0.0, blocked_until=103.0, now=102.9, rate=5.0, want=2)
    assert (after.start, after.count) == (103.0, 2)


def test_grants_are_about_a_quarter_second_of_slots() -> None:
    assert slots.grant_size(0.8) == 1  # Slack's Tier 3: one at a time
    assert slots.grant_size(5.0) == 1
    assert slots.grant_size(25.0) == 6
    assert slots.grant_size(100_000.0) == slots.GRANT_MAX


def test_busiest_counts_a_half_open_second() -> None:
    assert slots.busiest([]) == 0
    assert slots.busiest([0.0, 0.5, 0.999, 1.0, 1.2]) == 4  # [0.5, 1.5)
    assert slots.busiest([0.0, 1.0, 2.0]) == 1
    assert slots.busiest([3.0, 1.0, 2.0]) == 1


_requests = st.lists(st.tuples(st.floats(0, 20), st.integers(1, 12)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(rate=st.sampled_from([0.8, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0]), requests=_requests,
       late=st.lists(st.floats(0, slots.LATE), min_size=1, max_size=50),
       jitter=st.lists(st.floats(0, slots.JITTER), min_size=1, max_size=50))
def test_no_second_ever_holds_more_than_the_rate(rate: float,
                                                 requests: list[tuple[float, int]],
                                                 late: list[float],
                                                 jitter: list[float]) -> None:
    """Workers asking at any moments for any number of slots, each call starting up to LATE
    after its slot and arriving up to JITTER later than another: the platform never sees
    more than the rate in any second."""
    next_slot = 0.0
    arrivals: list[float] = []
    for index, (asked_at, want) in enumerate(sorted(requests)):
        allotment = slots.allot(next_slot=next_slot, blocked_until=0.0, now=asked_at,
                                rate=rate, want=want, ahead=5.0)
        next_slot = max(next_slot, allotment.end)
        for i in range(allotment.count):
            n = index + i
            arrivals.append(allotment.at(i) + late[n % len(late)] + jitter[n % len(jitter)])
    # (a hair under a second: sums of floats land a rounding error either side of it)
    assert slots.busiest(arrivals, window=1.0 - 1e-9) <= math.ceil(rate)


# --- the shared row (both databases) -------------------------------------------------------


def _grant(database: Database, key: BudgetKey = KEY, *, rate: float = 5.0, want: int = 3,
           ahead: float = 5.0) -> budget.Granted:
    with database.session() as session:
        return budget.grant(session, key, rate=rate, want=want, ahead=ahead)


def test_two_grants_never_overlap(database: Database) -> None:
    first = _grant(database)
    second = _grant(database, want=2)
    assert first.allotment.count == 3 and second.allotment.count == 2
    assert second.allotment.start == pytest.approx(first.allotment.end)
    assert first.allotment.start >= first.now - 0.001  # from the database's own clock
    other = _grant(database, BudgetKey("slack", "T0OTHER", "chat.postMessage"))
    assert other.allotment.start < second.allotment.start  # each workspace its own budget


def test_a_hold_keeps_every_grant_back_until_it_ends(database: Database) -> None:
    with database.session() as session:
        until = budget.hold(session, KEY, seconds=3.0)
        budget.hold(session, KEY, seconds=1.0)  # a shorter hold later does not shorten it
    granted = _grant(database)
    assert granted.allotment.start == pytest.approx(until)
    assert granted.allotment.start - granted.now == pytest.approx(3.0, abs=0.5)
    refused = _grant(database, ahead=1.0)
    assert refused.allotment.count == 0 and refused.allotment.start > refused.now + 1.0


# --- one process's share --------------------------------------------------------------------


def test_no_rate_no_wait(database: Database) -> None:
    budgets = SendBudgets(database)
    for _ in range(100):
        budgets.wait(KEY, None)
        budgets.wait(KEY, 0)
    assert budgets.grants == 0


def test_slots_come_in_runs_and_a_429_here_and_elsewhere_holds_every_worker(
        database: Database) -> None:
    here, there = SendBudgets(database, max_wait=1.0), SendBudgets(database, max_wait=1.0)
    for _ in range(4):
        here.wait(KEY, 1000.0)
    assert here.grants == 1  # one round trip to the database for a run of slots
    there.slow_down(KEY, 30.0)  # another worker was answered 429, Retry-After 30
    with pytest.raises(DeliveryError) as refused:
        for _ in range(slots.GRANT_MAX + 1):  # this worker's run ends; the next is held
            here.wait(KEY, 1000.0)
    assert refused.value.retry_after == pytest.approx(30.0, abs=1.0)
    with pytest.raises(DeliveryError) as again:
        there.wait(KEY, 1000.0)  # told first, it does not even ask
    assert again.value.retry_after == pytest.approx(30.0, abs=1.0)
    assert there.grants == 0


def test_a_stop_ends_every_wait(database: Database) -> None:
    budgets = SendBudgets(database)
    budgets.stop()
    with pytest.raises(DeliveryError) as stopped:
        budgets.wait(KEY, 5.0)
    assert stopped.value.retry_after == 0.0

"""One rule, two views: the dates `/residency plan` shows are the dates the `residency-date`
nudges are planned for (the same portals, the same cycle, none past), as the follow-up
agreement test holds the planner and `/mentor list` to one rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.infra.clock import FixedClock
from bot.infra.models import Nudge, Person
from bot.infra.zones import local_day
from bot.residency import rules
from bot.residency import store as residency_store
from bot.vocab.nudges import NudgeKind, NudgeState
from tests.support.factories import Driver, add_group, add_student
from tests.support.nudges import said_text
from tests.support.residency import import_rows

NY = "America/New_York"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 7, 1, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize(("specialty", "portals", "later"), [
    ("EM", ("ResidencyCAS",), 0),
    ("EM", ("ResidencyCAS", "ERAS"), 0),
    ("IM", ("",), 0),  # no portal named: the cycle's (ERAS, through IM's signals)
    ("IM", ("ERAS",), 90),
    ("IM", ("ERAS",), 250),
])
def test_the_plans_dates_are_the_nudges_dates(core: Core, driver: Driver, clock: FixedClock,
                                              specialty: str, portals: tuple[str, ...],
                                              later: int) -> None:
    with core.db.session() as s:
        maya = add_student(s, "Maya Patel", stage="ms4", tz=NY)
        group = add_group(s, "g", members=[maya])
        import_rows(s, group, [{"name": f"P{i}", "specialty": specialty, "state": "NY",
                                "portal": portal} for i, portal in enumerate(portals)],
                    now=clock.now())
        maya_id = maya.id
    assert not driver.run(maya_id, f"/residency profile specialty:{specialty}").error
    clock.advance(timedelta(days=later))
    with core.db.session() as s:
        from bot.app.planning import plan_all

        plan_all(s, clock.now(), core.settings)
        student = s.get_one(Person, maya_id)
        profile = residency_store.profile_of(s, maya_id)
        assert profile is not None
        today = local_day(clock.now(), NY)
        plan, _ = residency_store.plan_for(s, student, profile, today=today)
        nudged = {(said_text(s, n).split(": ")[1].split(" (")[0], n.due_at) for n in s.scalars(
            select(Nudge).where(Nudge.kind == NudgeKind.RESIDENCY_DATE,
                                Nudge.state == NudgeState.PENDING))}
    shown = sorted({d.day for d in plan.dates.upcoming})
    assert shown, "the 2025–26 cycle has dates ahead"
    planned_days = sorted({datetime.strptime(text, "%a %d %b %Y").date()
                           for text, _due in nudged})
    # every nudge is about a date the plan shows, and every date shown whose last nudge is
    # still ahead has its nudges
    assert set(planned_days) <= set(shown)
    still_owed = [d for d in shown if d - timedelta(days=min(rules.DATE_NUDGE_DAYS)) >= today]
    assert set(still_owed) <= set(planned_days)
    assert all(day >= today for day in shown)
    assert date(2026, 3, 20) in shown  # Match Day, whatever the portal

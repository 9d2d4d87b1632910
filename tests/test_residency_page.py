"""The plan page over the real residency plan, through the HTTP edge (waitress on loopback,
as `mentorbot run` serves it): the link from `/residency plan web` opens the student's own
plan, the table is the plan's rows with their reasons and the cycle's sources, and the
forms change the list through what `/residency drop|signal` run, a refusal changing
nothing and saying why. SQLite only: the page's rules are the same on either database
(the plan source on both: tests/test_residency_commands.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.app.core import Core
from bot.infra.clock import FixedClock
from tests.support.databases import SqliteFactory
from tests.support.factories import Driver, add_group, add_student
from tests.support.residency import import_rows
from tests.support.web import Answer, WebServer, web_server


@pytest.fixture
def db_url(sqlite_factory: SqliteFactory) -> str:
    return sqlite_factory.new_url()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 7, 1, 15, 0, tzinfo=UTC))  # the 2025–26 cycle ahead


@pytest.fixture
def maya(core: Core, driver: Driver) -> int:
    with core.db.session() as s:
        student = add_student(s, "Maya Patel", stage="ms4", tz="America/New_York")
        group = add_group(s, "em-interest", name="EM Interest Group", members=[student])
        import_rows(s, group, [
            {"name": "Riverside EM", "specialty": "EM", "city": "Providence", "state": "RI",
             "step2_mean": 247, "portal": "ERAS", "signals": "yes"},
            {"name": "County EM", "specialty": "EM", "city": "Brooklyn", "state": "NY",
             "step2_mean": 244, "portal": "ERAS", "signals": "yes"},
            {"name": "Prairie EM", "specialty": "EM", "city": "Omaha", "state": "NE",
             "step2_mean": 236, "portal": "ERAS", "signals": "no"},
        ], now=core.clock.now())
        maya_id = student.id
    assert not driver.run(maya_id, "/residency profile specialty:EM step2:246").error
    return maya_id


@pytest.fixture
def web(core: Core) -> Iterator[WebServer]:
    with web_server(core) as server:  # the program's own plan source: the residency plan
        yield server


def _csrf(page: Answer) -> str:
    marker = 'name="csrf" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start:page.text.index('"', start)]


def _key(page: Answer, program: str) -> str:
    at = page.text.index(f"<th scope=\"row\">{program}</th>")
    marker = 'data-key="'
    start = page.text.rindex(marker, 0, at) + len(marker)
    return page.text[start:page.text.index('"', start)]


def test_the_link_from_chat_opens_the_plan_and_its_forms_change_the_list(
        web: WebServer, driver: Driver, maya: int) -> None:
    reply = driver.run(maya, "/residency plan web")
    assert reply.link is not None and reply.link.url.startswith(web.base)
    assert web.open(reply.link.url).status == 303
    page = web.get("/web/plan")
    assert page.status == 200, page.text
    shown = page.shown
    assert "emergency medicine · 2025–26" in shown
    for name in ("Riverside EM", "County EM", "Prairie EM"):
        assert name in shown
    assert "Where the figures come from" in shown and "https://" in shown
    token = _csrf(page)
    county = _key(page, "County EM")
    done = web.post("/web/plan/drop", {"key": county, "csrf": token})
    assert done.status == 303
    after = web.get("/web/plan")
    assert "Dropped County EM (Brooklyn, NY)." in after.shown
    assert '<th scope="row">County EM</th>' not in after.text
    refused = web.post("/web/plan/signal", {"key": _key(after, "Prairie EM"), "tier": "gold",
                                            "csrf": token})
    assert refused.status == 303
    again = web.get("/web/plan")
    assert "Nothing changed: Prairie EM (Omaha, NE) takes no program signals" in again.shown

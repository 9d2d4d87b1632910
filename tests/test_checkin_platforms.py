"""The "Did you meet?" buttons from each place a student sees them, end to end: the console
(the command the delivered message shows, typed back into `mentorbot shell`), Slack (the
real Bolt app over signed HTTP against the fake Web API: the DM's button pressed) and
Discord (the real discord.py client against the fake gateway: the DM's button pressed)."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.console.shell import ConsoleChannel, Shell
from adapters.discord.channel import DiscordChannel
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.infra.models import Checkin, Contact, Identity, Mentorship, Person
from bot.mentoring.vocab import EndReason
from jobs.delivery import Sweeper, sweep
from tests.support.discord_e2e import TIMEOUT, Runtime, connected, fake_discord, sqlite_core
from tests.support.discord_fake import APP_ID
from tests.support.factories import add_faculty, add_student
from tests.support.relationships import add_mentorship
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.slack_app import SlackHarness, dm_buttons, slack_harness

# What each platform shows; the check-ins' SQL runs on both databases in test_checkins.
pytestmark = pytest.mark.backends("sqlite")

CHECKIN_DAYS = 14


def _pair(core: Core) -> tuple[Person, Person]:
    """A mentorship that started 14 days ago: its check-in is due now."""
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz", email="ana.diaz@example.edu")
        rivera = add_faculty(s, "Dr. Maria Rivera", email="maria.rivera@example.edu")
        add_faculty(s, "Dr. Wei Xu")
        add_mentorship(s, ana, rivera, started_at=core.clock.now()
                       - timedelta(days=CHECKIN_DAYS, hours=1))
        return ana, rivera


def _plan(core: Core) -> None:
    with core.db.session() as s:
        plan_all(s, core.clock.now(), core.settings)


def _answers(core: Core) -> list[tuple[int, str | None]]:
    with core.db.session() as s:
        return [(c.round, c.answer) for c in s.scalars(select(Checkin).order_by(Checkin.id))]


# --- the console ---------------------------------------------------------------------------------


def test_console_shows_the_buttons_as_commands_that_answer(core: Core) -> None:
    ana, _rivera = _pair(core)
    _plan(core)
    delivered = io.StringIO()
    Sweeper(core.db, core.clock, Router([ConsoleChannel(delivered)]), core.nudge_catalog,
            max_inline_wait=0).run()
    dm = delivered.getvalue()
    assert "--- direct message to Ana Diaz" in dm and "Did you meet Dr. Maria Rivera yet?" in dm
    shown = dict(re.findall(r"\[([^\]]+)\]\s+(/mentor checkin \S+ \S+)", dm))
    assert set(shown) == {"We met", "Not yet", "Not going to happen"}
    out = io.StringIO()
    code = Shell(core, ana.id, "Ana Diaz", stdin=io.StringIO(shown["Not yet"] + "\n"),
                 stdout=out).run()
    assert code == 0
    assert "Not yet — that's fine" in out.getvalue()
    assert "I'll ask again on" in out.getvalue()
    assert _answers(core) == [(0, "not-yet")]


# --- Slack ---------------------------------------------------------------------------------------

STUDENT, FACULTY = "U1ANA", "U2RIVERA"


@pytest.fixture
def slack(core: Core) -> Iterator[SlackHarness]:
    with FakeSlackApi() as api:
        api.add_user(STUDENT, "Ana Diaz", email="ana.diaz@example.edu")
        api.add_user(FACULTY, "Maria Rivera", email="maria.rivera@example.edu")
        with slack_harness(core, api) as harness:
            yield harness


def test_slack_we_met_then_a_rating_from_the_dmdm_buttons(core: Core,
                                                        slack: SlackHarness) -> None:
    ana, rivera = _pair(core)
    with core.db.session() as s:
        for person, user_id in ((ana, STUDENT), (rivera, FACULTY)):
            s.add(Identity(person_id=person.id, platform="slack", workspace=TEAM_ID,
                           external_id=user_id))
    _plan(core)
    result = sweep(core.db, core.clock, Router([slack.service.channel()]), core.nudge_catalog)
    assert result.sent == 1
    [dm] = [c for c in slack.api.calls("chat.postMessage") if c.get("channel") == STUDENT]
    assert "Did you meet Dr. Maria Rivera yet?" in json.dumps(dm.params)
    block_id, met = dm_buttons(dm)["We met"]
    answer, name = slack.press(STUDENT, met, block_id=block_id)
    assert answer.status == 200
    logged = slack.api.wait_responses(name)[0]
    assert "Logged your meeting with Dr. Maria Rivera" in json.dumps(logged.params)
    rating_block, useful = dm_buttons(logged)["3 · Useful"]
    answer, name = slack.press(STUDENT, useful, block_id=rating_block)
    assert answer.status == 200
    assert "Rated 3 of 4" in json.dumps(slack.api.wait_responses(name)[0].params)
    assert _answers(core) == [(0, "met")]
    with core.db.session() as s:
        assert [(c.mentor_id, c.rating) for c in s.scalars(select(Contact))] == [(rivera.id, 3)]
    # The rating never reaches the mentor: nothing was sent to them.
    slack.settle()
    assert [c for c in slack.api.calls("chat.postMessage")
            if c.get("channel") == FACULTY] == []


# --- Discord -------------------------------------------------------------------------------------

STUDENT_DISCORD_ID = 600000000000000001
FACULTY_DISCORD_ID = 600000000000000101


def test_discord_not_going_to_happen_from_the_dm_button(sqlite_url: str, clock: Any) -> None:
    core = sqlite_core(sqlite_url, clock)
    ana, rivera = _pair(core)
    with core.db.session() as s:
        for person, user_id in ((ana, STUDENT_DISCORD_ID), (rivera, FACULTY_DISCORD_ID)):
            s.add(Identity(person_id=person.id, platform="discord", workspace="",
                           external_id=str(user_id)))
    _plan(core)

    async def scenario() -> None:
        async with fake_discord() as fake, connected(
                MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake) as client:
            channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
            result = await asyncio.to_thread(
                lambda: Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog,
                                        threads=1).run())
            assert result.sent == 1
            [dm] = fake.matching("POST", rf"/channels/{STUDENT_DISCORD_ID + 1}/messages")
            assert "Did you meet Dr. Maria Rivera yet?" in json.dumps(dm.body)
            [no] = [i for i in dm.custom_ids if i.startswith("mb|mentor.checkin")
                    and i.endswith("answer=no")]
            press = fake.interaction(kind=3, guild=False, user_id=STUDENT_DISCORD_ID,
                                     data={"custom_id": no, "component_type": 2},
                                     message=fake.message(STUDENT_DISCORD_ID + 1, dm.body))
            await fake.dispatch("INTERACTION_CREATE", press)
            token = press["token"]
            await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
            [answered] = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{token}")
            body = json.dumps(answered.body)
            assert answered.pings_nobody()
            assert "Closed your mentorship with Dr. Maria Rivera" in body
            assert "Dr. Wei Xu" in body  # offered instead
            # The mentor hears it kindly, by DM, through the same delivery.
            result = await asyncio.to_thread(
                lambda: Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog,
                                        threads=1).run())
            assert result.sent == 1
            [told] = fake.matching("POST", rf"/channels/{FACULTY_DISCORD_ID + 1}/messages")
            assert "isn't going to happen" in json.dumps(told.body)

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))
    assert _answers(core) == [(0, "no")]
    with core.db.session() as s:
        m = s.scalar(select(Mentorship))
        assert m is not None and (m.active, m.end_reason) == (False, EndReason.NO_MEETING)

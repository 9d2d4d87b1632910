"""The "Are you still taking mentees?" buttons from each place a faculty member sees them,
end to end: the console (the command the delivered message shows, typed back into
`mentorbot shell`), Slack (the real Bolt app over signed HTTP against the fake Web API: the
DM's button pressed) and Discord (the real discord.py client against the fake gateway: the
DM's button pressed). Each answer must change the profile as it says."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console.shell import ConsoleChannel, Shell
from adapters.discord.channel import DiscordChannel
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.infra.clock import FixedClock
from bot.infra.models import FacultyProfile, Identity, IntroRequest, Nudge, Person
from bot.matching import rules
from bot.vocab.matching import IntroState
from bot.vocab.nudges import NudgeKind
from bot.vocab.people import AcceptingOff
from jobs.delivery import Sweeper, sweep
from tests.support.discord_e2e import TIMEOUT, Runtime, connected, fake_discord, sqlite_core
from tests.support.discord_fake import APP_ID
from tests.support.factories import add_faculty, add_student
from tests.support.slack_api import TEAM_ID, FakeSlackApi
from tests.support.slack_app import SlackHarness, dm_buttons, slack_harness

# What each platform shows; the SQL runs on both databases in test_still_mentoring.
pytestmark = pytest.mark.backends("sqlite")


def _gone_quiet(core: Core, clock: FixedClock) -> Person:
    """A faculty member whose last intro requests all expired unanswered, with the question
    planned and its time come."""
    with core.db.session() as s:
        kim = add_faculty(s, "Dr. Maya Kim", email="maya.kim@example.edu", capacity=4)
        for i in range(rules.QUIET_AFTER):
            student = add_student(s, f"Student {i}")
            s.add(IntroRequest(student_id=student.id, faculty_id=kim.id, kind="career",
                               state=IntroState.OPEN, rank=1,
                               created_at=clock.now() + timedelta(minutes=i)))
    clock.advance(rules.EXPIRE_AFTER + timedelta(hours=1))
    with core.db.session() as s:
        plan_all(s, clock.now(), core.settings)
        [question] = s.scalars(select(Nudge).where(Nudge.person_id == kim.id,
                                                   Nudge.kind == NudgeKind.STILL_MENTORING))
        clock.set(question.due_at + timedelta(minutes=5))
    return kim


def _profile(core: Core, person: Person) -> tuple[bool, str]:
    with core.db.session() as s:
        profile = s.get_one(FacultyProfile, person.id)
        return profile.accepting, profile.accepting_off_reason


# --- the console ---------------------------------------------------------------------------------


def test_console_shows_the_buttons_as_commands_that_answer(core: Core,
                                                           clock: FixedClock) -> None:
    kim = _gone_quiet(core, clock)
    delivered = io.StringIO()
    Sweeper(core.db, core.clock, Router([ConsoleChannel(delivered)]), core.nudge_catalog,
            max_inline_wait=0).run()
    dm = delivered.getvalue()
    assert "--- direct message to Dr. Maya Kim" in dm
    assert "Are you still taking mentees?" in dm
    shown = dict(re.findall(r"\[([^\]]+)\]\s+(/mentor still-mentoring \S+)", dm))
    assert set(shown) >= {"Stay active", "Away until…", "Stop accepting"}
    out = io.StringIO()
    code = Shell(core, kim.id, "Dr. Maya Kim", stdin=io.StringIO(shown["Stop accepting"] + "\n"),
                 stdout=out).run()
    assert code == 0
    assert "You're no longer offered to new students" in out.getvalue()
    assert _profile(core, kim) == (False, AcceptingOff.CHOSEN)


# --- Slack ---------------------------------------------------------------------------------------

FACULTY = "U2KIM"


@pytest.fixture
def slack(core: Core) -> Iterator[SlackHarness]:
    with FakeSlackApi() as api:
        api.add_user(FACULTY, "Maya Kim", email="maya.kim@example.edu")
        with slack_harness(core, api) as harness:
            yield harness


def test_slack_stay_active_from_the_dm_button(core: Core, clock: FixedClock,
                                              slack: SlackHarness) -> None:
    kim = _gone_quiet(core, clock)
    with core.db.session() as s:
        s.add(Identity(person_id=kim.id, platform="slack", workspace=TEAM_ID,
                       external_id=FACULTY))
    result = sweep(core.db, core.clock, Router([slack.service.channel()]), core.nudge_catalog)
    assert result.sent == 1
    [dm] = [c for c in slack.api.calls("chat.postMessage") if c.get("channel") == FACULTY]
    assert "Are you still taking mentees?" in json.dumps(dm.params)
    block_id, stay = dm_buttons(dm)["Stay active"]
    answer, name = slack.press(FACULTY, stay, block_id=block_id)
    assert answer.status == 200
    said = json.dumps(slack.api.wait_responses(name)[0].params)
    assert "Thanks: you stay open to new mentees" in said
    assert "You have 4 free places of 4" in said
    assert _profile(core, kim) == (True, AcceptingOff.CHOSEN)
    # A week on, no answer is missing: nothing is turned off.
    clock.advance(rules.ANSWER_WITHIN * 2)
    with core.db.session() as s:
        plan_all(s, clock.now(), core.settings)
    assert _profile(core, kim) == (True, AcceptingOff.CHOSEN)


# --- Discord -------------------------------------------------------------------------------------

FACULTY_DISCORD_ID = 600000000000000101


def test_discord_stop_accepting_from_the_dm_button(sqlite_url: str, clock: FixedClock) -> None:
    core = sqlite_core(sqlite_url, clock)
    kim = _gone_quiet(core, clock)
    with core.db.session() as s:
        s.add(Identity(person_id=kim.id, platform="discord", workspace="",
                       external_id=str(FACULTY_DISCORD_ID)))

    async def scenario() -> None:
        async with fake_discord() as fake, connected(
                MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake) as client:
            channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
            result = await asyncio.to_thread(
                lambda: Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog,
                                        threads=1).run())
            assert result.sent == 1
            [dm] = fake.matching("POST", rf"/channels/{FACULTY_DISCORD_ID + 1}/messages")
            assert "Are you still taking mentees?" in json.dumps(dm.body)
            [stop] = [i for i in dm.custom_ids if i.startswith("mb|mentor.still-mentoring")
                      and i.endswith("=stop")]
            press = fake.interaction(kind=3, guild=False, user_id=FACULTY_DISCORD_ID,
                                     data={"custom_id": stop, "component_type": 2},
                                     message=fake.message(FACULTY_DISCORD_ID + 1, dm.body))
            await fake.dispatch("INTERACTION_CREATE", press)
            token = press["token"]
            await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
            [answered] = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{token}")
            assert answered.pings_nobody()
            assert "no longer offered to new students" in json.dumps(answered.body)

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))
    assert _profile(core, kim) == (False, AcceptingOff.CHOSEN)

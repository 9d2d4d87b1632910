"""Groups through the real platform clients: signed Slack requests against the real Bolt app,
and interactions through the real discord.py client connected to the fake gateway. A
platform admin of another workspace or server cannot run a group bound elsewhere;
announcements reach the group's channels and ping only when asked; Discord's autocomplete
offers only the people a command can target."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from adapters.discord.channel import DiscordChannel
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.core import Core
from bot.framework.channels import Router
from bot.infra.models import (
    ChannelBinding,
    Identity,
    InterestGroup,
    IntroRequest,
    Membership,
    Mentorship,
    Role,
)
from tests.support.discord_e2e import TIMEOUT, Runtime, connected, fake_discord, sqlite_core
from tests.support.discord_fake import CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.slack_api import TEAM_ID, Call, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness

# What each platform shows; the group commands' SQL runs on both databases in test_groups.
pytestmark = pytest.mark.backends("sqlite")

OTHER_TEAM = "T0OTHER"
EM_CHANNEL = "C0EM"


def _state(core: Core) -> tuple[Any, ...]:
    """What an organizer's command could change."""
    with core.db.session() as s:
        return (
            s.execute(select(InterestGroup.name, InterestGroup.timezone,
                             InterestGroup.digest_weekday, InterestGroup.digest_hour,
                             InterestGroup.digest_enabled, InterestGroup.followup_weeks)).all(),
            s.execute(select(Role.person_id, Role.role, Role.group_id)
                      .order_by(Role.id)).all(),
            s.execute(select(ChannelBinding.workspace, ChannelBinding.channel_id)
                      .order_by(ChannelBinding.id)).all(),
            s.scalar(select(func.count()).select_from(Mentorship)),
        )


def _seed(core: Core, platform: str, workspace: str, channel: str) -> dict[str, int]:
    """em-interest bound to one channel, with an organizer, faculty and students looking
    for a mentor (so a real match round would write mentorships)."""
    with core.db.session() as s:
        kim = add_student(s, "Jordan Kim", email="jordan.kim@example.edu")
        faculty = [add_faculty(s, f"Dr. Faculty {i}", specialty="emergency medicine",
                               capacity=2) for i in range(2)]
        students = [add_student(s, f"Student {i}", interests=["emergency medicine"],
                                wants_mentor=True) for i in range(3)]
        group = add_group(s, "em-interest", name="EM Interest Group",
                          specialty="emergency medicine", members=[*faculty, *students],
                          organizers=[kim])
        group.bindings.append(ChannelBinding(platform=platform, workspace=workspace,
                                             channel_id=channel))
        s.flush()
        return {"kim": kim.id, "group": group.id}


# --- Slack ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user("U1KIM", "Jordan Kim", email="jordan.kim@example.edu")
        server.add_user("U3ADMIN", "Home Admin", email="admin@example.edu", is_admin=True)
        server.add_user("U4OTHER", "Other Admin", email="other@example.org", is_owner=True,
                        team_id=OTHER_TEAM)
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with slack_harness(core, api) as harness:
        yield harness


def _text(call: Call) -> str:
    return json.dumps(call.params)


def _channel_posts(api: FakeSlackApi, channel: str) -> list[Call]:
    return [c for c in api.calls("chat.postMessage") if c.get("channel") == channel]


OUT_OF_SCOPE = (
    "/mentor match group:em-interest",
    "/mentor group rhythm em-interest 8",
    '/mentor group settings em-interest digest:"friday 07:00" tz:Europe/Paris',
    '/mentor group organizer em-interest "Other Admin"',
    "/mentor announce em-interest Free pizza in the lounge ping:channel",
    "/mentor group bind em-interest",
)


def test_slack_admin_of_another_workspace_cannot_run_the_group(
        slack: SlackHarness, core: Core, api: FakeSlackApi) -> None:
    _seed(core, "slack", TEAM_ID, EM_CHANNEL)
    slack.run("U4OTHER", "/mentor profile", team_id=OTHER_TEAM)  # known to the bot
    before = _state(core)
    for line in OUT_OF_SCOPE:
        reply = slack.run("U4OTHER", line, team_id=OTHER_TEAM, channel_id="C0THEIRS",
                          channel_name="their-channel")
        assert "Only organizers of EM Interest Group" in _text(reply), (line, _text(reply))
    assert _state(core) == before
    assert _channel_posts(api, EM_CHANNEL) == []


def test_slack_admin_of_the_groups_workspace_acts_as_organizer(
        slack: SlackHarness, core: Core, api: FakeSlackApi) -> None:
    ids = _seed(core, "slack", TEAM_ID, EM_CHANNEL)
    reply = slack.run("U3ADMIN", '/mentor group settings em-interest digest:"friday 07:00"')
    assert "Fridays at 07:00" in _text(reply)
    matched = slack.run("U3ADMIN", "/mentor match group:em-interest")
    assert "went wrong" not in _text(matched) and "Not allowed" not in _text(matched)
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mentorship).where(
            Mentorship.group_id == ids["group"])) == 3


def test_slack_bind_then_announce_with_and_without_a_ping(
        slack: SlackHarness, core: Core, api: FakeSlackApi) -> None:
    ids = _seed(core, "slack", TEAM_ID, EM_CHANNEL)
    bound = slack.run("U1KIM", "/mentor group bind em-interest", channel_id="C0SECOND",
                      channel_name="em-second")
    assert "now bound to EM Interest Group" in _text(bound)
    assert bound.get("response_type") == "in_channel"
    with core.db.session() as s:
        assert s.execute(select(ChannelBinding.workspace, ChannelBinding.channel_id)
                         .where(ChannelBinding.group_id == ids["group"])
                         .order_by(ChannelBinding.id)).all() == [
            (TEAM_ID, EM_CHANNEL), (TEAM_ID, "C0SECOND")]

    quiet = slack.run("U1KIM", "/mentor announce em-interest Panel <!channel> @here "
                               "<@U3ADMIN> tonight")
    assert "Announced in 2 channels" in _text(quiet)
    for channel in (EM_CHANNEL, "C0SECOND"):
        (post,) = _channel_posts(api, channel)
        dumped = _text(post)
        assert "&lt;!channel&gt;" in dumped and "&lt;@U3ADMIN&gt;" in dumped
        assert "<!channel>" not in dumped and "<!here>" not in dumped
        assert "<@U3ADMIN>" not in dumped
        assert post.get("parse") == "none" and post.get("link_names") in (False, "false")
        assert "Announcement from EM Interest Group" in dumped
        assert "Posted by Jordan Kim, organizer" in dumped

    loud = slack.run("U3ADMIN", "/mentor announce em-interest Sign-ups close Friday "
                                "ping:here")
    assert "notifying @here" in _text(loud)
    second = _channel_posts(api, EM_CHANNEL)[1]
    assert second.get("text").startswith("<!here> ")
    blocks = json.dumps(second.get("blocks"))
    assert blocks.count("<!here>") == 1 and "<!channel>" not in blocks
    assert "Sign-ups close Friday" in blocks


# --- Discord ---------------------------------------------------------------------------------

ORGANIZER_ID = 610000000000000001
ADMIN_ID = 610000000000000002
STUDENT_ID = 610000000000000003
FACULTY_ID = 610000000000000004
OTHER_GUILD = 710000000000000010
OTHER_CHANNEL = 710000000000000011
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


def _identity(core: Core, person_id: int, discord_id: int) -> None:
    with core.db.session() as s:
        s.add(Identity(person_id=person_id, platform="discord", workspace="",
                       external_id=str(discord_id)))


def _command(fake: FakeDiscord, path: str, options: dict[str, Any], *, user_id: int,
             guild_id: int = GUILD_ID, channel_id: int = CHANNEL_ID,
             permissions: int = 0, kind: int = 2, focused: str | None = None) -> dict[str, Any]:
    """A slash command (or, kind 4, an autocomplete request with `focused` being typed)
    with options by name; `path` is "group settings" or "announce"."""
    leaf = [{"name": k, "type": 5 if isinstance(v, bool) else 4 if isinstance(v, int) else 3,
             "value": v, **({"focused": True} if k == focused else {})}
            for k, v in options.items()]
    words = path.split()
    node: list[dict[str, Any]] = [{"name": words[-1], "type": 1, "options": leaf}]
    if len(words) == 2:
        node = [{"name": words[0], "type": 2, "options": node}]
    data = {"id": "900000000000000001", "name": "mentor", "type": 1, "options": node}
    return fake.interaction(kind=kind, data=data, user_id=user_id, user_name="Member",
                            permissions=permissions, guild_id=guild_id, channel_id=channel_id)


async def _answer(fake: FakeDiscord, payload: dict[str, Any]) -> Any:
    token = payload["token"]
    (followup,) = await fake.wait_for("POST", rf"/webhooks/\d+/{token}")
    return followup.body


def _embed_text(body: dict[str, Any]) -> str:
    return json.dumps(body.get("embeds") or [])


def test_discord_admin_of_another_server_cannot_run_the_group(sqlite_url, clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    _seed(core, "discord", str(GUILD_ID), str(CHANNEL_ID))
    with core.db.session() as s:
        other = add_student(s, "Other Admin").id
    _identity(core, other, ADMIN_ID)
    before = _state(core)
    attempts = [
        ("match", {"group": "em-interest"}),
        ("group rhythm", {"group": "em-interest", "weeks": 8}),
        ("group settings", {"group": "em-interest", "digest": "off"}),
        ("group organizer", {"group": "em-interest", "person": f"person:{other}"}),
        ("announce", {"group": "em-interest", "text": "Free pizza", "ping": "channel"}),
        ("group bind", {"group": "em-interest"}),
    ]

    async def scenario() -> None:
        async with fake_discord() as fake, \
                connected(MentorClient(DiscordBot(core), guild_ready_timeout=0.05),
                          fake) as client:
            core.router = Router([DiscordChannel(Runtime(client, asyncio.get_running_loop()),
                                                 core)])
            for path, options in attempts:
                payload = _command(fake, path, options, user_id=ADMIN_ID,
                                   guild_id=OTHER_GUILD, channel_id=OTHER_CHANNEL,
                                   permissions=MANAGE_GUILD)
                await fake.dispatch("INTERACTION_CREATE", payload)
                body = await _answer(fake, payload)
                assert "Only organizers of EM Interest Group" in _embed_text(body), path
            await fake.settle()
            assert fake.matching("POST", rf"/channels/{CHANNEL_ID}/messages") == []

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))
    assert _state(core) == before


def test_discord_announcement_pings_only_when_asked(sqlite_url, clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    ids = _seed(core, "discord", str(GUILD_ID), str(CHANNEL_ID))
    _identity(core, ids["kim"], ORGANIZER_ID)
    with core.db.session() as s:
        admin = add_student(s, "Server Admin").id
    _identity(core, admin, ADMIN_ID)

    async def scenario() -> None:
        async with fake_discord() as fake, \
                connected(MentorClient(DiscordBot(core), guild_ready_timeout=0.05),
                          fake) as client:
            core.router = Router([DiscordChannel(Runtime(client, asyncio.get_running_loop()),
                                                 core)])
            quiet = _command(fake, "announce", {"group": "em-interest",
                                                "text": "Panel tonight @everyone @here"},
                             user_id=ORGANIZER_ID, channel_id=OTHER_CHANNEL)
            await fake.dispatch("INTERACTION_CREATE", quiet)
            answer = await _answer(fake, quiet)
            assert "Announced in 1 channel" in _embed_text(answer)
            (post,) = fake.matching("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert post.pings_nobody()
            assert not post.body.get("content")
            description = post.body["embeds"][0]["description"]
            assert "@\u200beveryone" in description and "@\u200bhere" in description
            assert post.body["embeds"][0]["title"] == "Announcement from EM Interest Group"

            # A server admin of the group's own server may announce, and ping.
            loud = _command(fake, "announce", {"group": "em-interest", "text": "Sign-ups close",
                                               "ping": "channel"},
                            user_id=ADMIN_ID, permissions=MANAGE_GUILD)
            await fake.dispatch("INTERACTION_CREATE", loud)
            answer = await _answer(fake, loud)
            assert "notifying @channel" in _embed_text(answer)
            posts = fake.matching("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert len(posts) == 2
            pinged = posts[1]
            assert pinged.body["content"] == "@everyone"
            assert pinged.allowed_mentions["parse"] == ["everyone"]
            assert not pinged.allowed_mentions.get("roles")
            assert not pinged.allowed_mentions.get("users")

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))


def test_discord_autocomplete_offers_only_whom_the_command_can_target(sqlite_url,
                                                                      clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    with core.db.session() as s:
        faculty = add_faculty(s, "Dr. Jordan Reyes", specialty="Pediatrics")
        asked = add_student(s, "Jordan Asker", stage="ms3")
        mentee = add_student(s, "Jordan Mentee", stage="ms4")
        stranger = add_student(s, "Jordan Stranger", stage="ms1")
        s.add(IntroRequest(student_id=asked.id, faculty_id=faculty.id,
                           state="open", created_at=clock.now()))
        s.add(Mentorship(student_id=mentee.id, mentor_id=faculty.id, started_at=clock.now()))
        student = add_student(s, "Jordan Learner", stage="ms2")
        mentor = add_faculty(s, "Dr. Jordan Cho", specialty="Surgery")
        s.add(Mentorship(student_id=student.id, mentor_id=mentor.id, started_at=clock.now()))
        organizer = add_student(s, "Jordan Organizer")
        group = add_group(s, "em", organizers=[organizer])
        s.add(Membership(person_id=stranger.id, group_id=group.id))
        ids = {"faculty": faculty.id, "asked": asked.id, "student": student.id,
               "organizer": organizer.id}
    _identity(core, ids["faculty"], FACULTY_ID)
    _identity(core, ids["student"], STUDENT_ID)
    _identity(core, ids["organizer"], ORGANIZER_ID)

    async def choices(fake: FakeDiscord, path: str, option: str, user_id: int,
                      extra: dict[str, Any] | None = None) -> list[str]:
        payload = _command(fake, path, {**(extra or {}), option: "jordan"}, user_id=user_id,
                           kind=4, focused=option)
        await fake.dispatch("INTERACTION_CREATE", payload)
        token = payload["token"]
        (callback,) = await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
        assert callback.body["type"] == 8
        return [c["name"] for c in callback.body["data"]["choices"]]

    async def scenario() -> None:
        async with fake_discord() as fake, \
                connected(MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake):
            # A faculty member accepting: only the student who asked, never a stage.
            assert await choices(fake, "accept", "student", FACULTY_ID) == ["Jordan Asker"]
            assert await choices(fake, "decline", "student", FACULTY_ID) == ["Jordan Asker"]
            # A student logging a contact: faculty (their mentor among them), no student.
            assert sorted(await choices(fake, "log", "mentor", STUDENT_ID)) == [
                "Dr. Jordan Cho — Surgery", "Dr. Jordan Reyes — Pediatrics"]
            # An organizer naming a new organizer: faculty and their group's members.
            assert sorted(await choices(fake, "group organizer", "person", ORGANIZER_ID,
                                        {"group": "em"})) == [
                "Dr. Jordan Cho — Surgery", "Dr. Jordan Reyes — Pediatrics",
                "Jordan Stranger"]
            # Someone with no relation at all gets no student for accept.
            assert await choices(fake, "accept", "student", STUDENT_ID) == []

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))

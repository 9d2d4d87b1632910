"""End to end: the real discord.py client, connected over loopback to the fake Discord in
tests/support, receives interactions and answers them through the real core; direct
messages go out through the real delivery sweep."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from adapters.discord.channel import DiscordChannel
from adapters.discord.client import DiscordBot, MentorClient
from adapters.discord.people import DMS_CLOSED
from bot.app.core import Core
from bot.framework.channels import Router
from bot.framework.replies import Action, Reply
from bot.infra.clock import FixedClock
from bot.infra.models import Identity, InterestGroup, Nudge, Person
from bot.nudges.store import queue_notice
from jobs.delivery import Sweeper
from tests.support.discord_e2e import TIMEOUT, Runtime, connected, fake_discord, sqlite_core
from tests.support.discord_fake import APP_ID, CHANNEL_ID, FakeDiscord
from tests.support.factories import add_faculty, add_student

STUDENT_DISCORD_ID = 600000000000000001
DM_CHANNEL_ID = STUDENT_DISCORD_ID + 1  # what the fake opens for that user


def _connected(core: Core, fake: FakeDiscord) -> Any:
    # READY waits guild_ready_timeout for more GUILD_CREATEs; the fake sends its one at once.
    return connected(MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake)


def _student(core: Core) -> int:
    with core.db.session() as session:
        student = add_student(session, "Maya Patel")
        student.identities.append(Identity(platform="discord", workspace="",
                                           external_id=str(STUDENT_DISCORD_ID)))
        session.flush()
        return student.id


def _slash(fake: FakeDiscord, root: str, sub: str, options: dict[str, object],
           user_id: int = STUDENT_DISCORD_ID) -> dict[str, Any]:
    data = {"id": "900000000000000001", "name": root, "type": 1,
            "options": [{"name": sub, "type": 1, "options": [
                {"name": k, "type": 3 if isinstance(v, str) else 5, "value": v}
                for k, v in options.items()]}]}
    return fake.interaction(kind=2, data=data, user_id=user_id, user_name="Maya Patel")


async def _answers(fake: FakeDiscord, payload: dict[str, Any], count: int = 1) -> tuple[Any, Any]:
    token = payload["token"]
    callback = await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
    followups = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{token}", count)
    return callback[0], followups


def _deliver(core: Core, channel: DiscordChannel) -> Any:
    return Sweeper(core.db, core.clock, Router([channel]), core.nudge_catalog, threads=1).run()


def test_slash_command_is_deferred_then_answered_by_follow_up(core: Core) -> None:
    """The command round trip, on both databases (the other Discord tests run on SQLite)."""
    student_id = _student(core)

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake):
            payload = _slash(fake, "mentor", "profile", {"tz": "America/Chicago"})
            await fake.dispatch("INTERACTION_CREATE", payload)
            callback, followups = await _answers(fake, payload)
        assert callback.body["type"] == 5  # deferred ("thinking…") within the 3 s
        assert callback.body["data"]["flags"] & 64  # private
        body = followups[0].body
        assert body["flags"] & 64
        assert body["embeds"][0]["title"] == "Profile updated"
        assert followups[0].pings_nobody()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))
    with core.db.session() as session:
        assert session.get_one(Person, student_id).timezone == "America/Chicago"


def test_dm_nudge_button_works_after_a_restart_and_429_is_waited_out(core: Core,
                                                                    clock: FixedClock) -> None:
    """The button round trip, on both databases (the other Discord tests run on SQLite)."""
    student_id = _student(core)
    action = Action("Use Paris time", "mentor profile", {"tz": "Europe/Paris"}, "primary")
    with core.db.session() as session:
        queue_notice(session, student_id,
                     Reply(title="Your time zone", text="Set it with one press.",
                           actions=(action,)), key="tz-hint", now=clock.now())

    async def scenario() -> None:
        async with fake_discord() as fake:
            # First run of the bot: the sweep DMs the nudge; Discord rate-limits it once.
            async with _connected(core, fake) as client:
                fake.fail("POST", r"/channels/\d+/messages", 429, retry_after=0.05)
                channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
                result = await asyncio.to_thread(_deliver, core, channel)
                assert result.sent == 1
            posts = fake.matching("POST", rf"/channels/{DM_CHANNEL_ID}/messages")
            assert len(posts) == 2  # the 429, then the retry discord.py made after waiting
            assert fake.matching("POST", "/users/@me/channels")[0].body == {
                "recipient_id": STUDENT_DISCORD_ID}
            sent = posts[-1]
            assert sent.pings_nobody()
            assert action.encode() in sent.custom_ids
            # A new process (new client) gets the press on that old message.
            async with _connected(core, fake):
                press = fake.interaction(
                    kind=3, guild=False, user_id=STUDENT_DISCORD_ID,
                    data={"custom_id": action.encode(), "component_type": 2},
                    message=fake.message(DM_CHANNEL_ID, sent.body))
                await fake.dispatch("INTERACTION_CREATE", press)
                callback, followups = await _answers(fake, press)
        assert callback.body["type"] == 5
        assert followups[0].body["embeds"][0]["title"] == "Profile updated"
        assert followups[0].pings_nobody()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))
    with core.db.session() as session:
        assert session.get_one(Person, student_id).timezone == "Europe/Paris"
        assert session.query(Nudge).one().state == "sent"


def test_closed_dms_keep_the_nudge_and_show_a_notice_on_next_command(sqlite_url, clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    student_id = _student(core)
    with core.db.session() as session:
        queue_notice(session, student_id,
                     Reply(title="Time to check in"), key="check-in", now=clock.now())

    async def scenario() -> None:
        async with fake_discord() as fake, \
                _connected(core, fake) as client:
            fake.fail("POST", r"/channels/\d+/messages", 403, code=50007,
                      message="Cannot send messages to this user")
            channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
            result = await asyncio.to_thread(_deliver, core, channel)
            assert result.sent == 0
            with core.db.session() as session:
                nudge = session.query(Nudge).one()
                assert nudge.state == "pending"  # kept, to be retried
                assert "direct messages" in (nudge.last_error or "")
                identity = session.query(Identity).one()
                assert identity.dm_blocked_at is not None

            payload = _slash(fake, "mentor", "profile", {})
            await fake.dispatch("INTERACTION_CREATE", payload)
            _, followups = await _answers(fake, payload, count=2)
            titles = [f.body["embeds"][0]["title"] for f in followups]
            assert titles == ["Your profile", DMS_CLOSED.title]
            assert all(f.body["flags"] & 64 for f in followups)

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))
    with core.db.session() as session:
        assert session.query(Identity).one().dm_blocked_at is None


FACULTY_DISCORD_ID = 600000000000000101


def test_find_then_request_intro_button_reaches_the_faculty_by_dm(sqlite_url, clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    student_id = _student(core)
    with core.db.session() as session:
        session.get_one(Person, student_id).student_profile.interests = ["emergency medicine"]
        kim = add_faculty(session, "Dr. Maya Kim", specialty="Emergency Medicine",
                          research=["point-of-care ultrasound"])
        kim.identities.append(Identity(platform="discord", workspace="",
                                       external_id=str(FACULTY_DISCORD_ID)))
        add_faculty(session, "Dr. Omar Reyes", specialty="Pediatrics", research=["asthma"])

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake) as client:
            payload = _slash(fake, "mentor", "find", {"keywords": "ultrasound"})
            await fake.dispatch("INTERACTION_CREATE", payload)
            callback, followups = await _answers(fake, payload)
            assert callback.body["type"] == 5
            shortlist = followups[0]
            assert shortlist.pings_nobody()
            text = json.dumps(shortlist.body["embeds"])
            assert "Dr. Maya Kim" in text
            request_ids = [i for i in shortlist.custom_ids if i.startswith("mb|mentor.request")]
            assert request_ids, shortlist.custom_ids
            press = fake.interaction(
                kind=3, user_id=STUDENT_DISCORD_ID, data={"custom_id": request_ids[0],
                                                          "component_type": 2},
                message=fake.message(CHANNEL_ID, shortlist.body, flags=64))
            await fake.dispatch("INTERACTION_CREATE", press)
            _, answered = await _answers(fake, press)
            assert answered[0].pings_nobody()
            assert "Kim" in json.dumps(answered[0].body["embeds"])
            channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
            result = await asyncio.to_thread(_deliver, core, channel)
            assert result.sent == 1
            (dm,) = fake.matching("POST", rf"/channels/{FACULTY_DISCORD_ID + 1}/messages")
            assert dm.pings_nobody()
            assert any(i.startswith("mb|mentor.accept") for i in dm.custom_ids)

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))


def test_group_created_in_a_channel_gets_its_digest_there(sqlite_url, clock) -> None:
    from jobs.digest import post_digest

    core = sqlite_core(sqlite_url, clock)
    _student(core)

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake) as client:
            data = {"id": "900000000000000001", "name": "mentor", "type": 1, "options": [
                {"name": "group", "type": 2, "options": [{"name": "create", "type": 1,
                 "options": [{"name": "slug", "type": 3, "value": "em-interest"},
                             {"name": "name", "type": 3, "value": "EM Interest Group"},
                             {"name": "specialty", "type": 3,
                              "value": "emergency medicine"}]}]}]}
            manage_guild = 1 << 5
            payload = fake.interaction(kind=2, data=data, user_id=STUDENT_DISCORD_ID,
                                       permissions=manage_guild)
            await fake.dispatch("INTERACTION_CREATE", payload)
            _, followups = await _answers(fake, payload, count=2)
            private, public = followups
            assert private.body["flags"] & 64 and not (public.body.get("flags") or 0) & 64
            assert public.body["embeds"][0]["title"].startswith("Created EM Interest Group")
            with core.db.session() as session:
                group_id = session.query(InterestGroup).one().id
            channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
            result = await asyncio.to_thread(post_digest, core.db, Router([channel]),
                                             core.clock, group_id)
            assert result.state == "posted"
            (post,) = fake.matching("POST", rf"/channels/{CHANNEL_ID}/messages")
            assert post.pings_nobody() and post.body["embeds"]

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))


def test_letter_remind_then_calendar_file_arrives_as_an_attachment(sqlite_url, clock) -> None:
    core = sqlite_core(sqlite_url, clock)
    _student(core)

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake):
            remind = _slash(fake, "letter", "remind",
                            {"writer": "Dr. Outside Writer", "due": "in 10 weeks"})
            await fake.dispatch("INTERACTION_CREATE", remind)
            _, tracked = await _answers(fake, remind)
            assert "Dr. Outside Writer" in tracked[0].body["embeds"][0]["title"]
            calendar = _slash(fake, "letter", "calendar", {})
            await fake.dispatch("INTERACTION_CREATE", calendar)
            _, sent = await _answers(fake, calendar)
        body = sent[0].body
        assert body["_files"] and body["_files"][0].endswith(".ics")  # multipart upload
        assert body["attachments"][0]["filename"].endswith(".ics")
        assert sent[0].pings_nobody() and body["flags"] & 64

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))


def test_a_dm_channel_is_opened_once_per_person_and_remembered(sqlite_url, clock) -> None:
    """One REST call per message: the DM channel is opened for the first message only
    (discord.py itself keeps just 128 of them), remembered by the core, so a new process
    sends straight to it too; one Discord no longer knows is opened again."""
    core = sqlite_core(sqlite_url, clock)
    student_id = _student(core)

    def queue(key: str) -> None:
        with core.db.session() as session:
            queue_notice(session, student_id, Reply(title=key), key=key, now=clock.now())

    async def scenario() -> None:
        async with fake_discord() as fake:
            async with _connected(core, fake) as client:
                channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
                for key in ("one", "two"):
                    queue(key)
                    assert (await asyncio.to_thread(_deliver, core, channel)).sent == 1
            async with _connected(core, fake) as client:  # a new process
                channel = DiscordChannel(Runtime(client, asyncio.get_running_loop()), core)
                queue("three")
                assert (await asyncio.to_thread(_deliver, core, channel)).sent == 1
                assert len(fake.matching("POST", "/users/@me/channels")) == 1
                assert len(fake.matching("POST", rf"/channels/{DM_CHANNEL_ID}/messages")) == 3
                # The remembered channel is gone on Discord's side: opened again, once.
                fake.fail("POST", rf"/channels/{DM_CHANNEL_ID}/messages", 404, code=10003,
                          message="Unknown Channel")
                queue("four")
                assert (await asyncio.to_thread(_deliver, core, channel)).sent == 1
                assert len(fake.matching("POST", "/users/@me/channels")) == 2

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 3))
    with core.db.session() as session:
        assert session.query(Identity.dm_channel_id).scalar() == str(DM_CHANNEL_ID)

"""`mentorbot run`'s Discord service: the client in its own thread and event loop, reached
from another thread (as the delivery sweep does) through its delivery channel."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.service import DiscordService, build
from bot.app.core import Core
from bot.framework.channels import Address, ChannelTarget, Delivery
from bot.framework.replies import Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.settings import Settings
from tests.support.cli import Mentorbot
from tests.support.discord_fake import APP_ID, CHANNEL_ID, GUILD_ID, FakeDiscord


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """The fake on a loop in a thread of its own, like a remote server."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeDiscord()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    with server.patched():
        yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_service_connects_delivers_and_stops(fake: FakeDiscord, sqlite_url: str,
                                             clock: Any) -> None:
    settings = Settings(database_url=sqlite_url, discord_token="fake-token",  # type: ignore[call-arg]
                        _env_file=None)
    core = Core(db=Database(sqlite_url), clock=clock, settings=settings)
    service = build(core, settings)
    assert isinstance(service, DiscordService) and service.name == "discord"
    service.client_options["guild_ready_timeout"] = 0.05
    channel = service.channel()
    assert channel is not None
    service.start()
    try:
        assert service.ready.wait(10), "never got READY from the fake gateway"
        address = Address(person_id=1, name="Maya", email=None,
                          identities=(("discord", "", "600000000000000001"),))
        assert channel.can_reach(address)
        channel.send_dm(address, Reply(title="Hello from the sweep thread"))
        target = ChannelTarget("discord", "700000000000000010", str(CHANNEL_ID))
        assert channel.can_post(target)
        assert not channel.can_post(ChannelTarget("slack", "T1", "C1"))
        channel.post_to_channel(target, Reply(title="Weekly digest", text="@everyone hi"))
    finally:
        service.stop()
    assert not service.ready.is_set()
    (dm,) = fake.matching("POST", r"/channels/600000000000000002/messages")
    assert dm.body["embeds"][0]["title"] == "Hello from the sweep thread" and dm.pings_nobody()
    (post,) = fake.matching("POST", rf"/channels/{CHANNEL_ID}/messages")
    assert post.pings_nobody() and "@\u200beveryone" in post.body["embeds"][0]["description"]


def test_build_needs_a_token(sqlite_url: str, clock: FixedClock) -> None:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="DISCORD_TOKEN"):
        build(Core(db=Database(sqlite_url), clock=clock, settings=settings), settings)


def test_sync_puts_the_tree_payload_globally_or_to_one_guild(fake: FakeDiscord,
                                                             sqlite_url: str) -> None:
    from adapters.discord.sync import sync_commands, sync_payload

    core = Core(db=Database(sqlite_url))  # only its registry is asked for
    names = sync_commands(core, "fake-token")
    assert names == ["mentor", "letter", "residency"]
    (put,) = fake.matching("PUT", rf"/applications/{APP_ID}/commands")
    assert put.body == sync_payload(core)
    assert sync_commands(core, "fake-token", guild_id=GUILD_ID) == ["mentor", "letter", "residency"]
    (guild_put,) = fake.matching("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert guild_put.body == sync_payload(core, guild_id=GUILD_ID) == put.body


def test_sync_without_a_token_says_what_to_set(tmp_path: Path, mentorbot: Mentorbot) -> None:
    result = mentorbot("discord", "sync", url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       cwd=tmp_path)
    assert result.returncode == 1 and "DISCORD_TOKEN" in result.stderr


def test_a_repeated_send_of_one_nudge_is_dropped_by_its_nonce(fake: FakeDiscord,
                                                              sqlite_url: str,
                                                              clock: Any) -> None:
    """The second attempt of a nudge (after a lost answer or a crash) carries the same nonce
    with enforce_nonce, so Discord returns the first message instead of posting again; a
    snoozed reminder's next round is a new message."""
    settings = Settings(database_url=sqlite_url, discord_token="fake-token",  # type: ignore[call-arg]
                        _env_file=None)
    core = Core(db=Database(sqlite_url), clock=clock, settings=settings)
    service = build(core, settings)
    service.client_options["guild_ready_timeout"] = 0.05
    channel = service.channel()
    assert channel is not None
    service.start()
    try:
        assert service.ready.wait(10)
        address = Address(person_id=1, name="Maya", email=None,
                          identities=(("discord", "", "600000000000000001"),))
        reply = Reply(title="Time to check in")
        channel.send_dm(address, reply, Delivery(41, 0))
        channel.send_dm(address, reply, Delivery(41, 0, since=clock.now()))
        channel.send_dm(address, reply, Delivery(41, 1))
    finally:
        service.stop()
    sends = fake.matching("POST", r"/channels/600000000000000002/messages")
    assert [(s.body["nonce"], s.body["enforce_nonce"]) for s in sends] == [
        ("mb41.0.0", True), ("mb41.0.0", True), ("mb41.1.0", True)]
    assert [m["nonce"] for m in fake.created] == ["mb41.0.0", "mb41.1.0"]

"""The unmodified discord.py client running against `FakeDiscord` on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import discord

from adapters.discord.client import MentorClient
from bot.app.core import Core
from bot.infra.clock import Clock
from bot.infra.db import Database
from bot.infra.settings import Settings
from tests.support.discord_fake import FakeDiscord

TIMEOUT = 10.0


@dataclass
class Runtime:
    """What `DiscordChannel` needs of the running adapter: the client and its loop."""

    client: discord.Client | None
    loop: asyncio.AbstractEventLoop | None


def sqlite_core(sqlite_url: str, clock: Clock) -> Core:
    """A core on a SQLite file only: the client runs its own event loop, in this thread."""
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    return Core(db=Database(sqlite_url), clock=clock, settings=settings)


@asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        with fake.patched():
            yield fake
    finally:
        await fake.stop()


@asynccontextmanager
async def connected(client: MentorClient, fake: FakeDiscord) -> AsyncIterator[MentorClient]:
    """Log in, connect to the fake gateway, wait for READY; close at the end."""
    async with client:
        await asyncio.wait_for(client.login("fake-token"), TIMEOUT)
        task = asyncio.create_task(client.connect(reconnect=False))
        try:
            await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
            yield client
        finally:
            await client.close()
            with suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, TIMEOUT)

"""The unmodified discord.py client running against `FakeDiscord` on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from adapters.discord.client import MentorClient
from tests.support.discord_fake import FakeDiscord

TIMEOUT = 10.0


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

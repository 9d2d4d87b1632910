"""Registering the generated commands with Discord (`mentorbot discord sync`)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from adapters.discord.client import DiscordBot, MentorClient
from adapters.discord.commands import payload
from bot.framework.ports import CorePort


def offline_client(core: CorePort) -> MentorClient:
    """A client that is never connected: enough to build the real tree (the core is only
    asked for its registry)."""
    return MentorClient(DiscordBot(core), load_roster=False)


def sync_payload(core: CorePort, guild_id: int | None = None) -> list[dict[str, Any]]:
    client = offline_client(core)
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        client.tree.copy_global_to(guild=guild)
    return payload(client.tree, guild=guild)


def sync_commands(core: CorePort, token: str, guild_id: int | None = None) -> list[str]:
    async def go() -> list[str]:
        client = offline_client(core)
        guild = discord.Object(id=guild_id) if guild_id else None
        async with client:
            await client.login(token)
            if guild is not None:
                client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
        return [command.name for command in synced]

    return asyncio.run(go())

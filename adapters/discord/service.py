"""The Discord part of `mentorbot run`: the client in a thread of its own, with its own event
loop, and the delivery channel the scheduler uses to reach people through it."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from adapters.discord.channel import DiscordChannel
from adapters.discord.client import DiscordBot, MentorClient
from bot.framework.ports import CorePort
from bot.infra.settings import Settings

log = logging.getLogger(__name__)

RATE_LIMIT_WAIT = 5.0
"""discord.py waits out a 429 up to this long; a longer one raises, and a nudge is then
rescheduled by the sweep rather than holding a delivery thread."""


@dataclass
class DiscordService:
    core: CorePort
    token: str
    name: str = "discord"
    client: MentorClient | None = None
    loop: asyncio.AbstractEventLoop | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    client_options: dict[str, Any] = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _channel: DiscordChannel | None = None

    def __post_init__(self) -> None:
        # Within the send budget every worker shares (DISCORD_SEND_RATE).
        self._channel = DiscordChannel(runtime=self, core=self.core,
                                       budget=self.core.send_budget(),
                                       send_rate=self.core.settings.discord_send_rate)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="discord", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            loop.run_until_complete(self._serve())
        except Exception:
            log.exception("the Discord client stopped")
        finally:
            self.ready.clear()
            loop.close()

    async def _serve(self) -> None:
        options = {"max_ratelimit_timeout": RATE_LIMIT_WAIT, **self.client_options}
        client = MentorClient(DiscordBot(self.core), **options)
        self.client = client

        @client.event
        async def on_ready() -> None:
            log.info("connected to Discord as %s", client.user)
            self.ready.set()

        async with client:
            await client.start(self.token, reconnect=True)

    def stop(self) -> None:
        loop, client = self.loop, self.client
        if loop is not None and client is not None and not loop.is_closed():
            future = asyncio.run_coroutine_threadsafe(client.close(), loop)
            try:
                future.result(10)
            except Exception:
                log.exception("closing the Discord client")
        if self._thread is not None:
            self._thread.join(10)

    def channel(self) -> DiscordChannel | None:
        return self._channel


def build(core: CorePort, settings: Settings) -> DiscordService:
    if not settings.discord_token:
        raise ValueError("DISCORD_TOKEN is not set")
    return DiscordService(core=core, token=settings.discord_token)

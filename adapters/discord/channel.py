"""Direct messages and channel posts through Discord, for the delivery sweep.

The sweep is synchronous and runs in threads of its own; discord.py lives on the client's
event loop in another. Each send is scheduled onto that loop and waited for. A user whose
privacy settings refuse DMs (403, code 50007) is reported to the core, which marks them
(`bot.nudges.policy`: they are told the next time they use a command), and the message is
retried later (not a permanent failure).

Rate limits: discord.py waits out a short 429 itself (as Discord asks); one longer than the
client's `max_ratelimit_timeout` comes back as `DeliveryError(retry_after=…)` so the sweep
reschedules instead of holding a thread.

Repeats: each message of a nudge is sent with a `nonce` derived from the nudge (its id, round
and part) and `enforce_nonce` (discord.py sets it with any nonce), so a send repeated after a
lost answer or a crash, within Discord's window of a few minutes, returns the first message
instead of posting a second one."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import discord

from adapters.discord.people import PLATFORM, WORKSPACE
from adapters.discord.render import render
from bot.framework.channels import Address, ChannelTarget, Delivery, DeliveryError
from bot.framework.ports import CorePort, PlatformUser
from bot.framework.replies import Reply

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007
UNKNOWN_USER = 10013


class Runtime(Protocol):
    """The running client and its loop (None until connected)."""

    @property
    def client(self) -> discord.Client | None: ...

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...


@dataclass
class DiscordChannel:
    runtime: Runtime
    core: CorePort | None = None
    timeout: float = 60.0
    name: str = PLATFORM
    dm_interval: float = 1.0  # Discord allows 5 messages per 5 s in one DM channel

    # --- bot.delivery.Channel ----------------------------------------------------------

    def can_reach(self, address: Address) -> bool:
        return address.identity(PLATFORM) is not None

    def send_dm(self, address: Address, reply: Reply, delivery: Delivery | None = None
                ) -> None:
        found = address.identity(PLATFORM)
        if found is None:
            raise DeliveryError(f"{address.name} has no Discord account", permanent=True)
        user_id = found[1]
        if not user_id.isdigit():
            raise DeliveryError(f"{user_id!r} is not a Discord user id", permanent=True)
        try:
            self._run(self._dm(int(user_id), reply, delivery))
        except discord.Forbidden as exc:
            if exc.code == CANNOT_MESSAGE_USER:
                self._tell_core(user_id, refused=True)
                raise DeliveryError(f"{address.name} does not accept direct messages") from exc
            raise DeliveryError(f"DM to {address.name}: {exc}") from exc
        except discord.NotFound as exc:
            raise DeliveryError(f"DM to {address.name}: {exc}",
                                permanent=exc.code == UNKNOWN_USER) from exc
        except discord.RateLimited as exc:
            raise DeliveryError(f"DM to {address.name}: rate limited",
                                retry_after=exc.retry_after) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"DM to {address.name}: {exc}") from exc
        self._tell_core(user_id, refused=False)

    def can_post(self, target: ChannelTarget) -> bool:
        return target.platform == PLATFORM and target.channel_id.isdigit()

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        """A digest or group announcement in a group's bound channel (the only kind of
        message that may ping, when an organizer's announcement sets `Reply.ping`)."""
        where = f"post to channel {target.channel_id}"
        try:
            self._run(self._post(int(target.channel_id), reply))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise DeliveryError(f"{where}: {exc}", permanent=True) from exc
        except discord.RateLimited as exc:
            raise DeliveryError(f"{where}: rate limited", retry_after=exc.retry_after) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"{where}: {exc}") from exc

    # --- on the client's loop ----------------------------------------------------------

    async def _dm(self, user_id: int, reply: Reply, delivery: Delivery | None) -> None:
        client = self._client()
        dm = await client.create_dm(discord.Object(id=user_id))
        await _send_all(dm, reply, delivery)

    async def _post(self, channel_id: int, reply: Reply) -> None:
        client = self._client()
        channel = client.get_partial_messageable(channel_id)
        await _send_all(channel, reply)

    def _client(self) -> discord.Client:
        client = self.runtime.client
        if client is None:
            raise DeliveryError("the Discord client is not running")
        return client

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        loop = self.runtime.loop
        if loop is None or loop.is_closed() or self.runtime.client is None:
            coro.close()
            raise DeliveryError("the Discord client is not running")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeliveryError("Discord did not answer in time") from None

    # --- bookkeeping -------------------------------------------------------------------

    def _tell_core(self, user_id: str, *, refused: bool) -> None:
        """Whether a DM to `user_id` was refused or went through (the core keeps the
        mark, `bot.nudges.policy`)."""
        if self.core is None:
            return
        account = PlatformUser(PLATFORM, user_id, workspace=WORKSPACE)
        try:
            if refused:
                self.core.dm_refused(account)
            else:
                self.core.dm_delivered(account)
        except Exception:  # the mark only drives a notice; the nudge itself stays pending
            log.exception("could not record whether %s accepts DMs", user_id)


def nonce(delivery: Delivery, part: int) -> str:
    """The nonce of one message of a nudge: the same on every attempt (Discord keeps at most
    25 characters)."""
    return f"mb{delivery.key}.{part}"[:25]


async def _send_all(target: discord.abc.Messageable, reply: Reply,
                    delivery: Delivery | None = None) -> None:
    for part, message in enumerate(render(reply)):
        kwargs = message.kwargs()
        if delivery is not None:
            kwargs["nonce"] = nonce(delivery, part)
        await target.send(**kwargs)

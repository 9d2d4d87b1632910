"""Direct messages and channel posts through Discord, for the delivery sweep.

The sweep is synchronous and runs in threads of its own; discord.py lives on the client's
event loop in another. Each send is scheduled onto that loop and waited for. A user whose
privacy settings refuse DMs (403, code 50007) is reported to the core, which marks them
(`bot.nudges.policy`: they are told the next time they use a command), and the message is
retried later (not a permanent failure).

One REST call per message: a person's DM channel is opened once (`POST
/users/@me/channels`) and its id remembered, in memory and by the core
(`CorePort.remember_dm_channel`), so later messages, in this process or any other, go
straight to `POST /channels/{id}/messages`. (discord.py keeps only the last 128 DM channels
it saw, so relying on its cache would open a DM again for every message of a large wave.)
A remembered channel Discord no longer knows (10003) is opened again, once.

Every REST call goes through the send budget when there is one (`budget`, shared by every
worker: `bot.framework.channels.SendBudget`), at `send_rate` calls a second for the bot
(`DISCORD_SEND_RATE`, within Discord's global limit of 50 requests a second per bot).

Rate limits: discord.py waits out a short 429 itself (as Discord asks); one longer than the
client's `max_ratelimit_timeout` comes back as `DeliveryError(retry_after=…)` so the sweep
reschedules instead of holding a thread, and holds the budget back for every worker.

Repeats: each message of a nudge is sent with a `nonce` derived from the nudge (its id, round
and part) and `enforce_nonce` (discord.py sets it with any nonce), so a send repeated after a
lost answer or a crash, within Discord's window of a few minutes, returns the first message
instead of posting a second one."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import discord

from adapters.discord.people import PLATFORM, WORKSPACE
from adapters.discord.render import render
from bot.framework.channels import (
    Address,
    BudgetKey,
    ChannelTarget,
    Delivery,
    DeliveryError,
    SendBudget,
)
from bot.framework.ports import CorePort, PlatformUser
from bot.framework.replies import Reply

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
REST = "rest"
"""The one budget of the bot's REST calls for direct messages and posts (Discord's global
limit counts every call alike)."""

T = TypeVar("T")


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
    # The send budget shared by every worker (None: calls go at once) and its rate
    # (DISCORD_SEND_RATE).
    budget: SendBudget | None = None
    send_rate: float | None = None
    _dm_cache: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
        messages = render(reply)
        sent = 0
        try:
            channel_id, remembered = self._dm_channel(user_id)
            for part, message in enumerate(messages):
                kwargs = message.kwargs()
                if delivery is not None:
                    kwargs["nonce"] = nonce(delivery, part)
                try:
                    self._pace()
                    self._run(_send(self._client(), channel_id, kwargs))
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_CHANNEL or not remembered or sent:
                        raise
                    # A DM channel remembered from before that Discord no longer knows.
                    self._forget_dm(user_id)
                    channel_id, remembered = self._dm_channel(user_id)
                    self._pace()
                    self._run(_send(self._client(), channel_id, kwargs))
                sent += 1
        except discord.Forbidden as exc:
            if exc.code == CANNOT_MESSAGE_USER:
                self._tell_core(user_id, refused=True)
                raise DeliveryError(f"{address.name} does not accept direct messages",
                                    partly=sent > 0) from exc
            raise DeliveryError(f"DM to {address.name}: {exc}", partly=sent > 0) from exc
        except discord.NotFound as exc:
            raise DeliveryError(f"DM to {address.name}: {exc}",
                                permanent=exc.code == UNKNOWN_USER, partly=sent > 0) from exc
        except discord.RateLimited as exc:
            self._slow_down(exc.retry_after)
            raise DeliveryError(f"DM to {address.name}: rate limited",
                                retry_after=exc.retry_after, partly=sent > 0) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"DM to {address.name}: {exc}", partly=sent > 0) from exc
        except DeliveryError as exc:  # the budget said wait (or stop), or no client
            exc.partly = exc.partly or sent > 0
            raise
        self._tell_core(user_id, refused=False)

    def can_post(self, target: ChannelTarget) -> bool:
        return target.platform == PLATFORM and target.channel_id.isdigit()

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        """A digest or group announcement in a group's bound channel (the only kind of
        message that may ping, when an organizer's announcement sets `Reply.ping`).
        Outside the send budget, as on Slack: a few posts a week, some made while a
        command's unit of work is open."""
        where = f"post to channel {target.channel_id}"
        try:
            for message in render(reply):
                self._run(_send(self._client(), int(target.channel_id), message.kwargs(),
                                private=False))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise DeliveryError(f"{where}: {exc}", permanent=True) from exc
        except discord.RateLimited as exc:
            raise DeliveryError(f"{where}: rate limited", retry_after=exc.retry_after) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"{where}: {exc}") from exc

    # --- DM channels -------------------------------------------------------------------

    def _dm_channel(self, user_id: str) -> tuple[int, bool]:
        """The person's DM channel id, and whether it was remembered (not just opened):
        remembered here or by the core, else opened once and remembered."""
        with self._lock:
            cached = self._dm_cache.get(user_id)
        if cached is not None:
            return cached, True
        stored = self.core.dm_channel(self._account(user_id)) if self.core is not None \
            else None
        if stored and stored.isdigit():
            with self._lock:
                self._dm_cache[user_id] = int(stored)
            return int(stored), True
        self._pace()
        channel_id = self._run(_open_dm(self._client(), int(user_id)))
        with self._lock:
            self._dm_cache[user_id] = channel_id
        self._remember(user_id, str(channel_id))
        return channel_id, False

    def _forget_dm(self, user_id: str) -> None:
        with self._lock:
            self._dm_cache.pop(user_id, None)
        self._remember(user_id, None)

    # --- the send budget ---------------------------------------------------------------

    def _pace(self) -> None:
        if self.budget is not None:
            self.budget.wait(BudgetKey(PLATFORM, "", REST), self.send_rate)

    def _slow_down(self, seconds: float) -> None:
        if self.budget is not None:
            self.budget.slow_down(BudgetKey(PLATFORM, "", REST), seconds)

    # --- on the client's loop ----------------------------------------------------------

    def _client(self) -> discord.Client:
        client = self.runtime.client
        if client is None:
            raise DeliveryError("the Discord client is not running")
        return client

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.runtime.loop
        if loop is None or loop.is_closed() or self.runtime.client is None:
            coro.close()
            raise DeliveryError("the Discord client is not running")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeliveryError("Discord did not answer in time") from None

    # --- bookkeeping -------------------------------------------------------------------

    @staticmethod
    def _account(user_id: str) -> PlatformUser:
        return PlatformUser(PLATFORM, user_id, workspace=WORKSPACE)

    def _remember(self, user_id: str, channel_id: str | None) -> None:
        if self.core is None:
            return
        try:
            self.core.remember_dm_channel(self._account(user_id), channel_id)
        except Exception:  # only a cache: the next message opens the DM again
            log.exception("could not remember the DM channel of %s", user_id)

    def _tell_core(self, user_id: str, *, refused: bool) -> None:
        """Whether a DM to `user_id` was refused or went through (the core keeps the
        mark, `bot.nudges.policy`)."""
        if self.core is None:
            return
        account = self._account(user_id)
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


async def _open_dm(client: discord.Client, user_id: int) -> int:
    dm = await client.create_dm(discord.Object(id=user_id))
    return int(dm.id)


async def _send(client: discord.Client, channel_id: int, kwargs: dict[str, Any], *,
                private: bool = True) -> None:
    kind = discord.ChannelType.private if private else None
    await client.get_partial_messageable(channel_id, type=kind).send(**kwargs)

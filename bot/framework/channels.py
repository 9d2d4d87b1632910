"""Where requests come from and how the core reaches people: `ChannelRef` names the place a
command was typed; `Channel` is the delivery protocol adapters implement, and `Router`
picks one per person. The core and jobs talk to channels through this, never to a platform
library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.framework.replies import Reply
from bot.infra.models import Person


@dataclass(frozen=True)
class ChannelRef:
    """Where a command was typed. `workspace` is the Slack team or Discord guild id."""

    platform: str
    workspace: str = ""
    channel_id: str = ""
    is_dm: bool = False


@dataclass(frozen=True)
class Address:
    """A person as a delivery channel needs them: plain values, no ORM object."""

    person_id: int
    name: str
    email: str | None
    identities: tuple[tuple[str, str, str], ...] = ()  # (platform, workspace, external_id)
    # Where the person wants direct messages (`/mentor profile notify:`), and the platform
    # they used last; the router prefers them in that order.
    notify_platform: str | None = None
    last_platform: str | None = None

    @classmethod
    def of(cls, person: Person) -> Address:
        return cls(
            person_id=person.id,
            name=person.name,
            email=person.email,
            identities=tuple((i.platform, i.workspace, i.external_id) for i in person.identities),
            notify_platform=person.notify_platform,
            last_platform=person.last_platform,
        )

    def identity(self, platform: str) -> tuple[str, str] | None:
        """(workspace, external_id) of this person's account on `platform`, if any."""
        for plat, workspace, external_id in self.identities:
            if plat == platform:
                return workspace, external_id
        return None


@dataclass(frozen=True)
class Delivery:
    """Which stored message a direct message is, so that a platform able to recognise a
    repeat can drop it: the nudge's id and its round (how many times it was snoozed: each
    snooze brings it back as a new message). `since` is set when an earlier attempt began
    at that instant and its answer was never recorded (the worker died, or the platform's
    answer was lost): the message may be there already, so a channel that can look (Slack:
    the DM's history) looks before sending."""

    nudge_id: int
    round: int = 0
    since: datetime | None = None

    @property
    def key(self) -> str:
        """A stable name for this message (part numbers are appended per platform)."""
        return f"{self.nudge_id}.{self.round}"


class DeliveryError(Exception):
    """A send that did not happen. `retry_after` (seconds) when the platform said when to try
    again; `permanent` when trying again cannot help (the person blocked DMs, say);
    `partly` when some messages of a reply went out before it (a long reply is several
    messages): the next attempt must look for them before sending."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 permanent: bool = False, partly: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.partly = partly


@dataclass(frozen=True)
class BudgetKey:
    """One send budget shared by every worker: the calls of one platform `method` in one
    `scope` (the Slack workspace; '' for the Discord bot, or a Slack install whose
    workspace is not known)."""

    platform: str
    scope: str
    method: str


class SendBudget(Protocol):
    """The pace a channel keeps, shared by every worker (`jobs.budget.SendBudgets`, on the
    `send_budgets` rows). Safe to call from any thread."""

    def wait(self, key: BudgetKey, rate: float | None) -> None:
        """Return when one call of `key` may start, at `rate` a second across every worker
        (None or 0: at once). Raises `DeliveryError(retry_after=…)` instead of waiting long
        (the budget is booked, or held back by a 429)."""
        ...

    def slow_down(self, key: BudgetKey, seconds: float) -> None:
        """The platform answered 429 with `Retry-After: seconds`: every worker holds back."""
        ...


@dataclass(frozen=True)
class ChannelTarget:
    """A group's channel as a delivery channel needs it (a `ChannelBinding` as plain values):
    `workspace` is the Slack team or Discord guild id, `channel_id` the channel there."""

    platform: str
    workspace: str
    channel_id: str


class Channel(Protocol):
    """One way out of the bot (Slack, Discord, the console). Implementations must be safe to
    call from several threads at once: the delivery sweep sends to different people in
    parallel (never two messages to the same person at the same time).

    `dm_interval` (optional attribute, seconds): the least time between two direct messages
    to the same person that the platform accepts (Slack: about 1 per second per channel).
    The sweep paces itself by it, measured from the end of one call to the start of the
    next, so the platform's limiter is never hit in the first place.

    `find_account(address) -> Address | None` (optional method): find someone this channel
    cannot reach yet by what the roster knows (Slack: `users.lookupByEmail`), link the
    account to the person, and return the address with it (`Router.find_account`).

    `flush()` (optional method): write down what the channel learned while sending and
    kept to write in one go (Slack: the DM channel ids); the sweep calls it after each
    batch."""

    name: str

    def can_reach(self, address: Address) -> bool: ...

    def send_dm(self, address: Address, reply: Reply, delivery: Delivery | None = None
                ) -> bool | None:
        """Deliver or raise DeliveryError. Returning means the platform accepted it; True
        means it was there already (`delivery.since`: an earlier attempt went through) and
        nothing was sent now. `delivery` names the nudge, for platforms that tag a message
        with it (Slack's message metadata, Discord's nonce) so a repeat can be recognised.

        Rate limits: raise `DeliveryError(retry_after=seconds)` (Slack's `Retry-After`
        header, Discord's `retry_after`) and do not sleep; the sweep decides whether to wait
        or to reschedule. Errors that cannot succeed later (the person blocked the bot, the
        account is gone) are `permanent=True`; everything else is retried with backoff."""
        ...

    def can_post(self, target: ChannelTarget) -> bool:
        """Whether this channel can post to `target` (normally: same platform, and for Slack
        a workspace this app is installed in)."""
        ...

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        """Post `reply` publicly in a group's channel (the weekly digest). Same error
        contract as `send_dm`. Must honour `reply.ping` only as the core set it (a digest
        never pings) and escape all text like any other reply."""
        ...


@dataclass
class Router:
    """Chooses, per person, the channel a direct message goes through: the platform they
    chose (`notify_platform`), else the one they used last (`last_platform`), else the first
    channel that can reach them (in the order channels were added). A preference that no
    channel can act on (no account there, or that platform is not running) falls through to
    the next, so a message is never held back by a choice."""

    channels: list[Channel] = field(default_factory=list)

    def add(self, channel: Channel) -> None:
        self.channels.append(channel)

    def channel_for(self, address: Address) -> Channel | None:
        reachable = [c for c in self.channels if c.can_reach(address)]
        for wanted in (address.notify_platform, address.last_platform):
            chosen = next((c for c in reachable if wanted and c.name == wanted), None)
            if chosen is not None:
                return chosen
        return reachable[0] if reachable else None

    def find_account(self, address: Address) -> Address | None:
        """Someone no channel reaches: ask each channel that can look people up (Slack:
        by email) to find and link their account. The address with the new account, or
        None. Raises DeliveryError when a lookup could not be made (a rate limit)."""
        for channel in self.channels:
            find = getattr(channel, "find_account", None)
            if find is None:
                continue
            found: Address | None = find(address)
            if found is not None:
                return found
        return None

    def can_look_up(self) -> list[str]:
        """The names of the channels that can find an account by email."""
        return [c.name for c in self.channels if getattr(c, "find_account", None) is not None]

    def channel_for_target(self, target: ChannelTarget) -> Channel | None:
        """The channel that posts to a group's channel: one that says it can."""
        for channel in self.channels:
            can_post = getattr(channel, "can_post", None)
            if can_post is not None and can_post(target):
                return channel
        return None

"""Direct messages and channel posts through Slack: the `bot.delivery.Channel` for Slack.

A DM is one `chat.postMessage` with the person's user id as its channel: Slack posts it in
the app's DM with them, opening it if need be, and answers with the DM's channel id, which
is remembered (in memory, and by the core: `CorePort.remember_dm_channel`) for the one
thing that needs it, reading the DM's history. There is no `conversations.open` per person.
A DM Slack refuses for a reason on the person's side (a deactivated account, a bot, someone
not visible) is reported to the core (`CorePort.dm_refused`: one policy for every platform,
`bot.nudges.policy`), as is a DM that went through. Failures become `DeliveryError`: a 429
carries Slack's `Retry-After` so the durable sweep can back off; errors no retry can fix
(deactivated account, a bot user) are `permanent`. Whether a 429 is retried right here
depends on the WebClient given: the sweep's client has no rate-limit retry handler (the
sweep owns retries), the interactive one does.

Every call goes through the send budget when there is one (`budget`, shared by every
worker: `bot.framework.channels.SendBudget`): `chat.postMessage` at `send_rate` a second
per workspace (`SLACK_SEND_RATE`), the Tier 3 methods (`conversations.history`,
`conversations.open`, `users.lookupByEmail`) at `TIER_3` each; a 429 holds the budget of
its method back for every worker.

Each nudge's message carries its id in Slack's message metadata (`METADATA_EVENT`, payload
nudge id, round and part). Only when the sweep says an earlier attempt's answer was never
recorded (`Delivery.since`: a worker died mid-send, or an answer was lost) is the DM's
history since then searched for those parts first (`conversations.history`, scope
`im:history`, on the remembered DM channel; `conversations.open` only if none is
remembered anywhere): the parts found are not sent again.

Someone with no Slack account on record is looked up by email (`users.lookupByEmail`, scope
`users:read.email`) and, when found, linked like a person who used the bot
(`CorePort.identify`, in `find_account`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

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

from .people import platform_user
from .render import Message, render

log = logging.getLogger(__name__)

PLATFORM = "slack"
PERMANENT_ERRORS = frozenset({
    "user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "is_archived",
    "user_not_visible", "restricted_action", "not_allowed_token_type", "missing_scope",
    "channel_not_found", "not_in_channel", "msg_too_long", "invalid_blocks", "no_text",
})
REFUSED_BY_PERSON = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot",
                               "user_not_visible", "channel_not_found"})
"""Answers to a DM posted to a user id that are about the person, not the message or the
install: their account is marked refused (`CorePort.dm_refused`)."""
# The history cannot be read (an install from before `im:history` was asked for): send, as
# before that check existed, rather than hold the message back.
HISTORY_UNAVAILABLE = frozenset({"missing_scope", "not_allowed_token_type", "no_permission",
                                 "channel_not_found", "not_in_channel"})
NOT_FOUND = frozenset({"users_not_found", "user_not_found"})

POST = "chat.postMessage"
HISTORY = "conversations.history"
OPEN = "conversations.open"
LOOKUP = "users.lookupByEmail"
TIER_3 = 50 / 60
"""Calls a second of a Tier 3 method (`conversations.history`, `conversations.open`,
`users.lookupByEmail`): Slack's published "50+ per minute" per method and workspace."""

METADATA_EVENT = "mentorbot_nudge"
"""The `event_type` of the metadata a nudge's message carries (payload: nudge_id, round,
part)."""
HISTORY_MARGIN = timedelta(minutes=1)
"""Searched before the earlier attempt began: clocks of workers and Slack differ a little."""
HISTORY_PAGES = 10
"""Pages of 200 messages at most: a DM from the bot since one attempt is short."""

REMEMBER_BATCH = 100
REMEMBER_AFTER = 2.0
"""DM channels learned while sending are told to the core in one unit of work once this
many are waiting, or this many seconds after the first of them (and after each batch of the
sweep): a wave of first messages costs a database write per hundred, not per person."""

ClientFor = Callable[[str], WebClient]
T = TypeVar("T")


def retry_after(error: SlackApiError) -> float | None:
    if error.response.status_code != 429:
        return None
    headers = error.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def error_code(error: SlackClientError) -> str | None:
    return str(error.response.get("error")) if isinstance(error, SlackApiError) else None


def as_delivery_error(error: SlackClientError, what: str, *, partly: bool = False
                      ) -> DeliveryError:
    if isinstance(error, SlackApiError):
        wait = retry_after(error)
        if wait is not None:
            return DeliveryError(f"{what}: rate limited", retry_after=wait, partly=partly)
        code = str(error.response.get("error", "unknown_error"))
        return DeliveryError(f"{what}: {code}", permanent=code in PERMANENT_ERRORS,
                             partly=partly)
    return DeliveryError(f"{what}: {error}", partly=partly)


@dataclass
class SlackChannel:
    """Delivers to people with a Slack identity. `client_for(team_id)` gives the WebClient
    for a workspace ('' = the roster did not say; the default installation)."""

    client_for: ClientFor
    core: CorePort | None = None
    name: str = PLATFORM
    # Slack accepts about one message a second in a channel; the sweep paces DMs by this.
    dm_interval: float = 1.0
    # Whether the app is installed in a workspace (multi-workspace installs); None: one
    # workspace, always.
    installed: Callable[[str], bool] | None = None
    # The send budget shared by every worker (None: calls go at once), and its rate for
    # chat.postMessage in one workspace (SLACK_SEND_RATE).
    budget: SendBudget | None = None
    send_rate: float | None = None
    _dm_cache: dict[tuple[str, str], str] = field(default_factory=dict)
    _unsaved: dict[tuple[str, str], str] = field(default_factory=dict)
    _unsaved_since: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def single(cls, client: WebClient, core: CorePort | None = None) -> SlackChannel:
        """One workspace, one bot token."""
        return cls(client_for=lambda _team: client, core=core)

    # --- bot.delivery.Channel ----------------------------------------------------------

    def can_reach(self, address: Address) -> bool:
        return address.identity(PLATFORM) is not None

    def send_dm(self, address: Address, reply: Reply, delivery: Delivery | None = None
                ) -> bool:
        found = address.identity(PLATFORM)
        if found is None:
            raise DeliveryError(f"{address.name} has no Slack account", permanent=True)
        workspace, user_id = found
        return self.send_to_user(self.client_for(workspace), workspace, user_id, reply,
                                 delivery)

    def send_to_user(self, client: WebClient, workspace: str, user_id: str,
                     reply: Reply, delivery: Delivery | None = None) -> bool:
        """A DM through a given client (a listener's per-request client, for instance),
        posted to the user's id. True when an earlier attempt had delivered all of it
        (nothing sent now)."""
        messages = render(reply, owner=user_id)
        there = self._delivered_parts(client, workspace, user_id, delivery) \
            if delivery is not None and delivery.since is not None else set()
        posted = 0
        try:
            for part, message in enumerate(messages):
                if part in there:
                    continue
                extra: dict[str, Any] = {}
                if delivery is not None:
                    extra["metadata"] = {"event_type": METADATA_EVENT,
                                         "event_payload": metadata(delivery, part)}
                answer = self._call(workspace, POST, self.send_rate, partial(
                    client.chat_postMessage, channel=user_id, **message.kwargs(), **extra))
                posted += 1
                self._learn_dm(workspace, user_id, answer.get("channel"))
        except SlackClientError as exc:
            error = as_delivery_error(exc, POST, partly=posted > 0)
            if error_code(exc) in REFUSED_BY_PERSON:
                self._tell_core(workspace, user_id, "mark unreachable",
                                lambda core, account: core.dm_refused(account))
            raise error from exc
        except DeliveryError as exc:  # the send budget said wait (or stop)
            exc.partly = exc.partly or posted > 0
            raise
        self._tell_core(workspace, user_id, "record a DM delivered to",
                        lambda core, account: core.dm_delivered(account))
        return len(there) >= len(messages)

    def post_messages(self, client: WebClient, workspace: str, user_id: str,
                      messages: list[Message]) -> None:
        """Messages already rendered, as a DM to `user_id` (an interactive reply that
        found no response_url): posted to the user's id, within the send budget."""
        for message in messages:
            answer = self._call(workspace, POST, self.send_rate, partial(
                client.chat_postMessage, channel=user_id, **message.kwargs()))
            self._learn_dm(workspace, user_id, answer.get("channel"))

    def find_account(self, address: Address) -> Address | None:
        """Someone with no Slack account on record, found by their email in the default
        workspace and linked to them; None when nobody there has it (or the account found
        already belongs to someone else). Raises DeliveryError when Slack could not answer."""
        if not address.email or self.core is None:
            return None
        client = self.client_for("")
        try:
            response = self._call("", LOOKUP, TIER_3,
                                  partial(client.users_lookupByEmail, email=address.email))
        except SlackApiError as exc:
            if str(exc.response.get("error")) in NOT_FOUND:
                return None
            raise as_delivery_error(exc, LOOKUP) from exc
        except SlackClientError as exc:
            raise as_delivery_error(exc, LOOKUP) from exc
        user = response.get("user")
        if not isinstance(user, dict) or not user.get("id") or user.get("deleted") \
                or user.get("is_bot"):
            return None
        # The roster's spelling of the email: that is the one the person is found by.
        account = replace(platform_user(str(user.get("team_id") or ""), str(user["id"]), user),
                          email=address.email)
        if self.core.identify(account) != address.person_id:
            log.warning("Slack user %s has %s's email but belongs to another person",
                        account.external_id, address.name)
            return None
        return Address(address.person_id, address.name, address.email,
                       (*address.identities,
                        (PLATFORM, account.workspace, account.external_id)))

    def can_post(self, target: ChannelTarget) -> bool:
        if target.platform != PLATFORM or not target.channel_id:
            return False
        return self.installed is None or self.installed(target.workspace)

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        """A group announcement or digest in the group's bound channel (the only place a
        reply with `ping` may be posted; render() emits it only when the core set it).
        Outside the send budget: a few posts a week, and an announcement is posted while
        its command's unit of work is open (on SQLite, a budget's write would wait for
        it)."""
        client = self.client_for(target.workspace)
        posted = 0
        try:
            for message in render(reply):
                client.chat_postMessage(channel=target.channel_id, **message.kwargs())
                posted += 1
        except SlackClientError as exc:
            raise as_delivery_error(exc, f"post to {target.channel_id}",
                                    partly=posted > 0) from exc

    # --- the send budget ---------------------------------------------------------------

    def _call(self, workspace: str, method: str, rate: float | None,
              call: Callable[[], T]) -> T:
        """One Web API call within `method`'s budget in `workspace`; a 429 holds that
        budget back for every worker (and is raised as it came)."""
        key = BudgetKey(PLATFORM, workspace, method)
        if self.budget is not None:
            self.budget.wait(key, rate)
        try:
            return call()
        except SlackApiError as exc:
            wait = retry_after(exc)
            if wait is not None and self.budget is not None:
                self.budget.slow_down(key, wait)
            raise

    # --- DM channels -------------------------------------------------------------------

    def dm_channel(self, client: WebClient, workspace: str, user_id: str) -> str:
        """The id of the app's DM with `user_id`: remembered (here, else by the core), or
        opened once (`conversations.open`, within its budget) and remembered. Only what
        needs a channel id asks for it: reading the DM's history, uploading a file."""
        known = self._known_dm(workspace, user_id)
        if known:
            return known
        try:
            response = self._call(workspace, OPEN, TIER_3,
                                  partial(client.conversations_open, users=user_id))
        except SlackClientError as exc:
            error = as_delivery_error(exc, OPEN)
            if error.permanent:
                self._tell_core(workspace, user_id, "mark unreachable",
                                lambda core, account: core.dm_refused(account))
            raise error from exc
        channel_id = str(response["channel"]["id"])
        self._learn_dm(workspace, user_id, channel_id)
        self.flush()
        return channel_id

    def _known_dm(self, workspace: str, user_id: str) -> str | None:
        with self._lock:
            cached = self._dm_cache.get((workspace, user_id))
        if cached:
            return cached
        stored = self.core.dm_channel(self._account(workspace, user_id)) \
            if self.core is not None else None
        if stored:
            with self._lock:
                self._dm_cache[(workspace, user_id)] = stored
        return stored

    def _learn_dm(self, workspace: str, user_id: str, channel_id: object) -> None:
        """Slack named the DM's channel: remember it where it is new to this process (a
        repeat recipient costs nothing more). The core is told in batches (`flush`)."""
        if not isinstance(channel_id, str) or not channel_id.startswith("D"):
            return
        now = time.monotonic()
        with self._lock:
            if self._dm_cache.get((workspace, user_id)) == channel_id:
                return
            self._dm_cache[(workspace, user_id)] = channel_id
            if not self._unsaved:
                self._unsaved_since = now
            self._unsaved[(workspace, user_id)] = channel_id
            due = len(self._unsaved) >= REMEMBER_BATCH or \
                now - self._unsaved_since >= REMEMBER_AFTER
        if due:
            self.flush()

    def flush(self) -> None:
        """Tell the core the DM channels learned since the last time, in one unit of work
        (the sweep calls this after each batch)."""
        with self._lock:
            unsaved, self._unsaved = self._unsaved, {}
        if not unsaved or self.core is None:
            return
        try:
            self.core.remember_dm_channels([(self._account(workspace, user_id), channel_id)
                                            for (workspace, user_id), channel_id
                                            in unsaved.items()])
        except Exception:  # only a cache: a later history check opens the DM instead
            log.exception("could not remember %d DM channels", len(unsaved))

    @staticmethod
    def _account(workspace: str, user_id: str) -> PlatformUser:
        return PlatformUser(PLATFORM, user_id, workspace=workspace)

    def _tell_core(self, workspace: str, user_id: str, what: str,
                   call: Callable[[CorePort, PlatformUser], None]) -> None:
        if self.core is None:
            return
        try:
            call(self.core, self._account(workspace, user_id))
        except Exception:
            log.exception("could not %s %s", what, user_id)

    # --- looking before sending again ----------------------------------------------------

    def _delivered_parts(self, client: WebClient, workspace: str, user_id: str,
                         delivery: Delivery | None) -> set[int]:
        """The parts of this nudge already in the DM since its earlier attempt began (that
        attempt's answer was never recorded)."""
        assert delivery is not None and delivery.since is not None
        try:
            channel_id = self.dm_channel(client, workspace, user_id)
        except DeliveryError as exc:
            if exc.permanent or exc.retry_after is not None:
                raise
            log.warning("cannot find the DM with %s (%s): sending nudge %s without looking "
                        "for an earlier delivery", user_id, exc, delivery.nudge_id)
            return set()
        oldest = f"{(delivery.since - HISTORY_MARGIN).timestamp():.6f}"
        wanted = metadata(delivery, 0)
        parts: set[int] = set()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = self._call(workspace, HISTORY, TIER_3, partial(
                    client.conversations_history, channel=channel_id, oldest=oldest,
                    limit=200, include_all_metadata=True, cursor=cursor))
            except SlackApiError as exc:
                code = str(exc.response.get("error"))
                if code in HISTORY_UNAVAILABLE:
                    log.warning("cannot read the DM history (%s): sending nudge %s without "
                                "looking for an earlier delivery", code, delivery.nudge_id)
                    return parts
                raise as_delivery_error(exc, HISTORY) from exc
            except SlackClientError as exc:
                raise as_delivery_error(exc, HISTORY) from exc
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and \
                        payload.get("nudge_id") == wanted["nudge_id"] and \
                        payload.get("round") == wanted["round"]:
                    parts.add(int(payload.get("part", 0)))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        return parts


def metadata(delivery: Delivery, part: int) -> dict[str, int]:
    """What a nudge's message says about itself (Slack message metadata's payload)."""
    return {"nudge_id": delivery.nudge_id, "round": delivery.round, "part": part}

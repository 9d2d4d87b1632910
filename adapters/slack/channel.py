"""Direct messages and channel posts through Slack: the `bot.delivery.Channel` for Slack.

A DM is `conversations.open` (once per person: the DM channel id is kept in memory and by
the core, `CorePort.dm_channel`, so a repeat recipient costs a single `chat.postMessage`)
and then `chat.postMessage`. A DM Slack will not open for a reason on the person's side is
reported to the core (`CorePort.dm_refused`: one policy for every platform,
`bot.nudges.policy`), as is a DM that went through. Failures become `DeliveryError`: a 429
carries Slack's `Retry-After` so the durable sweep can back off; errors no retry can fix
(deactivated account, a bot user) are `permanent`. Whether a 429 is retried right here
depends on the WebClient given: the sweep's client has no rate-limit retry handler (the
sweep owns retries), the interactive one does.

Each nudge's message carries its id in Slack's message metadata (`METADATA_EVENT`, payload
nudge id, round and part). When the sweep says an earlier attempt's answer was never
recorded (`Delivery.since`), the DM's history since then is searched for those parts first
(`conversations.history`, scope `im:history`): the parts found are not sent again.

Someone with no Slack account on record is looked up by email (`users.lookupByEmail`, scope
`users:read.email`) and, when found, linked like a person who used the bot
(`CorePort.identify`, in `find_account`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.framework.channels import Address, ChannelTarget, Delivery, DeliveryError
from bot.framework.ports import CorePort, PlatformUser
from bot.framework.replies import Reply

from .people import platform_user
from .render import render

log = logging.getLogger(__name__)

PLATFORM = "slack"
PERMANENT_ERRORS = frozenset({
    "user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "is_archived",
    "user_not_visible", "restricted_action", "not_allowed_token_type", "missing_scope",
    "channel_not_found", "not_in_channel", "msg_too_long", "invalid_blocks", "no_text",
})
# A cached DM channel that stopped working is re-opened once before giving up.
STALE_DM_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
# The history cannot be read (an install from before `im:history` was asked for): send, as
# before that check existed, rather than hold the message back.
HISTORY_UNAVAILABLE = frozenset({"missing_scope", "not_allowed_token_type", "no_permission",
                                 "channel_not_found", "not_in_channel"})
NOT_FOUND = frozenset({"users_not_found", "user_not_found"})

METADATA_EVENT = "mentorbot_nudge"
"""The `event_type` of the metadata a nudge's message carries (payload: nudge_id, round,
part)."""
HISTORY_MARGIN = timedelta(minutes=1)
"""Searched before the earlier attempt began: clocks of workers and Slack differ a little."""
HISTORY_PAGES = 10
"""Pages of 200 messages at most: a DM from the bot since one attempt is short."""

ClientFor = Callable[[str], WebClient]


def retry_after(error: SlackApiError) -> float | None:
    if error.response.status_code != 429:
        return None
    headers = error.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def as_delivery_error(error: SlackClientError, what: str) -> DeliveryError:
    if isinstance(error, SlackApiError):
        wait = retry_after(error)
        if wait is not None:
            return DeliveryError(f"{what}: rate limited", retry_after=wait)
        code = str(error.response.get("error", "unknown_error"))
        return DeliveryError(f"{what}: {code}", permanent=code in PERMANENT_ERRORS)
    return DeliveryError(f"{what}: {error}")


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
    # Called after a DM went out (the Slack service republishes the person's App Home).
    after_dm: Callable[[str, str, int], None] | None = None
    _dm_cache: dict[tuple[str, str], str] = field(default_factory=dict)
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
        there = self.send_to_user(self.client_for(workspace), workspace, user_id, reply,
                                  delivery)
        if self.after_dm is not None and not there:
            self.after_dm(workspace, user_id, address.person_id)
        return there

    def send_to_user(self, client: WebClient, workspace: str, user_id: str,
                     reply: Reply, delivery: Delivery | None = None) -> bool:
        """A DM through a given client (a listener's per-request client, for instance).
        True when an earlier attempt had delivered all of it (nothing sent now)."""
        channel_id = self.dm_channel(client, workspace, user_id)
        try:
            there = self._post(client, channel_id, reply, owner=user_id, delivery=delivery)
        except SlackApiError as exc:
            if str(exc.response.get("error")) not in STALE_DM_ERRORS:
                raise as_delivery_error(exc, "chat.postMessage") from exc
            self.forget_dm(workspace, user_id)
            channel_id = self.dm_channel(client, workspace, user_id)
            try:
                there = self._post(client, channel_id, reply, owner=user_id,
                                   delivery=delivery)
            except SlackClientError as again:
                raise as_delivery_error(again, "chat.postMessage") from again
        except SlackClientError as exc:
            raise as_delivery_error(exc, "chat.postMessage") from exc
        self._tell_core(workspace, user_id, "record a DM delivered to",
                        lambda core, account: core.dm_delivered(account))
        return there

    def find_account(self, address: Address) -> Address | None:
        """Someone with no Slack account on record, found by their email in the default
        workspace and linked to them; None when nobody there has it (or the account found
        already belongs to someone else). Raises DeliveryError when Slack could not answer."""
        if not address.email or self.core is None:
            return None
        client = self.client_for("")
        try:
            response = client.users_lookupByEmail(email=address.email)
        except SlackApiError as exc:
            if str(exc.response.get("error")) in NOT_FOUND:
                return None
            raise as_delivery_error(exc, "users.lookupByEmail") from exc
        except SlackClientError as exc:
            raise as_delivery_error(exc, "users.lookupByEmail") from exc
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
        reply with `ping` may be posted; render() emits it only when the core set it)."""
        client = self.client_for(target.workspace)
        try:
            self._post(client, target.channel_id, reply)
        except SlackClientError as exc:
            raise as_delivery_error(exc, f"post to {target.channel_id}") from exc

    # --- DM channels -------------------------------------------------------------------

    def dm_channel(self, client: WebClient, workspace: str, user_id: str) -> str:
        key = (workspace, user_id)
        with self._lock:
            cached = self._dm_cache.get(key)
        if cached:
            return cached
        stored = self._stored_dm(workspace, user_id)
        if stored:
            with self._lock:
                self._dm_cache[key] = stored
            return stored
        try:
            response = client.conversations_open(users=user_id)
        except SlackClientError as exc:
            error = as_delivery_error(exc, "conversations.open")
            if error.permanent:
                self._mark_blocked(workspace, user_id)
            raise error from exc
        channel_id = str(response["channel"]["id"])
        with self._lock:
            self._dm_cache[key] = channel_id
        self._store_dm(workspace, user_id, channel_id)
        return channel_id

    def forget_dm(self, workspace: str, user_id: str) -> None:
        with self._lock:
            self._dm_cache.pop((workspace, user_id), None)
        self._store_dm(workspace, user_id, None)

    @staticmethod
    def _account(workspace: str, user_id: str) -> PlatformUser:
        return PlatformUser(PLATFORM, user_id, workspace=workspace)

    def _stored_dm(self, workspace: str, user_id: str) -> str | None:
        if self.core is None:
            return None
        return self.core.dm_channel(self._account(workspace, user_id))

    def _store_dm(self, workspace: str, user_id: str, channel_id: str | None) -> None:
        # The cache is an optimization; delivery already happened, so a failure only logs.
        self._tell_core(workspace, user_id, "store the DM channel of",
                        lambda core, account: core.remember_dm_channel(account, channel_id))

    def _mark_blocked(self, workspace: str, user_id: str) -> None:
        self._tell_core(workspace, user_id, "mark unreachable",
                        lambda core, account: core.dm_refused(account))

    def _tell_core(self, workspace: str, user_id: str, what: str,
                   call: Callable[[CorePort, PlatformUser], None]) -> None:
        if self.core is None:
            return
        try:
            call(self.core, self._account(workspace, user_id))
        except Exception:
            log.exception("could not %s %s", what, user_id)

    # --- posting -----------------------------------------------------------------------

    def _post(self, client: WebClient, channel_id: str, reply: Reply, *,
              owner: str | None = None, delivery: Delivery | None = None) -> bool:
        """Post the reply's messages, each tagged with the nudge it belongs to; skip the
        parts an earlier attempt delivered. True when every part was there already."""
        messages = render(reply, owner=owner)
        there = self._delivered_parts(client, channel_id, delivery) \
            if delivery is not None and delivery.since is not None else set()
        for part, message in enumerate(messages):
            if part in there:
                continue
            extra: dict[str, Any] = {}
            if delivery is not None:
                extra["metadata"] = {"event_type": METADATA_EVENT,
                                     "event_payload": metadata(delivery, part)}
            client.chat_postMessage(channel=channel_id, **message.kwargs(), **extra)
        return len(there) >= len(messages)

    def _delivered_parts(self, client: WebClient, channel_id: str,
                         delivery: Delivery) -> set[int]:
        """The parts of this nudge already in the DM since its earlier attempt began."""
        assert delivery.since is not None
        oldest = f"{(delivery.since - HISTORY_MARGIN).timestamp():.6f}"
        wanted = metadata(delivery, 0)
        parts: set[int] = set()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = client.conversations_history(channel=channel_id, oldest=oldest,
                                                    limit=200, include_all_metadata=True,
                                                    cursor=cursor)
            except SlackApiError as exc:
                code = str(exc.response.get("error"))
                if code in HISTORY_UNAVAILABLE:
                    log.warning("cannot read the DM history (%s): sending nudge %s without "
                                "looking for an earlier delivery", code, delivery.nudge_id)
                    return parts
                raise as_delivery_error(exc, "conversations.history") from exc
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

"""The slack-bolt app: `/mentor`, `/letter` and `/residency`, buttons, the profile modal,
App Home and the events we react to. It only translates: Slack payload → `core.Request`, `Reply` → Block Kit.

Every listener acknowledges first and works afterwards, so Slack gets its answer within 3
seconds however long the core takes; the reply then goes through `respond()` (the command's
response_url) or a DM. The app runs with `process_before_response=True` and lazy listeners:
the (trivial) ack function runs in the request's own thread and the work goes to a thread
pool. With Bolt's default instead, the ack function itself waits for a pool worker, so a few
slow commands would delay every other acknowledgement past Slack's limit.

Nothing before the acknowledgement writes to the database (a write can wait for another
writer's lock). Each request's work starts by recording it (`SlackBot.first_run`): an
event's id, or the request's signature, in the core's seen-event record, whose unique row
lets exactly one worker process run it. The edge (`adapters.slack.edge`) refuses a replay
to the same process before Bolt sees it; this record stops one that reached another.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.framework.channels import ChannelRef, DeliveryError
from bot.framework.ports import CorePort, PlatformUser, Request
from bot.framework.registry import ROOTS
from bot.framework.replies import Reply, error_reply
from bot.infra.settings import Settings

from .channel import SlackChannel
from .edge import REPLAY_PLATFORM
from .home import EDIT_PROFILE_ACTION, PROFILE_MODAL, HomePublisher, form_values, profile_modal
from .people import PLATFORM, SlackPeople
from .render import Message, escape, owner_of, render
from .transport import KeptAliveClient

log = logging.getLogger(__name__)

COMMANDS = tuple(f"/{root}" for root in ROOTS)
ACTION_PATTERN = re.compile(r"^mb\|")
RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url
RATE_LIMIT_RETRIES = 3
# Threads running the core for commands, buttons and events. The core's work is mostly
# CPU under one GIL, so more threads add no throughput and only make the acknowledging
# threads wait longer for their turn (bench/bench_slack_http.py: 16 → p99 1.5 s, 4 → 0.27 s).
WORKERS = 4

DMS_REFUSED = Reply(
    title="I couldn't send you a direct message",
    text="Slack would not open a direct message from me to you, so a reminder may not have "
         "reached you. If you turned off messages from apps, allow them for mentorbot (its "
         "App Home → Messages tab) and I'll send what is waiting again.",
)
"""Told privately, once, after a DM to the person was refused (`bot.nudges.policy`)."""


def api_base_url(settings: Settings) -> str | None:
    """SLACK_API_URL as slack_sdk wants it (with the trailing slash), or None for Slack."""
    url = (settings.slack_api_url or "").strip()
    if not url:
        return None
    return url if url.endswith("/") else url + "/"


def web_client(token: str | None, settings: Settings, *, retry_rate_limits: bool) -> WebClient:
    """A WebClient on SLACK_API_URL, its connections kept alive (`KeptAliveClient`).
    Interactive clients retry a 429 after `Retry-After` (a person is waiting); the durable
    delivery sweep's client does not (it reschedules)."""
    kwargs: dict[str, Any] = {"token": token}
    base = api_base_url(settings)
    if base:
        kwargs["base_url"] = base
    handlers: list[Any] = [ConnectionErrorRetryHandler()]
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return KeptAliveClient(retry_handlers=handlers, **kwargs)


def channel_ref(team_id: str, channel_id: str, channel_name: str) -> ChannelRef:
    """Where a command or button came from. Direct messages (one person, or a group DM)
    are no group's channel: nothing is bound there. `team_id` is the workspace whose admin
    flag (`SlackPerson.is_admin`) the request carries."""
    is_dm = (channel_name == "directmessage" or channel_name.startswith("mpdm-")
             or channel_id.startswith("D"))
    return ChannelRef(platform=PLATFORM, workspace=team_id, channel_id=channel_id, is_dm=is_dm)


@dataclass
class SlackBot:
    """The Bolt app and what its listeners share."""

    app: App
    core: CorePort
    settings: Settings
    people: SlackPeople
    home: HomePublisher
    dms: SlackChannel

    # --- replies -----------------------------------------------------------------------

    def send_reply(self, reply: Reply, *, respond: Respond | None, client: WebClient,
                   team_id: str, user_id: str) -> None:
        """A reply to what `user_id` just did: through the response_url when there is one
        (ephemeral unless the core made it public), else as a DM; files go by DM."""
        messages = render(reply, owner=user_id if reply.ephemeral else None)
        if respond is not None:
            response_type = "ephemeral" if reply.ephemeral else "in_channel"
            try:
                for message in messages[:RESPONSE_URL_USES]:
                    self._respond(respond, message, response_type)
                messages = messages[RESPONSE_URL_USES:]
            except Exception as exc:  # a dead response_url must not lose the reply
                log.warning("respond() failed (%s); sending a DM instead", exc)
        try:
            if messages:
                self.dms.post_messages(client, team_id, user_id, messages)
            if reply.attachment is not None:
                self._upload(client, team_id, user_id, reply)
        except (SlackClientError, DeliveryError) as exc:
            log.error("could not reply to %s: %s", user_id, exc)

    @staticmethod
    def _respond(respond: Respond, message: Message, response_type: str) -> None:
        response = respond(text=message.text, blocks=message.blocks,
                           response_type=response_type, replace_original=False,
                           unfurl_links=False, unfurl_media=False)
        if response.status_code >= 400:
            raise RuntimeError(f"response_url answered {response.status_code}")

    def _upload(self, client: WebClient, team_id: str, user_id: str, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None
        channel_id = self.dms.dm_channel(client, team_id, user_id)
        client.files_upload_v2(channel=channel_id, content=attachment.content,
                               filename=attachment.filename, title=attachment.filename,
                               alt_txt=attachment.alt_text or None,
                               initial_comment=escape(reply.title or attachment.filename))

    def private(self, respond: Respond | None, client: WebClient, team_id: str, user_id: str,
                text: str, title: str = "Not for you") -> None:
        self.send_reply(error_reply(text, title=title), respond=respond, client=client,
                        team_id=team_id, user_id=user_id)

    def tell_of_refusal(self, respond: Respond | None, client: WebClient, team_id: str,
                        user_id: str) -> None:
        """After a command: when DMs to them were refused since, say so once (the core
        decides, `CorePort.take_dm_refusal`)."""
        if self.core.take_dm_refusal(PlatformUser(PLATFORM, user_id, workspace=team_id)):
            self.send_reply(DMS_REFUSED, respond=respond, client=client, team_id=team_id,
                            user_id=user_id)

    # --- commands ----------------------------------------------------------------------

    def run_command(self, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id = str(body.get("team_id") or "")
        user_id = str(body["user_id"])
        who = self.people.lookup(client, team_id, user_id)
        channel = channel_ref(team_id, str(body.get("channel_id") or ""),
                              str(body.get("channel_name") or ""))
        reply = self.core.handle(Request(
            root=str(body["command"]).lstrip("/").lower(), actor_id=who.person_id,
            text=str(body.get("text") or ""), channel=channel, is_admin=who.is_admin,
            account=PlatformUser(PLATFORM, user_id, workspace=team_id),
        ))
        self.send_reply(reply, respond=respond, client=client, team_id=team_id,
                        user_id=user_id)
        self.tell_of_refusal(respond, client, team_id, user_id)
        self.home.refresh(client, user_id, who.person_id)

    # --- buttons -----------------------------------------------------------------------

    def run_action(self, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        action = body["actions"][0]
        user = body.get("user") or {}
        user_id = str(user["id"])
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        reply_to = respond if body.get("response_url") else None
        owner = owner_of(action.get("block_id"))
        if owner is not None and owner != user_id:
            self.private(reply_to, client, team_id, user_id,
                         "This button was sent to someone else, so it can't act for you.")
            return
        who = self.people.lookup(client, team_id, user_id)
        where = body.get("channel") or {}
        channel = channel_ref(team_id, str(where.get("id") or ""), str(where.get("name") or ""))
        reply = self.core.handle_action(who.person_id, str(action.get("action_id")),
                                        channel=channel, is_admin=who.is_admin,
                                        account=PlatformUser(PLATFORM, user_id,
                                                             workspace=team_id))
        self.send_reply(reply, respond=reply_to, client=client, team_id=team_id,
                        user_id=user_id)
        self.tell_of_refusal(reply_to, client, team_id, user_id)
        self.home.refresh(client, user_id, who.person_id)

    def open_profile(self, body: dict[str, Any], client: WebClient) -> None:
        user = body.get("user") or {}
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        who = self.people.lookup(client, team_id, str(user["id"]))
        view = profile_modal(self.core, who.person_id, private_metadata=team_id)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def save_profile(self, body: dict[str, Any], client: WebClient) -> None:
        user = body.get("user") or {}
        user_id = str(user["id"])
        view = body.get("view") or {}
        team_id = str(view.get("private_metadata") or user.get("team_id") or "")
        who = self.people.lookup(client, team_id, user_id)
        reply = self.core.handle(Request(
            root="mentor", actor_id=who.person_id, path=("profile",),
            options=form_values(view.get("state") or {}),
            channel=ChannelRef(platform=PLATFORM, workspace=team_id, is_dm=True),
            is_admin=who.is_admin, account=PlatformUser(PLATFORM, user_id, workspace=team_id),
        ))
        self.send_reply(reply, respond=None, client=client, team_id=team_id, user_id=user_id)
        self.tell_of_refusal(None, client, team_id, user_id)
        self.home.refresh(client, user_id, who.person_id)

    # --- once per request --------------------------------------------------------------

    def first_run(self, body: dict[str, Any], request: BoltRequest) -> bool:
        """True when this request's work runs here: the first time its event id (Slack
        re-sends an event it thinks was lost, X-Slack-Retry-Num) or its signature (a
        replay that reached another worker process) is recorded. Socket Mode requests
        carry no signature: Slack hands each envelope to one connection."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            return self.core.first_time(PLATFORM, str(event_id))
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        if not signature:
            return True
        return self.core.first_time(REPLAY_PLATFORM, signature)

    # --- events ------------------------------------------------------------------------

    def home_opened(self, event: dict[str, Any], body: dict[str, Any],
                    client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = str(body.get("team_id") or "")
        user_id = str(event["user"])
        who = self.people.lookup(client, team_id, user_id)
        self.home.opened(client, user_id, who.person_id)

    def member_joined(self, event: dict[str, Any], body: dict[str, Any],
                      client: WebClient) -> None:
        team_id = str(event.get("team") or body.get("team_id") or "")
        user_id = str(event["user"])
        channel_id = str(event["channel"])
        who = self.people.lookup(client, team_id, user_id)
        joined = self.core.joined_channel(who.person_id, ChannelRef(PLATFORM, team_id,
                                                                    channel_id))
        if joined is None:
            return
        name, slug = joined.name, joined.slug
        try:
            client.chat_postEphemeral(
                channel=channel_id, user=user_id,
                text=f"Welcome! You are now a member of {escape(name)}. "
                     f"Leave any time with /mentor leave {escape(slug)}.")
        except SlackClientError as exc:
            log.warning("welcome to %s failed: %s", user_id, exc)
        self.home.refresh(client, user_id, who.person_id)


def _ack(ack: Ack) -> None:
    ack()


def build_app(core: CorePort, settings: Settings, *, client: WebClient | None = None,
              oauth_settings: OAuthSettings | None = None,
              token_verification_enabled: bool = True,
              workers: int = WORKERS) -> SlackBot:
    """The Bolt app for `core`. Single workspace: SLACK_BOT_TOKEN. Multi-workspace: pass
    `oauth_settings` (see adapters.slack.oauth) and no token."""
    token = None if oauth_settings is not None else settings.slack_bot_token
    if client is None:
        client = web_client(token, settings, retry_rate_limits=True)
    app = App(
        name="mentorbot",
        client=client,  # carries the token (Bolt takes it from the client)
        signing_secret=settings.slack_signing_secret or "",
        oauth_settings=oauth_settings,
        token_verification_enabled=token_verification_enabled and token is not None,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(workers, thread_name_prefix="slack-work"),
        logger=logging.getLogger("slack_bolt.mentorbot"),
    )
    home = HomePublisher(core)
    bot = SlackBot(app=app, core=core, settings=settings, people=SlackPeople(core), home=home,
                   dms=SlackChannel(client_for=lambda _team: client, core=core))
    _register(bot)
    return bot


def _register(bot: SlackBot) -> None:
    """Every listener acknowledges at once (`_ack`, no database) and hands its work to a
    lazy function, which runs only when `bot.first_run` says this request is new."""
    app = bot.app

    def command(body: dict[str, Any], request: BoltRequest, respond: Respond,
                client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.run_command(body, respond, client)

    for name in COMMANDS:
        app.command(name)(ack=_ack, lazy=[command])

    def action(body: dict[str, Any], request: BoltRequest, respond: Respond,
               client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.run_action(body, respond, client)

    app.action(ACTION_PATTERN)(ack=_ack, lazy=[action])

    def open_profile(body: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.open_profile(body, client)

    # views.open needs the trigger_id within 3 s: open the modal right after the ack.
    app.action(EDIT_PROFILE_ACTION)(ack=_ack, lazy=[open_profile])

    def save_profile(body: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.save_profile(body, client)

    app.view(PROFILE_MODAL)(ack=_ack, lazy=[save_profile])

    def home_opened(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
                    client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.home_opened(event, body, client)

    app.event("app_home_opened")(ack=_ack, lazy=[home_opened])

    def member_joined(event: dict[str, Any], body: dict[str, Any], request: BoltRequest,
                      client: WebClient) -> None:
        if bot.first_run(body, request):
            bot.member_joined(event, body, client)

    app.event("member_joined_channel")(ack=_ack, lazy=[member_joined])

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("Slack listener failed (%s)", body.get("type"), exc_info=error)

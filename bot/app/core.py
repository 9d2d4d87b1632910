"""The core's front door: adapters hand it a request naming a stored person and get back a
platform-neutral reply. Each request is one unit of work; a refusal changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.app.commands import default_registry
from bot.app.nudges import nudge_catalog
from bot.framework.channels import ChannelRef, Router
from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Registry
from bot.framework.replies import Action, Reply, error_reply
from bot.infra.clock import Clock, SystemClock
from bot.infra.db import Database
from bot.infra.settings import Settings, get_settings
from bot.nudges.kinds import NudgeCatalog
from bot.nudges.store import queue_notice
from bot.people import identities
from bot.people.identities import PlatformUser  # also imported from here by the adapters
from bot.people.resolve import names_match, resolve_in_request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """A command from a person. Either `text` (what followed `/root`, Slack and console) or
    `path` + `options` (typed values, Discord and buttons)."""

    root: str
    actor_id: int
    text: str | None = None
    path: tuple[str, ...] = ()
    options: Mapping[str, Any] | None = None
    channel: ChannelRef | None = None
    is_admin: bool = False
    # The platform account the request came from, when the adapter knows it: whoever
    # holds it now is the actor, whatever id the adapter remembered
    # (`identities.acting_person`).
    account: PlatformUser | None = None


@dataclass
class Core:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    settings: Settings = field(default_factory=get_settings)
    registry: Registry = field(default_factory=default_registry)
    # Every nudge kind's spec: how delivery words, holds and offers to snooze each kind.
    nudge_catalog: NudgeCatalog = field(default_factory=nudge_catalog)
    # The running adapters' channels, for posts to a group's channels (announcements); set
    # by whoever starts the adapters. Empty: nothing here can post to a channel.
    router: Router = field(default_factory=Router)
    _delivery_listeners: list[Callable[[], None]] = field(default_factory=list)
    _group_listeners: list[Callable[[], None]] = field(default_factory=list)

    # --- commands ----------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        try:
            if request.options is not None:
                parsed = self.registry.parse_typed(request.root, request.path, request.options)
            else:
                parsed = self.registry.parse_line(request.root, request.text or "")
        except UserError as exc:
            return error_reply(exc.message, title=exc.title)
        callbacks: list[Callable[[], None]] = []
        try:
            with self.db.session() as session:
                actor = identities.acting_person(session, request.actor_id, request.account)
                if actor is None:
                    raise UserError("I don't know you yet. Ask an organizer to add you.")
                identities.record_platform(actor, request.channel)
                now = self.clock.now()
                ctx = Context(
                    session=session,
                    actor=actor,
                    now=now,
                    settings=self.settings,
                    registry=self.registry,
                    resolver=resolve_in_request,
                    exact_name=names_match,
                    channel=request.channel,
                    is_admin=request.is_admin,
                    router=self.router,
                )
                self.registry.check_permission(ctx, parsed.spec)
                args = self.registry.bind(ctx, parsed)
                reply = self.registry.handler(parsed.spec)(ctx, args)
                for notice in ctx.notices:
                    queue_notice(session, notice.person.id, notice.reply, key=notice.key,
                                 now=now)
                callbacks = ctx.after_commit_callbacks()
                if ctx.notices or ctx.delivery_needed:
                    callbacks.append(self.poke_delivery)
                if ctx.groups_changed:
                    callbacks.append(self.groups_changed)
        except UserError as exc:
            return error_reply(exc.message, title=exc.title)
        except Exception:
            log.exception("command failed: /%s %s", request.root, request.text or request.path)
            return error_reply("Something went wrong on our side; nothing was changed.")
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")
        return reply

    def handle_action(self, actor_id: int, encoded: str, *, channel: ChannelRef | None = None,
                      is_admin: bool = False, account: PlatformUser | None = None) -> Reply:
        """A button press: the action names a command and its typed options; it runs as the
        person who pressed it, with the same checks as if they had typed it."""
        try:
            command, args = Action.decode(encoded)
        except ValueError:
            return error_reply("That button is no longer understood.")
        root, *path = command.split()
        return self.handle(
            Request(root=root, actor_id=actor_id, path=tuple(path), options=args,
                    channel=channel, is_admin=is_admin, account=account)
        )

    # --- people ------------------------------------------------------------------------

    def identify(self, user: PlatformUser) -> int:
        """The person behind a platform account (see `bot.people.identities`)."""
        return identities.identify(self.db, user, now=self.clock.now())

    def holder(self, account: PlatformUser) -> int | None:
        """Who holds `account` now, without creating anyone: what an adapter checks its
        remembered answer against (a link or a deletion changes it)."""
        with self.db.session() as session:
            return identities.holder(session, account)

    # --- delivery ----------------------------------------------------------------------

    def on_delivery_needed(self, listener: Callable[[], None]) -> None:
        """Called after a command queues a direct message, so it goes out at once."""
        self._delivery_listeners.append(listener)

    def poke_delivery(self) -> None:
        for listener in self._delivery_listeners:
            listener()

    def on_groups_changed(self, listener: Callable[[], None]) -> None:
        """Called after a command changed when a group's digest falls (or switched it off),
        so the scheduler's weekly jobs follow at once."""
        self._group_listeners.append(listener)

    def groups_changed(self) -> None:
        for listener in self._group_listeners:
            listener()


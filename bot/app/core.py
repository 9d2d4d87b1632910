"""The core's front door: adapters hand it a request naming a stored person and get back a
platform-neutral reply. Each request is one unit of work; a refusal changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.app.commands import default_registry
from bot.framework.channels import ChannelRef
from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Registry
from bot.framework.replies import Action, Reply, error_reply
from bot.infra.clock import Clock, SystemClock
from bot.infra.db import Database
from bot.infra.models import Identity, Person, Role
from bot.infra.settings import Settings, get_settings
from bot.nudges.store import queue_notice
from bot.people.resolve import find_by_identity, names_match, resolve_in_request

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


@dataclass(frozen=True)
class PlatformUser:
    """What an adapter knows about the person behind an event, as plain values."""

    platform: str
    external_id: str
    workspace: str = ""
    name: str = ""
    email: str | None = None
    timezone: str | None = None


@dataclass
class Core:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    settings: Settings = field(default_factory=get_settings)
    registry: Registry = field(default_factory=default_registry)
    _delivery_listeners: list[Callable[[], None]] = field(default_factory=list)

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
                actor = session.get(Person, request.actor_id)
                if actor is None:
                    raise UserError("I don't know you yet. Ask an organizer to add you.")
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
                      is_admin: bool = False) -> Reply:
        """A button press: the action names a command and its typed options; it runs as the
        person who pressed it, with the same checks as if they had typed it."""
        try:
            command, args = Action.decode(encoded)
        except ValueError:
            return error_reply("That button is no longer understood.")
        root, *path = command.split()
        return self.handle(
            Request(root=root, actor_id=actor_id, path=tuple(path), options=args,
                    channel=channel, is_admin=is_admin)
        )

    # --- people ------------------------------------------------------------------------

    def identify(self, user: PlatformUser) -> int:
        """The person behind a platform account: by platform id, then by email (joining the
        account to a roster entry), else a new student."""
        try:
            return self._identify(user)
        except IntegrityError:
            # The same new account's first two requests at once: the other one created the
            # person (or the identity) first, so looking again finds it.
            return self._identify(user)

    def _identify(self, user: PlatformUser) -> int:
        with self.db.session() as session:
            person = find_by_identity(session, user.platform, user.workspace, user.external_id)
            if person is None and user.email:
                person = session.scalar(select(Person).where(Person.email == user.email.lower()))
                if person is not None:
                    session.add(Identity(person=person, platform=user.platform,
                                         workspace=user.workspace, external_id=user.external_id))
            if person is None:
                person = Person(name=user.name or user.external_id,
                                email=user.email.lower() if user.email else None,
                                timezone=user.timezone, created_at=self.clock.now())
                person.roles.append(Role(role="student"))
                person.identities.append(Identity(platform=user.platform,
                                                  workspace=user.workspace,
                                                  external_id=user.external_id))
                session.add(person)
            else:
                if user.timezone and not person.timezone:
                    person.timezone = user.timezone
                _learn_workspace(person, user)
            session.flush()
            return person.id

    # --- delivery ----------------------------------------------------------------------

    def on_delivery_needed(self, listener: Callable[[], None]) -> None:
        """Called after a command queues a direct message, so it goes out at once."""
        self._delivery_listeners.append(listener)

    def poke_delivery(self) -> None:
        for listener in self._delivery_listeners:
            listener()


def _learn_workspace(person: Person, user: PlatformUser) -> None:
    """A roster import knows an account's id but not its workspace (''); the first request
    from that account tells us, so messages sent later go through the right workspace."""
    if not user.workspace:
        return
    mine = [i for i in person.identities
            if i.platform == user.platform and i.external_id == user.external_id]
    if any(i.workspace == user.workspace for i in mine):
        return
    for identity in mine:
        if identity.workspace == "":
            identity.workspace = user.workspace
            return

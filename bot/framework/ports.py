"""What an adapter may ask of the core, and the plain values that cross between them.

Adapters translate: a platform's payload becomes a `Request` naming a person by a stored
identity, and the core's answer (a `Reply`, or one of the values below) becomes the
platform's message. Everything else an adapter used to do by hand (opening a database
session, deciding whom autocomplete may offer, remembering a DM channel, marking DMs
refused) is a method of `CorePort`, which `bot.app.core.Core` implements. An adapter is
typed against this Protocol, never against `Core` or the database, so it cannot reach past
it (tests/test_adapters_translate.py keeps sessions and SQLAlchemy out of `adapters/`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.framework.channels import ChannelRef, Router, SendBudget
from bot.framework.forms import Form
from bot.framework.registry import Option, Registry
from bot.framework.replies import Reply
from bot.infra.clock import Clock
from bot.infra.settings import Settings


@dataclass(frozen=True)
class PlatformUser:
    """What an adapter knows about the person behind an event, as plain values. As an
    account (`platform`, `workspace`, `external_id`), workspace '' matches any."""

    platform: str
    external_id: str
    workspace: str = ""
    name: str = ""
    email: str | None = None
    timezone: str | None = None


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
    # (`bot.people.identities.acting_person`).
    account: PlatformUser | None = None


@dataclass(frozen=True)
class JoinedGroup:
    """The group someone just became a member of by joining its channel."""

    name: str
    slug: str


@dataclass(frozen=True)
class Listed:
    """A person as a suggestion list may show them: name, email, roles, and for faculty
    their specialty or title (a student's stage is theirs, never shown)."""

    person_id: int
    name: str
    email: str
    roles: frozenset[str]
    detail: str


@dataclass(frozen=True)
class Scope:
    """Whom one member may be offered for one option: every faculty member when `faculty`
    (the staff directory), and the people in `people` (`bot.people.directory` decides)."""

    faculty: bool = False
    people: frozenset[int] = frozenset()

    def allows(self, person_id: int, roles: frozenset[str]) -> bool:
        return person_id in self.people or (self.faculty and "faculty" in roles)


class CorePort(Protocol):
    """The core as an adapter sees it. Every method is its own unit of work and safe to
    call from any thread; none takes or returns a database object."""

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def registry(self) -> Registry: ...

    # commands and buttons
    def handle(self, request: Request) -> Reply: ...

    def handle_action(self, actor_id: int, encoded: str, *, channel: ChannelRef | None = None,
                      is_admin: bool = False, account: PlatformUser | None = None
                      ) -> Reply: ...

    # who is behind an account
    def identify(self, user: PlatformUser) -> int: ...

    def holder(self, account: PlatformUser) -> int | None: ...

    # events
    def first_time(self, platform: str, event_id: str, now: datetime | None = None
                   ) -> bool: ...

    def joined_channel(self, person_id: int, channel: ChannelRef) -> JoinedGroup | None: ...

    # what a person's own page shows
    def home(self, person_id: int) -> Reply: ...

    def profile_form(self, person_id: int) -> Form: ...

    # direct messages
    def dm_channel(self, account: PlatformUser) -> str | None: ...

    def remember_dm_channel(self, account: PlatformUser, channel_id: str | None) -> None: ...

    def remember_dm_channels(self, channels: Sequence[tuple[PlatformUser, str | None]]
                             ) -> None: ...

    def dm_refused(self, account: PlatformUser) -> None: ...

    def dm_delivered(self, account: PlatformUser) -> None: ...

    def take_dm_refusal(self, account: PlatformUser) -> bool: ...

    def poke_delivery(self) -> None: ...

    def send_budget(self) -> SendBudget: ...

    def deliver_notices(self, router: Router) -> list[str]:
        """Deliver what the last command of this thread queued for people with no chat
        account; returns who else it queued messages for (left to the workers)."""
        ...

    # suggestions as a member types
    def directory(self) -> list[Listed]: ...

    def suggestion_scope(self, account: PlatformUser, option: Option) -> Scope: ...

    def program_choices(self, account: PlatformUser, typed: str) -> list[tuple[str, str]]: ...

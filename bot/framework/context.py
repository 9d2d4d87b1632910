"""What a handler gets: the acting person, the unit of work, the time, the settings, and the
helpers that turn what the user typed into domain objects (it is the registry's `Binder`).

Services never take a `Context`: handlers pass them explicit values (session, actor, now,
zone, settings). Direct messages a handler owes someone are collected here (`notify`) and
written to the outbox by the core in the same unit of work, so a refused command queues
nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.framework.channels import ChannelRef, Router
from bot.framework.ports import PlatformUser
from bot.framework.registry import Audience, Registry
from bot.framework.replies import Reply
from bot.framework.tokens import Token, is_reference
from bot.infra.dates import DateWhen, parse_day
from bot.infra.models import Person
from bot.infra.settings import Settings
from bot.infra.zones import local_day


class PersonResolver(Protocol):
    """Turns a reference (name, email, mention, `person:ID`) into a person, or raises a
    `UserError` listing the closest candidates. Supplied by the people feature."""

    def __call__(self, session: Session, ref: str, *, role: str | None,
                 channel: ChannelRef | None, actor: Person) -> Person: ...


class NameMatcher(Protocol):
    """Whether every word of `prefix` is a word of `person`'s name (allowing a small typo),
    so free text after a name is never taken for part of it."""

    def __call__(self, prefix: str, person: Person) -> bool: ...


@dataclass(frozen=True)
class Notice:
    """A direct message a handler owes someone; `key` makes it idempotent."""

    person: Person
    reply: Reply
    key: str


@dataclass
class Context:
    session: Session
    actor: Person
    now: datetime
    settings: Settings
    registry: Registry
    resolver: PersonResolver
    exact_name: NameMatcher
    channel: ChannelRef | None = None
    # The platform's word that the actor administers the workspace or server the request
    # came from (Slack admin or owner, Discord Manage Server). It reaches no further than
    # that workspace: see `admin_scope`.
    is_admin: bool = False
    # The platform account the request came from, when the adapter said (None: the
    # console, or a caller that knows only the person).
    account: PlatformUser | None = None
    # Where a group's channel posts go (announcements): the running adapters' channels.
    router: Router = field(default_factory=Router)
    notices: list[Notice] = field(default_factory=list)
    delivery_needed: bool = False
    groups_changed: bool = False
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def tz(self) -> str:
        return self.tz_of(self.actor)

    def tz_of(self, person: Person) -> str:
        return person.timezone or self.settings.default_timezone

    @property
    def today(self) -> date:
        return local_day(self.now, self.tz)

    # --- Binder ------------------------------------------------------------------------

    def resolve_person(self, ref: str, role: str | None = None) -> Person:
        return self.resolver(self.session, ref, role=role, channel=self.channel,
                             actor=self.actor)

    def person_prefix_length(self, words: list[Token], role: str | None) -> int:
        """How many leading words name a person, when a name is followed by free text
        (`/mentor todo Jane Smith read her paper`). A quoted first word, an email or a
        mention is the whole reference. Otherwise the longest prefix (of up to four words)
        whose every word belongs to the name of the person it resolves to: so "Jane Smith
        read" stops before "read", and a typo in the name ("Jane Smiht") still counts."""
        first = words[0]
        if first.quoted or len(words) == 1 or is_reference(first.text):
            return 1
        for take in range(min(4, len(words) - 1), 0, -1):
            prefix = " ".join(t.text for t in words[:take])
            try:
                person = self.resolve_person(prefix, role)
            except UserError:
                continue
            if self.exact_name(prefix, person):
                return take
        return 1

    def parse_date(self, text: str, when: DateWhen = "future", what: str = "date") -> date:
        return parse_day(text, tz=self.tz, now=self.now, when=when, what=what)

    # --- Gate --------------------------------------------------------------------------

    @property
    def admin_scope(self) -> ChannelRef | None:
        """Where the actor's platform admin rights count: the request's channel when they
        administer its workspace or server, else None. Groups are shared between
        workspaces, so an admin acts as an organizer only for groups bound to a channel of
        this workspace (the groups feature checks that against the group's bindings); a
        request with no workspace (the console, a Discord DM) carries no admin rights."""
        channel = self.channel
        if not self.is_admin or channel is None or not channel.workspace:
            return None
        return channel

    def may_run(self, who: Audience) -> bool:
        """The first, coarse check, before the command names a group: an organizer of some
        group, or an admin of this workspace, may try an organizer's command; the handler
        then checks the named group (`bot.groups.store.require_organizer`)."""
        if who == Audience.STUDENT:
            return self.actor.is_student
        if who == Audience.FACULTY:
            return self.actor.is_faculty
        if who in (Audience.ORGANIZER, Audience.ADMIN_OR_ORGANIZER):
            return self.admin_scope is not None or self.actor.is_organizer
        return True

    # --- effects -----------------------------------------------------------------------

    def notify(self, person: Person, reply: Reply, *, key: str) -> None:
        """Owe `person` a direct message, written to the outbox with this unit of work and
        delivered durably by the delivery sweep."""
        self.notices.append(Notice(person, reply, key))

    def wake_delivery(self) -> None:
        """Messages were queued by other means (a match round's bulk write): deliver them
        as soon as this unit of work is committed."""
        self.delivery_needed = True

    def reschedule_groups(self) -> None:
        """A group's digest day, hour, zone or switch changed: the scheduler re-reads the
        groups as soon as this unit of work is committed."""
        self.groups_changed = True

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def after_commit_callbacks(self) -> list[Callable[[], None]]:
        return list(self._after_commit)

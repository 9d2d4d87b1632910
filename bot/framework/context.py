"""What a handler gets: the acting person, the unit of work, the clock and the helpers that
turn what the user typed into domain objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.errors import NotAllowed, UserError
from bot.framework.registry import DateWhen
from bot.infra.dates import parse_day
from bot.infra.models import ChannelBinding, InterestGroup, Person
from bot.infra.zones import to_local
from bot.people import resolve as people

if TYPE_CHECKING:
    from bot.app.core import Core
    from bot.framework.replies import Reply


@dataclass(frozen=True)
class ChannelRef:
    """Where a command was typed. `workspace` is the Slack team or Discord guild id."""

    platform: str
    workspace: str = ""
    channel_id: str = ""
    is_dm: bool = False


@dataclass
class Context:
    core: Core
    session: Session
    actor: Person
    now: datetime
    channel: ChannelRef | None = None
    is_admin: bool = False
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def tz(self) -> str:
        return self.actor.timezone or self.core.settings.default_timezone

    def tz_of(self, person: Person) -> str:
        return person.timezone or self.core.settings.default_timezone

    @property
    def today(self) -> date:
        return to_local(self.now, self.tz).date()

    @property
    def where(self) -> people.Where:
        if self.channel is None:
            return people.Where()
        return people.Where(self.channel.platform, self.channel.workspace)

    def resolve_person(self, ref: str, role: str | None = None) -> Person:
        return people.resolve(self.session, ref, role=role, where=self.where)

    def person_prefix_length(self, words: list[str], role: str | None) -> int:
        """How many leading words name a person, when a name is followed by free text
        (`/mentor todo Jane Smith read her paper`): the longest prefix that resolves."""
        fuzzy: int | None = None
        for take in range(min(4, len(words) - 1), 1, -1):
            prefix = " ".join(words[:take])
            try:
                person = self.resolve_person(prefix, role)
            except UserError:
                continue
            # A name followed by a task ("Dr. Wei Chen email Dr. Park…") also fuzzy-matches
            # with the task's first word attached: an exact name match wins over it.
            if people.normalize_name(prefix) == people.normalize_name(person.name):
                return take
            fuzzy = take if fuzzy is None else fuzzy
        return fuzzy or 1

    def parse_date(self, text: str, when: DateWhen = "future", what: str = "date") -> date:
        return parse_day(text, tz=self.tz, now=self.now, when=when, what=what)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def notify(self, person: Person, reply: Reply, *, key: str) -> None:
        """Queue a direct message to `person`, delivered durably by the delivery sweep."""
        from bot.nudges.notices import queue_notice

        queue_notice(self.session, person, reply, key=key, now=self.now)
        self.after_commit(self.core.poke_delivery)

    # --- groups ------------------------------------------------------------------------

    def channel_group(self) -> InterestGroup | None:
        if self.channel is None or not self.channel.channel_id:
            return None
        binding = self.session.scalar(
            select(ChannelBinding).where(
                ChannelBinding.platform == self.channel.platform,
                ChannelBinding.workspace == self.channel.workspace,
                ChannelBinding.channel_id == self.channel.channel_id,
            )
        )
        return binding.group if binding else None

    def group(self, slug: str | None) -> InterestGroup:
        """The group named by `slug`, else the one bound to this channel."""
        if slug:
            return find_group(self.session, slug)
        group = self.channel_group()
        if group is None:
            raise UserError("Name the group (group:SLUG), or run this in the group's channel.")
        return group

    def require_organizer(self, group: InterestGroup) -> None:
        if self.is_admin or self.actor.has_role("organizer", group.id):
            return
        raise NotAllowed(f"Only organizers of {group.name} can do that.")


def find_group(session: Session, slug: str) -> InterestGroup:
    wanted = slug.strip().lower().lstrip("#")
    group = session.scalar(select(InterestGroup).where(InterestGroup.slug == wanted))
    if group is not None:
        return group
    from rapidfuzz import process

    slugs = list(session.scalars(select(InterestGroup.slug)))
    close = [m[0] for m in process.extract(wanted, slugs, limit=3, score_cutoff=50)]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UserError(f"There is no group “{slug}”.{hint}", title="Unknown group")

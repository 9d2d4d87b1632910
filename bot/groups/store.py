"""Interest groups: creation, channel bindings, membership and organizers."""

from __future__ import annotations

import re
from datetime import datetime

from rapidfuzz import process
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.channels import ChannelRef
from bot.framework.errors import NotAllowed, UserError
from bot.infra.models import ChannelBinding, InterestGroup, Membership, Person, Role
from bot.people.rules import stored_specialty

SLUG_LENGTH = (2, 40)
"""Shortest and longest group short name (`em-interest`)."""
SLUG = re.compile(rf"^[a-z0-9][a-z0-9-]{{{SLUG_LENGTH[0] - 1},{SLUG_LENGTH[1] - 1}}}$")
SLUG_EXAMPLE = "em-interest"


def clean_slug(slug: str) -> str:
    """How a typed group name is compared: any case, with or without a leading #."""
    return slug.strip().lower().lstrip("#")


def check_slug(slug: str) -> str:
    cleaned = clean_slug(slug)
    if not SLUG.match(cleaned):
        shortest, longest = SLUG_LENGTH
        raise UserError(
            f"“{slug}” can't be a group name: use {shortest}–{longest} lowercase letters, "
            f"digits or dashes, like {SLUG_EXAMPLE}."
        )
    return cleaned


def create_group(session: Session, slug: str, *, name: str, specialty: str,
                 now: datetime) -> InterestGroup:
    """A new group; its specialty is stored under its ERAS name when it names one."""
    slug = check_slug(slug)
    if session.scalar(select(InterestGroup).where(InterestGroup.slug == slug)) is not None:
        raise UserError(f"A group “{slug}” already exists.")
    group = InterestGroup(slug=slug, name=name or slug, specialty=stored_specialty(specialty),
                          created_at=now)
    session.add(group)
    session.flush()
    return group


def bind_channel(session: Session, group: InterestGroup, channel: ChannelRef) -> None:
    existing = _binding(session, channel.platform, channel.workspace, channel.channel_id)
    if existing is not None and existing.group_id != group.id:
        raise UserError(f"This channel already belongs to the group {existing.group.slug}.")
    if existing is None:
        session.add(ChannelBinding(group=group, platform=channel.platform,
                                   workspace=channel.workspace, channel_id=channel.channel_id))


def make_organizer(session: Session, person: Person, group: InterestGroup) -> bool:
    """Returns False when the person already was one."""
    if person.has_role("organizer", group.id):
        return False
    person.roles.append(Role(role="organizer", group_id=group.id))
    join(session, person, group, now=None)
    session.flush()
    return True


def join(session: Session, person: Person, group: InterestGroup,
         now: datetime | None) -> bool:
    existing = session.scalar(
        select(Membership).where(Membership.person_id == person.id,
                                 Membership.group_id == group.id)
    )
    if existing is not None:
        return False
    membership = Membership(person_id=person.id, group_id=group.id)
    if now is not None:
        membership.joined_at = now
    session.add(membership)
    session.flush()
    return True


def leave(session: Session, person: Person, group: InterestGroup) -> bool:
    existing = session.scalar(
        select(Membership).where(Membership.person_id == person.id,
                                 Membership.group_id == group.id)
    )
    if existing is None:
        return False
    session.delete(existing)
    return True


def groups_of(session: Session, person: Person) -> list[InterestGroup]:
    return list(
        session.scalars(
            select(InterestGroup)
            .join(Membership, Membership.group_id == InterestGroup.id)
            .where(Membership.person_id == person.id)
            .order_by(InterestGroup.slug)
        )
    )


# --- finding a group ---------------------------------------------------------------------


def find_group(session: Session, slug: str) -> InterestGroup:
    """The group called `slug`; an unknown one is an error naming the closest slugs."""
    wanted = clean_slug(slug)
    group = session.scalar(select(InterestGroup).where(InterestGroup.slug == wanted))
    if group is not None:
        return group
    slugs = list(session.scalars(select(InterestGroup.slug)))
    close = [m[0] for m in process.extract(wanted, slugs, limit=3, score_cutoff=50)]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UserError(f"There is no group “{slug}”.{hint}", title="Unknown group")


def _binding(session: Session, platform: str, workspace: str,
             channel_id: str) -> ChannelBinding | None:
    """The binding of a channel: the one in its workspace, else one stored without a
    workspace ('', which matches any, as a roster-imported identity does)."""
    rows = session.scalars(
        select(ChannelBinding).where(
            ChannelBinding.platform == platform,
            ChannelBinding.workspace.in_({workspace, ""}),
            ChannelBinding.channel_id == channel_id,
        )
    ).all()
    return next((b for b in rows if b.workspace == workspace), None) or next(iter(rows), None)


def bound_group(session: Session, platform: str, workspace: str,
                channel_id: str) -> InterestGroup | None:
    """The group a channel is bound to, if any."""
    binding = _binding(session, platform, workspace, channel_id)
    return binding.group if binding is not None else None


def channel_group(session: Session, channel: ChannelRef | None) -> InterestGroup | None:
    """The group bound to the channel a command was typed in, if any."""
    if channel is None or not channel.channel_id:
        return None
    return bound_group(session, channel.platform, channel.workspace, channel.channel_id)


def joined_channel(session: Session, person: Person, platform: str, workspace: str,
                   channel_id: str, now: datetime) -> InterestGroup | None:
    """Someone joined a channel: when it belongs to a group, they join the group (a group's
    channel is where its members are). Returns the group when that made them a new member."""
    group = bound_group(session, platform, workspace, channel_id)
    if group is None:
        return None
    return group if join(session, person, group, now) else None


def group_for(session: Session, slug: str | None, channel: ChannelRef | None) -> InterestGroup:
    """The group named by `slug`, else the one bound to this channel."""
    if slug:
        return find_group(session, slug)
    group = channel_group(session, channel)
    if group is None:
        raise UserError("Name the group (group:SLUG), or run this in the group's channel.")
    return group


def require_organizer(actor: Person, group: InterestGroup, *, is_admin: bool) -> None:
    if is_admin or actor.has_role("organizer", group.id):
        return
    raise NotAllowed(f"Only organizers of {group.name} can do that.")

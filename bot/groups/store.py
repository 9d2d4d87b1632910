"""Interest groups: creation, settings, channel bindings, membership and organizers, and
who may act for a group (its organizers; a platform admin only where `rules.admin_reaches`
says so). The one writer of `interest_groups`, `channel_bindings` and `memberships`; an
organizer's role is granted through `bot.people.store` (the writer of `roles`). A new group
rhythm is set through `bot.mentoring.store.set_group_rhythm`, which moves the group's
mentorships with it: mentoring sits above groups in the layers (pyproject.toml)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import process
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, UserError
from bot.framework.channels import ChannelRef, ChannelTarget
from bot.groups.rules import DigestSetting, admin_reaches
from bot.infra.db import chunks, insert_rows
from bot.infra.models import ChannelBinding, InterestGroup, Membership, Person
from bot.infra.models import Role as RoleRow
from bot.infra.zones import UnknownTimeZone, validate_zone
from bot.people import store as people
from bot.people.rules import name_problem, stored_specialty
from bot.vocab.people import Role

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


def check_group_name(name: str) -> str:
    """A group's display name as stored: spaces collapsed, no invisible characters."""
    cleaned = " ".join(name.split())
    if (problem := name_problem(cleaned, "The name")) is not None:
        raise UserError(problem + ".")
    return cleaned


def create_group(session: Session, slug: str, *, name: str, specialty: str, tz: str,
                 now: datetime) -> InterestGroup:
    """A new group; its specialty is stored under its ERAS name when it names one, and its
    digest follows `tz` (its creator's zone, else the default) until an organizer changes
    it. A slug already taken is an error that says how to use that group here."""
    slug = check_slug(slug)
    if session.scalar(select(InterestGroup).where(InterestGroup.slug == slug)) is not None:
        raise UserError(f"A group “{slug}” already exists. To use it in this channel, an "
                        f"organizer of {slug} runs /mentor group bind {slug} here.",
                        title="Group exists")
    group = InterestGroup(slug=slug, name=check_group_name(name) or slug,
                          specialty=stored_specialty(specialty), timezone=tz,
                          created_at=now)
    session.add(group)
    session.flush()
    return group


def bind_channel(session: Session, group: InterestGroup, channel: ChannelRef) -> bool:
    """Bind `channel` to `group`; False when it already was. A channel belongs to one group:
    one bound to another group is an error."""
    existing = _binding(session, channel.platform, channel.workspace, channel.channel_id)
    if existing is not None and existing.group_id != group.id:
        raise UserError(f"This channel already belongs to the group {existing.group.slug}.")
    if existing is not None:
        return False
    session.add(ChannelBinding(group=group, platform=channel.platform,
                               workspace=channel.workspace, channel_id=channel.channel_id))
    session.flush()
    return True


def change_settings(group: InterestGroup, *, name: str | None = None, tz: str | None = None,
                    digest: DigestSetting | None = None) -> None:
    """Apply what `/mentor group settings` was given; the rest stays."""
    if name is not None:
        group.name = check_group_name(name) or group.name
    if tz is not None:
        try:
            group.timezone = validate_zone(tz)
        except UnknownTimeZone as exc:
            raise UserError(f"tz: {exc}.") from None
    if digest is not None:
        group.digest_enabled = digest.enabled
        if digest.weekday is not None:
            group.digest_weekday = digest.weekday
        if digest.hour is not None:
            group.digest_hour = digest.hour


def set_followup_weeks(session: Session, group: InterestGroup, weeks: int) -> None:
    """The group's row only; `bot.mentoring.store.set_group_rhythm` decides the weeks and
    moves the group's mentorships with them (mentoring sits above groups)."""
    group.followup_weeks = weeks
    session.flush()


def lock_group(session: Session, group_id: int) -> None:
    """Hold the group's row until this unit of work ends, so a second writer (two
    organizers starting a round at once) waits for the first: SELECT … FOR UPDATE on
    PostgreSQL; on SQLite an UPDATE that changes nothing takes the database's write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(InterestGroup.id).where(InterestGroup.id == group_id)
                        .with_for_update())
    else:
        session.execute(update(InterestGroup).where(InterestGroup.id == group_id)
                        .values(followup_weeks=InterestGroup.followup_weeks))


def make_organizer(session: Session, person: Person, group: InterestGroup,
                   now: datetime | None = None) -> bool:
    """Returns False when the person already was one; an organizer is a member too."""
    if not people.grant_role(person, Role.ORGANIZER, group.id):
        return False
    join(session, person, group, now=now)
    session.flush()
    return True


def organizers_of(session: Session, group: InterestGroup) -> list[Person]:
    """The group's organizers, by name."""
    return list(session.scalars(
        select(Person).join(RoleRow, RoleRow.person_id == Person.id)
        .where(RoleRow.role == Role.ORGANIZER, RoleRow.group_id == group.id)
        .order_by(Person.name, Person.id)))


def remove_organizer(session: Session, person: Person, group: InterestGroup) -> None:
    """`person` no longer organizes `group` (they stay a member). Never the last organizer:
    a group nobody may run could not even be handed on."""
    if not person.has_role(Role.ORGANIZER, group.id):
        raise UserError(f"{person.name} is not an organizer of {group.name}.")
    if len(organizers_of(session, group)) <= 1:
        raise UserError(f"{person.name} is the only organizer of {group.name}, and a group "
                        f"needs one. Make someone else an organizer first: /mentor group "
                        f"organizer {group.slug} PERSON.", title="Still needed")
    people.revoke_role(person, Role.ORGANIZER, group.id)
    session.flush()


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


def add_members(session: Session, group_id: int, person_ids: Collection[int], *,
                now: datetime) -> int:
    """Make these people members of the group (those who are not yet), in bulk (a roster
    import). Returns how many joined."""
    wanted = sorted(set(person_ids))
    members: set[int] = set()
    for chunk in chunks(wanted):
        members.update(session.scalars(select(Membership.person_id).where(
            Membership.group_id == group_id, Membership.person_id.in_(chunk))))
    new = [pid for pid in wanted if pid not in members]
    insert_rows(session, Membership, [{"person_id": pid, "group_id": group_id,
                                       "joined_at": now} for pid in new])
    return len(new)


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


def organized_by(session: Session, person_id: int,
                 admin: ChannelRef | None = None) -> list[InterestGroup]:
    """The groups a person may run: those they organize and, for a platform admin, those
    bound to a channel of the admin's workspace. By slug."""
    organized = select(RoleRow.group_id).where(RoleRow.person_id == person_id,
                                            RoleRow.role == Role.ORGANIZER)
    mine: ColumnElement[bool] = InterestGroup.id.in_(organized)
    if admin is not None:
        bound_here = select(ChannelBinding.group_id).where(
            ChannelBinding.platform == admin.platform,
            ChannelBinding.workspace == admin.workspace)
        mine = mine | InterestGroup.id.in_(bound_here)
    return list(session.scalars(select(InterestGroup).where(mine)
                                .order_by(InterestGroup.slug)))


def group_to_run(session: Session, slug: str | None, *, actor: Person,
                 channel: ChannelRef | None, admin: ChannelRef | None) -> InterestGroup:
    """The group an organizer's command is about when `group:` may be left out: the one
    named, else the one bound to this channel, else the only group the actor may run.
    With several, the error lists them; the caller still checks `require_organizer`."""
    if slug:
        return find_group(session, slug)
    group = channel_group(session, channel)
    if group is not None:
        return group
    runs = organized_by(session, actor.id, admin)
    if len(runs) == 1:
        return runs[0]
    if not runs:
        raise UserError("Name the group (group:SLUG), or run this in the group's channel: "
                        "you organize no group yet.")
    listed = ", ".join(g.slug for g in runs)
    raise UserError(f"You run several groups ({listed}): name one with group:SLUG, or run "
                    "this in the group's channel.", title="Which group?")


def may_act_for(actor: Person, group: InterestGroup, *, admin: ChannelRef | None) -> bool:
    """Whether `actor` may act as an organizer of `group`: they organize it, or they are a
    platform admin (`admin` is where: see `Context.admin_scope`) and the group is bound to
    a channel of that workspace or server."""
    if actor.has_role(Role.ORGANIZER, group.id):
        return True
    return admin is not None and admin_reaches(
        ((b.platform, b.workspace) for b in group.bindings), admin.platform, admin.workspace)


def require_organizer(actor: Person, group: InterestGroup, *,
                      admin: ChannelRef | None) -> None:
    """Refuse unless `actor` may act as an organizer of `group` (`may_act_for`)."""
    if may_act_for(actor, group, admin=admin):
        return
    raise NotAllowed(f"Only organizers of {group.name} can do that.")


# --- the list of groups --------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOverview:
    """One line of `/mentor groups`, as plain values."""

    slug: str
    name: str
    specialty: str
    members: int
    organizers: tuple[str, ...]
    channels: tuple[ChannelRef, ...]


def overview(session: Session) -> list[GroupOverview]:
    """Every group with its member count, organizers' names and bound channels, by slug
    (four queries whatever the number of groups)."""
    groups = list(session.scalars(select(InterestGroup).order_by(InterestGroup.slug)))
    members = {group_id: n for group_id, n in session.execute(
        select(Membership.group_id, func.count(Membership.id)).group_by(Membership.group_id))}
    organizers: dict[int, list[str]] = {}
    for group_id, name in session.execute(
            select(RoleRow.group_id, Person.name).join(Person, Person.id == RoleRow.person_id)
            .where(RoleRow.role == Role.ORGANIZER, RoleRow.group_id.is_not(None))
            .order_by(Person.name)):
        if group_id is not None:
            organizers.setdefault(group_id, []).append(name)
    channels: dict[int, list[ChannelRef]] = {}
    for binding in session.scalars(select(ChannelBinding).order_by(ChannelBinding.id)):
        channels.setdefault(binding.group_id, []).append(
            ChannelRef(binding.platform, binding.workspace, binding.channel_id))
    return [GroupOverview(g.slug, g.name, g.specialty, members.get(g.id, 0),
                          tuple(organizers.get(g.id, ())), tuple(channels.get(g.id, ())))
            for g in groups]


def targets_of(group: InterestGroup) -> list[ChannelTarget]:
    """The channels a group's posts go to (its bindings), as plain values."""
    return [ChannelTarget(b.platform, b.workspace, b.channel_id) for b in group.bindings]

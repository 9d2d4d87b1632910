"""`/mentor join`, `/mentor leave`, `/mentor groups`, `/mentor group create|bind|settings|
organizer` and `/mentor announce`."""

from __future__ import annotations

from typing import cast

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Ping, Reply
from bot.groups import announcements, messages, schedule, specs
from bot.groups import store as groups
from bot.groups.rules import parse_digest
from bot.infra.models import Person
from bot.people.messages import unknown_specialty
from bot.people.rules import check_specialty

commands = CommandSet()


@commands.handler(specs.JOIN)
def join(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    if not groups.join(ctx.session, ctx.actor, group, ctx.now):
        return Reply(title=f"You are already in {group.name}.")
    return Reply(title=f"Welcome to {group.name}!",
                 text="You'll see its weekly digest in the group's channel.")


@commands.handler(specs.LEAVE)
def leave(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    if not groups.leave(ctx.session, ctx.actor, group):
        raise UserError(f"You are not a member of {group.name}.")
    return Reply(title=f"You left {group.name}.")


@commands.handler(specs.GROUPS)
def list_groups(ctx: Context, args: Args) -> Reply:
    return messages.groups_list(groups.overview(ctx.session), ctx.channel)


def _in_a_channel(ctx: Context) -> bool:
    channel = ctx.channel
    return channel is not None and bool(channel.channel_id) and not channel.is_dm


@commands.handler(specs.GROUP_CREATE)
def group_create(ctx: Context, args: Args) -> Reply:
    bound = _in_a_channel(ctx)
    if not bound and not ctx.actor.is_organizer:
        # A platform admin's rights are those of the workspace's channels: the group they
        # create is bound to one of them.
        raise UserError("Run /mentor group create in the channel the group will use.")
    group = groups.create_group(ctx.session, args["slug"], name=args["name"],
                                specialty=args["specialty"], tz=ctx.tz, now=ctx.now)
    if bound and ctx.channel is not None:
        groups.bind_channel(ctx.session, group, ctx.channel)
    groups.make_organizer(ctx.session, ctx.actor, group, ctx.now)
    ctx.reschedule_groups()
    check = check_specialty(args["specialty"])
    return messages.group_created(group, bound, None if check.known else unknown_specialty(check))


@commands.handler(specs.GROUP_BIND)
def group_bind(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    if not _in_a_channel(ctx) or ctx.channel is None:
        raise UserError(f"Run /mentor group bind {group.slug} in the Slack or Discord channel "
                        "to bind: a direct message can't be a group's channel.")
    if not groups.may_act_for(ctx.actor, group, admin=ctx.admin_scope):
        names = ", ".join(p.name for p in groups.organizers_of(ctx.session, group))
        raise UserError(
            f"Only organizers of {group.name} ({names or 'none yet'}) can bind it here: it "
            "is not bound to a channel of this workspace, so a workspace admin can't.",
            title="Not allowed")
    new = groups.bind_channel(ctx.session, group, ctx.channel)
    return messages.group_bound(group, new)


@commands.handler(specs.GROUP_SETTINGS)
def group_settings(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
    changing = any(key in args for key in ("name", "tz", "digest"))
    digest = parse_digest(args["digest"]) if "digest" in args else None
    owed_before = schedule.owed_now(ctx.session, group, ctx.now)
    groups.change_settings(group, name=args.get("name"), tz=args.get("tz"), digest=digest)
    if changing:
        ctx.session.flush()
        schedule.forgive_passed_week(ctx.session, group, ctx.now, owed_before)
        ctx.reschedule_groups()
    return messages.group_settings(group, ctx.now, changed=changing, here=ctx.channel)


@commands.handler(specs.GROUP_ORGANIZER)
def group_organizer(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
    person: Person = args["person"]
    if args.get("remove"):
        groups.remove_organizer(ctx.session, person, group)
        left = [p.name for p in groups.organizers_of(ctx.session, group)]
        return messages.organizer_removed(person.name, group, left)
    added = groups.make_organizer(ctx.session, person, group, ctx.now)
    return messages.organizer_added(person.name, group, added)


@commands.handler(specs.ANNOUNCE)
def announce(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
    targets = groups.targets_of(group)
    if not targets:
        raise UserError(messages.not_bound(group))
    ping = cast(Ping | None, args.get("ping"))
    post = messages.announcement(group.name, args["text"], ctx.actor.name, ping)
    outcomes = announcements.post(ctx.router, targets, post)
    return messages.announced(group, outcomes, ping, ctx.channel)

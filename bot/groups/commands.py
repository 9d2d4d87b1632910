"""`/mentor join`, `/mentor leave`, `/mentor group create`, `/mentor group organizer`."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.groups import specs
from bot.groups import store as groups
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


@commands.handler(specs.GROUP_CREATE)
def group_create(ctx: Context, args: Args) -> Reply:
    group = groups.create_group(ctx.session, args["slug"], name=args["name"],
                                specialty=args["specialty"], now=ctx.now)
    bound = ctx.channel is not None and bool(ctx.channel.channel_id) and not ctx.channel.is_dm
    if bound and ctx.channel is not None:
        groups.bind_channel(ctx.session, group, ctx.channel)
    groups.make_organizer(ctx.session, ctx.actor, group)
    where = "this channel" if bound else "no channel yet (run it in the group's channel to bind)"
    check = check_specialty(args["specialty"])
    warning = "" if check.known else f"\nNote: {unknown_specialty(check)}"
    return Reply(
        title=f"Created {group.name} ({group.slug})",
        text=f"Bound to {where}. You are its organizer. Members join with "
             f"/mentor join {group.slug}.{warning}",
        ephemeral=False,
    )


@commands.handler(specs.GROUP_ORGANIZER)
def group_organizer(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, is_admin=ctx.is_admin)
    person = args["person"]
    if not groups.make_organizer(ctx.session, person, group):
        return Reply(title=f"{person.name} already organizes {group.name}.")
    return Reply(title=f"{person.name} is now an organizer of {group.name}.")

"""`/mentor join`, `/mentor leave`, `/mentor group create`, `/mentor group organizer`."""

from __future__ import annotations

from bot.framework.context import Context, find_group
from bot.framework.errors import UserError
from bot.framework.registry import Args, Audience, Option, OptionType, registry
from bot.framework.replies import Reply
from bot.groups import store as groups

_GROUP = Option("group", positional=True, required=True, placeholder="GROUP",
                description="the group's short name, e.g. em-interest", max_length=64)


@registry.command("mentor", "join", summary="Join an interest group.", options=[_GROUP],
                  examples=["/mentor join em-interest"])
def join(ctx: Context, args: Args) -> Reply:
    group = find_group(ctx.session, args["group"])
    if not groups.join(ctx.session, ctx.actor, group, ctx.now):
        return Reply(title=f"You are already in {group.name}.")
    return Reply(title=f"Welcome to {group.name}!",
                 text="You'll see its weekly digest in the group's channel.")


@registry.command("mentor", "leave", summary="Leave an interest group.", options=[_GROUP],
                  examples=["/mentor leave em-interest"])
def leave(ctx: Context, args: Args) -> Reply:
    group = find_group(ctx.session, args["group"])
    if not groups.leave(ctx.session, ctx.actor, group):
        raise UserError(f"You are not a member of {group.name}.")
    return Reply(title=f"You left {group.name}.")


@registry.command(
    "mentor",
    "group create",
    summary="Create an interest group bound to this channel; you become its organizer.",
    options=[
        Option("slug", positional=True, required=True, placeholder="SLUG",
               description="short name, e.g. em-interest", max_length=64),
        Option("name", required=True, description="display name", max_length=200),
        Option("specialty", required=True, description="the group's specialty",
               max_length=100),
    ],
    who=Audience.ADMIN_OR_ORGANIZER,
    examples=['/mentor group create em-interest name:"EM Interest Group" '
              'specialty:"emergency medicine"'],
)
def group_create(ctx: Context, args: Args) -> Reply:
    group = groups.create_group(ctx.session, args["slug"], name=args["name"],
                                specialty=args["specialty"], now=ctx.now)
    bound = ctx.channel is not None and bool(ctx.channel.channel_id) and not ctx.channel.is_dm
    if bound and ctx.channel is not None:
        groups.bind_channel(ctx.session, group, ctx.channel)
    groups.make_organizer(ctx.session, ctx.actor, group)
    where = "this channel" if bound else "no channel yet (run it in the group's channel to bind)"
    return Reply(
        title=f"Created {group.name} ({group.slug})",
        text=f"Bound to {where}. You are its organizer. Members join with "
             f"/mentor join {group.slug}.",
        ephemeral=False,
    )


@registry.command(
    "mentor",
    "group organizer",
    summary="Make someone an organizer of a group.",
    options=[
        Option("group", positional=True, required=True, placeholder="GROUP",
               description="the group's short name", max_length=64),
        Option("person", OptionType.PERSON, positional=True, required=True,
               placeholder="PERSON", description="who becomes an organizer"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group organizer em-interest jordan.lee@example.edu"],
)
def group_organizer(ctx: Context, args: Args) -> Reply:
    group = find_group(ctx.session, args["group"])
    ctx.require_organizer(group)
    person = args["person"]
    if not groups.make_organizer(ctx.session, person, group):
        return Reply(title=f"{person.name} already organizes {group.name}.")
    return Reply(title=f"{person.name} is now an organizer of {group.name}.")

"""`/mentor report`: a group's program health for its organizers, with a chart."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.groups import store as groups
from bot.infra.models import InterestGroup
from bot.reports import chart, messages, rules, specs, store

commands = CommandSet()


def chosen_group(ctx: Context, slug: str | None) -> InterestGroup:
    """The group named, else this channel's, else the one the organizer organizes."""
    if slug:
        return groups.find_group(ctx.session, slug)
    bound = groups.channel_group(ctx.session, ctx.channel)
    if bound is not None:
        return bound
    mine = store.organized_groups(ctx.session, ctx.actor.id)
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise UserError(messages.no_group_organized())
    raise UserError(messages.which_group([group.slug for group in mine]))


@commands.handler(specs.REPORT)
def report(ctx: Context, args: Args) -> Reply:
    group = chosen_group(ctx, args.get("group"))
    groups.require_organizer(ctx.actor, group, is_admin=ctx.is_admin)
    found = store.report(ctx.session, group, ctx.now, weeks=args.get("weeks", rules.DEFAULT_WEEKS),
                         default_tz=ctx.settings.default_timezone)
    return messages.report_reply(found, messages.chart_attachment(found, chart.png(found)))

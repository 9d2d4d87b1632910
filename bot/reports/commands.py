"""`/mentor report`: a group's program health for its organizers, with a chart. Built from
the program's catalog of nudge kinds, which says which reminders count and what shows one
was acted on."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.groups import store as groups
from bot.nudges.kinds import NudgeCatalog
from bot.reports import chart, messages, rules, specs, store


def command_set(catalog: NudgeCatalog) -> CommandSet:
    commands = CommandSet()

    @commands.handler(specs.REPORT)
    def report(ctx: Context, args: Args) -> Reply:
        group = groups.group_to_run(ctx.session, args.get("group"), actor=ctx.actor,
                                    channel=ctx.channel, admin=ctx.admin_scope)
        groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
        found = store.report(ctx.session, group, ctx.now, catalog,
                             weeks=args.get("weeks", rules.DEFAULT_WEEKS),
                             default_tz=ctx.settings.default_timezone)
        return messages.report_reply(found, messages.chart_attachment(found, chart.png(found)))

    return commands

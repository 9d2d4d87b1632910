"""`/mentor report`: a group's program health for its organizers, with a chart; with `web`,
a one-time link to the same figures as a dashboard page (`bot.web`). Built from the
program's catalog of nudge kinds, which says which reminders count and what shows one was
acted on."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.groups import store as groups
from bot.infra.models import InterestGroup
from bot.nudges.kinds import NudgeCatalog
from bot.reports import chart, messages, rules, specs, store
from bot.web import links
from bot.web import messages as web_messages
from bot.web.rules import Page


def command_set(catalog: NudgeCatalog) -> CommandSet:
    commands = CommandSet()

    @commands.handler(specs.REPORT)
    def report(ctx: Context, args: Args) -> Reply:
        group = groups.group_to_run(ctx.session, args.get("group"), actor=ctx.actor,
                                    channel=ctx.channel, admin=ctx.admin_scope)
        groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
        weeks = args.get("weeks", rules.DEFAULT_WEEKS)
        if args.get("web"):
            return dashboard_link(ctx, group, weeks)
        found = store.report(ctx.session, group, ctx.now, catalog, weeks=weeks,
                             default_tz=ctx.settings.default_timezone)
        return messages.report_reply(found, messages.chart_attachment(found, chart.png(found)))

    return commands


def dashboard_link(ctx: Context, group: InterestGroup, weeks: int) -> Reply:
    """A one-time link to the group's dashboard, opening on `weeks`. The organizer checks
    above are the page's: the link is only made for someone who may see the report."""
    issued = links.issue(ctx.session, ctx.settings, person_id=ctx.actor.id, page=Page.REPORT,
                         group_id=group.id, now=ctx.now,
                         via_admin=not ctx.actor.has_role("organizer", group.id),
                         weeks=None if weeks == rules.DEFAULT_WEEKS else weeks)
    return web_messages.link_reply(
        issued.url, Page.REPORT, what=f"the dashboard of {group.name}",
        expires_at=issued.grant.expires_at, tz=ctx.tz,
        again=f"{messages.report_command(group.slug)} web")

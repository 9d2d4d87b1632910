"""The buttons a reminder carries: "Snooze 1 week" and "Not relevant". Hidden commands
(reached by the buttons, or typed as the console shows them), the same on every platform.
Only the person a nudge was for may snooze or dismiss it, and only a kind whose spec allows
it (`bot.nudges.kinds`): the command set is built from the program's catalog of nudge kinds,
which the assembly passes in."""

from __future__ import annotations

from bot.errors import NotFound, UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.infra.models import Nudge
from bot.nudges import messages, specs, store
from bot.nudges.kinds import NudgeCatalog
from bot.nudges.policy import snooze_until
from bot.vocab.nudges import NudgeKind, NudgeState


def command_set(catalog: NudgeCatalog) -> CommandSet:
    """Snooze and dismiss, for the kinds `catalog` says may be put off or turned down."""
    commands = CommandSet()

    def own(ctx: Context, nudge_id: int, allowed: tuple[NudgeKind, ...]) -> Nudge:
        nudge = store.own_nudge(ctx.session, nudge_id, ctx.actor.id)
        if nudge is None:
            raise NotFound(messages.no_such_reminder(nudge_id))
        if nudge.kind not in allowed:
            raise UserError(messages.NOT_A_REMINDER)
        return nudge

    @commands.handler(specs.NUDGE_SNOOZE)
    def snooze(ctx: Context, args: Args) -> Reply:
        nudge = own(ctx, args["id"], catalog.snoozable)
        if nudge.state == NudgeState.DISMISSED:
            raise UserError(messages.SNOOZE_DISMISSED)
        if nudge.state == NudgeState.CANCELLED:
            raise UserError(messages.SNOOZE_CANCELLED)
        until = snooze_until(ctx.now, ctx.tz, ctx.actor.quiet_hours)
        store.snooze(ctx.session, nudge.id, person_id=ctx.actor.id, until=until,
                     kinds=catalog.snoozable)
        return messages.snoozed(until, ctx.tz)

    @commands.handler(specs.NUDGE_DISMISS)
    def dismiss(ctx: Context, args: Args) -> Reply:
        nudge = own(ctx, args["id"], catalog.dismissable)
        store.dismiss(ctx.session, nudge.id, person_id=ctx.actor.id,
                      kinds=catalog.dismissable)
        return messages.dismissed()

    return commands

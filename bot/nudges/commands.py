"""The buttons every reminder carries: "Snooze 1 week" and "Not relevant". Hidden commands
(reached by the buttons, or typed as the console shows them), the same on every platform.
Only the person a nudge was for may snooze or dismiss it."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.errors import NotFound, UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.infra.models import Nudge
from bot.nudges import messages, specs, store
from bot.nudges.policy import is_reminder, snooze_until
from bot.nudges.vocab import NudgeKind, NudgeState

commands = CommandSet()


def _own_reminder(ctx: Context, nudge_id: int) -> Nudge:
    nudge = store.own_nudge(ctx.session, nudge_id, ctx.actor.id)
    if nudge is None:
        raise NotFound(messages.no_such_reminder(nudge_id))
    if not is_reminder(NudgeKind(nudge.kind)):
        raise UserError(messages.NOT_A_REMINDER)
    return nudge


@commands.handler(specs.NUDGE_SNOOZE)
def snooze(ctx: Context, args: Args) -> Reply:
    nudge = _own_reminder(ctx, args["id"])
    if nudge.state == NudgeState.DISMISSED:
        raise UserError(messages.SNOOZE_DISMISSED)
    if nudge.state == NudgeState.CANCELLED:
        raise UserError(messages.SNOOZE_CANCELLED)
    until = snooze_until(ctx.now, ctx.tz, ctx.actor.quiet_hours)
    store.snooze(ctx.session, nudge.id, person_id=ctx.actor.id, until=until)
    return messages.snoozed(until, ctx.tz)


@commands.handler(specs.NUDGE_DISMISS)
def dismiss(ctx: Context, args: Args) -> Reply:
    nudge = _own_reminder(ctx, args["id"])
    store.dismiss(ctx.session, nudge.id, person_id=ctx.actor.id)
    return messages.dismissed()

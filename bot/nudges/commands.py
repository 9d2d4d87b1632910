"""The buttons every nudge carries: "Snooze 1 week" and "Not relevant". Hidden commands
(reached by the buttons, or typed as the console shows them), the same on every platform.
Only the person a nudge was for may snooze or dismiss it."""

from __future__ import annotations

from datetime import timedelta

from bot.framework.context import Context
from bot.framework.errors import NotFound, UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.infra.models import Nudge
from bot.infra.zones import format_local
from bot.nudges import specs
from bot.nudges.vocab import NudgeKind

commands = CommandSet()


SNOOZE = timedelta(weeks=1)



def _own_nudge(ctx: Context, nudge_id: int) -> Nudge:
    nudge = ctx.session.get(Nudge, nudge_id, with_for_update=True)
    # Someone else's nudge looks exactly like a missing one: ids reveal nothing.
    if nudge is None or nudge.person_id != ctx.actor.id:
        raise NotFound(f"You have no reminder number {nudge_id}.")
    if nudge.kind == NudgeKind.NOTICE:
        raise UserError("That message is not a reminder, so there is nothing to snooze or "
                        "dismiss.")
    return nudge


@commands.handler(specs.NUDGE_SNOOZE)
def snooze(ctx: Context, args: Args) -> Reply:
    nudge = _own_nudge(ctx, args["id"])
    if nudge.state == "cancelled":
        raise UserError("That reminder was marked not relevant; there is nothing to snooze.")
    nudge.state = "pending"
    nudge.due_at = ctx.now + SNOOZE
    nudge.attempts = 0
    nudge.last_error = None
    nudge.lease_until = None
    nudge.claimed_by = None
    nudge.sent_at = None
    return Reply(title="Snoozed",
                 text=f"I'll remind you again on {format_local(nudge.due_at, ctx.tz)}.")


@commands.handler(specs.NUDGE_DISMISS)
def dismiss(ctx: Context, args: Args) -> Reply:
    nudge = _own_nudge(ctx, args["id"])
    nudge.state = "cancelled"
    nudge.lease_until = None
    return Reply(title="Dismissed", text="Got it: you won't get that reminder again.")

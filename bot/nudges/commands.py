"""The buttons every nudge carries: "Snooze 1 week" and "Not relevant". Hidden commands
(reached by the buttons, or typed as the console shows them), the same on every platform.
Only the person a nudge was for may snooze or dismiss it."""

from __future__ import annotations

from datetime import timedelta

from bot.framework.context import Context
from bot.framework.errors import NotFound, UserError
from bot.framework.registry import Args, Option, OptionType, registry
from bot.framework.replies import Reply
from bot.infra.models import Nudge
from bot.infra.zones import format_local
from bot.nudges.notices import NOTICE

SNOOZE = timedelta(weeks=1)

_ID = Option("id", OptionType.INT, "the nudge's number", required=True, positional=True,
             min_value=1, placeholder="ID")


def _own_nudge(ctx: Context, nudge_id: int) -> Nudge:
    nudge = ctx.session.get(Nudge, nudge_id, with_for_update=True)
    # Someone else's nudge looks exactly like a missing one: ids reveal nothing.
    if nudge is None or nudge.person_id != ctx.actor.id:
        raise NotFound(f"You have no reminder number {nudge_id}.")
    if nudge.kind == NOTICE:
        raise UserError("That message is not a reminder, so there is nothing to snooze or "
                        "dismiss.")
    return nudge


@registry.command(
    "mentor", "nudge snooze",
    summary="Snooze a reminder for a week.",
    options=[_ID],
    examples=["/mentor nudge snooze 12"],
    hidden=True,
)
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


@registry.command(
    "mentor", "nudge dismiss",
    summary="Mark a reminder as not relevant.",
    options=[_ID],
    examples=["/mentor nudge dismiss 12"],
    hidden=True,
)
def dismiss(ctx: Context, args: Args) -> Reply:
    nudge = _own_nudge(ctx, args["id"])
    nudge.state = "cancelled"
    nudge.lease_until = None
    return Reply(title="Dismissed", text="Got it: you won't get that reminder again.")

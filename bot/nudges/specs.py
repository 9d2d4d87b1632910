"""Command specs of nudges: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Option, OptionType, command

ID_OPTION = Option("id", OptionType.INT, "the nudge's number", required=True, positional=True,
             min_value=1, placeholder="ID")

NUDGE_SNOOZE = command(
    "mentor",
    "nudge snooze",
    summary="Snooze a reminder for a week.",
    options=[ID_OPTION],
    examples=["/mentor nudge snooze 12"],
    hidden=True,
)


NUDGE_DISMISS = command(
    "mentor",
    "nudge dismiss",
    summary="Mark a reminder as not relevant.",
    options=[ID_OPTION],
    examples=["/mentor nudge dismiss 12"],
    hidden=True,
)

"""Command specs of reports: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command
from bot.reports.rules import DEFAULT_WEEKS, MAX_WEEKS

REPORT = command(
    "mentor",
    "report",
    summary="Your group's program health, private to organizers, with a chart.",
    options=[
        Option("group", description="the group's short name (default: this channel's group, "
                                    "or the one you organize)"),
        Option("weeks", OptionType.INT, f"how many weeks to look back (default {DEFAULT_WEEKS})",
               min_value=1, max_value=MAX_WEEKS),
        Option("web", OptionType.FLAG, "answer with a one-time link to the dashboard page "
                                       "instead"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor report group:em-interest", "/mentor report group:em-interest weeks:4",
              "/mentor report group:em-interest web"],
)

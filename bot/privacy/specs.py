"""Command specs of privacy: seeing, exporting and deleting one's data, and linking one's
Slack and Discord accounts."""

from __future__ import annotations

from bot.framework.registry import Option, OptionType, command
from bot.framework.wording import count
from bot.privacy import rules

EXPORT, DELETE = "export", "delete"

PRIVACY = command(
    "mentor",
    "privacy",
    summary="What the bot stores about you and who sees it; export it as JSON, or delete it.",
    options=[
        Option("action", OptionType.CHOICE, "export: a JSON file of your data; delete: "
               "delete it (asks you to confirm)", positional=True, choices=(EXPORT, DELETE),
               placeholder="export|delete"),
    ],
    examples=["/mentor privacy", "/mentor privacy export", "/mentor privacy delete"],
)

ERASE = command(
    "mentor",
    "privacy erase",
    summary="Delete your data now: the button /mentor privacy delete shows (it works for "
            f"{count(int(rules.CONFIRM_WINDOW.total_seconds() // 60), 'minute')}).",
    options=[
        Option("issued", OptionType.INT, "when the confirmation was shown", required=True,
               min_value=0),
    ],
    hidden=True,
)

LINK = command(
    "mentor",
    "link",
    summary="Link your Slack and Discord accounts: get a one-time code here, type it there.",
    options=[
        Option("code", description="the code /mentor link gave you on your other platform",
               positional=True, placeholder="CODE", max_length=40),
    ],
    examples=["/mentor link", "/mentor link K7QD-M2XA"],
)

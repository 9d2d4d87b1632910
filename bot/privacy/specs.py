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
    summary="Link your Slack and Discord accounts: get a one-time code here, type it there, "
            "then confirm here. `undo` takes back your last link (for "
            f"{count(rules.UNDO_WINDOW.days, 'day')}).",
    options=[
        Option("code", description="the code /mentor link gave you on your other platform",
               positional=True, placeholder="CODE"),
        Option("undo", OptionType.FLAG,
               description="take back your last link: the other account is its own again"),
    ],
    examples=["/mentor link", "/mentor link K7QD-M2XA", "/mentor link undo"],
)

LINK_CONFIRM = command(
    "mentor",
    "link confirm",
    summary="Yes, that account is mine: join it to me (the Link button of a link request).",
    options=[
        Option("request", OptionType.INT, "the link request", required=True, min_value=1),
    ],
    hidden=True,
)

LINK_REFUSE = command(
    "mentor",
    "link refuse",
    summary="That account is not mine: link nothing (the Not me button of a link request).",
    options=[
        Option("request", OptionType.INT, "the link request", required=True, min_value=1),
    ],
    hidden=True,
)

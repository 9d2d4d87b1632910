"""How a web link reads in chat and on the command line: what it opens, that it works once
and until when, and how to get another. The durations come from `bot.web.rules`."""

from __future__ import annotations

from datetime import datetime

from bot.framework.replies import Link, Reply
from bot.framework.wording import count
from bot.infra.zones import format_local
from bot.web import rules
from bot.web.rules import Page

LABELS = {Page.REPORT: "Open the dashboard", Page.PLAN: "Open your plan"}


def lifetime_text() -> str:
    return count(int(rules.LINK_LIFETIME.total_seconds() // 60), "minute")


def session_text() -> str:
    return count(int(rules.SESSION_LIFETIME.total_seconds() // 3600), "hour")


def link_reply(url: str, page: Page, *, what: str, expires_at: datetime, tz: str,
               again: str) -> Reply:
    """`what`: what the page shows ("the dashboard of EM Interest Group"); `again`: the
    command that makes another link."""
    return Reply(
        title=f"{LABELS[page]} in your browser",
        text=(f"This link opens {what}, for you only. It works once, within "
              f"{lifetime_text()} (until {format_local(expires_at, tz)}); your browser then "
              f"stays signed in to that page for {session_text()}. Don't forward it. For a "
              f"new one: {again}"),
        link=Link(url, LABELS[page]),
    )

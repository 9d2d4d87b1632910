"""The wording of the nudge outbox's own messages: the buttons every reminder carries and the
answers to pressing them. Durations arrive as values (the policy's constants), so the text
says what the rule does and changes with it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.framework.replies import Reply
from bot.framework.wording import span
from bot.infra.zones import format_local

NOT_RELEVANT = "Not relevant"


def snooze_label(length: timedelta) -> str:
    return f"Snooze {span(length)}"


def snoozed(until: datetime, tz: str) -> Reply:
    return Reply(title="Snoozed", text=f"I'll remind you again on {format_local(until, tz)}.")


def dismissed() -> Reply:
    return Reply(title="Dismissed", text="Got it: you won't get that reminder again.")


def no_such_reminder(nudge_id: int) -> str:
    return f"You have no reminder number {nudge_id}."


NOT_A_REMINDER = ("That message is not a reminder, so there is nothing to snooze or "
                  "dismiss.")
SNOOZE_DISMISSED = "That reminder was marked not relevant; there is nothing to snooze."
SNOOZE_CANCELLED = "That reminder no longer applies; there is nothing to snooze."


def unreachable(platforms: list[str], email: str | None, looked_up: list[str]) -> str:
    """Why a nudge waits for an account: which platforms have none for the person, and which
    lookups by email found nobody (or that there was no email to look up)."""
    names = " or ".join(p.capitalize() for p in platforms) or "chat platform"
    reason = f"no {names} account linked"
    if not email:
        return reason + ", and no email to look them up by"
    if looked_up:
        where = " or ".join(p.capitalize() for p in looked_up)
        return reason + f"; no {where} user has the email {email}"
    return reason

"""The timing and counting rules of intro requests and `/mentor find`, as constants and pure
functions of a `now`. Every message that states one of them is built from it
(`bot.matching.messages`), so changing a rule here changes what people are told."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.infra.months import months_after
from bot.vocab.mentoring import MentorKind

PENDING_AFTER = timedelta(days=7)
"""An unanswered request is followed up (the student gets a polite nudge) after this long."""

EXPIRE_AFTER = timedelta(days=14)
"""An unanswered request closes after this long and counts as unanswered."""

DECLINE_MEMORY_MONTHS = 6
"""A faculty member who declined a student is not suggested to them again (nor may they be
asked again) for this many calendar months."""

NEXT_CANDIDATES = 3
"""Faculty suggested with a decline, an expiry or a pending follow-up."""

FIND_LIMIT = 5
"""Results `/mentor find` shows unless asked for more."""

MAX_FIND_LIMIT = 20
"""The most results `/mentor find` shows."""

DEFAULT_REQUEST_KIND = MentorKind.CAREER
"""The kind of mentor a request asks for when the student does not say."""

FIRST_MEETING_MINUTES = (15, 20)
"""The guide's ask for a first meeting: short, so it is easy to say yes to."""


def declined_since(now: datetime) -> datetime:
    """Declines answered at or after this instant are still remembered."""
    return months_after(now, -DECLINE_MEMORY_MONTHS)


def pending_from(created_at: datetime) -> datetime:
    """When an unanswered request is owed its follow-up."""
    return created_at + PENDING_AFTER


def expires_at(created_at: datetime) -> datetime:
    """When an unanswered request closes."""
    return created_at + EXPIRE_AFTER

"""The timing and counting rules of intro requests and `/mentor find`, as constants and pure
functions of a `now`. Every message that states one of them is built from it
(`bot.matching.messages`), so changing a rule here changes what people are told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.infra.months import months_after
from bot.vocab.matching import IntroState
from bot.vocab.mentoring import MentorKind

PENDING_AFTER = timedelta(days=7)
"""An unanswered request is followed up (the student gets a polite nudge) after this long."""

EXPIRE_AFTER = timedelta(days=14)
"""An unanswered request closes after this long and counts as unanswered."""

DECLINE_MEMORY_MONTHS = 6
"""A faculty member who declined a student is not suggested to them again (nor may they be
asked again) for this many calendar months."""

MAX_OPEN_REQUESTS = 3
"""A student may have at most this many intro requests waiting for an answer at once, as
mentoring platforms cap pending requests: each one is then a considered ask, faculty are not
asked by one student all at once, and an answer (or the request closing) comes before the
next ask."""

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


# --- faculty who go quiet (the `still-mentoring` question) ----------------------------------

QUIET_AFTER = 3
"""A faculty member whose last this-many intro requests all expired unanswered is asked
whether they are still mentoring."""

ANSWER_WITHIN = timedelta(days=7)
"""How long the still-mentoring question waits for an answer before the bot stops offering
them new mentees (accepting becomes no; they are told, and can turn it back on)."""

AWAY_CHOICES = (timedelta(weeks=2), timedelta(weeks=4), timedelta(weeks=12))
"""The spans "Away until…" offers as one-press answers (any date can be typed)."""


def gone_quiet(latest_first: Sequence[str]) -> bool:
    """Whether a faculty member's most recent intro requests (their states, newest first)
    are `QUIET_AFTER` that all expired unanswered."""
    recent = list(latest_first[:QUIET_AFTER])
    return len(recent) == QUIET_AFTER and all(state == IntroState.EXPIRED for state in recent)


def answered_since(asked_at: datetime, *, confirmed_at: datetime | None,
                   away_until: date | None, asked_day: date) -> bool:
    """Whether a faculty member answered a question about their availability asked at
    `asked_at` (on their local day `asked_day`): they set or confirmed accepting since
    (`confirmed_at`), or said they are away past that day."""
    if confirmed_at is not None and confirmed_at >= asked_at:
        return True
    return away_until is not None and away_until > asked_day


def answer_due(sent_at: datetime) -> datetime:
    """When an unanswered still-mentoring question stops their accepting mentees."""
    return sent_at + ANSWER_WITHIN

"""The outbox vocabularies: what a nudge is about (its kind), where it stands (its state),
what it is attached to (its subject), and where a weekly digest post stands. The only place
these words are written down; the `nudges` table's CHECK constraints are built from the
same enums."""

from __future__ import annotations

from enum import StrEnum


class NudgeKind(StrEnum):
    """SPEC "Nudges": the fixed list, plus `notice` for direct answers to something just
    done (an intro request reaching a mentor, a match result), which are due at once and
    ignore quiet hours."""

    FOLLOWUP = "followup"
    ACTION_ITEM = "action-item"
    INTRO_PENDING = "intro-pending"
    LETTER_ASK = "letter-ask"
    LETTER_ASK_LATE = "letter-ask-late"
    LETTER_PACKET = "letter-packet"
    LETTER_CHECKIN = "letter-checkin"
    LETTER_DEADLINE = "letter-deadline"
    LETTER_THANKS = "letter-thanks"
    LETTER_OUTCOME = "letter-outcome"
    KEEP_IN_TOUCH = "keep-in-touch"
    TRANSACTIONAL = "transactional"
    CHECKIN = "checkin"
    WRITER_DEADLINE = "writer-deadline"
    STILL_MENTORING = "still-mentoring"
    RESIDENCY_DATE = "residency-date"
    NOTICE = "notice"


class NudgeState(StrEnum):
    PENDING = "pending"  # waiting to fall due, or due and not yet delivered
    SENT = "sent"  # the platform accepted it
    FAILED = "failed"  # gave up after the last attempt; the error is kept
    CANCELLED = "cancelled"  # a change made it moot (the contact was logged, the letter moved)
    DISMISSED = "dismissed"  # its recipient said "not relevant"
    UNREACHABLE = "unreachable"  # nobody's account on any platform reaches the person yet


class Subject(StrEnum):
    """What a nudge is attached to: re-planning a subject cancels what it no longer owes."""

    MENTORSHIP = "mentorship"
    ACTION_ITEM = "action_item"
    THANKED_LETTER = "thanked_letter"
    LETTER = "letter"
    OUTCOME = "outcome"
    INTRO_REQUEST = "intro_request"
    MATCH_ROUND = "match_round"
    FACULTY = "faculty"
    RESIDENCY = "residency"  # a student's residency list; the id is the student's
    NONE = ""


OPEN_STATES = (NudgeState.PENDING, NudgeState.UNREACHABLE)
"""States in which a nudge may still go out."""


class DigestState(StrEnum):
    """Where one group's weekly digest post stands (a `digest_posts` row)."""

    POSTING = "posting"  # claimed by a worker, which holds a lease on it while it posts
    POSTED = "posted"  # every bound channel took it
    FAILED = "failed"  # a channel refused it; the error is kept and a catch-up retries it
    EMPTY = "empty"  # the group has no bound channel: nothing to post, nothing owed

"""The words matching stores: where an intro request stands, and how a mentorship came
about. Written down here only; code compares and writes these members, never the strings."""

from __future__ import annotations

from enum import StrEnum


class IntroState(StrEnum):
    """An intro request's life: open until the faculty member answers or it expires."""

    OPEN = "open"  # sent, waiting for an answer
    ACCEPTED = "accepted"  # answered yes, or settled by a match round
    DECLINED = "declined"  # answered no; the student is not pointed back for a while
    EXPIRED = "expired"  # nobody answered in time; counts against the response record


class MentorshipSource(StrEnum):
    """How a mentorship started: a round only ever counts (and never repeats) its own."""

    REQUEST = "request"  # a faculty member accepted an intro request
    MATCH = "match"  # a group's match round
    IMPORT = "import"  # recorded from an earlier program (the column's documented third value)


class AcceptingOff(StrEnum):
    """Why a faculty member's profile says they are not accepting mentees
    (`faculty_profiles.accepting_off_reason`): their own choice, or the bot's, after the
    still-mentoring question went unanswered (the program report lists those)."""

    CHOSEN = ""  # they said so (or they are accepting)
    NO_ANSWER = "no-answer"  # their last requests expired and the question went unanswered


class StillMentoring(StrEnum):
    """The answers to "are you still taking mentees?" (the `still-mentoring` question)."""

    STAY = "stay"  # keep accepting mentees
    AWAY = "away"  # away until a day they pick
    STOP = "stop"  # no new mentees

"""The words matching stores: where an intro request stands, and the still-mentoring
question's answers (how a mentorship came about is `bot.vocab.mentoring.MentorshipSource`;
why a faculty member is not accepting, `bot.vocab.people.AcceptingOff`). Written down here
only; code compares and writes these members, never the strings."""

from __future__ import annotations

from enum import StrEnum


class IntroState(StrEnum):
    """An intro request's life: open until the faculty member answers or it expires."""

    OPEN = "open"  # sent, waiting for an answer
    ACCEPTED = "accepted"  # answered yes, or settled by a match round
    DECLINED = "declined"  # answered no; the student is not pointed back for a while
    EXPIRED = "expired"  # nobody answered in time; counts against the response record


class StillMentoring(StrEnum):
    """The answers to "are you still taking mentees?" (the `still-mentoring` question)."""

    STAY = "stay"  # keep accepting mentees
    AWAY = "away"  # away until a day they pick
    STOP = "stop"  # no new mentees

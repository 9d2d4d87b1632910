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

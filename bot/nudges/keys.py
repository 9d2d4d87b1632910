"""The one dedup-key builder. A key names a nudge by what makes it distinct (its kind, its
subject and the occurrence: a day, a counter), so planning the same thing twice stores it
once, and a nudge sent or cancelled once is never planned again."""

from __future__ import annotations

from bot.vocab.nudges import NudgeKind, Subject

MAX_KEY = 200  # the column's length


def dedup_key(kind: NudgeKind, subject: Subject, subject_id: int | None, occurrence: str) -> str:
    # join, not an f-string: formatting an enum member costs several times more, and the
    # planner builds a key for every nudge it owes on every run.
    key = ":".join((kind, subject, "" if subject_id is None else str(subject_id), occurrence))
    if len(key) > MAX_KEY:
        raise ValueError(f"dedup key too long: {key!r}")
    return key


def notice_key(key: str) -> str:
    """A direct message's key, from what the caller says makes it distinct
    ("intro:12:answer")."""
    return f"{NudgeKind.NOTICE}:{key}"


def occurrence_of(key: str) -> str:
    """The occurrence a planned nudge's key names (`dedup_key`'s last part, which may itself
    hold colons: "since-2027-01-04T10:00"); a notice's key names none."""
    parts = key.split(":", 3)
    return parts[3] if len(parts) == 4 and parts[0] != NudgeKind.NOTICE else ""

"""The privacy rules as plain values: link codes (their shape, lifetime and the lock after
too many wrong ones), how long a deletion's confirmation button stays good, who may have
asked for a deletion, which columns a person does not see of a row where they are only the
other party, and how two records of one person combine when their accounts are linked."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

# --- link codes ------------------------------------------------------------------------

CODE_LIFETIME = timedelta(minutes=10)
"""How long a code from `/mentor link` can be typed on the other platform."""
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that can't be mistaken for one another (no 0/O, no 1/I)."""
CODE_LENGTH = 8
"""Characters in a code: 32^8, about 10^12 codes, against at most `MAX_WRONG_CODES` tries
an hour per person and a life of `CODE_LIFETIME`."""
CODE_GROUP = 4
"""A code is shown in groups of this many characters ("K7QD-M2XA"); typing it with or
without the dash, in any case, is the same."""

MAX_WRONG_CODES = 10
"""Wrong codes a person may type within `WRONG_CODE_WINDOW` before linking is locked."""
WRONG_CODE_WINDOW = timedelta(hours=1)
LOCKED_FOR = timedelta(hours=1)
"""How long linking stays locked after the wrong code that reached the limit."""

_NOT_CODE = re.compile(r"[\s-]+")


def new_code(choose: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code as shown to the person, e.g. "K7QD-M2XA"."""
    raw = "".join(choose(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(text: str) -> str | None:
    """The code as stored and compared (upper case, no dashes or spaces), or None when the
    text cannot be a code at all."""
    cleaned = _NOT_CODE.sub("", text or "").upper()
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(normalized: str) -> str:
    """What is stored of a code: its SHA-256, never the code itself."""
    return hashlib.sha256(normalized.encode("ascii")).hexdigest()


def locked_until(wrong_attempts: Iterable[datetime], now: datetime) -> datetime | None:
    """When linking unlocks for a person whose wrong codes were typed at `wrong_attempts`,
    or None if it is not locked at `now`. Locked for `LOCKED_FOR` from the wrong code that
    made `MAX_WRONG_CODES` within `WRONG_CODE_WINDOW`."""
    times = sorted(t for t in wrong_attempts if t <= now)
    until: datetime | None = None
    for last in range(MAX_WRONG_CODES - 1, len(times)):
        first = last - MAX_WRONG_CODES + 1
        if times[last] - times[first] < WRONG_CODE_WINDOW:
            end = times[last] + LOCKED_FOR
            if end > now and (until is None or end > until):
                until = end
    return until


ATTEMPTS_LOOKBACK = WRONG_CODE_WINDOW + LOCKED_FOR
"""How far back wrong codes can still lock linking now (what the store reads)."""

ANSWER_WINDOW = timedelta(hours=1)
"""How long the code's owner has to answer "Link this account to you?" after the code was
typed; a later Link links nothing (the account that typed it asks again with a new code).
Short, since the owner asked for the code moments before; a "Not me" counts as a wrong code
against the account that typed it."""

UNDO_WINDOW = timedelta(days=7)
"""How long after a link its owner can undo it (`/mentor link undo`): the other account is
then its own person again, with what it brought."""


def answer_open(expires_at: datetime, now: datetime) -> bool:
    """Whether a link request that expires at `expires_at` can still be answered at `now`."""
    return now < expires_at


def undo_open(merged_at: datetime, now: datetime) -> bool:
    """Whether a link made at `merged_at` can still be undone at `now`."""
    return merged_at <= now < merged_at + UNDO_WINDOW


# --- deletion ----------------------------------------------------------------------------

CONFIRM_WINDOW = timedelta(minutes=15)
"""How long the "Delete my data" button of `/mentor privacy delete` works after it was
shown; a later press asks again."""


def confirmation_fresh(issued: int, now: datetime) -> bool:
    """Whether a confirmation stamped `issued` (whole seconds since the epoch) is still
    good at `now`: not from the future, and no older than `CONFIRM_WINDOW`."""
    age = now.timestamp() - issued
    return 0 <= age <= CONFIRM_WINDOW.total_seconds()


def confirmation_stamp(now: datetime) -> int:
    return int(now.timestamp())


class Requester(StrEnum):
    """Who asked for a deletion, as `deletion_records.requested_by` keeps it."""

    SELF = "self"  # the person, with /mentor privacy delete
    CLI = "cli"  # an organizer, with mentorbot person delete


ERASED = "(removed)"
"""What replaces a deleted person's name, email or account id in text that other people's
records keep (a note, a message already sent)."""
FORMER_WRITER = "a writer who left mentorbot"
"""A student's letter keeps its writer's place but not their name once they are deleted."""
MIN_NAME_NEEDLE = 4
"""A name shorter than this is not searched for in other people's text: a short display
name ("Al") is a word in too many sentences."""


# --- who sees what ---------------------------------------------------------------------

WITHHELD_FROM_OTHER_PARTY: Mapping[tuple[str, str], frozenset[str]] = {
    # A student's notes on a contact, how useful a meeting was, and whether it was an ask
    # are theirs; the mentor sees that a contact happened.
    ("contacts", "mentor_id"): frozenset({"note", "rating", "is_ask"}),
    # Whether the student did what the mentor suggested, and why not, is the student's.
    ("action_items", "mentor_id"): frozenset({"done_note", "decided_not"}),
    # The writer sees the student, program and state; not the packet checklist or reasons.
    ("letters", "writer_id"): frozenset({"packet", "state_reason"}),
    # Where a faculty member sat in a student's order of preference is the student's.
    ("intro_requests", "faculty_id"): frozenset({"rank"}),
}
"""(table, column) → the columns a person does not see of a row that names them in that
column, when it names them in no other: they are the other party to it."""


def withheld(table: str, columns_naming_them: Iterable[str]) -> frozenset[str]:
    """The columns of a `table` row to leave out for a person it names in
    `columns_naming_them`: what every one of those roles is denied (a role the table
    lists nothing for sees the whole row)."""
    sets = [WITHHELD_FROM_OTHER_PARTY.get((table, column), frozenset())
            for column in columns_naming_them]
    if not sets:
        return frozenset()
    result = sets[0]
    for more in sets[1:]:
        result &= more
    return result


# --- one person from two records -------------------------------------------------------


def merged_name(kept_name: str, kept_email: str | None, other_name: str,
                other_email: str | None) -> str:
    """The name of a person whose two records are joined: the kept record's, unless only
    the other one came with an email (a roster entry or a workspace profile, whose name is
    the person's real one, where a chat display name may be a nickname)."""
    if other_email and not kept_email and other_name.strip():
        return other_name
    return kept_name


def joined_span(starts: Sequence[datetime], contacts: Sequence[datetime | None]
                ) -> tuple[datetime, datetime | None]:
    """One mentorship from the same pair's several: it started at the earliest start, and
    was last in touch at the latest contact any of them logged."""
    logged = [c for c in contacts if c is not None]
    return min(starts), (max(logged) if logged else None)


def letter_key(writer_id: int | None, writer_name: str, program: str, deadline: date
               ) -> tuple[object, ...]:
    """Two letters with the same key are one request tracked twice (once per account)."""
    writer: object = writer_id if writer_id is not None else " ".join(writer_name.lower().split())
    return (writer, " ".join(program.lower().split()), deadline)

"""One person on two platforms: `/mentor link` on one gives a one-time code (only its hash
is stored), `/mentor link CODE` on the other joins the two accounts into one person.

A code works once, for the person who asked, until it expires (`rules.CODE_LIFETIME`).
Every code typed is recorded, right or wrong, and too many wrong ones lock linking for the
person typing them (`rules.locked_until`). A refusal is returned, not raised: the wrong
attempt it records must be kept, and raising would undo the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Identity, Person
from bot.privacy import messages, rules, store
from bot.privacy.merge import Merged, merge_people
from bot.vocab.platforms import PLATFORMS

ISSUE_TRIES = 5
"""Fresh codes drawn before giving up on one no stored code has (a clash is ~10^-12)."""


@dataclass(frozen=True)
class Issued:
    code: str  # as shown: "K7QD-M2XA"
    expires_at: datetime


def issue(session: Session, person: Person, *, platform: str, now: datetime) -> Issued:
    """A new code for `person`, asked for on `platform`; their earlier ones stop working."""
    for _ in range(ISSUE_TRIES):
        code = rules.new_code()
        normalized = rules.normalize_code(code)
        assert normalized is not None
        digest = rules.code_hash(normalized)
        if not store.code_taken(session, digest):
            stored = store.add_code(session, person.id, digest, platform=platform, now=now)
            return Issued(code, stored.expires_at)
    raise RuntimeError("could not draw an unused link code")


@dataclass(frozen=True)
class Refused:
    message: str


@dataclass(frozen=True)
class Linked:
    merged: Merged
    platforms: tuple[str, ...]  # the platforms the person now has accounts on


def redeem(session: Session, actor: Person, typed: str, *, now: datetime, tz: str
           ) -> Refused | Linked:
    """`actor` typed `typed` to link their account to the one that asked for the code.
    The actor's record is kept (the one this request came from), the asker's joins it."""
    until = rules.locked_until(store.wrong_attempts(session, actor.id, now), now)
    if until is not None:
        return Refused(messages.locked(until, tz))
    normalized = rules.normalize_code(typed)
    code = None if normalized is None else store.find_code(session, rules.code_hash(normalized))
    if code is not None and code.person_id == actor.id:
        return Refused(messages.own_code())
    if code is None or code.used_at is not None or code.expires_at <= now:
        store.record_attempt(session, actor.id, succeeded=False, now=now)
        return Refused(messages.not_a_code(typed) if normalized is None
                       else messages.WRONG_CODE)
    store.mark_used(code, now)
    other = session.get_one(Person, code.person_id)
    merged = merge_people(session, actor, other)
    store.record_attempt(session, actor.id, succeeded=True, now=now)
    platforms = set(session.scalars(select(Identity.platform)
                                    .where(Identity.person_id == actor.id)))
    return Linked(merged, tuple(p for p in PLATFORMS if p in platforms))

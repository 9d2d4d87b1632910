"""One person on two platforms: `/mentor link` on one gives a one-time code (only its hash
is stored), `/mentor link CODE` on the other asks the code's owner, on their own account,
whether that account is theirs; only their Link joins it to them.

A code is a secret that can leak (read over a shoulder, pasted in the wrong chat), so
typing it moves nothing. The owner's record is the one kept: the typing account and
whatever it holds join the owner, and nothing of the owner's ever goes the other way. A
"Not me" is recorded, tells the typer plainly, and counts as a wrong code against them.
Each link is journaled, and its owner can undo it for `rules.UNDO_WINDOW` from an account
they had before it.

A code works once, until it expires (`rules.CODE_LIFETIME`). Every code typed is recorded,
right or wrong, and too many wrong ones lock linking for the person typing them
(`rules.locked_until`). A refusal is returned, not raised: the wrong attempt it records
must be kept, and raising would undo the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import Identity, LinkRequest, Person
from bot.privacy import journal, messages, rules, store
from bot.privacy.merge import Merged, merge_people, unmerge
from bot.vocab.linking import LinkState
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
class Account:
    """The account a code was typed from, as the owner is asked about it."""

    platform: str
    external_id: str
    name: str


@dataclass(frozen=True)
class Asked:
    """A right code: its owner is asked (`request`), on the platform they asked on
    (`asked_on`); nothing has moved."""

    request: LinkRequest
    owner: Person
    asked_on: str


def redeem(session: Session, actor: Person, typed: str, account: Account, *,
           now: datetime, tz: str) -> Refused | Asked:
    """`actor` typed `typed` from `account`: if it is someone's live code, that someone is
    to be asked whether the account is theirs. Nothing of anyone's moves here."""
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
    store.record_attempt(session, actor.id, succeeded=True, now=now)
    request = store.add_request(session, owner_id=code.person_id, typer_id=actor.id,
                                platform=account.platform, account=account.external_id,
                                account_name=account.name or actor.name, now=now)
    return Asked(request, session.get_one(Person, code.person_id), code.platform)


@dataclass(frozen=True)
class Linked:
    merged: Merged
    platforms: tuple[str, ...]  # the platforms the person now has accounts on


@dataclass(frozen=True)
class NotMine:
    """The owner said the account is not theirs: the typer is to be told."""

    typer: Person
    request: LinkRequest


def _open_request(session: Session, actor: Person, request_id: int, now: datetime
                  ) -> LinkRequest | Refused:
    """The request `actor` may answer now: theirs, unanswered, in time. Someone else's looks
    exactly like a missing one."""
    request = store.find_request(session, request_id)
    if request is None or request.owner_id != actor.id:
        return Refused(messages.NO_SUCH_REQUEST)
    if request.state != LinkState.WAITING:
        return Refused(messages.answered_already(request.state))
    if not rules.answer_open(request.expires_at, now):
        return Refused(messages.request_expired(request.platform))
    return request


def confirm(session: Session, actor: Person, request_id: int, *, now: datetime
            ) -> Refused | Linked:
    """The code's owner pressed Link: the typing account's record joins theirs."""
    request = _open_request(session, actor, request_id, now)
    if isinstance(request, Refused):
        return request
    typer = session.get(Person, request.typer_id)
    if typer is None or typer.id == actor.id:
        store.answer(request, LinkState.LINKED, now)
        return Refused(messages.NOTHING_TO_JOIN)
    if (store.merged_since(session, typer.id, request.created_at)
            or (request.platform in PLATFORMS and _holder(session, request) != typer.id)):
        # The account asked about has been linked with another record since, or changed
        # hands: what would join now is not what the owner was asked about.
        store.answer(request, LinkState.REFUSED, now)
        return Refused(messages.ACCOUNT_MOVED)
    store.answer(request, LinkState.LINKED, now)
    other_id = typer.id
    merged = merge_people(session, actor, typer)
    store.add_merge(session, person_id=actor.id, other_id=other_id, request_id=request.id,
                    journal=merged.journal, now=now)
    return Linked(merged, _platforms(session, actor.id))


def refuse(session: Session, actor: Person, request_id: int, *, now: datetime
           ) -> Refused | NotMine:
    """The code's owner pressed Not me: nothing moves; the typer's account is told, and
    the code counts as a wrong one against it."""
    request = _open_request(session, actor, request_id, now)
    if isinstance(request, Refused):
        return request
    store.answer(request, LinkState.REFUSED, now)
    store.record_attempt(session, request.typer_id, succeeded=False, now=now)
    return NotMine(session.get_one(Person, request.typer_id), request)


@dataclass(frozen=True)
class Undone:
    other_id: int
    platforms: tuple[str, ...]  # the platforms the owner keeps accounts on
    kept: int  # values changed since the link, left as they are


def undo(session: Session, actor: Person, *, account: tuple[str, str, str] | None,
         now: datetime, tz: str) -> Refused | Undone:
    """The owner takes back their newest link: the other record is its own person again.
    Only from an account the owner had before it (`account`: the one the request came
    from; None from the console, which has no account to take over)."""
    merge = store.last_merge(session, actor.id)
    if merge is None:
        return Refused(messages.NOTHING_TO_UNDO)
    if not rules.undo_open(merge.merged_at, now):
        return Refused(messages.undo_expired(merge.merged_at, tz))
    brought = journal.identities_brought(merge.journal, merge.other_id)
    if account is not None and _identity_id(session, actor.id, account) in brought:
        return Refused(messages.UNDO_FROM_OWN_ACCOUNT)
    result = unmerge(session, actor.id, merge.other_id, merge.journal)
    store.mark_undone(session, merge, now)
    return Undone(merge.other_id, _platforms(session, actor.id), result.kept)


def _holder(session: Session, request: LinkRequest) -> int | None:
    """Who holds the account a request asks about now."""
    return session.scalar(select(Identity.person_id).where(
        Identity.platform == request.platform, Identity.external_id == request.account))


def _identity_id(session: Session, person_id: int, account: tuple[str, str, str]
                 ) -> int | None:
    platform, workspace, external_id = account
    return session.scalar(select(Identity.id).where(
        Identity.person_id == person_id, Identity.platform == platform,
        Identity.external_id == external_id, Identity.workspace.in_({workspace, ""})))


def _platforms(session: Session, person_id: int) -> tuple[str, ...]:
    platforms = set(session.scalars(select(Identity.platform)
                                    .where(Identity.person_id == person_id)))
    return tuple(p for p in PLATFORMS if p in platforms)

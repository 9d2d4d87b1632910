"""The privacy tables' one owner: link codes (a hash of each), the codes people type to link
accounts, the requests those codes make of their owners, the record of each link (what it
changed, for an undo), and the record that a deletion happened. Every function writes in
the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.infra.models import DeletionRecord, LinkAttempt, LinkCode, LinkMerge, LinkRequest
from bot.privacy import rules
from bot.vocab.linking import LinkState


def add_code(session: Session, person_id: int, code_hash: str, *, platform: str,
             now: datetime) -> LinkCode:
    """A new code for `person_id`, asked for on `platform`. Their earlier unused codes stop
    working: only the newest one links."""
    session.execute(delete(LinkCode).where(LinkCode.person_id == person_id,
                                           LinkCode.used_at.is_(None)))
    code = LinkCode(person_id=person_id, code_hash=code_hash, platform=platform,
                    created_at=now, expires_at=now + rules.CODE_LIFETIME)
    session.add(code)
    session.flush()
    return code


def code_taken(session: Session, code_hash: str) -> bool:
    return session.scalar(select(LinkCode.id).where(LinkCode.code_hash == code_hash)) is not None


def find_code(session: Session, code_hash: str) -> LinkCode | None:
    """The code with that hash, locked for this unit of work so it is used once even when
    typed twice at the same moment."""
    return session.scalar(select(LinkCode).where(LinkCode.code_hash == code_hash)
                          .with_for_update())


def mark_used(code: LinkCode, now: datetime) -> None:
    code.used_at = now


def record_attempt(session: Session, person_id: int, *, succeeded: bool, now: datetime) -> None:
    session.add(LinkAttempt(person_id=person_id, at=now, succeeded=succeeded))
    session.flush()


def wrong_attempts(session: Session, person_id: int, now: datetime) -> list[datetime]:
    """When `person_id` typed a wrong code, as far back as a wrong code can still lock them."""
    return list(session.scalars(
        select(LinkAttempt.at).where(LinkAttempt.person_id == person_id,
                                     LinkAttempt.succeeded.is_(False),
                                     LinkAttempt.at > now - rules.ATTEMPTS_LOOKBACK)
        .order_by(LinkAttempt.at)))


# --- asking the code's owner ------------------------------------------------------------


def add_request(session: Session, *, owner_id: int, typer_id: int, platform: str,
                account: str, account_name: str, now: datetime) -> LinkRequest:
    """A right code was typed by `typer_id`'s account: its owner is to be asked."""
    request = LinkRequest(owner_id=owner_id, typer_id=typer_id, platform=platform,
                          account=account, account_name=account_name[:200], created_at=now,
                          expires_at=now + rules.ANSWER_WINDOW, state=LinkState.WAITING)
    session.add(request)
    session.flush()
    return request


def find_request(session: Session, request_id: int) -> LinkRequest | None:
    """The request, locked for this unit of work so two presses of its buttons at once
    answer it once."""
    return session.scalar(select(LinkRequest).where(LinkRequest.id == request_id)
                          .with_for_update())


def answer(request: LinkRequest, state: LinkState, now: datetime) -> None:
    request.state = state
    request.answered_at = now


def refusals(session: Session) -> int:
    """How many link requests their owners answered "Not me"."""
    return session.scalar(select(func.count()).select_from(LinkRequest)
                          .where(LinkRequest.state == LinkState.REFUSED)) or 0


# --- links made, and undone ------------------------------------------------------------


def add_merge(session: Session, *, person_id: int, other_id: int, request_id: int | None,
              journal: dict[str, Any], now: datetime) -> LinkMerge:
    merge = LinkMerge(person_id=person_id, other_id=other_id, request_id=request_id,
                      merged_at=now, journal=journal)
    session.add(merge)
    session.flush()
    return merge


def last_merge(session: Session, person_id: int) -> LinkMerge | None:
    """`person_id`'s newest link not undone yet, locked for this unit of work."""
    return session.scalar(select(LinkMerge)
                          .where(LinkMerge.person_id == person_id,
                                 LinkMerge.undone_at.is_(None))
                          .order_by(LinkMerge.merged_at.desc(), LinkMerge.id.desc())
                          .limit(1).with_for_update())


def merged_since(session: Session, person_id: int, since: datetime) -> bool:
    """Whether `person_id`'s record took another in (or was taken in: its rows then name
    the record that kept them) at or after `since`, by a link still in force."""
    return session.scalar(select(LinkMerge.id).where(
        LinkMerge.person_id == person_id, LinkMerge.merged_at >= since,
        LinkMerge.undone_at.is_(None)).limit(1)) is not None


def mark_undone(session: Session, merge: LinkMerge, now: datetime) -> None:
    """The link is undone: its journal is spent (kept no longer than needed), and its
    request says so."""
    merge.undone_at = now
    merge.journal = {}
    if merge.request_id is not None:
        request = session.get(LinkRequest, merge.request_id)
        if request is not None:
            request.state = LinkState.UNDONE
    session.flush()


def record_deletion(session: Session, *, requested_by: rules.Requester,
                    now: datetime) -> DeletionRecord:
    """That a deletion happened, when, and at whose request; nothing about whose."""
    record = DeletionRecord(deleted_at=now, requested_by=requested_by.value)
    session.add(record)
    session.flush()
    return record

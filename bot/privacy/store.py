"""The privacy tables' one owner: link codes (a hash of each), the codes people type to link
accounts, and the record that a deletion happened. Every function writes in the caller's
unit of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.infra.models import DeletionRecord, LinkAttempt, LinkCode
from bot.privacy import rules


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


def record_deletion(session: Session, *, requested_by: rules.Requester,
                    now: datetime) -> DeletionRecord:
    """That a deletion happened, when, and at whose request; nothing about whose."""
    record = DeletionRecord(deleted_at=now, requested_by=requested_by.value)
    session.add(record)
    session.flush()
    return record

"""Who is behind a platform account: found by the account, else joined to a roster entry
by email, else a new student. Adapters describe the account as plain values
(`bot.framework.ports.PlatformUser`); this module owns how that becomes a stored person
(written through `bot.people.store`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.framework.channels import ChannelRef
from bot.framework.ports import PlatformUser
from bot.infra.db import Database
from bot.infra.models import Identity, Person
from bot.people import store
from bot.people.resolve import find_by_identity
from bot.people.rules import without_invisible
from bot.vocab.people import Role
from bot.vocab.platforms import PLATFORMS


def identify(db: Database, user: PlatformUser, *, now: datetime) -> int:
    """The id of the person behind `user`, creating or completing what is stored, in its
    own unit of work (adapters call it before a request names its actor)."""
    try:
        with db.session() as session:
            return person_for(session, user, now=now).id
    except IntegrityError:
        # The same new account's first two requests at once: the other one created the
        # person (or the identity) first, so looking again finds it.
        with db.session() as session:
            return person_for(session, user, now=now).id


def person_for(session: Session, user: PlatformUser, *, now: datetime) -> Person:
    """By platform id, then by email (joining the account to a roster entry), else a new
    student created at `now`. A known person also gains the zone and workspace the platform
    tells us when we lacked them."""
    person = find_by_identity(session, user.platform, user.workspace, user.external_id)
    if person is None and user.email:
        person = session.scalar(select(Person).where(Person.email == user.email.lower()))
        if person is not None:
            store.add_account(person, user.platform, user.workspace, user.external_id)
    if person is None:
        return store.create_person(
            session, name=without_invisible(user.name).strip() or user.external_id,
            email=user.email, timezone=user.timezone, roles=(Role.STUDENT,),
            account=(user.platform, user.workspace, user.external_id), now=now)
    if user.timezone and not person.timezone:
        store.set_timezone(person, user.timezone)
    store.learn_workspace(person, user.platform, user.workspace, user.external_id)
    session.flush()
    return person


def holder(session: Session, account: PlatformUser) -> int | None:
    """The id of the person who holds `account` now, or None (one query). A roster
    identity with no workspace ('') counts for any workspace; one in the account's own
    workspace wins."""
    rows = session.execute(
        select(Identity.person_id, Identity.workspace).where(
            Identity.platform == account.platform,
            Identity.external_id == account.external_id,
            Identity.workspace.in_({account.workspace, ""}))).all()
    exact = [r.person_id for r in rows if r.workspace == account.workspace]
    return (exact or [r.person_id for r in rows] or [None])[0]


def acting_person(session: Session, person_id: int, account: PlatformUser | None
                  ) -> Person | None:
    """The person a request acts as. Adapters remember who is behind an account by person
    id; after two accounts are linked (one record merged into the other) or a person's
    data is deleted, a remembered id names someone else, or no one. So when the request
    says which account it came from, the account decides."""
    if account is not None:
        found = holder(session, account)
        return None if found is None else session.get(Person, found)
    return session.get(Person, person_id)


def record_platform(person: Person, channel: ChannelRef | None) -> None:
    """Remember the platform `person` used last (each request calls this): nudges go there
    unless they chose one (`/mentor profile notify:`). The console is no platform of
    theirs, so a command typed there changes nothing."""
    if channel is not None and channel.platform in PLATFORMS:
        store.record_platform(person, channel.platform)

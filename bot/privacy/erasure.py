"""Deleting everything stored about a person, in the caller's one unit of work.

The person's row goes, and with it every row that names them: each foreign key to
`people.id` deletes its rows with the person or, where the row is someone else's (a
student's letter whose writer leaves), clears the reference (a test checks that every such
key says which). Before that, the people left behind are told (`endings`) and the pending
nudges about what is going away are cancelled. After it, what other people's records still
say of the person (their name in a note, in a letter's writer, in a message sent to a
mentor) is replaced, so nothing that names or identifies them is kept; and the deletion is
recorded, with when and at whose request, but not whose."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, false, or_, select, update
from sqlalchemy.orm import Session

from bot.infra.models import (
    ActionItem,
    Base,
    IntroRequest,
    Letter,
    Mentorship,
    Outcome,
    Person,
)
from bot.nudges import store as nudge_store
from bot.people.resolve import normalize_name
from bot.privacy import endings, references, rules, store
from bot.vocab.nudges import Subject

KEPT_AS_IS = {"people", "identities", "nudges"}
"""Tables whose text is not rewritten here: other people's names and accounts (a namesake
must keep theirs), and the nudges, whose one writer rewrites them (`nudge_store`)."""


@dataclass(frozen=True)
class Erased:
    mentorships_ended: int  # the other side was told
    requests_closed: int  # students waiting on the person, offered others
    rewritten: int  # rows of other people's that named the person


def needles(person: Person) -> list[str]:
    """What identifies `person` in text: their name as stored and without titles (when it
    is long enough to be more than a common word), their email, and their platform ids."""
    found: list[str] = []
    name = " ".join(person.name.split())
    if len(name) >= rules.MIN_NAME_NEEDLE:
        found.append(name)
    plain = normalize_name(name)
    if " " in plain and plain.lower() != name.lower():
        found.append(plain)
    if person.email:
        found.append(person.email)
    found += [i.external_id for i in person.identities if i.external_id]
    return list(dict.fromkeys(found))


def rewriter(words: Sequence[str]) -> Callable[[Any], Any]:
    """A function replacing each of `words` (whole words, any case) with `rules.ERASED` in
    a string, or in every string inside a JSON value."""
    if not words:
        return lambda value: value
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)"
                                  for w in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(rules.ERASED, value)
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        if isinstance(value, dict):
            return {key: rewrite(item) for key, item in value.items()}
        return value

    return rewrite


def _cancel_about(session: Session, person_id: int) -> None:
    """Cancel what is still owed about rows that go with the person: reminders of their
    mentorships, requests, items, letters and outcomes, to whoever they were due."""
    owned: list[tuple[Subject, Any]] = [
        (Subject.MENTORSHIP, select(Mentorship.id).where(or_(
            Mentorship.student_id == person_id, Mentorship.mentor_id == person_id))),
        (Subject.INTRO_REQUEST, select(IntroRequest.id).where(or_(
            IntroRequest.student_id == person_id, IntroRequest.faculty_id == person_id))),
        (Subject.ACTION_ITEM, select(ActionItem.id).where(or_(
            ActionItem.student_id == person_id, ActionItem.mentor_id == person_id))),
        (Subject.LETTER, select(Letter.id).where(Letter.student_id == person_id)),
        (Subject.THANKED_LETTER, select(Letter.id).where(Letter.student_id == person_id)),
        (Subject.OUTCOME, select(Outcome.id).where(Outcome.student_id == person_id)),
    ]
    for subject, ids in owned:
        nudge_store.cancel_for(session, subject, list(session.scalars(ids)))
    nudge_store.cancel_for(session, Subject.FACULTY, [person_id])


def _rewrite_others(session: Session, words: Sequence[str], rewrite: Callable[[Any], Any]
                    ) -> int:
    """Replace `words` in every text and JSON column of every other table; returns how
    many rows changed."""
    changed = 0
    for table in Base.metadata.sorted_tables:
        if table.name in KEPT_AS_IS:
            continue
        columns = references.text_columns(table)
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        mentions = or_(false(), *(cast(column, Text).icontains(word, autoescape=True)
                                  for column in columns for word in words))
        for row in session.execute(select(*keys, *columns).where(mentions)).all():
            values = row._mapping
            new = {c.name: rewrite(values[c.name]) for c in columns}
            new = {name: value for name, value in new.items() if value != values[name]}
            if new:
                session.execute(update(table).where(*(k == values[k.name] for k in keys))
                                .values(**new))
                changed += 1
    return changed


def erase_person(session: Session, person: Person, *, requested_by: rules.Requester,
                 now: datetime, default_tz: str) -> Erased:
    """Delete everything stored about `person` (see the module's account)."""
    session.flush()
    words = needles(person)
    person_id = person.id
    notices = endings.mentorships_ended(session, person, now=now, default_tz=default_tz)
    closed = endings.requests_closed(session, person, now=now, default_tz=default_tz)
    _cancel_about(session, person_id)
    session.execute(update(Letter).where(Letter.writer_id == person_id)
                    .values(writer_name=rules.FORMER_WRITER)
                    .execution_options(synchronize_session=False))
    session.expunge(person)
    session.execute(delete(Person).where(Person.id == person_id)
                    .execution_options(synchronize_session=False))
    session.expire_all()
    rewrite = rewriter(words)
    rewritten = _rewrite_others(session, words, rewrite)
    rewritten += nudge_store.rewrite_mentions(session, words, rewrite)
    nudge_store.queue_notices(session, [*notices, *closed], now=now)
    store.record_deletion(session, requested_by=requested_by, now=now)
    return Erased(mentorships_ended=len(notices), requests_closed=len(closed),
                  rewritten=rewritten)

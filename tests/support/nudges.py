"""Putting nudges in the outbox for tests of delivery, commands and the CLI, through the
store's own bulk path (as a planner or a command would), and reading what a stored nudge
says when it is sent.

A planned nudge carries no words: they are built from its subject when it is sent. So a
reminder made here is about a real subject, an action item whose task is the text the test
gives ("hello"): delivered, it reads "Circle back: hello" (`reminder`), and a test can tell
the messages apart by it. Its occurrence is the one the relationship planner owes for the
item on the day, so a planning run beside the sweep keeps it rather than cancelling it. A
notice keeps the words it was queued with: its text is the test's text."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.app.nudges import nudge_catalog
from bot.framework.replies import Reply
from bot.infra.db import Database
from bot.infra.models import ActionItem, Nudge, Person
from bot.infra.zones import local_day
from bot.mentoring import rules
from bot.mentoring import specs as mentoring_specs
from bot.nudges import store
from bot.nudges.kinds import Moment, Moot, Words
from bot.nudges.plans import Notice, PlannedNudge
from bot.nudges.policy import nudge_at
from bot.vocab.nudges import NudgeKind, Subject
from tests.support.factories import add_faculty

_keys = itertools.count(1)

MENTOR_EMAIL = "ada.reyes.mentor@example.edu"
"""The faculty member whose suggestions the reminders made here are about."""


def reminder(text: str) -> str:
    """The title of a reminder made here with `text`: what the person reads first."""
    return f"Circle back: {text}"


def _notice_reply(text: str) -> Reply:
    return Reply(text=text, actions=(mentoring_specs.LOG.action("Log contact", {"mentor": "x"},
                                                                style="primary"),))


def _mentor(session: Session) -> Person:
    found = session.scalar(select(Person).where(Person.email == MENTOR_EMAIL))
    return found or add_faculty(session, "Dr. Ada Reyes", email=MENTOR_EMAIL)


def _item_due(due_at: datetime, tz: str | None) -> datetime:
    """When an item is due so that its first reminder (index 0) falls at or before
    `due_at`: the planner owes exactly that one for the next week."""
    first = local_day(due_at, tz)
    if nudge_at(first, tz) > due_at:
        first -= timedelta(days=1)
    return nudge_at(first - timedelta(days=rules.ACTION_FIRST_REMINDER_DAYS), tz)


def add_nudge(session: Session, person: Person | int, *, due_at: datetime,
              kind: NudgeKind | str = NudgeKind.ACTION_ITEM, text: str = "",
              created_at: datetime | None = None, subject_type: Subject = Subject.NONE,
              subject_id: int | None = None) -> Nudge:
    """One pending nudge due at `due_at`, returned as its stored row: a notice when `kind`
    is NOTICE (saying `text`, attached to `subject_type`/`subject_id`); an action-item
    reminder (the default) about an action item whose task is `text` (`reminder(text)` is
    its title); any other kind attached to `subject_type`/`subject_id` as given, for tests
    of the store and of listings (sent, it would be moot unless that subject exists)."""
    student = person if isinstance(person, Person) else session.get_one(Person, person)
    n = next(_keys)
    words = text or f"nudge {n}"
    if kind == NudgeKind.NOTICE:
        notice = Notice(student.id, _notice_reply(words), f"test:{n}", subject_type, subject_id)
        assert store.queue_notices(session, [notice], now=due_at) == 1
        key = notice.dedup_key
    elif kind != NudgeKind.ACTION_ITEM:
        planned = PlannedNudge(student.id, NudgeKind(kind), due_at, subject_type,
                               subject_id or 0, f"test-{n}")
        assert store.insert_bulk(session, [planned], now=created_at or due_at) == 1
        key = planned.dedup_key
    else:
        item = ActionItem(student_id=student.id, mentor_id=_mentor(session).id, task=words,
                          due_at=_item_due(due_at, student.timezone), created_at=due_at)
        session.add(item)
        session.flush()
        planned = PlannedNudge(student.id, kind, due_at, Subject.ACTION_ITEM, item.id, "0")
        assert store.insert_bulk(session, [planned], now=created_at or due_at) == 1
        key = planned.dedup_key
    nudge = session.scalar(select(Nudge).where(Nudge.dedup_key == key))
    assert nudge is not None
    return nudge


def bulk_nudges(session: Session, person_ids: list[int], count: int, *, due_at: datetime,
                prefix: str = "bulk") -> list[str]:
    """`count` reminders spread over `person_ids`, each about its own action item; returns
    their titles (each distinct)."""
    tasks = [f"{prefix} {i}" for i in range(count)]
    mentor = _mentor(session).id
    zones = dict(session.execute(select(Person.id, Person.timezone)
                                 .where(Person.id.in_(set(person_ids)))).all())
    owners = [person_ids[i % len(person_ids)] for i in range(count)]
    ids = session.scalars(insert(ActionItem).returning(ActionItem.id, sort_by_parameter_order=True),
                          [{"student_id": pid, "mentor_id": mentor, "task": task,
                            "due_at": _item_due(due_at, zones.get(pid)), "created_at": due_at}
                           for pid, task in zip(owners, tasks, strict=True)]).all()
    store.insert_bulk(session, [
        PlannedNudge(pid, NudgeKind.ACTION_ITEM, due_at, Subject.ACTION_ITEM, iid, "0")
        for pid, iid in zip(owners, ids, strict=True)
    ], now=due_at)
    return [reminder(task) for task in tasks]


def said(session: Session, nudge: Nudge, at: datetime | None = None, *,
         default_tz: str = "UTC") -> Words:
    """What `nudge` says when it is sent at `at` (default: when it is due), worded by the
    program's catalog from its subject's state in `session` and read in its person's zone:
    the words delivery sends, or Moot."""
    person = session.get_one(Person, nudge.person_id)
    moment = at or nudge.due_at
    rendering = nudge_catalog().rendering(now=moment, default_tz=default_tz)
    due = store.due_of(nudge)
    rendering.read(session, [due])
    return rendering.words(due, Moment(moment, person.timezone or default_tz))


def said_text(session: Session, nudge: Nudge, at: datetime | None = None, *,
              default_tz: str = "UTC") -> str:
    """`said` as plain text; a moot nudge fails the test, naming why."""
    words = said(session, nudge, at, default_tz=default_tz)
    assert not isinstance(words, Moot), f"nudge {nudge.id} is moot: {words.reason}"
    return words.as_text()


def delivered(database: Database, nudge: Nudge, at: datetime | None = None, *,
              default_tz: str = "UTC") -> Reply:
    """The reply `nudge` is sent with at `at` (default: when it is due), in a unit of work
    of its own; a moot nudge fails the test, naming why."""
    with database.session() as session:
        words = said(session, nudge, at, default_tz=default_tz)
    assert not isinstance(words, Moot), f"nudge {nudge.id} is moot: {words.reason}"
    return words

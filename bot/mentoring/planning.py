"""Planning the nudges that keep mentor relationships alive: `followup`, `action-item`,
`transactional` and `keep-in-touch`.

The rules live in `bot.rules.relationships`; this module reads the state they need in a few
column-only bulk queries (no ORM object per row) and builds the nudges owed *now*. Only
nudges already due are planned: a future one would only be cancelled again when a contact
moves the clock, and planning it at its due time lets its text reflect the latest state.
Subjects that still hold pending nudges but owe nothing now get an empty plan, which is
how logging a contact or closing an item cancels what it made moot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.framework.replies import Action, Reply, Section
from bot.infra.models import ActionItem, Contact, Letter, LetterEvent, Mentorship, Nudge, Person
from bot.infra.settings import Settings
from bot.mentoring import rules, specs
from bot.mentoring.cadence import describe_cadence, local_day
from bot.mentoring.outline import outline_text
from bot.nudges.planning import Plan, PlannedNudge

MENTORSHIP = "mentorship"
ACTION_ITEM = "action_item"
THANKED_LETTER = "thanked_letter"
SUBJECT_TYPES = (MENTORSHIP, ACTION_ITEM, THANKED_LETTER)

RECENT_CONTACTS = 3
RECENT_WINDOW = timedelta(days=365)
CHUNK = 2000

def plan_mentoring(session: Session, now: datetime, settings: Settings) -> list[Plan]:
    return plan_relationships(session, now, settings.default_timezone)


def plan_relationships(session: Session, now: datetime, default_tz: str, *,
                       student_id: int | None = None) -> list[Plan]:
    """Every relationship nudge owed at `now` (for one student, when given)."""
    owed: list[Owed] = []
    pairs = _contact_summary(session, student_id)
    active_pairs = _owed_by_mentorships(session, now, default_tz, student_id, pairs, owed)
    _owed_by_action_items(session, now, default_tz, student_id, owed)
    _owed_keep_in_touch(session, now, default_tz, student_id, pairs, active_pairs, owed)
    plans: dict[tuple[str, int], Plan] = {}
    for key in _pending_subjects(session, student_id):
        plans[key] = Plan(subject_type=key[0], subject_id=key[1])
    _build(session, now, owed, plans)
    return list(plans.values())


@dataclass(frozen=True)
class Owed:
    """A nudge the rules say is owed, before it is worded."""

    person_id: int
    kind: str
    due_at: datetime
    subject_type: str
    subject_id: int
    occurrence: str
    words: tuple[Any, ...]  # what the wording function for `kind` needs

    @property
    def dedup_key(self) -> str:
        return f"{self.kind}:{self.subject_type}:{self.subject_id}:{self.occurrence}"


_STORED = Reply(text="(already planned)")
"""Stands in for the wording of a nudge that is already stored: the store skips its key,
so rewording it on every planning run would be wasted work."""


def _build(session: Session, now: datetime, owed: list[Owed],
           plans: dict[tuple[str, int], Plan]) -> None:
    """Word the owed nudges that are new, and add every owed nudge to its subject's plan."""
    stored = _stored_keys(session, [o.dedup_key for o in owed])
    new_followups = {(o.person_id, o.words[1]) for o in owed
                     if o.kind == "followup" and o.dedup_key not in stored}
    recent = _recent_contacts(session, new_followups, now) if new_followups else {}
    items = _open_items(session, new_followups) if new_followups else {}
    for o in owed:
        key = o.dedup_key
        if key in stored:
            reply = _STORED
        elif o.kind == "followup":
            pair = (o.person_id, o.words[1])
            reply = _followup_reply(*o.words[1:], recent.get(pair, []), items.get(pair, []))
        else:
            reply = _WORDING[o.kind](*o.words)
        plan = plans.get((o.subject_type, o.subject_id))
        if plan is None:
            plan = plans[(o.subject_type, o.subject_id)] = Plan(o.subject_type, o.subject_id)
        plan.nudges.append(PlannedNudge(
            person_id=o.person_id, kind=o.kind, due_at=o.due_at, subject_type=o.subject_type,
            subject_id=o.subject_id, occurrence=o.occurrence, reply=reply))


def _stored_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        found.update(session.scalars(select(Nudge.dedup_key).where(Nudge.dedup_key.in_(chunk))))
    return found


# --- state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairSummary:
    last_at: datetime | None
    last_news: datetime | None
    last_ask: datetime | None


def _contact_summary(session: Session, student_id: int | None
                     ) -> dict[tuple[int, int], PairSummary]:
    """Per (student, mentor): the last contact, the last one with news, the last ask."""
    at = Contact.at
    query = select(
        Contact.student_id,
        Contact.mentor_id,
        func.max(at),
        type_coerce(func.max(case((Contact.is_ask.is_(False), at))), at.type),
        type_coerce(func.max(case((Contact.is_ask.is_(True), at))), at.type),
    ).group_by(Contact.student_id, Contact.mentor_id)
    if student_id is not None:
        query = query.where(Contact.student_id == student_id)
    return {(s, m): PairSummary(_aware(last), _aware(news), _aware(ask))
            for s, m, last, news, ask in session.execute(query)}


def _aware(value: datetime | str | None) -> datetime | None:
    """Aggregates over a UTC column come back aware from PostgreSQL; SQLite may hand back
    the stored text, which is UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pending_subjects(session: Session, student_id: int | None) -> set[tuple[str, int]]:
    query = select(Nudge.subject_type, Nudge.subject_id).distinct().where(
        Nudge.state == "pending", Nudge.subject_type.in_(SUBJECT_TYPES),
        Nudge.subject_id.is_not(None))
    if student_id is not None:
        query = query.where(Nudge.person_id == student_id)
    return {(t, i) for t, i in session.execute(query)}


# --- follow-ups and transactional flags ----------------------------------------------------


def _owed_by_mentorships(session: Session, now: datetime, default_tz: str,
                         student_id: int | None, pairs: dict[tuple[int, int], PairSummary],
                         owed: list[Owed]) -> set[tuple[int, int]]:
    student, mentor = aliased(Person), aliased(Person)
    query = (
        select(Mentorship.id, Mentorship.student_id, Mentorship.mentor_id,
               Mentorship.cadence_days, Mentorship.started_at, Mentorship.last_contact_at,
               student.timezone, mentor.name)
        .join(student, student.id == Mentorship.student_id)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .where(Mentorship.active.is_(True))
    )
    if student_id is not None:
        query = query.where(Mentorship.student_id == student_id)
    active: set[tuple[int, int]] = set()
    for mid, sid, tid, cadence, started, last_logged, tz, mentor_name in session.execute(query):
        tz = tz or default_tz
        active.add((sid, tid))
        summary = pairs.get((sid, tid))
        last = _latest(last_logged, summary.last_at if summary else None)
        due = rules.followup_due(last, started, cadence, tz, now)
        if due is not None:
            owed.append(Owed(sid, "followup", due[1], MENTORSHIP, mid, due[0].isoformat(),
                             (sid, tid, mentor_name, cadence, started, last, tz)))
        if summary is not None and summary.last_ask is not None:
            since = rules.transactional_since(started, summary.last_news, summary.last_ask, now)
            if since is not None:
                owed.append(Owed(
                    sid, "transactional", rules.transactional_flag_at(since, summary.last_ask),
                    MENTORSHIP, mid, f"since-{since.strftime('%Y-%m-%dT%H:%M')}",
                    (tid, mentor_name, since, tz)))
    return active


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _recent_contacts(session: Session, pairs: set[tuple[int, int]], now: datetime
                     ) -> dict[tuple[int, int], list[tuple[datetime, str, bool]]]:
    out: dict[tuple[int, int], list[tuple[datetime, str, bool]]] = defaultdict(list)
    students = sorted({s for s, _ in pairs})
    for chunk in _chunks(students):
        rows = session.execute(
            select(Contact.student_id, Contact.mentor_id, Contact.at, Contact.note,
                   Contact.is_ask)
            .where(Contact.student_id.in_(chunk), Contact.at >= now - RECENT_WINDOW)
            .order_by(Contact.at.desc(), Contact.id.desc())
        )
        for sid, tid, at, note, is_ask in rows:
            kept = out[(sid, tid)]
            if (sid, tid) in pairs and len(kept) < RECENT_CONTACTS:
                kept.append((at, note, is_ask))
    return out


def _open_items(session: Session, pairs: set[tuple[int, int]]
                ) -> dict[tuple[int, int], list[tuple[int, str, datetime | None]]]:
    out: dict[tuple[int, int], list[tuple[int, str, datetime | None]]] = defaultdict(list)
    students = sorted({s for s, _ in pairs})
    for chunk in _chunks(students):
        rows = session.execute(
            select(ActionItem.student_id, ActionItem.mentor_id, ActionItem.id, ActionItem.task,
                   ActionItem.due_at)
            .where(ActionItem.student_id.in_(chunk), ActionItem.done_at.is_(None))
            .order_by(ActionItem.id)
        )
        for sid, tid, iid, task, due in rows:
            if (sid, tid) in pairs:
                out[(sid, tid)].append((iid, task, due))
    return out


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _log_action(mentor_id: int) -> Action:
    return specs.LOG.action("Log contact", {"mentor": f"person:{mentor_id}"}, style="primary")


def _day(moment: datetime, tz: str) -> str:
    return _format_day(local_day(moment, tz))


@lru_cache(maxsize=4096)
def _format_day(day: date) -> str:
    """Bulk planning words the same few hundred days over and over."""
    return day.strftime("%a %d %b %Y")


_OUTLINE = outline_text()


def _followup_reply(mentor_id: int, mentor_name: str, cadence: int, started: datetime,
                    last: datetime | None, tz: str,
                    recent: list[tuple[datetime, str, bool]],
                    items: list[tuple[int, str, datetime | None]]) -> Reply:
    if last is None:
        since = (f"You haven't logged any contact since you started working together on "
                 f"{_day(started, tz)}.")
    else:
        since = f"Your last logged contact was on {_day(last, tz)}."
    sections = [Section(heading="A four-part update", text=_OUTLINE)]
    if recent:
        lines = [f"• {_day(at, tz)}{' (an ask)' if is_ask else ''}: {note or 'no note'}"
                 for at, note, is_ask in recent]
        sections.append(Section(heading="What you logged recently", text="\n".join(lines)))
    if items:
        lines = [f"• #{iid} {task}" + (f" (due {_day(due, tz)})" if due else "")
                 for iid, task, due in items]
        sections.append(Section(heading="Suggestions to circle back on", text="\n".join(lines)))
    return Reply(
        title=f"Time to check in with {mentor_name}",
        text=f"{since} Your rhythm with {mentor_name} is {describe_cadence(cadence)}. "
             "Send a short update, then log it here to restart the clock.",
        sections=tuple(sections),
        actions=(_log_action(mentor_id),),
        footer="Done it already? Log it with /mentor log, adding on: for an earlier date.",
    )


def _transactional_reply(mentor_id: int, mentor_name: str, since: datetime, tz: str) -> Reply:
    return Reply(
        title=f"Share some news with {mentor_name} — no ask attached",
        text=f"Since {_day(since, tz)}, each time you got in touch with {mentor_name} it was "
             "to ask for something. Mentors stay invested when they hear how things are "
             "going: send a short update on what you have been doing and learning, and ask "
             "for nothing this time.",
        sections=(Section(heading="A four-part update", text=_OUTLINE),),
        actions=(_log_action(mentor_id),),
    )


# --- action items --------------------------------------------------------------------------


def _owed_by_action_items(session: Session, now: datetime, default_tz: str,
                          student_id: int | None, owed: list[Owed]) -> None:
    student, mentor = aliased(Person), aliased(Person)
    query = (
        select(ActionItem.id, ActionItem.student_id, ActionItem.mentor_id, ActionItem.task,
               ActionItem.due_at, student.timezone, mentor.name)
        .join(student, student.id == ActionItem.student_id)
        .join(mentor, mentor.id == ActionItem.mentor_id)
        .where(ActionItem.done_at.is_(None), ActionItem.due_at.is_not(None),
               ActionItem.due_at <= now)
    )
    if student_id is not None:
        query = query.where(ActionItem.student_id == student_id)
    for iid, sid, tid, task, due_at, tz, mentor_name in session.execute(query):
        tz = tz or default_tz
        found = rules.action_item_due(due_at, tz, now)
        if found is not None:
            index, due = found
            owed.append(Owed(sid, "action-item", due, ACTION_ITEM, iid, str(index),
                             (iid, tid, task, due_at, mentor_name, tz)))


def _action_item_reply(item_id: int, mentor_id: int, task: str, item_due: datetime,
                       mentor_name: str, tz: str) -> Reply:
    return Reply(
        title=f"Circle back: {task}",
        text=f"{mentor_name} suggested this, due {_day(item_due, tz)}. Done it? Close it with "
             "a line on how it went. Decided not to? That counts too: close it with your "
             "reason, and tell them next time you write.",
        actions=(specs.DONE.action("Mark done", {"id": item_id}, style="primary"),
                 _log_action(mentor_id)),
        footer=f"/mentor done {item_id} note:\"decided not to, because …\"",
    )


# --- keeping letter writers posted ---------------------------------------------------------


def _owed_keep_in_touch(session: Session, now: datetime, default_tz: str,
                        student_id: int | None, pairs: dict[tuple[int, int], PairSummary],
                        active_pairs: set[tuple[int, int]], owed: list[Owed]) -> None:
    """One reminder stream per (student, writer) with a thanked letter, keyed by the latest
    such letter. A writer who is also an active mentor is covered by the follow-ups."""
    thanked = (
        select(LetterEvent.letter_id, func.max(LetterEvent.at).label("at"))
        .where(LetterEvent.to_state == "thanked")
        .group_by(LetterEvent.letter_id)
        .subquery()
    )
    writer = aliased(Person)
    student = aliased(Person)
    query = (
        select(Letter.id, Letter.student_id, Letter.writer_id, Letter.updated_at,
               type_coerce(thanked.c.at, LetterEvent.at.type), student.timezone, writer.name)
        .join(student, student.id == Letter.student_id)
        .join(writer, writer.id == Letter.writer_id)
        .outerjoin(thanked, thanked.c.letter_id == Letter.id)
        .where(Letter.state == "thanked", Letter.writer_id.is_not(None))
    )
    if student_id is not None:
        query = query.where(Letter.student_id == student_id)
    latest: dict[tuple[int, int], tuple[datetime, int, str | None, str]] = {}
    for lid, sid, wid, updated, thanked_at, tz, writer_name in session.execute(query):
        at = _aware(thanked_at) or updated
        current = latest.get((sid, wid))
        if current is None or (at, lid) > (current[0], current[1]):
            latest[(sid, wid)] = (at, lid, tz, writer_name)
    for (sid, wid), (thanked_at, lid, tz, writer_name) in latest.items():
        if (sid, wid) in active_pairs:
            continue
        summary = pairs.get((sid, wid))
        last_touch = _latest(thanked_at, summary.last_at if summary else None) or thanked_at
        tz = tz or default_tz
        found = rules.keep_in_touch_due(last_touch, tz, now)
        if found is not None:
            day, due = found
            owed.append(Owed(sid, "keep-in-touch", due, THANKED_LETTER, lid, day.isoformat(),
                             (wid, writer_name, last_touch, tz)))


def _keep_in_touch_reply(writer_id: int, writer_name: str, last_touch: datetime,
                         tz: str) -> Reply:
    return Reply(
        title=f"Keep {writer_name} posted",
        text=f"It has been about three months since you last touched base with "
             f"{writer_name} ({_day(last_touch, tz)}). Writers like hearing how things turned "
             "out: interviews, results, what you are doing now. A short note keeps the door "
             "open.",
        sections=(Section(heading="A four-part update", text=_OUTLINE),),
        actions=(_log_action(writer_id),),
    )


_WORDING: dict[str, Callable[..., Reply]] = {
    "transactional": _transactional_reply,
    "action-item": _action_item_reply,
    "keep-in-touch": _keep_in_touch_reply,
}

"""Planning the nudges that keep mentor relationships alive: follow-ups (every
`rules.OFFER_VALUE_EVERY`-th with an offer to help the mentor), overdue action items,
transactional flags, keeping letter writers posted, and "Did you meet?" check-ins (one per
open `checkins` row, which `bot.mentoring.store.ask_checkins` stores when it falls due).

The rules live in `bot.mentoring.rules` and `bot.mentoring.cadence`; the follow-up state is
read through `bot.mentoring.history`, the same reads `/mentor list`, the dashboard and the
group digest use, so a nudge falls on the day they show. This module reads the rest in a few
column-only bulk queries (no ORM object per row) and builds the nudges owed *now*. Only
nudges already due are planned: a future one would only be cancelled again when a contact
moves the clock, and planning it at its due time lets its text reflect the latest state.
Subjects that still hold pending nudges but owe nothing now get an empty plan, which is
how logging a contact or closing an item cancels what it made moot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from bot.framework.replies import Reply
from bot.infra.db import chunks
from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    InterestGroup,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Nudge,
    Person,
)
from bot.infra.settings import Settings
from bot.mentoring import messages, rules
from bot.mentoring.history import Pair, PairSummary, aware, contact_summary, followups
from bot.mentoring.messages import MentorFacts, OpenItem, RecentContact
from bot.nudges.keys import dedup_key
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.nudges.store import stored_keys
from bot.nudges.vocab import NudgeKind, NudgeState, Subject

SUBJECT_TYPES = (Subject.MENTORSHIP, Subject.ACTION_ITEM, Subject.THANKED_LETTER)

LETTER_THANKED = "thanked"
"""The letter state after which a writer is kept posted (`bot.letters.rules.STATES`)."""

RECENT_CONTACTS = 3
RECENT_WINDOW = timedelta(days=365)
CHUNK = 2000


def plan_mentoring(session: Session, now: datetime, settings: Settings) -> list[Plan]:
    return plan_relationships(session, now, settings.default_timezone)


def replan_student(session: Session, student_id: int, *, now: datetime,
                   default_tz: str) -> None:
    """Re-plan one student's relationship nudges in this unit of work, so a nudge a change
    made moot is cancelled before it can go out."""
    store_plans(session, plan_relationships(session, now, default_tz, student_id=student_id),
                now=now)


def plan_relationships(session: Session, now: datetime, default_tz: str, *,
                       student_id: int | None = None) -> list[Plan]:
    """Every relationship nudge owed at `now` (for one student, when given)."""
    owed: list[Owed] = []
    contacts: tuple[ColumnElement[bool], ...] = (
        () if student_id is None else (Contact.student_id == student_id,))
    pairs = contact_summary(session, *contacts)
    active_pairs = _owed_by_mentorships(session, now, default_tz, student_id, pairs, owed)
    _owed_by_action_items(session, now, default_tz, student_id, owed)
    _owed_keep_in_touch(session, now, default_tz, student_id, pairs, active_pairs, owed)
    plans: dict[tuple[Subject, int], Plan] = {}
    for key in _pending_subjects(session, student_id):
        plans[key] = Plan(subject_type=key[0], subject_id=key[1])
    _build(session, now, owed, plans)
    return list(plans.values())


@dataclass(frozen=True)
class Background:
    """What a follow-up draws on besides its own row: recent contacts, open items, and the
    offer to help the mentor when this follow-up carries one."""

    recent: list[RecentContact] = field(default_factory=list)
    items: list[OpenItem] = field(default_factory=list)
    offer: str | None = None


class Owed(NamedTuple):
    """A nudge the rules say is owed, before it is worded. `wording` is called only for a
    nudge not stored yet: re-planning mostly finds the same nudges again."""

    person_id: int
    kind: NudgeKind
    due_at: datetime
    subject_type: Subject
    subject_id: int
    occurrence: str
    about_id: int  # the mentor or writer the nudge is about
    wording: Callable[[Background], Reply]

    @property
    def pair(self) -> Pair:
        return (self.person_id, self.about_id)

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.kind, self.subject_type, self.subject_id, self.occurrence)

    def planned(self, reply: Reply) -> PlannedNudge:
        return PlannedNudge(person_id=self.person_id, kind=self.kind, due_at=self.due_at,
                            subject_type=self.subject_type, subject_id=self.subject_id,
                            occurrence=self.occurrence, reply=reply)


_STORED = Reply(text="(already planned)")
"""Stands in for the wording of a nudge that is already stored: the store skips its key,
so rewording it on every planning run would be wasted work."""


def _build(session: Session, now: datetime, owed: list[Owed],
           plans: dict[tuple[Subject, int], Plan]) -> None:
    """Word the owed nudges that are new, and add every owed nudge to its subject's plan."""
    keys = [o.dedup_key for o in owed]
    stored = stored_keys(session, keys)
    new_followups = {o.pair for o, key in zip(owed, keys, strict=True)
                     if o.kind == NudgeKind.FOLLOWUP and key not in stored}
    recent = _recent_contacts(session, new_followups, now) if new_followups else {}
    items = _open_items(session, new_followups) if new_followups else {}
    offers = _offers(session, [o for o, key in zip(owed, keys, strict=True)
                               if o.kind == NudgeKind.FOLLOWUP and key not in stored])
    for o, key in zip(owed, keys, strict=True):
        if key in stored:
            nudge = o.planned(_STORED)
        else:
            pair = o.pair
            offer = offers.get(o.subject_id) if o.kind == NudgeKind.FOLLOWUP else None
            nudge = o.planned(o.wording(Background(recent.get(pair, []), items.get(pair, []),
                                                   offer)))
        plan = plans.get((o.subject_type, o.subject_id))
        if plan is None:
            plan = plans[(o.subject_type, o.subject_id)] = Plan(o.subject_type, o.subject_id)
        plan.nudges.append(nudge)


# --- state ---------------------------------------------------------------------------------


def _pending_subjects(session: Session, student_id: int | None) -> set[tuple[Subject, int]]:
    query = select(Nudge.subject_type, Nudge.subject_id).distinct().where(
        Nudge.state == NudgeState.PENDING, Nudge.subject_type.in_(SUBJECT_TYPES),
        Nudge.subject_id.is_not(None))
    if student_id is not None:
        query = query.where(Nudge.person_id == student_id)
    return {(Subject(t), i) for t, i in session.execute(query) if i is not None}


# --- follow-ups and transactional flags ----------------------------------------------------


def _owed_by_mentorships(session: Session, now: datetime, default_tz: str,
                         student_id: int | None, pairs: dict[Pair, PairSummary],
                         owed: list[Owed]) -> set[Pair]:
    where = () if student_id is None else (Mentorship.student_id == student_id,)
    active: set[Pair] = set()
    checkins = _open_checkins(session, student_id)
    for row in followups(session, *where, default_tz=default_tz, summary=pairs):
        pair = (row.student_id, row.mentor_id)
        active.add(pair)
        question = checkins.get(row.mentorship_id)
        if question is not None:
            round_, asked_at, previous = question
            owed.append(Owed(
                row.student_id, NudgeKind.CHECKIN, asked_at, Subject.MENTORSHIP,
                row.mentorship_id, checkin_occurrence(round_), row.mentor_id,
                partial(_checkin_wording, row.mentor_id, row.mentor_name, row.kind,
                        row.started_at, round_, previous, row.tz)))
        due = rules.followup_owed(row.due_day, row.cadence_days, row.tz, now)
        if due is not None:
            owed.append(Owed(
                row.student_id, NudgeKind.FOLLOWUP, due[1], Subject.MENTORSHIP,
                row.mentorship_id, due[0].isoformat(), row.mentor_id,
                partial(_followup_wording, row.mentor_id, row.mentor_name, row.cadence_days,
                        row.started_at, row.last_contact, row.tz)))
        summary = pairs.get(pair)
        if summary is not None and summary.last_ask is not None:
            since = rules.transactional_since(row.started_at, summary.last_news,
                                              summary.last_ask, now)
            if since is not None:
                owed.append(Owed(
                    row.student_id, NudgeKind.TRANSACTIONAL,
                    rules.transactional_flag_at(since, summary.last_ask), Subject.MENTORSHIP,
                    row.mentorship_id, f"since-{since.strftime('%Y-%m-%dT%H:%M')}",
                    row.mentor_id,
                    partial(_transactional_wording, row.mentor_id, row.mentor_name, since,
                            row.tz)))
    return active


def _followup_wording(mentor_id: int, mentor_name: str, cadence_days: int, started: datetime,
                      last: datetime | None, tz: str, context: Background) -> Reply:
    return messages.followup(mentor_id, mentor_name, cadence_days, started, last, tz,
                             context.recent, context.items, context.offer)


# --- "Did you meet?" check-ins ---------------------------------------------------------------


def checkin_occurrence(round_: int) -> str:
    """A check-in's key names its round, so each question is stored (and sent) once."""
    return f"round-{round_}"


def _open_checkins(session: Session, student_id: int | None
                   ) -> dict[int, tuple[int, datetime, datetime | None]]:
    """Per active mentorship, its unanswered check-in: (round, asked at, when the previous
    round was answered "not yet")."""
    previous = aliased(Checkin)
    query = (
        select(Checkin.mentorship_id, Checkin.round, Checkin.asked_at, previous.answered_at)
        .join(Mentorship, Mentorship.id == Checkin.mentorship_id)
        .outerjoin(previous, and_(previous.mentorship_id == Checkin.mentorship_id,
                                  previous.round == Checkin.round - 1))
        .where(Mentorship.active.is_(True), Checkin.answer.is_(None))
        .order_by(Checkin.mentorship_id, Checkin.round)
    )
    if student_id is not None:
        query = query.where(Checkin.student_id == student_id)
    return {mid: (round_, asked_at, aware(answered))
            for mid, round_, asked_at, answered in session.execute(query)}


def _checkin_wording(mentor_id: int, mentor_name: str, kind: str, started: datetime,
                     round_: int, previous: datetime | None, tz: str,
                     _context: Background) -> Reply:
    return messages.checkin(mentor_id, mentor_name, kind, started, round_, previous, tz)


# --- offering something back -------------------------------------------------------------------


def _offers(session: Session, new_followups: list[Owed]) -> dict[int, str]:
    """Per mentorship whose new follow-up is an every-`rules.OFFER_VALUE_EVERY`-th one, the
    offer it carries, from what the bot knows about the mentor. The follow-up's number
    counts the mentorship's follow-ups stored before it (sent, snoozed or dismissed, not
    those a contact made moot before they went out)."""
    mids = sorted({o.subject_id for o in new_followups})
    if not mids:
        return {}
    earlier: dict[int, int] = {}
    for chunk in chunks(mids, CHUNK):
        earlier.update({mid: int(n) for mid, n in session.execute(
            select(Nudge.subject_id, func.count())
            .where(Nudge.kind == NudgeKind.FOLLOWUP, Nudge.subject_type == Subject.MENTORSHIP,
                   Nudge.subject_id.in_(chunk), Nudge.state != NudgeState.CANCELLED)
            .group_by(Nudge.subject_id)) if mid is not None})
    numbers = {mid: earlier.get(mid, 0) + 1 for mid in mids}
    offering = [mid for mid, n in numbers.items() if rules.offers_value_back(n)]
    out: dict[int, str] = {}
    for mid, (name, facts) in _mentor_facts(session, offering).items():
        offer = rules.value_offer(numbers[mid], research=facts.research,
                                  office_hours=facts.office_hours, group=facts.group)
        if offer is not None:
            out[mid] = messages.value_offer_text(offer, name, facts)
    return out


def _mentor_facts(session: Session, mentorship_ids: list[int]
                  ) -> dict[int, tuple[str, MentorFacts]]:
    """Per mentorship, its mentor's name and what the bot knows to offer help with: their
    research areas, office hours, and the mentorship's group (else a group both share)."""
    if not mentorship_ids:
        return {}
    rows = session.execute(
        select(Mentorship.id, Mentorship.student_id, Mentorship.mentor_id, Person.name,
               FacultyProfile.research, FacultyProfile.office_hours, InterestGroup.name)
        .join(Person, Person.id == Mentorship.mentor_id)
        .outerjoin(FacultyProfile, FacultyProfile.person_id == Mentorship.mentor_id)
        .outerjoin(InterestGroup, InterestGroup.id == Mentorship.group_id)
        .where(Mentorship.id.in_(mentorship_ids))).all()
    out: dict[int, tuple[str, MentorFacts]] = {}
    for mid, sid, tid, name, research, office_hours, group in rows:
        out[mid] = (name, MentorFacts(tuple(research or ()), office_hours,
                                      group or _shared_group(session, sid, tid)))
    return out


def _shared_group(session: Session, student_id: int, mentor_id: int) -> str | None:
    theirs = select(Membership.group_id).where(Membership.person_id == mentor_id)
    return session.scalar(
        select(InterestGroup.name).join(Membership, Membership.group_id == InterestGroup.id)
        .where(Membership.person_id == student_id, Membership.group_id.in_(theirs))
        .order_by(InterestGroup.id).limit(1))


def _transactional_wording(mentor_id: int, mentor_name: str, since: datetime, tz: str,
                           _context: Background) -> Reply:
    return messages.transactional(mentor_id, mentor_name, since, tz)


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _recent_contacts(session: Session, pairs: set[Pair], now: datetime
                     ) -> dict[Pair, list[RecentContact]]:
    out: dict[Pair, list[RecentContact]] = defaultdict(list)
    students = sorted({s for s, _ in pairs})
    for chunk in chunks(students, CHUNK):
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


def _open_items(session: Session, pairs: set[Pair]) -> dict[Pair, list[OpenItem]]:
    out: dict[Pair, list[OpenItem]] = defaultdict(list)
    students = sorted({s for s, _ in pairs})
    for chunk in chunks(students, CHUNK):
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


# --- action items --------------------------------------------------------------------------


def _owed_by_action_items(session: Session, now: datetime, default_tz: str,
                          student_id: int | None, owed: list[Owed]) -> None:
    student, mentor = aliased(Person), aliased(Person)
    # An item of a mentorship that has ended is not chased: circling back to a mentor who
    # is no longer one is moot (it stays open in /mentor list, to close or do anyway).
    query = (
        select(ActionItem.id, ActionItem.student_id, ActionItem.mentor_id, ActionItem.task,
               ActionItem.due_at, student.timezone, mentor.name)
        .join(student, student.id == ActionItem.student_id)
        .join(mentor, mentor.id == ActionItem.mentor_id)
        .outerjoin(Mentorship, Mentorship.id == ActionItem.mentorship_id)
        .where(ActionItem.done_at.is_(None), ActionItem.due_at.is_not(None),
               ActionItem.due_at <= now,
               or_(ActionItem.mentorship_id.is_(None), Mentorship.active.is_(True)))
    )
    if student_id is not None:
        query = query.where(ActionItem.student_id == student_id)
    for iid, sid, tid, task, due_at, tz, mentor_name in session.execute(query):
        if due_at is None:  # excluded by the query; narrows the type
            continue
        tz = tz or default_tz
        found = rules.action_item_due(due_at, tz, now)
        if found is not None:
            index, due = found
            owed.append(Owed(sid, NudgeKind.ACTION_ITEM, due, Subject.ACTION_ITEM, iid,
                             str(index), tid,
                             partial(_action_item_wording, iid, tid, task, due_at,
                                     mentor_name, tz)))


def _action_item_wording(item_id: int, mentor_id: int, task: str, item_due: datetime,
                         mentor_name: str, tz: str, _context: Background) -> Reply:
    return messages.action_item(item_id, mentor_id, task, item_due, mentor_name, tz)


# --- keeping letter writers posted ---------------------------------------------------------


def _owed_keep_in_touch(session: Session, now: datetime, default_tz: str,
                        student_id: int | None, pairs: dict[Pair, PairSummary],
                        active_pairs: set[Pair], owed: list[Owed]) -> None:
    """One reminder stream per (student, writer) with a thanked letter, keyed by the latest
    such letter. A writer who is also an active mentor is covered by the follow-ups."""
    thanked = (
        select(LetterEvent.letter_id, func.max(LetterEvent.at).label("at"))
        .where(LetterEvent.to_state == LETTER_THANKED)
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
        .where(Letter.state == LETTER_THANKED, Letter.writer_id.is_not(None))
    )
    if student_id is not None:
        query = query.where(Letter.student_id == student_id)
    latest: dict[Pair, tuple[datetime, int, str | None, str]] = {}
    for lid, sid, wid, updated, thanked_at, tz, writer_name in session.execute(query):
        if wid is None:  # excluded by the query; narrows the type
            continue
        at = aware(thanked_at) or updated
        current = latest.get((sid, wid))
        if current is None or (at, lid) > (current[0], current[1]):
            latest[(sid, wid)] = (at, lid, tz, writer_name)
    for (sid, wid), (thanked_at, lid, tz, writer_name) in latest.items():
        if (sid, wid) in active_pairs:
            continue
        summary = pairs.get((sid, wid))
        last_touch = _latest(thanked_at, summary.last_at if summary else None) or thanked_at
        zone = tz or default_tz
        found = rules.keep_in_touch_due(last_touch, zone, now)
        if found is not None:
            day, due = found
            owed.append(Owed(sid, NudgeKind.KEEP_IN_TOUCH, due, Subject.THANKED_LETTER, lid,
                             day.isoformat(), wid,
                             partial(_keep_in_touch_wording, wid, writer_name, last_touch,
                                     zone)))


def _keep_in_touch_wording(writer_id: int, writer_name: str, last_touch: datetime, tz: str,
                           _context: Background) -> Reply:
    return messages.keep_in_touch(writer_id, writer_name, last_touch, tz)

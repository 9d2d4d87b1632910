"""What a relationship nudge is worded from when it is sent: the current state of its
mentorship, action item or thanked letter, read for a whole batch of nudges at once (a few
column-only queries per subject type, never one per nudge). The follow-up state is read
through `bot.mentoring.history`, the reads `/mentor list` and the planner use, so a message
cannot date a follow-up differently from what the student sees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session, aliased

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
from bot.mentoring.history import Followup, Pair, PairSummary, aware, contact_summary, followups
from bot.mentoring.messages import MentorFacts, OpenItem, RecentContact
from bot.mentoring.planning import LETTER_THANKED
from bot.nudges.kinds import Due
from bot.vocab.nudges import NudgeKind, NudgeState, Subject

RECENT_CONTACTS = 3
"""Contacts a follow-up lists under "What you logged recently", at most…"""
RECENT_WINDOW = timedelta(days=365)
"""…from this far back."""

def _kinds(dues: Sequence[Due]) -> set[NudgeKind]:
    return {d.kind for d in dues}


def _ids(dues: Sequence[Due]) -> list[int]:
    return sorted({d.subject_id for d in dues if d.subject_id is not None})


# --- mentorships: follow-ups, transactional flags, check-ins -------------------------------


@dataclass(frozen=True)
class MentorshipNow:
    """An active mentorship as its nudges are worded from it."""

    row: Followup  # last contact and next follow-up, under the one rule
    summary: PairSummary | None  # the pair's contact log (news, asks)
    checkins: Mapping[int, tuple[str | None, datetime | None]] = field(default_factory=dict)
    """Its "Did you meet?" questions by round: (answer, when answered)."""
    recent: tuple[RecentContact, ...] = ()
    items: tuple[OpenItem, ...] = ()
    followups: tuple[int, ...] = ()  # ids of its follow-ups stored and not made moot
    facts: MentorFacts | None = None  # what the bot knows to offer the mentor help with


def load_mentorships(session: Session, dues: Sequence[Due], *, now: datetime,
                     default_tz: str) -> Mapping[int, MentorshipNow]:
    """The active mentorships `dues` are about (an ended one is missing: its nudges are
    moot), with what their kinds in this batch need: the check-ins for a check-in, recent
    contacts, open items and an offer's facts for a follow-up."""
    ids = _ids(dues)
    students = select(Mentorship.student_id).where(Mentorship.id.in_(ids))
    pairs = contact_summary(session, Contact.student_id.in_(students))
    rows = followups(session, Mentorship.id.in_(ids), default_tz=default_tz, summary=pairs)
    if not rows:
        return {}
    kinds = _kinds(dues)
    live = [r.mentorship_id for r in rows]
    checkins = _checkins(session, live) if NudgeKind.CHECKIN in kinds else {}
    recent: dict[Pair, list[RecentContact]] = {}
    items: dict[Pair, list[OpenItem]] = {}
    stored: dict[int, list[int]] = {}
    facts: dict[int, MentorFacts] = {}
    if NudgeKind.FOLLOWUP in kinds:
        wanted = {(r.student_id, r.mentor_id) for r in rows}
        recent = _recent_contacts(session, wanted, now)
        items = _open_items(session, wanted)
        stored = _followups_stored(session, live)
        facts = _mentor_facts(session, rows)
    return {
        r.mentorship_id: MentorshipNow(
            r, pairs.get((r.student_id, r.mentor_id)), checkins.get(r.mentorship_id, {}),
            tuple(recent.get((r.student_id, r.mentor_id), ())),
            tuple(items.get((r.student_id, r.mentor_id), ())),
            tuple(stored.get(r.mentorship_id, ())), facts.get(r.mentorship_id))
        for r in rows
    }


def _checkins(session: Session, mentorship_ids: list[int]
              ) -> dict[int, dict[int, tuple[str | None, datetime | None]]]:
    out: dict[int, dict[int, tuple[str | None, datetime | None]]] = defaultdict(dict)
    for mid, round_, answer, answered_at in session.execute(
            select(Checkin.mentorship_id, Checkin.round, Checkin.answer, Checkin.answered_at)
            .where(Checkin.mentorship_id.in_(mentorship_ids))):
        out[mid][round_] = (answer, aware(answered_at))
    return out


def _recent_contacts(session: Session, pairs: set[Pair], now: datetime
                     ) -> dict[Pair, list[RecentContact]]:
    out: dict[Pair, list[RecentContact]] = defaultdict(list)
    rows = session.execute(
        select(Contact.student_id, Contact.mentor_id, Contact.at, Contact.note, Contact.is_ask)
        .where(Contact.student_id.in_(sorted({s for s, _ in pairs})),
               Contact.at >= now - RECENT_WINDOW)
        .order_by(Contact.at.desc(), Contact.id.desc()))
    for sid, tid, at, note, is_ask in rows:
        kept = out[(sid, tid)]
        if (sid, tid) in pairs and len(kept) < RECENT_CONTACTS:
            kept.append((at, note, is_ask))
    return out


def _open_items(session: Session, pairs: set[Pair]) -> dict[Pair, list[OpenItem]]:
    out: dict[Pair, list[OpenItem]] = defaultdict(list)
    rows = session.execute(
        select(ActionItem.student_id, ActionItem.mentor_id, ActionItem.id, ActionItem.task,
               ActionItem.due_at)
        .where(ActionItem.student_id.in_(sorted({s for s, _ in pairs})),
               ActionItem.done_at.is_(None))
        .order_by(ActionItem.id))
    for sid, tid, iid, task, due in rows:
        if (sid, tid) in pairs:
            out[(sid, tid)].append((iid, task, due))
    return out


def _followups_stored(session: Session, mentorship_ids: list[int]) -> dict[int, list[int]]:
    """Each mentorship's follow-ups stored and not made moot (sent, snoozed, dismissed or
    waiting), by id: a follow-up's number among them decides whether it offers help."""
    out: dict[int, list[int]] = defaultdict(list)
    for mid, nid in session.execute(
            select(Nudge.subject_id, Nudge.id)
            .where(Nudge.kind == NudgeKind.FOLLOWUP, Nudge.subject_type == Subject.MENTORSHIP,
                   Nudge.subject_id.in_(mentorship_ids), Nudge.state != NudgeState.CANCELLED)
            .order_by(Nudge.id)):
        if mid is not None:
            out[mid].append(nid)
    return out


def _mentor_facts(session: Session, rows: Sequence[Followup]) -> dict[int, MentorFacts]:
    """Per mentorship, what the bot knows about its mentor that a student could offer help
    with: their research areas, office hours, and the mentorship's group (else a group both
    share)."""
    by_mentor = {r.mentor_id for r in rows}
    profiles = {pid: (tuple(research or ()), hours) for pid, research, hours in session.execute(
        select(FacultyProfile.person_id, FacultyProfile.research, FacultyProfile.office_hours)
        .where(FacultyProfile.person_id.in_(by_mentor)))}
    groups = dict(session.execute(
        select(Mentorship.id, InterestGroup.name)
        .join(InterestGroup, InterestGroup.id == Mentorship.group_id)
        .where(Mentorship.id.in_([r.mentorship_id for r in rows]))).all())
    shared = _shared_groups(session, [r for r in rows if r.mentorship_id not in groups])
    out: dict[int, MentorFacts] = {}
    for r in rows:
        research, hours = profiles.get(r.mentor_id, ((), None))
        group = groups.get(r.mentorship_id) or shared.get((r.student_id, r.mentor_id))
        out[r.mentorship_id] = MentorFacts(research, hours, group)
    return out


def _shared_groups(session: Session, rows: Sequence[Followup]) -> dict[Pair, str]:
    """For pairs whose mentorship has no group: the first group (by id) both belong to."""
    if not rows:
        return {}
    people = {r.student_id for r in rows} | {r.mentor_id for r in rows}
    member_of: dict[int, set[int]] = defaultdict(set)
    for pid, gid in session.execute(select(Membership.person_id, Membership.group_id)
                                    .where(Membership.person_id.in_(people))):
        member_of[pid].add(gid)
    both = {(r.student_id, r.mentor_id): min(member_of[r.student_id] & member_of[r.mentor_id],
                                              default=None) for r in rows}
    names = dict(session.execute(select(InterestGroup.id, InterestGroup.name).where(
        InterestGroup.id.in_({g for g in both.values() if g is not None}))).all())
    return {pair: names[g] for pair, g in both.items() if g is not None and g in names}


# --- action items --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemNow:
    id: int
    student_id: int
    mentor_id: int
    mentor_name: str
    task: str
    due_at: datetime | None
    done: bool
    mentorship_ended: bool  # it belongs to a mentorship that has ended


def load_items(session: Session, dues: Sequence[Due], *, now: datetime,
               default_tz: str) -> Mapping[int, ItemNow]:
    mentor = aliased(Person)
    rows = session.execute(
        select(ActionItem.id, ActionItem.student_id, ActionItem.mentor_id, mentor.name,
               ActionItem.task, ActionItem.due_at, ActionItem.done_at, Mentorship.active)
        .join(mentor, mentor.id == ActionItem.mentor_id)
        .outerjoin(Mentorship, Mentorship.id == ActionItem.mentorship_id)
        .where(ActionItem.id.in_(_ids(dues))))
    return {iid: ItemNow(iid, sid, tid, name, task, due_at, done_at is not None,
                         active is False)
            for iid, sid, tid, name, task, due_at, done_at, active in rows}


# --- thanked letters: keeping the writer posted --------------------------------------------


@dataclass(frozen=True)
class ThankedNow:
    letter_id: int
    student_id: int
    writer_id: int | None
    writer_name: str
    state: str
    thanked_at: datetime
    last_contact: datetime | None  # with the writer
    writer_mentors: bool  # the writer is an active mentor of the student


def load_thanked(session: Session, dues: Sequence[Due], *, now: datetime,
                 default_tz: str) -> Mapping[int, ThankedNow]:
    ids = _ids(dues)
    thanked: dict[int, datetime] = dict(session.execute(
        select(LetterEvent.letter_id, type_coerce(func.max(LetterEvent.at), LetterEvent.at.type))
        .where(LetterEvent.letter_id.in_(ids), LetterEvent.to_state == LETTER_THANKED)
        .group_by(LetterEvent.letter_id)).all())
    rows = session.execute(
        select(Letter.id, Letter.student_id, Letter.writer_id, Person.name, Letter.state,
               Letter.updated_at)
        .outerjoin(Person, Person.id == Letter.writer_id)
        .where(Letter.id.in_(ids))).all()
    students = {r.student_id for r in rows}
    pairs = contact_summary(session, Contact.student_id.in_(students)) if rows else {}
    mentoring = set(session.execute(
        select(Mentorship.student_id, Mentorship.mentor_id)
        .where(Mentorship.student_id.in_(students), Mentorship.active.is_(True))).all())
    out: dict[int, ThankedNow] = {}
    for lid, sid, wid, name, state, updated in rows:
        log = pairs.get((sid, wid)) if wid is not None else None
        out[lid] = ThankedNow(lid, sid, wid, name or "", state, aware(thanked.get(lid)) or updated,
                              log.last_at if log is not None else None,
                              (sid, wid) in mentoring)
    return out

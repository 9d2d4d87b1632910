"""A group's report computed the straightforward way, as an independent reference for
tests/test_report_agreement.py: every row of every table read into Python, and each figure
worked out row by row with the per-row rules (`rules.health` through
`bot.mentoring.cadence`, `rules.networks`, `rules.acted_on` through `rules.nudges`,
`rules.match_rates`, `rules.meetings`, `statistics.median`). No grouping or comparison is
left to the database, so the report's SQL (`bot.reports.store`) is checked against what
the rules say, not against itself. Slow on purpose; for small random groups only."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Letter,
    LetterEvent,
    Membership,
    Mentorship,
    Nudge,
    Person,
    Role,
    StudentProfile,
)
from bot.infra.zones import local_day
from bot.mentoring.cadence import followup_day, last_contact
from bot.nudges.kinds import Evidence, NudgeCatalog
from bot.reports import rules
from bot.reports.rules import (
    Intros,
    Participants,
    Period,
    Report,
    Scope,
    SilentFaculty,
    Span,
    Week,
)
from bot.vocab.matching import IntroState
from bot.vocab.nudges import Subject
from bot.vocab.people import AcceptingOff


def _all(session: Session, model: Any) -> list[Any]:
    return list(session.scalars(select(model)))


def reference_report(session: Session, group: InterestGroup, now: datetime,
                     catalog: NudgeCatalog, *, weeks: int = rules.DEFAULT_WEEKS,
                     default_tz: str = "UTC", scope: Scope = rules.WHOLE_GROUP) -> Report:
    period = Period(now, weeks)
    people = {p.id: p for p in _all(session, Person)}
    roles = _all(session, Role)
    profiles = {p.person_id: p for p in _all(session, StudentProfile)}
    faculty_profiles = {p.person_id: p for p in _all(session, FacultyProfile)}
    memberships = [m for m in _all(session, Membership) if m.group_id == group.id]
    mentorships = _all(session, Mentorship)
    contacts = _all(session, Contact)
    requests = _all(session, IntroRequest)
    checkins = _all(session, Checkin)
    letters = _all(session, Letter)
    events = _all(session, LetterEvent)
    items = {i.id: i for i in _all(session, ActionItem)}
    nudges = _all(session, Nudge)

    def has_role(pid: int, role: str) -> bool:
        return any(r.person_id == pid and r.role == role for r in roles)

    def at_stage(pid: int) -> bool:
        profile = profiles.get(pid)
        return scope.stage is None or (profile is not None and profile.stage == scope.stage)

    member_ids = {m.person_id for m in memberships}
    students = {pid for pid in member_ids if has_role(pid, "student") and at_stage(pid)}
    members = member_ids if scope.stage is None else students
    kind = scope.kind

    # participants
    faculty = [pid for pid in member_ids if has_role(pid, "faculty") and pid in faculty_profiles]
    active_of = Counter(m.mentor_id for m in mentorships if m.active)
    accepting = sum(1 for pid in faculty if faculty_profiles[pid].accepting
                    and (faculty_profiles[pid].capacity or 0) - active_of[pid] > 0)

    # relationships
    active = [m for m in mentorships if m.active and m.student_id in students]
    in_scope = [m for m in active if kind is None or m.kind == kind]
    matching, _ = rules.networks([(m.student_id, m.kind) for m in in_scope], len(students))
    _, coverage = rules.networks([(m.student_id, m.kind) for m in active], len(students))
    states = []
    for m in in_scope:
        zone = people[m.student_id].timezone or default_tz
        logged = max((c.at for c in contacts
                      if c.student_id == m.student_id and c.mentor_id == m.mentor_id),
                      default=None)
        due = followup_day(last_contact(m.last_contact_at, logged), m.started_at,
                           m.cadence_days, zone)
        states.append(rules.health(due, m.cadence_days, local_day(period.end, zone)))

    # intro requests
    def counted_request(r: IntroRequest) -> bool:
        return ((r.group_id == group.id or r.student_id in students)
                and r.created_at >= period.start and at_stage(r.student_id)
                and (kind is None or r.kind == kind))

    period_requests = [r for r in requests if counted_request(r)]
    by_state = Counter(r.state for r in period_requests)
    hours = [rules.answer_hours(r.created_at, r.answered_at) for r in period_requests
             if r.state in (IntroState.ACCEPTED, IntroState.DECLINED)
             and r.answered_at is not None]
    intros = Intros(sent=len(period_requests), accepted=by_state[IntroState.ACCEPTED],
                    declined=by_state[IntroState.DECLINED],
                    expired=by_state[IntroState.EXPIRED], waiting=by_state[IntroState.OPEN],
                    median_hours=rules.median(hours))
    asked: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in period_requests:
        asked[r.faculty_id][1] += 1
        asked[r.faculty_id][0] += r.state == IntroState.EXPIRED
    silent = {fid: SilentFaculty(people[fid].name, n_expired, n_asked)
              for fid, (n_expired, n_asked) in asked.items() if n_expired}
    for pid, profile in faculty_profiles.items():
        if pid in member_ids and has_role(pid, "faculty") and not profile.accepting \
                and profile.accepting_off_reason == AcceptingOff.NO_ANSWER:
            before = silent.get(pid, SilentFaculty(people[pid].name, 0, 0))
            silent[pid] = SilentFaculty(before.name, before.expired, before.asked,
                                        profile.accepting_changed_at)

    # who is looking
    waiting = {r.student_id for r in requests if r.state == IntroState.OPEN}
    mentored = {m.student_id for m in mentorships if m.active}
    looking = sorted(
        (people[pid].name, pid) for pid in students
        if ((pid in profiles and profiles[pid].wants_mentor) or pid in waiting)
        and pid not in mentored)

    # meetings
    period_checkins = [c for c in checkins
                       if c.student_id in students and c.asked_at >= period.start]
    answers = Counter(c.answer for c in period_checkins if c.answer)
    ratings: dict[int, tuple[int, int]] = {}
    for c in contacts:
        if c.student_id in students and c.rating is not None and c.at >= period.start:
            n, total = ratings.get(c.mentor_id, (0, 0))
            ratings[c.mentor_id] = (n + 1, total + c.rating)

    # letters
    first_day = local_day(period.start, group.timezone)
    today = local_day(now, group.timezone)
    letter_counts = Counter((letter.state, letter.deadline) for letter in letters
                            if letter.student_id in students and letter.deadline >= first_day)

    # reminders
    reminders = [n for n in nudges if n.person_id in members and n.kind in catalog.reminders
                 and n.created_at >= period.start]
    tallies = Counter((n.state, n.sent_at is not None, n.snoozes > 0) for n in reminders)
    judged = [(n.sent_at, _first_answer(n, catalog, mentorships, letters, contacts, items,
                                        checkins, events))
              for n in reminders if n.kind in catalog.measured and n.sent_at is not None
              and n.sent_at <= rules.judged_if_sent_by(period.end)]

    # week by week
    bounds = period.week_bounds()
    dated = [sum(1 for c in contacts if c.student_id in students and start <= c.at < end)
             for start, end in bounds]
    joined = {m.person_id: m.joined_at for m in memberships if m.person_id in students}
    spans: dict[int, list[Span]] = defaultdict(list)
    for m in mentorships:
        if m.student_id in students and m.started_at < period.end \
                and (m.active or (m.ended_at is not None and m.ended_at >= period.start)) \
                and (kind is None or m.kind == kind):
            span = rules.mentorship_span(m.started_at, m.active, m.ended_at)
            if span is not None:
                spans[m.student_id].append(span)
    rates = rules.match_rates([end for _, end in bounds], joined, spans)

    return Report(
        group_slug=group.slug, group_name=group.name, period=period, first_day=first_day,
        last_day=today,
        participants=Participants(len(students), len(faculty), accepting),
        matching=matching, coverage=coverage, health=rules.health_counts(states),
        intros=intros,
        silent_faculty=tuple(sorted(silent.values(), key=lambda f: (-f.expired, f.name))),
        looking=tuple(name for name, _ in looking),
        meetings=rules.meetings(len(period_checkins), answers, ratings),
        letters=rules.letters([(s, d, n) for (s, d), n in letter_counts.items()], today),
        nudges=rules.nudges([(*key, n) for key, n in tallies.items()], judged),
        weeks=tuple(Week(local_day(start, group.timezone), rate, n)
                    for (start, _), rate, n in zip(bounds, rates, dated, strict=True)),
        scope=scope)


def _first_answer(n: Nudge, catalog: NudgeCatalog, mentorships: list[Mentorship],
                  letters: list[Letter], contacts: list[Contact], items: dict[int, ActionItem],
                  checkins: list[Checkin], events: list[LetterEvent]) -> datetime | None:
    """The first answer to reminder `n` its kind's spec counts, at or after it was sent."""
    news_only = catalog.answered_by(Evidence.NEWS)
    by_contact = (*catalog.answered_by(Evidence.CONTACT), *news_only)
    sent = n.sent_at
    assert sent is not None

    def first_contact(student: int, mentor: int | None) -> datetime | None:
        return min((c.created_at for c in contacts
                    if c.student_id == student and c.mentor_id == mentor
                    and c.created_at >= sent and (n.kind not in news_only or not c.is_ask)),
                   default=None)

    if n.subject_type == Subject.MENTORSHIP and n.kind in by_contact:
        m = next((m for m in mentorships if m.id == n.subject_id), None)
        return None if m is None else first_contact(m.student_id, m.mentor_id)
    if n.subject_type == Subject.THANKED_LETTER and n.kind in by_contact:
        letter = next((x for x in letters if x.id == n.subject_id), None)
        return None if letter is None else first_contact(letter.student_id, letter.writer_id)
    if n.subject_type == Subject.ACTION_ITEM and \
            n.kind in catalog.answered_by(Evidence.ITEM_CLOSED):
        item = items.get(n.subject_id or 0)
        return None if item is None else item.done_at
    if n.subject_type == Subject.MENTORSHIP and \
            n.kind in catalog.answered_by(Evidence.CHECKIN_ANSWERED):
        return min((c.answered_at for c in checkins if c.mentorship_id == n.subject_id
                    and c.answered_at is not None and c.answered_at >= sent), default=None)
    if n.subject_type == Subject.LETTER and n.kind in catalog.letter_moves:
        return min((e.at for e in events if e.letter_id == n.subject_id and e.at >= sent
                    and e.to_state in catalog.letter_moves[n.kind]), default=None)
    return None

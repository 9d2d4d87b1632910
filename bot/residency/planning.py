"""Planning the `residency-date` nudges: 14 and 3 days before each of the cycle's dates
(`bot.residency.rules.DATE_NUDGE_DAYS`) while the student has a list, at the nudge hour in
their zone. One subject per student (`Subject.RESIDENCY`, the student's id), so a change to
their profile (another cycle, another specialty) or the end of their list re-plans them
together and cancels what is no longer owed.

A planned nudge stores no words: `bot.residency.nudge_kinds` words it when it is sent, with
`bot.residency.messages.date_nudge_reply(facts, day)`, from the student's dates as they are
then and the local day it is read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.models import (
    Membership,
    Nudge,
    Person,
    ResidencyEntry,
    ResidencyProfile,
    ResidencyProgram,
    StudentProfile,
)
from bot.infra.settings import Settings
from bot.infra.zones import local_day
from bot.nudges.planning import Plan, PlannedNudge, store_plans
from bot.residency import messages, rules
from bot.residency.plan import date_portals, relevant_dates
from bot.vocab.cycles import CycleDate
from bot.vocab.letters import Portal
from bot.vocab.nudges import OPEN_STATES, NudgeKind, Subject
from bot.vocab.residency import EntryState


def _lists(profiles: list[ResidencyProfile], session: Session
           ) -> dict[int, list[Portal | None]]:
    """Students whose list is not empty (programs of their specialty in their groups'
    lists, or programs they kept by hand), with the portals those programs name: what the
    plan reads its dates from (`bot.residency.plan.date_portals`)."""
    ids = [p.person_id for p in profiles]
    if not ids:
        return {}
    groups: dict[int, set[int]] = defaultdict(set)
    for person_id, group_id in session.execute(
            select(Membership.person_id, Membership.group_id)
            .where(Membership.person_id.in_(ids))):
        groups[person_id].add(group_id)
    offered: dict[tuple[int, str], set[str | None]] = defaultdict(set)
    for group_id, specialty, portal in session.execute(
            select(ResidencyProgram.group_id, ResidencyProgram.specialty,
                   ResidencyProgram.portal).distinct()):
        offered[(group_id, specialty)].add(portal)
    kept: dict[int, set[str | None]] = defaultdict(set)
    for student_id, portal in session.execute(
            select(ResidencyEntry.student_id, ResidencyProgram.portal)
            .join(ResidencyProgram, ResidencyProgram.id == ResidencyEntry.program_id)
            .where(ResidencyEntry.state == EntryState.ADDED,
                   ResidencyEntry.student_id.in_(ids))):
        kept[student_id].add(portal)
    out: dict[int, list[Portal | None]] = {}
    for profile in profiles:
        mine: set[str | None] = set(kept.get(profile.person_id, set()))
        listed = profile.person_id in kept
        for group_id in groups[profile.person_id]:
            portals = offered.get((group_id, profile.specialty or ""))
            if portals is not None:
                listed = True
                mine |= portals
        if listed:
            out[profile.person_id] = [Portal(p) if p else None for p in mine]
    return out


def _facts(cycle: str, dates: Iterable[CycleDate]) -> dict[date, messages.DateFacts]:
    """The cycle's dates by day: events falling on one day share one nudge."""
    by_day: dict[date, list[CycleDate]] = defaultdict(list)
    for d in dates:
        by_day[d.day].append(d)
    return {day: messages.DateFacts(cycle=cycle, day=day,
                                    events=tuple((d.event, d.portal) for d in found),
                                    source=found[0].source)
            for day, found in by_day.items()}


@dataclass(frozen=True)
class StudentDates:
    """A student with a list, as their residency-date nudges are planned and worded: the
    cycle they apply in, their zone, and the cycle's dates that concern them, by day."""

    cycle: str
    zone: str
    facts: Mapping[date, messages.DateFacts]


def students_dates(session: Session, student_ids: Iterable[int], now: datetime,
                   default_tz: str) -> dict[int, StudentDates]:
    """The students among these who have a list now, each with the dates that concern
    them (a student with no profile, no specialty or an empty list is left out)."""
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        return {}
    profiles = list(session.scalars(select(ResidencyProfile).where(
        ResidencyProfile.person_id.in_(ids), ResidencyProfile.specialty.is_not(None))))
    listed = _lists(profiles, session)
    people = {pid: (tz, stage) for pid, tz, stage in session.execute(
        select(Person.id, Person.timezone, StudentProfile.stage)
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(Person.id.in_(ids)))}
    found: dict[int, StudentDates] = {}
    for profile in profiles:
        if profile.person_id not in listed:
            continue
        tz, stage = people.get(profile.person_id, (None, None))
        zone = tz or default_tz
        cycle = profile.cycle or rules.applying_cycle(stage, local_day(now, zone))
        portals = date_portals(profile.specialty or "", cycle, listed[profile.person_id])
        found[profile.person_id] = StudentDates(cycle, zone,
                                                _facts(cycle, relevant_dates(cycle, portals)))
    return found


def occurrence(cycle: str, due: rules.DateNudge) -> str:
    """What makes one residency-date nudge distinct: "2026-27:2027-03-19:14"."""
    return f"{cycle}:{due.occurrence}"


def read_occurrence(text: str) -> tuple[str, date] | None:
    """The cycle and the date a stored occurrence names, or None for one not read."""
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        return parts[0], date.fromisoformat(parts[1])
    except ValueError:
        return None


def student_plans(session: Session, student_ids: Iterable[int], now: datetime,
                  settings: Settings) -> list[Plan]:
    """The residency-date nudges each of these students is owed now (an empty plan for a
    student who is owed none: it cancels what they were owed before). They carry no words:
    `bot.residency.nudge_kinds` words them when they are sent."""
    ids = list(dict.fromkeys(student_ids))
    plans = {pid: Plan(Subject.RESIDENCY, pid) for pid in ids}
    for pid, student in students_dates(session, ids, now, settings.default_timezone).items():
        for due in rules.date_nudges(student.facts, tz=student.zone, now=now):
            plans[pid].nudges.append(PlannedNudge(
                person_id=pid, kind=NudgeKind.RESIDENCY_DATE, due_at=due.due_at,
                subject_type=Subject.RESIDENCY, subject_id=pid,
                occurrence=occurrence(student.cycle, due)))
    return list(plans.values())


def plan_residency_dates(session: Session, now: datetime, settings: Settings
                         ) -> Iterable[Plan]:
    """The planner of the residency feature: every student with a residency profile, and
    every student still owed a residency-date nudge (so one who no longer has a list has
    them cancelled)."""
    with_profile = set(session.scalars(select(ResidencyProfile.person_id).where(
        ResidencyProfile.specialty.is_not(None))))
    pending = set(session.scalars(select(Nudge.subject_id).where(
        Nudge.subject_type == Subject.RESIDENCY, Nudge.state.in_(OPEN_STATES))
        .distinct()))
    ids = sorted(with_profile | {i for i in pending if i is not None})
    return student_plans(session, ids, now, settings)


def replan(session: Session, student_id: int, now: datetime, settings: Settings) -> None:
    """Re-plan one student's residency-date nudges in the unit of work that changed their
    profile or list."""
    store_plans(session, student_plans(session, [student_id], now, settings), now=now)

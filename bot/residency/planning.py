"""Planning the `residency-date` nudges: 14 and 3 days before each of the cycle's dates
(`bot.residency.rules.DATE_NUDGE_DAYS`) while the student has a list, at the nudge hour in
their zone. One subject per student (`Subject.RESIDENCY`, the student's id), so a change to
their profile (another cycle, another specialty) or the end of their list re-plans them
together and cancels what is no longer owed.

A nudge's words are `bot.residency.messages.date_nudge_reply(facts, day)`: a function of the
date's facts and the local day it is read, worded here for the day it falls on and ready to
be rendered again when it is sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
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
from bot.nudges.vocab import OPEN_STATES, NudgeKind, Subject
from bot.residency import messages, rules
from bot.residency.cycles import CycleDate
from bot.residency.plan import date_portals, relevant_dates
from bot.residency.vocab import EntryState
from bot.vocab.letters import Portal


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


def student_plans(session: Session, student_ids: Iterable[int], now: datetime,
                  settings: Settings) -> list[Plan]:
    """The residency-date nudges each of these students is owed now (an empty plan for a
    student who is owed none: it cancels what they were owed before)."""
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        return []
    profiles = list(session.scalars(select(ResidencyProfile).where(
        ResidencyProfile.person_id.in_(ids), ResidencyProfile.specialty.is_not(None))))
    listed = _lists(profiles, session)
    people = {pid: (tz, stage) for pid, tz, stage in session.execute(
        select(Person.id, Person.timezone, StudentProfile.stage)
        .outerjoin(StudentProfile, StudentProfile.person_id == Person.id)
        .where(Person.id.in_(ids)))}
    plans = {pid: Plan(Subject.RESIDENCY, pid) for pid in ids}
    for profile in profiles:
        if profile.person_id not in listed:
            continue
        tz, stage = people.get(profile.person_id, (None, None))
        zone = tz or settings.default_timezone
        today = local_day(now, zone)
        cycle = profile.cycle or rules.applying_cycle(stage, today)
        portals = date_portals(profile.specialty or "", cycle, listed[profile.person_id])
        facts = _facts(cycle, relevant_dates(cycle, portals))
        for due in rules.date_nudges(facts, tz=zone, now=now):
            fact = facts[due.day]
            plans[profile.person_id].nudges.append(PlannedNudge(
                person_id=profile.person_id, kind=NudgeKind.RESIDENCY_DATE,
                due_at=due.due_at, subject_type=Subject.RESIDENCY,
                subject_id=profile.person_id, occurrence=f"{cycle}:{due.occurrence}",
                reply=messages.date_nudge_reply(fact, local_day(due.due_at, zone))))
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

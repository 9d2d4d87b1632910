"""One next follow-up: the planner raises a follow-up on the very instant `/mentor list` and
the dashboard show (and `bot.mentoring.history.followups`, which the group digest counts
with), whatever way the last contact got into the record.

Each case builds one mentorship and returns the follow-up the rule should give; the test
then checks every view against it, and the planner one minute before and at that instant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.framework.replies import Reply
from bot.home.dashboard import dashboard
from bot.infra.models import Contact, Mentorship, Person
from bot.infra.zones import format_day, format_local, local_day
from bot.mentoring.history import followups
from bot.mentoring.planning import plan_relationships
from bot.vocab.nudges import NudgeKind, Subject
from tests.support.factories import add_faculty, add_student
from tests.support.relationships import add_mentorship

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # the `clock` fixture
NY = "America/New_York"


@dataclass(frozen=True)
class Case:
    tz: str | None
    kind: str
    started_at: datetime
    act: Callable[..., None]  # (core, driver, clock, student, mentor, mentorship id)
    due: datetime  # the follow-up the one rule gives
    last: date | None  # the last contact's local day, as every view shows it


def _nothing(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    pass


def _log_today(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    assert not driver.run(student, f"/mentor log {mentor.email} note:update").error


def _log_earlier_day(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    assert not driver.run(student, f"/mentor log {mentor.email} on:2026-12-20").error


def _contact_only_in_the_log(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    """A contact the mentorship's own record never heard of (written by an import, or
    logged before the mentorship existed): only `contacts` has it."""
    with core.db.session() as s:
        s.get(Mentorship, mid).last_contact_at = NOW - timedelta(days=20)
        s.add(Contact(student_id=student.id, mentor_id=mentor.id, mentorship_id=None,
                      at=NOW - timedelta(days=3), note="", is_ask=False, created_at=NOW))


def _contact_before_the_start(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    """A letter ask months before the mentorship began does not make its first follow-up
    overdue on day one: the clock starts with the mentorship."""
    with core.db.session() as s:
        s.add(Contact(student_id=student.id, mentor_id=mentor.id, mentorship_id=None,
                      at=NOW - timedelta(days=90), note="asked for a letter", is_ask=True,
                      created_at=NOW - timedelta(days=90)))


def _log_before_spring_forward(core, driver, clock, student, mentor, mid) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2027, 3, 12, 15, 0, tzinfo=UTC))
    assert not driver.run(student, f"/mentor log {mentor.email} on:2027-03-10").error


CASES = {
    "no contact yet": Case(None, "career", NOW - timedelta(days=10), _nothing,
                           datetime(2027, 2, 5, 10, 0, tzinfo=UTC), None),
    "logged with /mentor log": Case(None, "career", NOW - timedelta(days=10), _log_today,
                                    datetime(2027, 2, 15, 10, 0, tzinfo=UTC), date(2027, 1, 4)),
    "an earlier on: day": Case(NY, "career", NOW - timedelta(days=60), _log_earlier_day,
                               datetime(2027, 1, 31, 15, 0, tzinfo=UTC), date(2026, 12, 20)),
    # The views used to read only the mentorship's record (due Tue 26 Jan).
    "a contact only in contacts": Case(None, "career", NOW - timedelta(days=60),
                                       _contact_only_in_the_log,
                                       datetime(2027, 2, 12, 10, 0, tzinfo=UTC),
                                       date(2027, 1, 1)),
    # The planner used to count from the ask (due Tue 17 Nov 2026, overdue at once).
    "a contact before the start": Case(None, "career", NOW - timedelta(days=5),
                                       _contact_before_the_start,
                                       datetime(2027, 2, 10, 10, 0, tzinfo=UTC),
                                       date(2026, 10, 6)),
    # Noon EST on Wed 10 Mar; clocks go forward on Sun 14 Mar: 10:00 EDT on Wed 17 Mar.
    "across the DST change in New York": Case(NY, "research", NOW, _log_before_spring_forward,
                                              datetime(2027, 3, 17, 14, 0, tzinfo=UTC),
                                              date(2027, 3, 10)),
}


def _field(reply: Reply, heading_or_text: str, name: str) -> str:
    for section in reply.sections:
        if heading_or_text in (section.heading + section.text):
            for field in section.fields:
                if field.name == name:
                    return field.value
    raise AssertionError(f"no {name!r} for {heading_or_text!r} in {reply.as_text()}")


def _followups_planned(core, student_id: int, mid: int, at: datetime) -> list:  # type: ignore[no-untyped-def]
    with core.db.session() as s:
        plans = plan_relationships(s, at, "UTC", student_id=student_id)
    return [n for p in plans if (p.subject_type, p.subject_id) == (Subject.MENTORSHIP, mid)
            for n in p.nudges if n.kind == NudgeKind.FOLLOWUP]


@pytest.mark.parametrize("name", list(CASES))
def test_planner_list_and_dashboard_agree_on_the_next_followup(core, driver, clock, name):
    case = CASES[name]
    with core.db.session() as s:
        student = add_student(s, "Ana Diaz", tz=case.tz)
        mentor = add_faculty(s, "Dr. Maria Rivera")
        mid = add_mentorship(s, student, mentor, kind=case.kind, started_at=case.started_at).id
    case.act(core, driver, clock, student, mentor, mid)
    tz = case.tz or "UTC"
    last = format_day(case.last) if case.last else None

    # The rule, as the digest reads it.
    with core.db.session() as s:
        [row] = followups(s, Mentorship.student_id == student.id, default_tz="UTC")
        assert row.due_at == case.due
        assert (local_day(row.last_contact, tz) if row.last_contact else None) == case.last

    # /mentor list
    listed = driver.run(student, "/mentor list")
    assert _field(listed, "Dr. Maria Rivera", "Next follow-up").startswith(
        format_local(case.due, tz))
    assert _field(listed, "Dr. Maria Rivera", "Last contact") == (last or "none logged")

    # The dashboard
    with core.db.session() as s:
        board = dashboard(s, s.get_one(Person, student.id), clock.now(), core.settings)
    assert _field(board, "Dr. Maria Rivera", "Next follow-up") == format_day(
        local_day(case.due, tz))
    assert _field(board, "Dr. Maria Rivera", "Last contact") == (last or "-")

    # The planner owes nothing a minute before, and that very follow-up at the instant.
    assert _followups_planned(core, student.id, mid, case.due - timedelta(minutes=1)) == []
    [owed] = _followups_planned(core, student.id, mid, case.due)
    assert owed.due_at == case.due
    assert owed.occurrence == local_day(case.due, tz).isoformat()

"""The report dates relationships in one pass of its own (bot.reports.store.Relationships)
for speed; the dates must be those of the one reader every other view uses
(bot.mentoring.history.followups). Checked on random histories: contacts before and after
the start, contacts logged without touching the mentorship, students in other zones, ended
mentorships and mentorships of students outside the group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.infra.db import Database
from bot.infra.models import Contact, Mentorship
from bot.infra.zones import local_day
from bot.mentoring.history import followups
from bot.reports import rules, store
from tests.support.factories import add_faculty, add_group, add_student
from tests.support.properties import examples

NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland", None]

relationship = st.tuples(
    st.integers(0, 3),  # student
    st.integers(0, 1),  # mentor
    st.sampled_from([7, 14, 42]),  # rhythm
    st.integers(0, 200),  # started, days ago
    st.one_of(st.none(), st.integers(0, 240)),  # recorded last contact, days ago
    st.lists(st.integers(0, 300), max_size=3),  # logged contacts, days ago
    st.booleans(),  # still active
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(relationship, min_size=1, max_size=8), st.integers(0, 23))
def test_the_report_dates_every_relationship_as_followups_does(
        database: Database, rows: list[tuple[int, int, int, int, int | None, list[int], bool]],
        hour: int) -> None:
    now = NOW + timedelta(hours=hour)
    with database.session() as session:
        session.execute(delete(Contact))
        session.execute(delete(Mentorship))
        students = [add_student(session, f"Student {i}", email=f"h{i}-{hour}@example.edu",
                                tz=ZONES[i]) for i in range(4)]
        mentors = [add_faculty(session, f"Dr. Mentor {i}", email=f"m{i}-{hour}@example.edu")
                   for i in range(2)]
        group = add_group(session, f"g{hour}", members=students[:3] + mentors)
        for student, mentor, cadence, started, recorded, logged, active in rows:
            session.add(Mentorship(
                student_id=students[student].id, mentor_id=mentors[mentor].id,
                cadence_days=cadence, started_at=now - timedelta(days=started, hours=5),
                last_contact_at=None if recorded is None else now - timedelta(days=recorded),
                active=active, ended_at=None if active else now - timedelta(days=1)))
            for ago in logged:
                session.add(Contact(student_id=students[student].id,
                                    mentor_id=mentors[mentor].id,
                                    at=now - timedelta(days=ago, minutes=7),
                                    created_at=now))
        session.flush()
        members = store.Members(session, group.id)
        held = store.Relationships(session, members, rules.Period(now), "America/Chicago")
        theirs = followups(session, Mentorship.student_id.in_(members.students),
                           default_tz="America/Chicago")
        session.rollback()
    expected = rules.health_counts(
        rules.health(row.due_day, row.cadence_days, local_day(now, row.tz)) for row in theirs)
    assert held.health == expected
    assert sorted(held.kinds) == sorted((row.student_id, row.kind) for row in theirs)

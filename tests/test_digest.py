"""The weekly digest: content (counts, never a student), once per group and week with
several workers, and a scheduler restart that neither repeats nor skips it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import Router
from bot.groups.digest_rules import HORIZON_WEEKS, DigestFacts, last_moment, week_key
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import (
    ChannelBinding,
    DigestPost,
    InterestGroup,
    Letter,
    Membership,
    Mentorship,
)
from bot.letters.rules import OPEN_STATES
from bot.mentoring.cadence import next_followup
from bot.nudges import store
from bot.nudges.policy import LEASE
from bot.reports.digest import gather
from bot.reports.digest_messages import digest_reply
from bot.vocab.letters import LETTER_STATES
from bot.vocab.nudges import Subject
from jobs.digest import catch_up, due_groups, post_digest
from jobs.scheduler import SchedulerService, digest_job_id, digest_trigger
from tests.support.channels import RecordingChannel
from tests.support.factories import add_faculty, add_group, add_student

NY = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_group(session, *, created: datetime, bound: bool = True) -> InterestGroup:  # type: ignore[no-untyped-def]
    group = add_group(session, "em", name="Emergency Medicine IG",
                      specialty="Emergency Medicine")
    group.timezone = NY
    group.digest_weekday = 0
    group.digest_hour = 9
    group.created_at = created
    if bound:
        group.bindings.append(ChannelBinding(platform="slack", workspace="T1",
                                             channel_id="C_EM"))
    session.flush()
    return group


def posts(database: Database) -> list[tuple[str, str]]:
    with database.session() as session:
        return [(p.week, p.state) for p in session.scalars(select(DigestPost))]


# --- pure rules ----------------------------------------------------------------------


def test_last_moment_is_the_groups_local_day_and_hour_across_dst() -> None:
    # Monday 9:00 New York: 14:00Z in winter, 13:00Z after 14 March 2027.
    assert last_moment(utc(2027, 1, 11, 14, 0), 0, 9, NY) == utc(2027, 1, 11, 14, 0)
    assert last_moment(utc(2027, 1, 11, 13, 59), 0, 9, NY) == utc(2027, 1, 4, 14, 0)
    assert last_moment(utc(2027, 3, 16, 0, 0), 0, 9, NY) == utc(2027, 3, 15, 13, 0)
    assert week_key(utc(2027, 1, 11, 14, 0), NY) == "2027-W02"
    # Sunday evening in New York is already Monday in UTC: the local date decides.
    assert week_key(utc(2027, 1, 11, 2, 0), NY) == "2027-W01"


def test_weekly_trigger_fires_at_local_nine_on_both_sides_of_dst() -> None:
    trigger = digest_trigger(0, 9, NY)
    assert trigger.get_next_fire_time(None, utc(2027, 3, 1)) == utc(2027, 3, 1, 14, 0)
    assert trigger.get_next_fire_time(None, utc(2027, 3, 10)) == utc(2027, 3, 15, 13, 0)


# --- content -------------------------------------------------------------------------


def test_digest_lists_faculty_and_counts_but_never_names_a_student(
        database: Database, clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        rivera = add_faculty(session, "Dr. Maria Rivera", research=["ultrasound"])
        rivera.faculty_profile.accepting_since = now - timedelta(days=2)  # type: ignore[union-attr]
        old = add_faculty(session, "Dr. Old Hand")
        old.faculty_profile.accepting_since = now - timedelta(days=90)  # type: ignore[union-attr]
        add_faculty(session, "Dr. Sam Park", accepting=False, office_hours="Tue 4-5pm, ED office")
        add_faculty(session, "Dr. Elsewhere", specialty="Dermatology",
                    office_hours="never mind")
        zelda = add_student(session, "Zelda Quinnsworth", email="zq@example.edu")
        group = make_group(session, created=now - timedelta(days=60), bound=False)
        group_id = group.id
        add_group(session, "other")
        session.add(Letter(student_id=zelda.id, writer_id=rivera.id,
                           writer_name="Dr. Maria Rivera", program="Stanford EM Residency",
                           deadline=date(2027, 1, 20), state="asked"))
        session.add(Letter(student_id=zelda.id, writer_name="Dr. Old Hand",
                           program="Far Future", deadline=date(2027, 6, 1), state="asked"))
        session.add(Mentorship(student_id=zelda.id, mentor_id=rivera.id, group_id=group.id,
                               kind="career", cadence_days=42,
                               started_at=now - timedelta(days=40)))
        session.add(Membership(person_id=zelda.id, group_id=group.id))
    channel = RecordingChannel()
    with database.session() as session:
        session.add(ChannelBinding(group_id=group_id, platform="slack", workspace="T1",
                                   channel_id="C_EM"))
    assert post_digest(database, Router([channel]), clock, group_id).state == "posted"
    (post,) = channel.posted
    assert (post.target.platform, post.target.workspace, post.target.channel_id) == \
        ("slack", "T1", "C_EM")
    text = post.reply.as_text()
    assert "Dr. Maria Rivera" in text and "ultrasound" in text
    assert "Dr. Old Hand" not in text.split("Office hours")[0]
    assert "Dr. Sam Park: Tue 4-5pm, ED office" in text
    assert "Elsewhere" not in text
    assert "1 letter deadline and 1 mentor follow-up in the next 4 weeks" in text
    for private in ("Zelda", "Quinnsworth", "zq@example.edu", "Stanford", "Far Future"):
        assert private not in text
    assert post.reply.ping is None and not post.reply.ephemeral


AUCKLAND = "Pacific/Auckland"


def test_the_digest_counts_days_on_the_groups_calendar_far_from_utc(
        database: Database, clock: FixedClock) -> None:
    """Monday 9:00 in Auckland is Sunday 20:00 UTC: the four weeks start on the group's
    Monday, so Sunday's deadline has passed and the deadline four weeks from Monday (and
    a follow-up due that morning) are still in them."""
    now = utc(2027, 1, 10, 20, 0)
    assert last_moment(now, 0, 9, AUCKLAND) == now
    clock.set(now)
    monday = date(2027, 1, 11)
    last = monday + timedelta(weeks=HORIZON_WEEKS)
    with database.session() as session:
        group = make_group(session, created=now - timedelta(days=60), bound=False)
        group.timezone = AUCKLAND
        mentor = add_faculty(session, "Dr. Maria Rivera")
        kiri = add_student(session, "Kiri Student", tz=AUCKLAND)
        session.add(Membership(person_id=kiri.id, group_id=group.id))
        for deadline in (monday - timedelta(days=1), monday, last, last,
                         last + timedelta(days=1)):
            session.add(Letter(student_id=kiri.id, writer_name="Dr. Maria Rivera",
                               program=f"Program {deadline}", deadline=deadline,
                               state="asked"))
        # Last contact four weeks before `last` (Auckland days): due at 10:00 that day.
        contact = datetime(2027, 1, 11, 10, tzinfo=ZoneInfo(AUCKLAND))
        session.add(Mentorship(student_id=kiri.id, mentor_id=mentor.id, group_id=group.id,
                               kind="career", cadence_days=HORIZON_WEEKS * 7,
                               started_at=contact - timedelta(days=30),
                               last_contact_at=contact))
        session.flush()
        due = next_followup(contact, contact, HORIZON_WEEKS * 7, AUCKLAND)
        assert due > now + timedelta(weeks=HORIZON_WEEKS)  # beyond four weeks of UTC
        assert due.astimezone(ZoneInfo(AUCKLAND)).date() == last
        facts = gather(session, group, now)
    assert (facts.letters_due, facts.followups_due) == (3, 1)


def test_the_digest_counts_open_letters_by_the_letters_own_states(
        database: Database, clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        group = make_group(session, created=now - timedelta(days=60), bound=False)
        ana = add_student(session, "Ana Lopez")
        session.add(Membership(person_id=ana.id, group_id=group.id))
        for state in LETTER_STATES:
            session.add(Letter(student_id=ana.id, writer_name="Dr. Old Hand",
                               program=f"Program {state}", deadline=now.date(), state=state))
        session.flush()
        facts = gather(session, group, now)
    assert facts.letters_due == len(OPEN_STATES) < len(LETTER_STATES)


def test_follow_ups_counted_are_those_the_mentoring_rule_makes_due(
        database: Database, clock: FixedClock) -> None:
    """One rule for when a follow-up falls due: the digest counts exactly the mentorships
    whose `next_followup` falls within its four weeks (overdue ones too)."""
    now = clock.now()
    with database.session() as session:
        group = make_group(session, created=now - timedelta(days=60), bound=False)
        mentor = add_faculty(session, "Dr. Maria Rivera")
        expected = 0
        for days_ago in (1, 10, 20, 40, 60, 100):
            for cadence in (7, 42, 56):
                student = add_student(session, f"Student {days_ago} {cadence}", tz=NY)
                contact = now - timedelta(days=days_ago)
                session.add(Mentorship(student_id=student.id, mentor_id=mentor.id,
                                       group_id=group.id, kind="career", cadence_days=cadence,
                                       started_at=contact - timedelta(days=200),
                                       last_contact_at=contact))
                due = next_followup(contact, contact, cadence, NY)
                expected += due.astimezone(ZoneInfo(NY)).date() <= \
                    now.astimezone(ZoneInfo(NY)).date() + timedelta(weeks=HORIZON_WEEKS)
        session.flush()
        facts = gather(session, group, now)
    assert 0 < facts.followups_due == expected < 18


def test_a_group_finds_its_faculty_however_their_specialty_was_written(
        database: Database, clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        group = make_group(session, created=now - timedelta(days=60), bound=False)
        group.specialty = "emergency medicine"
        add_faculty(session, "Dr. Typed Em", specialty="EM", office_hours="Mon")
        add_faculty(session, "Dr. Typed Er", specialty="ER", office_hours="Tue")
        add_faculty(session, "Dr. Full Name", specialty="Emergency Medicine",
                    office_hours="Wed")
        add_faculty(session, "Dr. Peds Em", specialty="Pediatric Emergency Medicine",
                    office_hours="Thu")
        session.flush()
        facts = gather(session, group, now)
    assert [f.name for f in facts.office_hours] == ["Dr. Full Name", "Dr. Typed Em",
                                                    "Dr. Typed Er"]


def test_the_digest_words_its_counts_and_weeks_from_the_facts() -> None:
    facts = DigestFacts(group_name="EM IG", specialty="", newly_accepting=(),
                        office_hours=(), letters_due=1, followups_due=2, weeks=1)
    text = digest_reply(facts).as_text()
    assert "1 letter deadline and 2 mentor follow-ups in the next 1 week." in text
    text = digest_reply(DigestFacts("EM IG", "", (), (), 0, 1)).as_text()
    assert f"0 letter deadlines and 1 mentor follow-up in the next {HORIZON_WEEKS} weeks" \
        in text


# --- once per week -------------------------------------------------------------------


def test_two_workers_post_the_weeks_digest_once(db_url: str, clock: FixedClock) -> None:
    setup = Database(db_url)
    with setup.session() as session:
        group_id = make_group(session, created=clock.now() - timedelta(days=30)).id
    setup.dispose()
    channel = RecordingChannel()
    barrier = threading.Barrier(2)
    results = []

    def worker() -> None:
        db = Database(db_url)
        try:
            barrier.wait(timeout=10)
            results.append(post_digest(db, Router([channel]), clock, group_id))
        finally:
            db.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.state for r in results) == ["posted", "taken"]
    assert len(channel.posted) == 1
    check = Database(db_url)
    assert posts(check) == [("2027-W01", "posted")]
    # Later the same week, a third try (another worker, a retry) posts nothing.
    clock.advance(timedelta(days=2))
    assert post_digest(check, Router([channel]), clock, group_id).state == "taken"
    assert len(channel.posted) == 1
    check.dispose()


def test_a_failed_post_is_kept_and_retried_by_the_catch_up(database: Database,
                                                           clock: FixedClock) -> None:
    from bot.framework.channels import DeliveryError

    with database.session() as session:
        group_id = make_group(session, created=clock.now() - timedelta(days=30)).id
    channel = RecordingChannel(failures=[DeliveryError("chat.postMessage: not_in_channel")])
    router = Router([channel])
    assert post_digest(database, router, clock, group_id).state == "failed"
    with database.session() as session:
        row = session.scalar(select(DigestPost))
        assert row is not None and "not_in_channel" in (row.last_error or "")
    assert [r.state for r in catch_up(database, router, clock)] == ["posted"]
    assert len(channel.posted) == 1
    assert catch_up(database, router, clock) == []


def test_a_group_created_after_this_weeks_moment_waits_for_the_next(
        database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        make_group(session, created=clock.now() - timedelta(minutes=30))  # after Mon 9:00 NY
    assert due_groups(database, clock.now()) == []


# --- scheduler restarts --------------------------------------------------------------


def test_scheduler_restart_neither_repeats_nor_skips_the_weekly_digest(
        core: Core, clock: FixedClock) -> None:
    with core.db.session() as session:
        group_id = make_group(session, created=utc(2027, 1, 5)).id
    channel = RecordingChannel()
    router = Router([channel])

    def run_for_a_while(until: datetime) -> SchedulerService:
        """A process lifetime: its start-up catch-up, then the weekly job if it fires."""
        service = SchedulerService(core, router, plan_all)
        service.add_jobs()
        service.scheduler.start(paused=True)  # jobs in the store, the test runs them
        try:
            service.catch_up()  # what the scheduler runs first on start
            job = service.scheduler.get_job(digest_job_id(group_id))
            assert job is not None and job.coalesce and job.misfire_grace_time == 6 * 3600
            fire = job.trigger.get_next_fire_time(None, clock.now())
            if fire <= until:
                clock.set(fire)
                service.digest(group_id)
            clock.set(until)
        finally:
            service.stop()
        return service

    # Up Friday to Sunday: no digest is due (the group is new since last Monday).
    clock.set(utc(2027, 1, 8, 12))
    run_for_a_while(utc(2027, 1, 10, 12))
    assert channel.posted == []
    # Down over Monday 9:00; back at 10:30: the catch-up posts the missed week once.
    clock.set(utc(2027, 1, 11, 15, 30))
    run_for_a_while(utc(2027, 1, 11, 16))
    assert posts(core.db) == [("2027-W02", "posted")]
    # Restarted again the same day, then up across the next Monday.
    clock.set(utc(2027, 1, 11, 17))
    run_for_a_while(utc(2027, 1, 19))
    assert posts(core.db) == [("2027-W02", "posted"), ("2027-W03", "posted")]
    assert len(channel.posted) == 2
    # Restart just after the job fired: nothing again.
    run_for_a_while(utc(2027, 1, 19, 1))
    assert len(channel.posted) == 2


def test_started_scheduler_runs_its_jobs_and_stops_cleanly(core: Core,
                                                           clock: FixedClock) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from tests.support.nudges import add_nudge

    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        # Attached to no subject: the planner running beside the sweep leaves it alone.
        add_nudge(session, ana, due_at=clock.now(), kind="notice", text="hello",
                  subject_type=Subject.NONE)
        make_group(session, created=utc(2026, 12, 1))
    channel = RecordingChannel()
    service = SchedulerService(core, Router([channel]), plan_all)
    done: dict[str, threading.Event] = {"delivery-sweep": threading.Event(),
                                        "digest-catch-up": threading.Event(),
                                        "nudge-planner": threading.Event()}
    errors: list[object] = []

    def listener(event) -> None:  # type: ignore[no-untyped-def]
        if event.exception is not None:
            errors.append(event.exception)
        if event.job_id in done:
            done[event.job_id].set()

    service.scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    service.start()
    try:
        for name, event in done.items():
            assert event.wait(timeout=15), name
        assert not errors
        assert channel.texts() == ["hello"]
        assert len(channel.posted) == 1  # this week's digest, missed before start
        ids = {job.id for job in service.scheduler.get_jobs()}
        assert {"delivery-sweep", "nudge-planner", "digest-catch-up"} <= ids
        assert any(i.startswith("digest:") for i in ids)
        # A command queueing a message pokes the sweep: delivered without waiting a minute.
        done["delivery-sweep"].clear()
        with core.db.session() as session:
            add_nudge(session, ana.id, due_at=clock.now(), kind="notice", text="again",
                      subject_type=Subject.NONE)
        core.poke_delivery()
        assert done["delivery-sweep"].wait(timeout=15)
        assert channel.texts() == ["hello", "again"]
    finally:
        service.stop()
    assert not service.scheduler.running


def test_a_worker_that_died_while_posting_is_taken_over_after_its_lease(
        database: Database, clock: FixedClock) -> None:
    with database.session() as session:
        group_id = make_group(session, created=clock.now() - timedelta(days=30)).id
        # Another worker claimed this week's digest and died before posting it.
        assert store.claim_digest(session, group_id, "2027-W01", worker="dead-worker",
                                  now=clock.now())
    channel = RecordingChannel()
    router = Router([channel])
    assert post_digest(database, router, clock, group_id).state == "taken"
    # The lease is the nudges' own: held until it runs out, then anyone's.
    clock.advance(LEASE - timedelta(seconds=1))
    assert catch_up(database, router, clock) == []
    clock.advance(timedelta(seconds=1))
    assert [r.state for r in catch_up(database, router, clock)] == ["posted"]
    assert len(channel.posted) == 1
    assert posts(database) == [("2027-W01", "posted")]

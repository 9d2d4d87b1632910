"""The scheduler service: it stops within its wait even while a job calls back into
APScheduler (the hang of issue 12), a sweep stopped mid-batch gives back what it did not
send, and a nudge falling due within the minute brings the next sweep forward."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import time_machine
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.framework.channels import Router
from bot.infra.clock import FixedClock
from bot.infra.models import Nudge
from bot.infra.settings import Settings
from bot.nudges.policy import LEASE
from bot.vocab.nudges import NudgeState, Subject
from jobs.scheduler import SOON, SWEEP_JOB, SchedulerService, lease_of
from tests.support.channels import RecordingChannel
from tests.support.factories import add_student
from tests.support.nudges import add_nudge
from tests.support.waiting import wait_until


def test_stop_does_not_wait_for_a_job_that_waits_for_the_scheduler(core: Core) -> None:
    """The planner pokes the sweep (APScheduler's lock) after planning; APScheduler's own
    shutdown(wait=True) held that lock while waiting for the planner: a hang."""
    planning = threading.Event()
    release = threading.Event()

    def slow_plan(session: Session, now: datetime, settings: Settings) -> int:
        planning.set()
        assert release.wait(timeout=10)
        return 1  # something new: the planner pokes the sweep

    service = SchedulerService(core, Router([RecordingChannel()]), slow_plan)
    service.start()
    assert planning.wait(timeout=10)
    stopped: list[bool] = []
    stopper = threading.Thread(target=lambda: stopped.append(service.stop(timeout=10)))
    started = time.monotonic()
    stopper.start()
    # The stop is under way (APScheduler shut down) while the planner still works.
    wait_until(lambda: not service.scheduler.running, what="APScheduler to shut down")
    release.set()
    stopper.join(timeout=15)
    assert not stopper.is_alive()
    assert stopped == [True] and time.monotonic() - started < 5
    assert not service.scheduler.running


def test_stop_gives_up_waiting_after_its_timeout(core: Core) -> None:
    planning = threading.Event()
    release = threading.Event()

    def stuck_plan(session: Session, now: datetime, settings: Settings) -> int:
        planning.set()
        release.wait(timeout=10)
        return 0

    service = SchedulerService(core, Router([RecordingChannel()]), stuck_plan)
    service.start()
    assert planning.wait(timeout=10)
    started = time.monotonic()
    assert service.stop(timeout=0.5) is False  # the planner is still running
    assert time.monotonic() - started < 2
    release.set()


def test_a_nudge_due_within_the_minute_brings_the_sweep_forward(core: Core,
                                                                clock: FixedClock) -> None:
    """APScheduler times its jobs by the machine's clock: it is stopped at the test's
    moment (time-machine), so the sweep's new time is exact."""
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        add_nudge(session, ana, due_at=clock.now() + timedelta(seconds=20),
                  subject_type=Subject.NONE)
    service = SchedulerService(core, Router([RecordingChannel()]), lambda *_: 0)
    with time_machine.travel(clock.now(), tick=False):
        service.add_jobs()
        service.scheduler.start(paused=True)  # the test runs the job itself
        try:
            # As once the start-up run is under way: the next run is a minute on.
            service.scheduler.modify_job(SWEEP_JOB,
                                         next_run_time=clock.now() + timedelta(minutes=1))
            service.sweep()
            job = service.scheduler.get_job(SWEEP_JOB)
            assert job is not None
            assert job.next_run_time == clock.now() + timedelta(seconds=20)
        finally:
            service.stop()
    assert timedelta(seconds=20) > SOON  # not waited for inside the job


def test_the_lease_can_be_set_for_the_whole_service(core: Core) -> None:
    assert lease_of(Settings(_env_file=None)) == LEASE  # type: ignore[call-arg]
    settings = Settings(nudge_lease_seconds=20, _env_file=None)  # type: ignore[call-arg]
    assert lease_of(settings) == timedelta(seconds=20)
    core.settings = settings
    service = SchedulerService(core, Router(), lambda *_: 0)
    assert service.sweeper.lease == timedelta(seconds=20)


def test_a_stopped_service_runs_no_more_jobs(core: Core, clock: FixedClock) -> None:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=clock.now(), subject_type=Subject.NONE)
    channel = RecordingChannel()
    service = SchedulerService(core, Router([channel]), lambda *_: 0)
    service.stop()
    service.sweep()
    service.plan()
    assert channel.sent == []
    with core.db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and (row.state, row.claimed_by) == (NudgeState.PENDING, None)

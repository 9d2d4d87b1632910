"""Retention (issue 15): the daily job deletes finished nudges after 12 months, processed
events after 30 days and request signatures after their 5-minute window, with an injected
clock, and touches nothing current."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from adapters.slack.edge import RECORD_LIFETIME, REPLAY_PLATFORM, SIGNATURE_WINDOW
from bot.app import demo
from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.app.planning import plan_all
from bot.app.runner import SHORT_LIVED
from bot.framework.channels import Router
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.events import first_time
from bot.infra.models import Nudge, NudgeTombstone, SeenEvent
from bot.infra.settings import Settings
from bot.nudges import store
from bot.vocab.nudges import NudgeKind, NudgeState
from jobs.retention import Pruned, Retention, prune
from jobs.scheduler import RETENTION_JOB, SchedulerService
from tests.support.factories import add_student
from tests.support.nudges import add_nudge


def test_defaults_are_a_year_for_nudges_and_a_month_for_events() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.retention_nudge_days, settings.retention_event_days) == (365, 30)
    retention = Retention.from_settings(settings, SHORT_LIVED)
    assert (retention.nudges, retention.events) == (timedelta(days=365), timedelta(days=30))
    assert retention.short_lived == {REPLAY_PLATFORM: timedelta(seconds=RECORD_LIFETIME)}
    # A request is accepted up to the window before or after its timestamp: its record
    # must last both.
    assert (SIGNATURE_WINDOW, RECORD_LIFETIME) == (300, 600)


def test_the_daily_job_prunes_what_is_past_retention_and_nothing_current(
        database: Database, clock: FixedClock) -> None:
    now = clock.now()
    year, month = timedelta(days=365), timedelta(days=30)
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        ids: dict[str, int] = {}
        for state in NudgeState:  # one of each state, 13 months old
            ids[f"old {state}"] = add_nudge(session, ana, due_at=now - year - month,
                                            created_at=now - year - month).id
        ids["recent sent"] = add_nudge(session, ana, due_at=now - month).id
        ids["future pending"] = add_nudge(session, ana, due_at=now + timedelta(days=3)).id
        for state in NudgeState:
            session.execute(update(Nudge).where(Nudge.id == ids[f"old {state}"])
                            .values(state=state))
        session.execute(update(Nudge).where(Nudge.id == ids["recent sent"])
                        .values(state=NudgeState.SENT, sent_at=now - month))
        for name, age, platform in [("old event", month + timedelta(days=1), "slack"),
                                    ("recent event", month - timedelta(days=1), "slack"),
                                    ("old discord", month + timedelta(hours=1), "discord"),
                                    ("stale signature", timedelta(minutes=11), REPLAY_PLATFORM),
                                    ("live signature", timedelta(minutes=9), REPLAY_PLATFORM)]:
            assert first_time(session, platform, name, now - age)

    retention = Retention(nudges=year, events=month, short_lived=SHORT_LIVED)
    pruned = prune(database, now, retention)
    assert (pruned.nudges, pruned.events) == (4, 3)
    with database.session() as session:
        left = {nudge_id: state for nudge_id, state in
                session.execute(select(Nudge.id, Nudge.state))}
        events = set(session.scalars(select(SeenEvent.event_id)))
    assert left == {ids["old pending"]: NudgeState.PENDING,
                    ids["old unreachable"]: NudgeState.UNREACHABLE,
                    ids["recent sent"]: NudgeState.SENT,
                    ids["future pending"]: NudgeState.PENDING}
    assert events == {"recent event", "live signature"}
    # A day later the live signature is past its window too; then nothing is left to do.
    clock.advance(timedelta(days=1))
    assert prune(database, clock.now(), retention) == Pruned(nudges=0, events=1)
    assert prune(database, clock.now(), retention) == Pruned(nudges=0, events=0)


def test_the_scheduler_runs_retention_daily_from_settings(core: Core) -> None:
    core.settings = Settings(database_url=core.db.url, retention_nudge_days=90,  # type: ignore[call-arg]
                             retention_event_days=7, _env_file=None)
    service = SchedulerService(core, Router(), plan_all, SHORT_LIVED)
    service.add_jobs()
    job = service.scheduler.get_job(RETENTION_JOB)
    assert job is not None and job.trigger.interval == timedelta(days=1)
    assert (service.retention.nudges, service.retention.events) == \
        (timedelta(days=90), timedelta(days=7))


def test_planning_after_the_yearly_prune_brings_nothing_back(
        database: Database, clock: FixedClock, settings: Settings) -> None:
    """The demo's reminders are planned and sent (two dismissed); thirteen months on the
    prune deletes them, and planning again must not plan any of them once more: a
    check-in never answered, an outcome's "tell your writers" and the like are owed by
    the same key as long as nothing changes, and the key is all that remains of them."""
    with database.session() as session:
        demo.load(session, clock)
        assert plan_all(session, clock.now(), settings) > 0
        sent = list(session.scalars(select(Nudge.id).where(
            Nudge.state == NudgeState.PENDING, Nudge.due_at <= clock.now()).order_by(Nudge.id)))
        session.execute(update(Nudge).where(Nudge.id.in_(sent))
                        .values(state=NudgeState.SENT, sent_at=clock.now()))
        reminders = session.execute(select(Nudge.id, Nudge.person_id).where(
            Nudge.id.in_(sent), Nudge.kind != NudgeKind.NOTICE).order_by(Nudge.id)).all()
        for nudge_id, owner in reminders[:2]:
            assert store.dismiss(session, nudge_id, person_id=owner,
                                 kinds=nudge_catalog().dismissable)
    clock.advance(timedelta(days=400))
    with database.session() as session:
        plan_all(session, clock.now(), settings)  # what falls due anew in those months
    pruned = Retention.from_settings(settings)
    with database.session() as session:
        old = {key: state for key, state in session.execute(
            select(Nudge.dedup_key, Nudge.state).where(Nudge.id.in_(sent)))}
    assert len(old) == len(sent) and list(old.values()).count(NudgeState.DISMISSED) == 2
    assert prune(database, clock.now(), pruned).nudges >= len(sent)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Nudge)
                              .where(Nudge.dedup_key.in_(list(old)))) == 0
        assert plan_all(session, clock.now(), settings) == 0
        assert session.scalar(select(func.count()).select_from(Nudge)
                              .where(Nudge.dedup_key.in_(list(old)))) == 0
        assert set(session.scalars(select(NudgeTombstone.dedup_key))) >= set(old)

"""Every named transition of the outbox (`bot.nudges.store`), on SQLite and PostgreSQL: what
each one changes, and what it leaves alone (another worker's claim, someone else's
reminder, a row that has moved on). Also the database's own CHECKs on state and kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from bot.app.nudges import nudge_catalog
from bot.framework.replies import Field, Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import DigestPost, Identity, Nudge
from bot.nudges import store
from bot.nudges.plans import Notice, PlannedNudge
from bot.nudges.policy import LEASE
from bot.nudges.store import Deferral, Failure, Release, Retry, Sent, Unreachable
from bot.vocab.nudges import DigestState, NudgeKind, NudgeState, Subject
from tests.support.factories import add_group, add_student
from tests.support.nudges import add_nudge

CATALOG = nudge_catalog()


def row(database: Database, nudge_id: int) -> Nudge:
    with database.session() as session:
        found = session.get(Nudge, nudge_id)
        assert found is not None
        return found


def claim(database: Database, worker: str, now: datetime, **kwargs: object) -> list[int]:
    with database.session() as session:
        return [c.id for c in store.claim(session, worker=worker, now=now, limit=100,
                                          **kwargs)]  # type: ignore[arg-type]


@pytest.fixture
def two(database: Database, clock: FixedClock) -> tuple[int, int]:
    """Two due reminders of Ana's, the older first."""
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        older = add_nudge(session, ana, due_at=clock.now() - timedelta(hours=2)).id
        newer = add_nudge(session, ana, due_at=clock.now() - timedelta(hours=1)).id
    return older, newer


# --- claiming ---------------------------------------------------------------------------------


def test_claim_takes_due_rows_nobody_holds_with_a_lease(database: Database, clock: FixedClock,
                                                        two: tuple[int, int]) -> None:
    now = clock.now()
    with database.session() as session:
        ana_id = row(database, two[0]).person_id
        later = add_nudge(session, ana_id, due_at=now + timedelta(minutes=1)).id
    assert claim(database, "a", now) == list(two)
    claimed = row(database, two[0])
    assert (claimed.claimed_by, claimed.lease_until, claimed.state) == \
        ("a", now + LEASE, NudgeState.PENDING)
    assert claim(database, "b", now) == []  # held by a
    assert row(database, later).claimed_by is None
    assert claim(database, "b", now + LEASE) == [*two, later]  # a's lease ran out


def test_claim_filters_kinds_and_returns_plain_values(database: Database,
                                                     clock: FixedClock) -> None:
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        add_nudge(session, ana, due_at=clock.now(), text="reminder")
        notice = add_nudge(session, ana, due_at=clock.now(), kind=NudgeKind.NOTICE, text="fyi")
    with database.session() as session:
        (claimed,) = store.claim(session, worker="w", now=clock.now(), limit=10,
                                 kinds=[NudgeKind.NOTICE])
    assert (claimed.id, claimed.kind, claimed.attempts) == (notice.id, NudgeKind.NOTICE, 0)
    assert Reply.from_dict(claimed.payload).text == "fyi"


def test_renew_extends_only_this_workers_unsent_rows(database: Database, clock: FixedClock,
                                                     two: tuple[int, int]) -> None:
    claim(database, "a", clock.now())
    later = clock.now() + timedelta(minutes=3)
    with database.session() as session:
        store.mark_sent(session, "a", [Sent(two[0], later, "recording", 1)])
    with database.session() as session:
        assert store.renew_leases(session, worker="b", ids=two, now=later) == 0
        assert store.renew_leases(session, worker="a", ids=two, now=later) == 1
    assert row(database, two[1]).lease_until == later + LEASE
    assert row(database, two[0]).lease_until is None


# --- outcomes ---------------------------------------------------------------------------------


def test_mark_sent_only_where_this_worker_still_holds_the_row(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    now = clock.now()
    claim(database, "slow", now)
    # slow's lease runs out and fast takes the rows over; slow then reports a send.
    assert claim(database, "fast", now + LEASE) == list(two)
    with database.session() as session:
        store.mark_sent(session, "slow", [Sent(two[0], now, "slack", 1)])
    taken = row(database, two[0])
    assert (taken.state, taken.claimed_by, taken.sent_at) == (NudgeState.PENDING, "fast", None)
    with database.session() as session:
        store.mark_sent(session, "fast", [Sent(two[0], now + LEASE, "discord", 1)])
    sent = row(database, two[0])
    assert (sent.state, sent.delivered_via, sent.sent_at, sent.attempts, sent.lease_until) == \
        (NudgeState.SENT, "discord", now + LEASE, 1, None)


def test_nothing_is_marked_on_a_row_that_moved_on(database: Database, clock: FixedClock,
                                                  two: tuple[int, int]) -> None:
    """Dismissed while its send was under way: the dismissal stands."""
    claim(database, "w", clock.now())
    person = row(database, two[0]).person_id
    with database.session() as session:
        assert store.dismiss(session, two[0], person_id=person, kinds=CATALOG.dismissable)
        store.mark_sent(session, "w", [Sent(two[0], clock.now(), "slack", 1)])
    assert row(database, two[0]).state == NudgeState.DISMISSED


def test_retry_fail_release_and_defer(database: Database, clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        ids = [add_nudge(session, ana, due_at=now).id for _ in range(4)]
    claim(database, "w", now)
    later = now + timedelta(minutes=2)
    morning = now + timedelta(hours=9)
    with database.session() as session:
        store.retry(session, "w", [Retry(ids[0], later, "HTTP 503", 1)])
        store.fail(session, "w", [Failure(ids[1], "cannot_dm_bot", 1)])
        store.release(session, "w", [ids[2]])
        store.defer(session, "w", [Deferral(ids[3], morning)])
    retried, failed, released, deferred = (row(database, i) for i in ids)
    assert (retried.state, retried.due_at, retried.attempts, retried.last_error,
            retried.claimed_by, retried.lease_until) == \
        (NudgeState.PENDING, later, 1, "HTTP 503", None, None)
    assert (failed.state, failed.attempts, failed.last_error, failed.lease_until) == \
        (NudgeState.FAILED, 1, "cannot_dm_bot", None)
    assert (released.state, released.due_at, released.claimed_by, released.lease_until) == \
        (NudgeState.PENDING, now, None, None)
    assert (deferred.state, deferred.due_at, deferred.claimed_by) == \
        (NudgeState.PENDING, morning, None)
    assert claim(database, "other", now) == [ids[2]]  # released: claimable at once
    assert claim(database, "other", morning) == [ids[0], ids[2], ids[3]]  # other's lease ran out


def test_outcomes_of_another_worker_change_nothing(database: Database, clock: FixedClock,
                                                   two: tuple[int, int]) -> None:
    claim(database, "owner", clock.now())
    before = [(r.state, r.due_at, r.attempts, r.claimed_by, r.lease_until)
              for r in (row(database, i) for i in two)]
    with database.session() as session:
        store.record(session, "intruder", [Retry(two[0], clock.now(), "x", 3),
                                           Failure(two[1], "x", 3)])
        store.record(session, "intruder", [Release(two[0], None)])
        store.defer(session, "intruder", [Deferral(two[1], clock.now() + LEASE)])
    assert [(r.state, r.due_at, r.attempts, r.claimed_by, r.lease_until)
            for r in (row(database, i) for i in two)] == before


def test_record_writes_a_mixed_batch(database: Database, clock: FixedClock,
                                     two: tuple[int, int]) -> None:
    claim(database, "w", clock.now())
    with database.session() as session:
        store.record(session, "w", [Sent(two[0], clock.now(), "slack", 1),
                                    Failure(two[1], "gone", 8)])
    assert [row(database, i).state for i in two] == [NudgeState.SENT, NudgeState.FAILED]


def test_requeue_failed_puts_only_failed_rows_back(database: Database, clock: FixedClock,
                                                   two: tuple[int, int]) -> None:
    claim(database, "w", clock.now())
    with database.session() as session:
        store.fail(session, "w", [Failure(two[0], "HTTP 503", 8)])
        store.mark_sent(session, "w", [Sent(two[1], clock.now(), "slack", 1)])
    later = clock.now() + timedelta(days=1)
    with database.session() as session:
        assert store.requeue_failed(session, two, now=later) == 1
    requeued = row(database, two[0])
    assert (requeued.state, requeued.due_at, requeued.attempts, requeued.claimed_by) == \
        (NudgeState.PENDING, later, 0, None)
    assert row(database, two[1]).state == NudgeState.SENT
    assert claim(database, "w", later) == [two[0]]


# --- what people do ---------------------------------------------------------------------------


def test_snooze_brings_a_sent_reminder_back(database: Database, clock: FixedClock,
                                            two: tuple[int, int]) -> None:
    claim(database, "w", clock.now())
    with database.session() as session:
        store.mark_sent(session, "w", [Sent(two[0], clock.now(), "slack", 2)])
    person = row(database, two[0]).person_id
    until = clock.now() + timedelta(weeks=1)
    with database.session() as session:
        assert store.snooze(session, two[0], person_id=person, until=until, kinds=CATALOG.snoozable)
    snoozed = row(database, two[0])
    assert (snoozed.state, snoozed.due_at, snoozed.attempts, snoozed.sent_at,
            snoozed.claimed_by, snoozed.attempted_at, snoozed.snoozes) == \
        (NudgeState.PENDING, until, 0, None, None, None, 1)
    with database.session() as session:
        assert store.snooze(session, two[0], person_id=person, until=until, kinds=CATALOG.snoozable)
    assert row(database, two[0]).snoozes == 2  # counted for the report


def test_snooze_and_dismiss_change_nothing_for_someone_else(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    with database.session() as session:
        ben = add_student(session, "Ben Okafor").id
    before = row(database, two[0])
    with database.session() as session:
        assert not store.snooze(session, two[0], person_id=ben,
                                until=clock.now() + timedelta(weeks=1),
                                kinds=CATALOG.snoozable)
        assert not store.dismiss(session, two[0], person_id=ben, kinds=CATALOG.dismissable)
        assert store.own_nudge(session, two[0], ben) is None
    after = row(database, two[0])
    assert (after.state, after.due_at) == (before.state, before.due_at) == \
        (NudgeState.PENDING, before.due_at)


def test_dismissed_stays_dismissed_and_notices_are_not_reminders(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    person = row(database, two[0]).person_id
    with database.session() as session:
        notice = add_nudge(session, person, due_at=clock.now(), kind=NudgeKind.NOTICE).id
    until = clock.now() + timedelta(weeks=1)
    with database.session() as session:
        assert store.dismiss(session, two[0], person_id=person, kinds=CATALOG.dismissable)
        assert not store.snooze(session, two[0], person_id=person, until=until, kinds=CATALOG.snoozable)
        assert not store.snooze(session, notice, person_id=person, until=until, kinds=CATALOG.snoozable)
        assert not store.dismiss(session, notice, person_id=person, kinds=CATALOG.dismissable)
    assert row(database, two[0]).state == NudgeState.DISMISSED
    assert row(database, notice).state == NudgeState.PENDING
    assert claim(database, "w", until) == [two[1], notice]


# --- writing and planning ---------------------------------------------------------------------


def test_notices_are_queued_once_per_key_in_bulk_or_one_by_one(database: Database,
                                                               clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        ana = add_student(session, "Ana Lopez").id
        ben = add_student(session, "Ben Okafor").id
        notices = [Notice(pid, Reply(title="Matched", text=f"for {pid}"), f"match:1:r:{pid}",
                          Subject.MATCH_ROUND, 1) for pid in (ana, ben)]
        assert store.queue_notices(session, notices, now=now) == 2
        assert store.queue_notices(session, notices, now=now) == 0
        assert store.queue_notice(session, ana, Reply(text="again"), key="match:1:r:" + str(ana),
                                  now=now) == 0
        assert store.queue_notice(session, ana, Reply(text="new"), key="other", now=now) == 1
    with database.session() as session:
        rows = session.scalars(select(Nudge).order_by(Nudge.id)).all()
    assert [(r.person_id, r.kind, r.state, r.due_at, r.subject_type, r.subject_id, r.text)
            for r in rows] == [
        (ana, NudgeKind.NOTICE, NudgeState.PENDING, now, Subject.MATCH_ROUND, 1,
         notices[0].reply.as_text()),
        (ben, NudgeKind.NOTICE, NudgeState.PENDING, now, Subject.MATCH_ROUND, 1,
         notices[1].reply.as_text()),
        (ana, NudgeKind.NOTICE, NudgeState.PENDING, now, Subject.NONE, None, "new"),
    ]
    assert rows[0].dedup_key == f"notice:match:1:r:{ana}"
    assert Reply.from_dict(rows[0].payload) == notices[0].reply


def test_a_large_batch_reads_back_like_a_small_one(database: Database,
                                                  clock: FixedClock) -> None:
    """Batches of COPY_FROM rows or more take PostgreSQL's COPY path; the rows must read
    back exactly as the executemany path's do, and a key repeated in the batch (as another
    writer's would be) is skipped, not an error."""
    now = clock.now()
    chicago = ZoneInfo("America/Chicago")
    reply = Reply(title="Write to Dr. Chen", text="“quotes”, ünïcode\nand a second line",
                  fields=(Field("Last contact", "Nov 3"),))
    with database.session() as session:
        ana = add_student(session, "Ana Lopez").id
    for size in (1, store.COPY_FROM + 10):
        batch = [PlannedNudge(ana, NudgeKind.LETTER_ASK,
                              (now + timedelta(minutes=i, microseconds=7)).astimezone(chicago),
                              Subject.LETTER, i, f"size-{size}") for i in range(size)]
        notices = [Notice(ana, reply, f"size-{size}:{i % (size - 1 or 1)}") for i in range(size)]
        with database.session() as session:
            assert store.insert_bulk(session, batch, now=now) == size
            assert store.queue_notices(session, notices, now=now) == max(size - 1, 1)
        with database.session() as session:
            rows = session.scalars(select(Nudge).where(Nudge.dedup_key.in_(
                [n.dedup_key for n in batch]))).all()
            told = session.scalars(select(Nudge).where(Nudge.dedup_key.in_(
                [n.dedup_key for n in notices]))).all()
        # A planned nudge is stored without words; a notice with its reply.
        assert sorted((r.person_id, r.kind, r.due_at, r.subject_type, r.subject_id, r.dedup_key,
                       r.text, r.payload, r.state, r.attempts, r.created_at)
                      for r in rows) == sorted(
            (ana, NudgeKind.LETTER_ASK, now + timedelta(minutes=i, microseconds=7),
             Subject.LETTER, i, n.dedup_key, "", {}, NudgeState.PENDING, 0, now)
            for i, n in enumerate(batch))
        assert len(told) == max(size - 1, 1)
        assert {(r.kind, r.text, Reply.from_dict(r.payload), r.due_at) for r in told} == \
            {(NudgeKind.NOTICE, reply.as_text(), reply, now)}


def test_cancel_moot_and_cancel_for_touch_only_pending_rows_of_their_subjects(
        database: Database, clock: FixedClock) -> None:
    now = clock.now()

    def planned(person: int, subject: int, day: str) -> PlannedNudge:
        return PlannedNudge(person, NudgeKind.FOLLOWUP, now, Subject.MENTORSHIP, subject, day)

    with database.session() as session:
        ana = add_student(session, "Ana Lopez").id
        old, kept, sent, other = (planned(ana, 1, "d1"), planned(ana, 1, "d2"),
                                  planned(ana, 1, "d0"), planned(ana, 2, "d1"))
        store.insert_bulk(session, [old, kept, sent, other], now=now)
    claim(database, "w", now)
    with database.session() as session:
        sent_id = session.scalar(select(Nudge.id).where(Nudge.dedup_key == sent.dedup_key))
        assert sent_id is not None
        store.mark_sent(session, "w", [Sent(sent_id, now, "slack", 1)])
        store.release(session, "w", session.scalars(select(Nudge.id).where(
            Nudge.state == NudgeState.PENDING)).all())
    with database.session() as session:
        assert store.cancel_moot(session, {(Subject.MENTORSHIP, 1): {kept.dedup_key}}) == 1
    with database.session() as session:
        states = dict(session.execute(select(Nudge.dedup_key, Nudge.state)).all())
    assert states == {old.dedup_key: NudgeState.CANCELLED, kept.dedup_key: NudgeState.PENDING,
                      sent.dedup_key: NudgeState.SENT, other.dedup_key: NudgeState.PENDING}
    with database.session() as session:
        assert store.cancel_for(session, Subject.MENTORSHIP, [1]) == 1
        assert store.cancel_for(session, Subject.LETTER, [2]) == 0
    with database.session() as session:
        states = dict(session.execute(select(Nudge.dedup_key, Nudge.state)).all())
    assert states[kept.dedup_key] == NudgeState.CANCELLED
    assert states[other.dedup_key] == NudgeState.PENDING
    assert states[sent.dedup_key] == NudgeState.SENT


# --- the database's own guard -----------------------------------------------------------------


def test_every_state_and_kind_is_accepted_and_any_other_word_refused(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    """The CHECKs the migrations created agree with the enums, value for value."""
    set_state = text("UPDATE nudges SET state = :v WHERE id = :id")
    set_kind = text("UPDATE nudges SET kind = :v WHERE id = :id")
    with database.session() as session:
        for state in NudgeState:
            session.execute(set_state, {"v": state.value, "id": two[0]})
        for kind in NudgeKind:
            session.execute(set_kind, {"v": kind.value, "id": two[0]})
    for statement, word in ((set_state, "snoozed"), (set_state, "Pending"),
                            (set_kind, "reminder")):
        with pytest.raises(IntegrityError), database.session() as session:
            session.execute(statement, {"v": word, "id": two[1]})
    assert row(database, two[1]).state == NudgeState.PENDING


# --- the weekly digest's claim ----------------------------------------------------------------


def test_digest_claim_is_held_with_the_nudges_lease(database: Database,
                                                   clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        group = add_group(session, "em").id
    with database.session() as session:
        assert store.claim_digest(session, group, "2027-W01", worker="a", now=now)
    with database.session() as session:
        assert not store.claim_digest(session, group, "2027-W01", worker="b", now=now)
        assert (group, "2027-W01") in store.settled_digest_weeks(session, now)
        # b cannot renew or finish what a holds.
        assert not store.renew_digest(session, group, "2027-W01", worker="b", now=now)
        assert not store.finish_digest(session, group, "2027-W01", worker="b",
                                       state=DigestState.POSTED, now=now)
        assert store.renew_digest(session, group, "2027-W01", worker="a",
                                  now=now + timedelta(minutes=4))
    held_until = now + timedelta(minutes=4) + LEASE
    with database.session() as session:
        assert not store.claim_digest(session, group, "2027-W01", worker="b",
                                      now=held_until - timedelta(seconds=1))
        assert (group, "2027-W01") not in store.settled_digest_weeks(session, held_until)
        assert store.claim_digest(session, group, "2027-W01", worker="b", now=held_until)
    with database.session() as session:  # a comes back too late: b's claim stands
        assert not store.finish_digest(session, group, "2027-W01", worker="a",
                                       state=DigestState.POSTED, now=held_until)
        assert store.finish_digest(session, group, "2027-W01", worker="b",
                                   state=DigestState.POSTED, now=held_until)
    with database.session() as session:
        post = session.scalar(select(DigestPost))
        assert post is not None
        assert (post.state, post.claimed_by, post.posted_at, post.lease_until) == \
            (DigestState.POSTED, "b", held_until, None)
        later = held_until + timedelta(days=1)
        assert not store.claim_digest(session, group, "2027-W01", worker="c", now=later)
        assert (group, "2027-W01") in store.settled_digest_weeks(session, later)


def test_a_failed_digest_week_can_be_claimed_again(database: Database,
                                                  clock: FixedClock) -> None:
    now = clock.now()
    with database.session() as session:
        group = add_group(session, "em").id
        assert store.claim_digest(session, group, "2027-W01", worker="a", now=now)
        assert store.finish_digest(session, group, "2027-W01", worker="a",
                                   state=DigestState.FAILED, now=now, error="not_in_channel")
        assert (group, "2027-W01") not in store.settled_digest_weeks(session, now)
        assert store.claim_digest(session, group, "2027-W01", worker="b", now=now)
        post = session.scalar(select(DigestPost))
        assert post is not None and (post.state, post.claimed_by) == (DigestState.POSTING, "b")


# --- taking a row just before its send ------------------------------------------------------


def test_take_is_refused_once_another_worker_took_the_row_over(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    now = clock.now()
    claim(database, "a", now)
    sending = now + timedelta(minutes=1)
    with database.session() as session:
        assert store.take(session, worker="a", nudge_id=two[0], now=sending)
    taken = row(database, two[0])  # the attempt recorded, the lease renewed for the send
    assert (taken.attempted_at, taken.lease_until) == (sending, sending + LEASE)
    # a's lease runs out on the other row; b claims it: a may no longer send it.
    later = now + LEASE
    assert claim(database, "b", later) == [two[1]]
    with database.session() as session:
        assert not store.take(session, worker="a", nudge_id=two[1], now=later)
        assert store.take(session, worker="b", nudge_id=two[1], now=later)
        # a's outcome for the row it lost is not written either.
        store.mark_sent(session, "a", [Sent(two[1], later, "slack", 1)])
    assert (row(database, two[1]).state, row(database, two[1]).claimed_by) == \
        (NudgeState.PENDING, "b")


def test_take_keeps_the_earliest_unanswered_attempt(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    first = clock.now()
    claim(database, "dead", first)
    with database.session() as session:
        assert store.take(session, worker="dead", nudge_id=two[0], now=first)
    # The worker died after the platform got the message; the next one takes over.
    later = first + LEASE
    (claimed,) = [c for c in _claimed(database, "next", later) if c.id == two[0]]
    assert claimed.attempted_at == first
    with database.session() as session:
        assert store.take(session, worker="next", nudge_id=two[0], now=later)
    assert row(database, two[0]).attempted_at == first
    # A rate limit refused this attempt: what the earlier one did is still unknown.
    with database.session() as session:
        store.retry(session, "next", [Retry(two[0], later, "ratelimited", 0, first)])
    assert row(database, two[0]).attempted_at == first
    # With nothing unknown any more, the attempt is cleared.
    (claimed,) = [c for c in _claimed(database, "next", later) if c.id == two[0]]
    with database.session() as session:
        store.retry(session, "next", [Retry(two[0], later, "ratelimited", 0, None)])
    assert row(database, two[0]).attempted_at is None


def _claimed(database: Database, worker: str, now: datetime) -> list[store.Claimed]:
    with database.session() as session:
        return store.claim(session, worker=worker, now=now, limit=100)


# --- people no platform reaches yet --------------------------------------------------------


def test_unreachable_waits_out_of_the_queue_until_an_account_or_a_lookup_is_due(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    now = clock.now()
    claim(database, "w", now)
    recheck = now + timedelta(hours=6)
    with database.session() as session:
        store.record(session, "w", [Unreachable(two[0], "no Slack account linked", recheck),
                                    Unreachable(two[1], "no Slack account linked", recheck)])
    waiting = row(database, two[0])
    assert (waiting.state, waiting.last_error, waiting.due_at, waiting.claimed_by,
            waiting.attempts) == (NudgeState.UNREACHABLE, "no Slack account linked", recheck,
                                  None, 0)
    assert claim(database, "w", now + timedelta(days=1)) == []  # not in the queue
    with database.session() as session:  # nothing changed yet: nothing wakes
        assert store.wake_unreachable(session, now=now, platforms=["slack"]) == 0
        person_id = waiting.person_id
        # An account on a platform nobody delivers through wakes nothing either.
        session.add(Identity(person_id=person_id, platform="discord", external_id="42"))
        session.flush()
        assert store.wake_unreachable(session, now=now, platforms=["slack"]) == 0
    with database.session() as session:  # a Slack account appears: both wake, due now
        session.add(Identity(person_id=person_id, platform="slack", external_id="U42"))
        session.flush()
        assert store.wake_unreachable(session, now=now, platforms=["slack"]) == 2
    assert (row(database, two[0]).state, row(database, two[0]).due_at) == \
        (NudgeState.PENDING, now)
    assert claim(database, "w", now) == list(two)


def test_an_unreachable_nudge_is_looked_up_again_when_its_recheck_is_due(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    now = clock.now()
    claim(database, "w", now)
    with database.session() as session:
        store.mark_unreachable(session, "w", [Unreachable(two[0], "no account", now + LEASE)])
    with database.session() as session:
        assert store.wake_unreachable(session, now=now + LEASE - timedelta(seconds=1),
                                      platforms=["slack"]) == 0
        assert store.wake_unreachable(session, now=now + LEASE, platforms=["slack"]) == 1
    assert row(database, two[0]).state == NudgeState.PENDING


def test_next_claimable_is_the_earliest_due_or_lease_end(
        database: Database, clock: FixedClock, two: tuple[int, int]) -> None:
    now = clock.now()
    with database.session() as session:
        assert store.next_claimable(session, now=now, within=timedelta(minutes=1)) == \
            now - timedelta(hours=2)  # the older one, due two hours ago
    claim(database, "w", now)  # both held until the lease ends
    with database.session() as session:
        assert store.next_claimable(session, now=now, within=timedelta(minutes=1)) == \
            now + LEASE
        store.retry(session, "w", [Retry(two[0], now + timedelta(seconds=4), "429", 0),
                                   Retry(two[1], now + timedelta(hours=1), "429", 0)])
    with database.session() as session:
        assert store.next_claimable(session, now=now, within=timedelta(minutes=1)) == \
            now + timedelta(seconds=4)
        # Nothing due within the horizon: no early sweep.
        assert store.next_claimable(session, now=now, within=timedelta(seconds=3)) is None
        store.cancel_for(session, Subject.ACTION_ITEM,
                         [row(database, nudge).subject_id or 0 for nudge in two])
    with database.session() as session:
        assert store.next_claimable(session, now=now, within=timedelta(days=1)) is None


# --- retention -------------------------------------------------------------------------------


def test_prune_deletes_only_finished_nudges_past_retention(database: Database,
                                                           clock: FixedClock) -> None:
    now = clock.now()
    year = timedelta(days=365)
    with database.session() as session:
        ana = add_student(session, "Ana Lopez")
        old = {state: add_nudge(session, ana, due_at=now - year - timedelta(days=5),
                                created_at=now - year - timedelta(days=9)).id
               for state in NudgeState}
        recent = add_nudge(session, ana, due_at=now - timedelta(days=30)).id
        # Created long ago, but sent within the year: still recent.
        late = add_nudge(session, ana, due_at=now - year - timedelta(days=1),
                         created_at=now - year - timedelta(days=2)).id
    with database.session() as session:
        for state, nudge_id in old.items():
            session.execute(update(Nudge).where(Nudge.id == nudge_id).values(state=state))
        session.execute(update(Nudge).where(Nudge.id.in_([recent, late]))
                        .values(state=NudgeState.SENT))
        session.execute(update(Nudge).where(Nudge.id == late)
                        .values(sent_at=now - timedelta(days=20)))
    with database.session() as session:
        assert store.prune(session, before=now - year, batch=2) == 4
    with database.session() as session:
        left = dict(session.execute(select(Nudge.id, Nudge.state)).all())
    assert left == {old[NudgeState.PENDING]: NudgeState.PENDING,
                    old[NudgeState.UNREACHABLE]: NudgeState.UNREACHABLE,
                    recent: NudgeState.SENT, late: NudgeState.SENT}
    assert {NudgeState.SENT, NudgeState.CANCELLED, NudgeState.DISMISSED,
            NudgeState.FAILED} == set(store.FINISHED)

"""The outbox's one owner: every write to the `nudges` table is a named function here, and so
is the weekly digest's claim on its `digest_posts` row, which uses the same lease.

- Writing: `insert_bulk` (planned nudges), `queue_notice` / `queue_notices` (direct
  messages, one or a whole match round's), all through one bulk path that skips dedup keys
  already stored.
- Planning: `cancel_moot` (what a re-planned subject no longer owes), `cancel_for` (every
  pending nudge of some subjects).
- Delivery, for the sweep: `claim` (with a lease), `renew_leases`, `take` / `take_all`
  (one row, or one person's few, just before their sends: still this worker's, and the
  attempt recorded), then per outcome
  `mark_sent` (with the words sent), `retry`, `fail`, `release`, `defer` (out of quiet
  hours), `mark_unreachable` (no account on any platform yet), `cancel_at_send` (its
  subject moved on since it was planned: moot, with the reason), or `record` for a mixed
  batch. Each outcome is written
  only where this worker still holds the row, so a worker whose lease ran out and was taken
  over cannot overwrite the new holder's work. `wake_unreachable` puts waiting rows back in
  the queue once their person can be reached or is due another lookup; `next_claimable`
  says when the next row falls due.
- People: `snooze`, `dismiss` (their own reminder, of a kind its spec lets them put off or
  turn down); organizers: `requeue_failed`.
- Retention: `prune` deletes finished nudges past their retention, leaving each one's
  dedup key behind (`nudge_tombstones`), which planning skips as it skips a stored key.

A planned nudge is stored without words (`text` stays empty and `payload` holds nothing
until it is sent: `bot.nudges.kinds` words it from its subject's state then, and
`mark_sent` keeps the words that went out); a notice is stored with its reply.

Every function takes a session and writes in the caller's transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.framework.replies import Reply
from bot.infra.db import CHUNK, chunks, in_list, insert_rows
from bot.infra.models import DigestPost, Identity, Nudge, NudgeTombstone
from bot.nudges.keys import occurrence_of
from bot.nudges.kinds import Due
from bot.nudges.plans import Notice, PlannedNudge
from bot.nudges.policy import LEASE, SNOOZABLE
from bot.vocab.nudges import DigestState, NudgeKind, NudgeState, Subject

BATCH = 5000
"""Rows per statement when writing in bulk."""

T = TypeVar("T")

# --- leases (nudges and digest posts alike) ------------------------------------------------


def _lease_free(lease_until: Any, now: datetime) -> ColumnElement[bool]:
    """Nobody holds the row: never claimed, released, or the holder's lease ran out."""
    return or_(lease_until.is_(None), lease_until <= now)


# --- writing new rows -------------------------------------------------------------------------

_COLUMNS = ("person_id", "kind", "due_at", "subject_type", "subject_id", "dedup_key", "text",
            "payload", "state", "attempts", "created_at")
_SQL = {
    "sqlite": f"INSERT INTO nudges ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 11)}) "
              "ON CONFLICT (dedup_key) DO NOTHING",
    "postgresql": f"INSERT INTO nudges ({', '.join(_COLUMNS)}) VALUES "
                  "(%s, %s, %s, %s, %s, %s, %s, %s::json, %s, %s, %s) "
                  "ON CONFLICT (dedup_key) DO NOTHING",
}

Instant = Callable[[datetime], Any]
Payload = Callable[[dict[str, Any]], Any]


def _sqlite_instant(moment: datetime) -> str:
    """How `UTCDateTime` stores an instant in SQLite (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _as_is(value: dict[str, Any]) -> dict[str, Any]:
    return value


def _encoders(dialect: str) -> tuple[Instant, Payload]:
    """How the driver takes an instant and a payload (the ORM's own types otherwise)."""
    if dialect == "sqlite":
        return _sqlite_instant, json.dumps
    if dialect == "postgresql":
        return _utc, json.dumps
    return _utc, _as_is  # pragma: no cover - other backends: the ORM path


_plain = str.__str__
"""An enum member as a plain str: the drivers bind one several times faster (sqlite3 looks
for an adapter for any str subclass)."""
_PENDING = _plain(NudgeState.PENDING)
_NOTICE = _plain(NudgeKind.NOTICE)


def _planned_rows(nudges: Sequence[PlannedNudge], now: datetime, instant: Instant,
                  payload: Payload) -> list[tuple[Any, ...]]:
    """No words: they are built when the nudge is sent."""
    created = instant(now)
    nothing = payload({})
    return [
        (n.person_id, _plain(n.kind), instant(n.due_at), _plain(n.subject_type), n.subject_id,
         n.dedup_key, "", nothing, _PENDING, 0, created)
        for n in nudges
    ]


def _notice_rows(notices: Sequence[Notice], now: datetime, instant: Instant,
                 payload: Payload) -> list[tuple[Any, ...]]:
    at = instant(now)
    return [
        (n.person_id, _NOTICE, at, _plain(n.subject_type), n.subject_id, n.dedup_key,
         n.reply.as_text(), payload(n.reply.to_dict()), _PENDING, 0, at)
        for n in notices
    ]


def stored_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored already (in any state), or were and have been pruned
    (a tombstone), through the two unique indexes in one statement."""
    found: set[str] = set()
    for chunk in chunks(keys, BATCH):
        found.update(session.scalars(
            select(Nudge.dedup_key).where(in_list(session, Nudge.dedup_key, chunk)).union_all(
                select(NudgeTombstone.dedup_key).where(
                    in_list(session, NudgeTombstone.dedup_key, chunk)))))
    return found


COPY_FROM = 50
"""From this many rows a batch goes to PostgreSQL by COPY: about three times faster than
executemany for a match round's notices, while for a handful a temporary table costs more
than it saves."""


def _copy_new(raw: Any, rows: list[tuple[Any, ...]]) -> int:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING: the
    speed of COPY (which cannot skip a conflict itself) with the executemany's guarantee
    that a key another writer stored meanwhile is skipped, not an error."""
    columns = ", ".join(_COLUMNS)
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE nudges_in ON COMMIT DROP AS "
                       f"SELECT {columns} FROM nudges WITH NO DATA")
        with cursor.copy(f"COPY nudges_in ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO nudges ({columns}) SELECT {columns} FROM nudges_in "
                       "ON CONFLICT (dedup_key) DO NOTHING")
        added = max(cursor.rowcount, 0)
        cursor.execute("DROP TABLE nudges_in")
    return int(added)


def _insert_new(session: Session, items: Sequence[T], now: datetime,
                to_rows: Callable[[Sequence[T], datetime, Instant, Payload],
                                  list[tuple[Any, ...]]]) -> int:
    """The one bulk insert path. New rows go to the driver as ready-made tuples
    (SQLAlchemy's per-row parameter processing cost more than the insert itself:
    bench/bench_planning.py): executemany on SQLite, COPY on PostgreSQL for a batch of
    COPY_FROM rows or more, executemany below that. A key another writer stored meanwhile
    is skipped (ON CONFLICT DO NOTHING). Returns how many rows were new."""
    if not items:
        return 0
    dialect = session.get_bind().dialect.name
    instant, payload = _encoders(dialect)
    if dialect not in _SQL:  # pragma: no cover - other backends: the ORM path
        added = 0
        for batch in chunks(items, BATCH):
            values = [dict(zip(_COLUMNS, row, strict=True))
                      for row in to_rows(batch, now, instant, payload)]
            added += len(session.execute(insert(Nudge).returning(Nudge.id), values).all())
        return added
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    added = 0
    for batch in chunks(items, BATCH):
        rows = to_rows(batch, now, instant, payload)
        if dialect == "postgresql" and len(rows) >= COPY_FROM:
            added += _copy_new(raw, rows)
            continue
        cursor = raw.cursor()
        try:
            if dialect == "sqlite":
                before = raw.total_changes  # type: ignore[attr-defined]
                cursor.executemany(_SQL[dialect], rows)
                added += raw.total_changes - before  # type: ignore[attr-defined]
            else:
                cursor.executemany(_SQL[dialect], rows)
                added += max(cursor.rowcount, 0)
        finally:
            cursor.close()
    return added


def insert_bulk(session: Session, nudges: Sequence[PlannedNudge], *, now: datetime) -> int:
    """Insert planned nudges, skipping any dedup key already stored (in any state): a nudge
    sent or cancelled once is never planned again. Returns how many rows were new.

    Keys already stored are looked up first, so re-planning (every run, mostly the same
    nudges) costs an index probe per nudge instead of rendering and serialising each one."""
    stored = stored_keys(session, [n.dedup_key for n in nudges])
    fresh = [n for n in nudges if n.dedup_key not in stored]
    return _insert_new(session, fresh, now, _planned_rows)


def queue_notices(session: Session, notices: Sequence[Notice], *, now: datetime) -> int:
    """Direct messages owed now (a whole match round's, say), through the same bulk path:
    a key already stored is skipped, so queuing the same notice twice stores it once.
    Returns how many were new."""
    stored = stored_keys(session, [n.dedup_key for n in notices])
    return _insert_new(session, [n for n in notices if n.dedup_key not in stored], now,
                       _notice_rows)


def queue_notice(session: Session, person_id: int, reply: Reply, *, key: str, now: datetime,
                 subject_type: Subject = Subject.NONE, subject_id: int | None = None) -> int:
    """A direct message owed to a person now (an answer to something just done). `key`
    makes it idempotent: queuing the same key twice stores one message. Returns 1 if it
    was new, 0 if it was queued already."""
    return queue_notices(session, [Notice(person_id, reply, key, subject_type, subject_id)],
                         now=now)


# --- planning ---------------------------------------------------------------------------------


def cancel_moot(session: Session, owed: Mapping[tuple[str, int], set[str]]) -> int:
    """Cancel the pending nudges of each re-planned subject (type, id) whose key it no
    longer owes."""
    by_type: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for (subject_type, subject_id), keys in owed.items():
        by_type[subject_type][subject_id] = keys
    cancelled = 0
    for subject_type, subjects in by_type.items():
        for chunk in chunks(list(subjects), BATCH):
            pending = session.execute(
                select(Nudge.id, Nudge.subject_id, Nudge.dedup_key).where(
                    Nudge.state == NudgeState.PENDING,
                    Nudge.subject_type == subject_type,
                    in_list(session, Nudge.subject_id, chunk),
                )
            ).all()
            moot = [row.id for row in pending if row.dedup_key not in subjects[row.subject_id]]
            for ids in chunks(moot, BATCH):
                session.execute(update(Nudge).where(in_list(session, Nudge.id, ids))
                                .values(state=NudgeState.CANCELLED)
                                .execution_options(synchronize_session=False))
            cancelled += len(moot)
    return cancelled


def cancel_for(session: Session, subject_type: Subject, subject_ids: Iterable[int]) -> int:
    """Cancel every pending nudge of these subjects (a request answered, a letter
    withdrawn): nothing about them is owed any more."""
    cancelled = 0
    for chunk in chunks(list(subject_ids), CHUNK):
        cancelled += len(session.execute(
            update(Nudge)
            .where(Nudge.subject_type == subject_type, Nudge.subject_id.in_(chunk),
                   Nudge.state == NudgeState.PENDING)
            .values(state=NudgeState.CANCELLED)
            .returning(Nudge.id)
            .execution_options(synchronize_session=False)
        ).all())
    return cancelled


# --- delivery ---------------------------------------------------------------------------------


_KIND = {kind.value: kind for kind in NudgeKind}
"""A stored kind as its member: a dict lookup, ten times cheaper than `NudgeKind(…)` for a
batch of a thousand claimed rows."""


@dataclass(frozen=True)
class Claimed:
    """A due nudge this worker now holds, as plain values."""

    id: int
    person_id: int
    kind: NudgeKind
    payload_json: str  # decoded by the sending thread, not while rows are locked
    attempts: int
    subject_id: int | None
    dedup_key: str
    due_at: datetime
    attempted_at: datetime | None = None  # an earlier attempt whose answer was not recorded
    snoozes: int = 0

    @property
    def payload(self) -> dict[str, Any]:
        value = json.loads(self.payload_json) if self.payload_json else {}
        return value if isinstance(value, dict) else {}

    def due(self) -> Due:
        """What its words are built from (a notice's stored reply is decoded here)."""
        stored = self.payload if self.kind == NudgeKind.NOTICE else None
        return Due(self.id, self.person_id, self.kind, self.subject_id,
                   occurrence_of(self.dedup_key), self.due_at, stored)


def due_of(nudge: Nudge) -> Due:
    """A stored row as the words see it (a preview: `mentorbot nudges due`, tests)."""
    kind = _KIND[nudge.kind]
    stored = nudge.payload if kind == NudgeKind.NOTICE else None
    return Due(nudge.id, nudge.person_id, kind, nudge.subject_id,
               occurrence_of(nudge.dedup_key), nudge.due_at, stored)


def claimable(now: datetime, *, limit: int, kinds: Iterable[NudgeKind] | None = None,
              ids: Sequence[int] | None = None) -> Select[int]:
    """The ids a claim at `now` would take: due, pending, held by nobody, oldest first
    (only among `ids` when given)."""
    wanted = tuple(kinds or ())
    return (
        select(Nudge.id)
        .where(
            Nudge.state == NudgeState.PENDING,
            Nudge.due_at <= now,
            _lease_free(Nudge.lease_until, now),
            *([Nudge.kind.in_(wanted)] if wanted else []),
            *([Nudge.id.in_(ids)] if ids is not None else []),
        )
        .order_by(Nudge.due_at)
        .limit(limit)
    )


def claim(session: Session, *, worker: str, now: datetime, limit: int,
          kinds: Iterable[NudgeKind] | None = None, lease: timedelta = LEASE,
          ids: Sequence[int] | None = None) -> list[Claimed]:
    """Stamp up to `limit` due pending nudges nobody holds with `worker` and a lease, oldest
    first, in one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`. On
    PostgreSQL two workers never claim the same row; SQLite serialises writers, so the same
    statement is safe there too. The `(state, due_at)` index makes the claim cost
    proportional to what is due, not to what is pending."""
    due = claimable(now, limit=limit, kinds=kinds, ids=ids).with_for_update(skip_locked=True)
    stmt = (
        update(Nudge)
        .where(Nudge.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, lease_until=now + lease)
        .returning(Nudge.id, Nudge.person_id, Nudge.kind, cast(Nudge.payload, Text),
                   Nudge.attempts, Nudge.attempted_at, Nudge.snoozes, Nudge.subject_id,
                   Nudge.dedup_key, Nudge.due_at)
    )
    # On the connection: plain rows, and nothing for the ORM to keep in step.
    rows = sorted(session.connection().execute(stmt).all(),
                  key=lambda r: r[0])  # RETURNING order is unspecified; keep creation order
    return [Claimed(r[0], r[1], _KIND[r[2]], r[3] or "", r[4], r[7], r[8], r[9], r[5], r[6])
            for r in rows]


def _pending(dialect: str) -> ColumnElement[bool]:
    """`state = 'pending'`, for a statement that names its rows by id. SQLite, which keeps no
    statistics here, would otherwise look the ids up through the (state, due_at) index, that
    is, read every pending row (a million future ones: seconds); wrapped in `likely()` the
    term cannot pick the index and the primary key is used."""
    pending = Nudge.state == NudgeState.PENDING
    return func.likely(pending) if dialect == "sqlite" else pending


def _held_rows(dialect: str) -> Any:
    """Rows named by id (`b_ids`) that `b_worker` still holds, pending."""
    return update(Nudge).where(Nudge.id.in_(bindparam("b_ids", expanding=True)),
                               _pending(dialect), Nudge.claimed_by == bindparam("b_worker"))


_RENEW = {dialect: _held_rows(dialect).values(lease_until=bindparam("b_lease"))
          .returning(Nudge.id) for dialect in ("sqlite", "postgresql")}


def renew_leases(session: Session, *, worker: str, ids: Iterable[int], now: datetime,
                 lease: timedelta = LEASE) -> int:
    """Extend this worker's claim on rows it has not sent yet; returns how many it holds."""
    held = 0
    conn = session.connection()
    statement = _RENEW.get(conn.dialect.name, _RENEW["postgresql"])
    for chunk in chunks(list(ids), CHUNK):
        held += len(conn.execute(statement, {"b_ids": list(chunk), "b_worker": worker,
                                             "b_lease": now + lease}).all())
    return held


_TAKE = update(Nudge).where(
    Nudge.id == bindparam("b_id"), Nudge.state == NudgeState.PENDING,
    Nudge.claimed_by == bindparam("b_worker"),
).values(lease_until=bindparam("b_lease"),
         attempted_at=func.coalesce(Nudge.attempted_at, bindparam("b_now")))


def take(session: Session, *, worker: str, nudge_id: int, now: datetime,
         lease: timedelta = LEASE) -> bool:
    """Just before sending one claimed row: True if `worker` still holds it (nobody took it
    over after a lapsed lease, nothing settled it meanwhile), with its lease extended for
    this send and the attempt recorded. `attempted_at` keeps the earliest attempt whose
    answer is not recorded yet, so a worker that takes over after a crash knows from when
    the message may already be on the platform. False: skip it, it is someone else's."""
    held = session.connection().execute(
        _TAKE.returning(Nudge.id),
        {"b_id": nudge_id, "b_worker": worker, "b_lease": now + lease, "b_now": now},
    ).first()
    return held is not None


_TAKE_ALL = {dialect: _held_rows(dialect).values(
    lease_until=bindparam("b_lease"),
    attempted_at=func.coalesce(Nudge.attempted_at, bindparam("b_now"))).returning(Nudge.id)
    for dialect in ("sqlite", "postgresql")}


def take_all(session: Session, *, worker: str, ids: Sequence[int], now: datetime,
             lease: timedelta = LEASE) -> set[int]:
    """`take` for a few rows at once, in one statement (one person's messages of a batch,
    sent one after the other right after): the ids `worker` still holds, each with its
    lease extended and the attempt recorded. A row taken and then not sent goes back with
    the `attempted_at` it had (`Release.attempted_at`), so the take leaves no false trace
    of an attempt."""
    if not ids:
        return set()
    conn = session.connection()
    return set(conn.execute(
        _TAKE_ALL.get(conn.dialect.name, _TAKE_ALL["postgresql"]),
        {"b_ids": list(ids), "b_worker": worker, "b_lease": now + lease, "b_now": now},
    ).scalars())


@dataclass(frozen=True)
class Sent:
    """The platform accepted it (`found`: an earlier attempt had, and nothing was sent now),
    with the words that went out (kept on the row: what the person was told)."""

    nudge_id: int
    at: datetime
    via: str
    attempts: int
    found: bool = False
    text: str = ""


@dataclass(frozen=True)
class Retry:
    """Try again at `due_at` (after a rate limit's `Retry-After`, or a backoff).
    `attempted_at`: the earliest attempt that may have gone through unrecorded (an answer
    lost, a server error), kept for the next try to look before sending; None when every
    attempt so far is known not to have gone through (a rate limit refuses the message)."""

    nudge_id: int
    due_at: datetime
    error: str
    attempts: int
    attempted_at: datetime | None = None


@dataclass(frozen=True)
class Failure:
    """Given up: the error is kept for organizers (`mentorbot nudges failed`)."""

    nudge_id: int
    error: str
    attempts: int


@dataclass(frozen=True)
class Release:
    """Claimed but not sent in this batch: back to the queue, due as it was, with the
    earliest unanswered attempt it had when it was claimed (`attempted_at`): whatever a
    take recorded for it since is undone, since nothing was sent."""

    nudge_id: int
    attempted_at: datetime | None


@dataclass(frozen=True)
class Deferral:
    """Due inside its person's quiet hours: due again at the window's end."""

    nudge_id: int
    due_at: datetime


@dataclass(frozen=True)
class Unreachable:
    """No account on any platform reaches the person (and no lookup found one): the nudge
    waits, with the reason, until an account appears or `recheck_at` (another lookup)."""

    nudge_id: int
    reason: str
    recheck_at: datetime


@dataclass(frozen=True)
class Cancelled:
    """Worded at send time, it was moot: its subject moved on since it was planned (the
    letter changed state, the contact was logged, the person is gone). Never sent; the
    reason is kept."""

    nudge_id: int
    reason: str


Outcome = Sent | Retry | Failure | Release | Unreachable | Cancelled

# Each outcome is one statement run as an executemany. The WHERE clause is the guard: the
# row is still pending and still this worker's.
_HELD = and_(Nudge.id == bindparam("b_id"), Nudge.state == NudgeState.PENDING,
             Nudge.claimed_by == bindparam("b_worker"))
_SENT = update(Nudge).where(_HELD).values(
    state=NudgeState.SENT, sent_at=bindparam("b_at"), delivered_via=bindparam("b_via"),
    attempts=bindparam("b_attempts"), text=bindparam("b_text"), lease_until=None,
    last_error=None)
_RETRY = update(Nudge).where(_HELD).values(
    due_at=bindparam("b_due"), attempts=bindparam("b_attempts"), last_error=bindparam("b_error"),
    attempted_at=bindparam("b_attempted"), lease_until=None, claimed_by=None)
_FAILED = update(Nudge).where(_HELD).values(
    state=NudgeState.FAILED, attempts=bindparam("b_attempts"), last_error=bindparam("b_error"),
    lease_until=None)
_RELEASE = update(Nudge).where(_HELD).values(lease_until=None, claimed_by=None)
_GIVE_BACK = update(Nudge).where(_HELD).values(lease_until=None, claimed_by=None,
                                               attempted_at=bindparam("b_attempted"))
_DEFER = update(Nudge).where(_HELD).values(due_at=bindparam("b_due"), lease_until=None,
                                           claimed_by=None)
_MOOT = update(Nudge).where(_HELD).values(
    state=NudgeState.CANCELLED, last_error=bindparam("b_reason"), lease_until=None,
    claimed_by=None)
_UNREACHABLE = update(Nudge).where(_HELD).values(
    state=NudgeState.UNREACHABLE, due_at=bindparam("b_due"), last_error=bindparam("b_error"),
    lease_until=None, claimed_by=None)


def _each(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(statement, rows)


def mark_sent(session: Session, worker: str, sent: Sequence[Sent]) -> None:
    """Sent, with the channel, the attempt count and the words, where `worker` still holds
    the row."""
    _each(session, _SENT, [{"b_id": s.nudge_id, "b_worker": worker, "b_at": s.at,
                            "b_via": s.via, "b_attempts": s.attempts, "b_text": s.text}
                           for s in sent])


def cancel_at_send(session: Session, worker: str, moot: Sequence[Cancelled]) -> None:
    """Cancelled instead of sent, its subject having moved on, with the reason kept, where
    `worker` still holds the row (pending and this worker's: the take before the wording
    made sure)."""
    _each(session, _MOOT, [{"b_id": c.nudge_id, "b_worker": worker, "b_reason": c.reason}
                           for c in moot])


def retry(session: Session, worker: str, retries: Sequence[Retry]) -> None:
    """Due again later, with the error kept; released for any worker to claim then."""
    _each(session, _RETRY, [{"b_id": r.nudge_id, "b_worker": worker, "b_due": r.due_at,
                             "b_error": r.error, "b_attempts": r.attempts,
                             "b_attempted": r.attempted_at} for r in retries])


def fail(session: Session, worker: str, failures: Sequence[Failure]) -> None:
    """Failed for good, with the platform's error."""
    _each(session, _FAILED, [{"b_id": f.nudge_id, "b_worker": worker, "b_error": f.error,
                              "b_attempts": f.attempts} for f in failures])


def release(session: Session, worker: str, ids: Iterable[int]) -> None:
    """Give claimed rows back untouched, for any worker to claim now."""
    _each(session, _RELEASE, [{"b_id": i, "b_worker": worker} for i in ids])


def defer(session: Session, worker: str, deferrals: Sequence[Deferral]) -> None:
    """Move claimed rows out of their person's quiet hours and give them back."""
    _each(session, _DEFER, [{"b_id": d.nudge_id, "b_worker": worker, "b_due": d.due_at}
                            for d in deferrals])


def mark_unreachable(session: Session, worker: str, rows: Sequence[Unreachable]) -> None:
    """Waiting for an account: out of the queue (not failed), with the reason kept for
    organizers and the moment of the next lookup as its due time."""
    _each(session, _UNREACHABLE, [{"b_id": u.nudge_id, "b_worker": worker,
                                   "b_due": u.recheck_at, "b_error": u.reason} for u in rows])


def record(session: Session, worker: str, outcomes: Iterable[Outcome]) -> None:
    """A batch of mixed outcomes, one executemany per kind of outcome."""
    sent: list[Sent] = []
    retries: list[Retry] = []
    failures: list[Failure] = []
    released: list[Release] = []
    waiting: list[Unreachable] = []
    moot: list[Cancelled] = []
    for outcome in outcomes:
        match outcome:
            case Sent():
                sent.append(outcome)
            case Retry():
                retries.append(outcome)
            case Failure():
                failures.append(outcome)
            case Release():
                released.append(outcome)
            case Unreachable():
                waiting.append(outcome)
            case Cancelled():
                moot.append(outcome)
    mark_sent(session, worker, sent)
    retry(session, worker, retries)
    fail(session, worker, failures)
    _each(session, _GIVE_BACK, [{"b_id": r.nudge_id, "b_worker": worker,
                                 "b_attempted": r.attempted_at} for r in released])
    mark_unreachable(session, worker, waiting)
    cancel_at_send(session, worker, moot)


def wake_unreachable(session: Session, *, now: datetime, platforms: Iterable[str]) -> int:
    """Put nudges waiting for an account back in the queue: at once for a person who now
    has an account on one of `platforms` (they used the bot, an import or a link added it),
    and for the rest when their next lookup is due. Returns how many."""
    has_account = Nudge.person_id.in_(
        select(Identity.person_id).where(Identity.platform.in_(tuple(platforms))))
    woken = len(session.execute(
        update(Nudge)
        .where(Nudge.state == NudgeState.UNREACHABLE, has_account)
        .values(state=NudgeState.PENDING, due_at=now, last_error=None)
        .returning(Nudge.id)
        .execution_options(synchronize_session=False)
    ).all())
    return woken + len(session.execute(
        update(Nudge)
        .where(Nudge.state == NudgeState.UNREACHABLE, Nudge.due_at <= now)
        .values(state=NudgeState.PENDING)
        .returning(Nudge.id)
        .execution_options(synchronize_session=False)
    ).all())


def next_claimable(session: Session, *, now: datetime, within: timedelta) -> datetime | None:
    """When the earliest pending nudge due before `now + within` can next be claimed (its due
    time, or its holder's lease end), so a sweep can run then instead of at its next tick."""
    moment = case((Nudge.lease_until > Nudge.due_at, Nudge.lease_until), else_=Nudge.due_at)
    found: datetime | None = session.scalar(
        select(func.min(moment)).where(Nudge.state == NudgeState.PENDING,
                                       Nudge.due_at <= now + within))
    return found


def notices_caused(session: Session, at: datetime, *, unless_on: Sequence[str]
                   ) -> tuple[list[int], list[int]]:
    """The pending notices a command made at `at` (their `created_at`): the ids of those
    whose person has no account on any of `unless_on`, and the person ids of the rest (the
    console prints the first, and leaves the others to the platforms' workers)."""
    rows = session.execute(
        select(Nudge.id, Nudge.person_id,
               Nudge.person_id.in_(select(Identity.person_id)
                                   .where(Identity.platform.in_(tuple(unless_on)))))
        .where(Nudge.kind == NudgeKind.NOTICE, Nudge.state == NudgeState.PENDING,
               Nudge.created_at == at)
        .order_by(Nudge.id)).all()
    return ([r[0] for r in rows if not r[2]], [r[1] for r in rows if r[2]])


# --- what people and organizers do --------------------------------------------------------


def own_nudge(session: Session, nudge_id: int, person_id: int) -> Nudge | None:
    """The nudge, locked for this unit of work, if it is `person_id`'s; someone else's
    looks exactly like a missing one."""
    nudge = session.get(Nudge, nudge_id, with_for_update=True)
    return nudge if nudge is not None and nudge.person_id == person_id else None


def snooze(session: Session, nudge_id: int, *, person_id: int, until: datetime,
           kinds: Iterable[NudgeKind]) -> bool:
    """Bring `person_id`'s reminder back at `until` as a fresh pending nudge (sent or not),
    counting the snooze (reports show them), if it is of one of `kinds` (the snoozable ones,
    `NudgeCatalog.snoozable`); a dismissed or moot one stays as it is. Its words are built
    again when it comes back. Returns whether it was snoozed."""
    changed = session.execute(
        update(Nudge)
        .where(Nudge.id == nudge_id, Nudge.person_id == person_id,
               Nudge.kind.in_(tuple(kinds)), Nudge.state.in_(SNOOZABLE))
        .values(state=NudgeState.PENDING, due_at=until, attempts=0, last_error=None,
                lease_until=None, claimed_by=None, sent_at=None, attempted_at=None,
                snoozes=Nudge.snoozes + 1)
        .returning(Nudge.id)
    ).first()
    return changed is not None


def dismiss(session: Session, nudge_id: int, *, person_id: int,
            kinds: Iterable[NudgeKind]) -> bool:
    """`person_id` said their reminder (of one of `kinds`, `NudgeCatalog.dismissable`) is
    not relevant: it is never sent (again). Kept apart from `cancelled` (a change made it
    moot) so reports can tell the two apart. Returns whether it was dismissed."""
    changed = session.execute(
        update(Nudge)
        .where(Nudge.id == nudge_id, Nudge.person_id == person_id,
               Nudge.kind.in_(tuple(kinds)))
        .values(state=NudgeState.DISMISSED, lease_until=None)
        .returning(Nudge.id)
    ).first()
    return changed is not None


def requeue_failed(session: Session, ids: Iterable[int], *, now: datetime) -> int:
    """Queue failed nudges again: due now, attempts reset, nobody holding them. Rows no
    longer failed are left alone. Returns how many were queued."""
    queued = 0
    for chunk in chunks(list(ids), CHUNK):
        queued += len(session.execute(
            update(Nudge)
            .where(Nudge.id.in_(chunk), Nudge.state == NudgeState.FAILED)
            .values(state=NudgeState.PENDING, attempts=0, due_at=now, lease_until=None,
                    claimed_by=None)
            .returning(Nudge.id)
        ).all())
    return queued


# --- retention ---------------------------------------------------------------------------

FINISHED = (NudgeState.SENT, NudgeState.CANCELLED, NudgeState.DISMISSED, NudgeState.FAILED)
"""States a nudge never leaves by itself: what retention may delete once old enough."""


def _bury(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Keep the dedup keys of nudges about to be deleted (`nudge_tombstones`), in one
    INSERT … SELECT per chunk: without them the next planning run would find the key free
    and plan a reminder that was sent or dismissed a year ago once more, as due now."""
    dialect = session.get_bind().dialect.name
    columns = ["dedup_key", "pruned_at"]
    keys = select(Nudge.dedup_key, literal(now, NudgeTombstone.pruned_at.type)).where(
        Nudge.id.in_(ids))
    if dialect == "postgresql":
        session.execute(pg_insert(NudgeTombstone).from_select(columns, keys)
                        .on_conflict_do_nothing(index_elements=["dedup_key"]))
    elif dialect == "sqlite":
        session.execute(sqlite_insert(NudgeTombstone).from_select(columns, keys)
                        .on_conflict_do_nothing(index_elements=["dedup_key"]))
    else:  # pragma: no cover - other backends: a key is buried once, as it is stored once
        session.execute(insert(NudgeTombstone).from_select(columns, keys))


def prune(session: Session, *, before: datetime, batch: int = BATCH,
          now: datetime | None = None) -> int:
    """Delete finished nudges whose last moment (created, due, sent) is before `before`, a
    batch at a time so no statement holds its locks for long, keeping each one's dedup key
    as a tombstone dated `now` (default: `before`) so it is never planned again. Pending
    and unreachable nudges are never touched, whatever their age. Returns how many were
    deleted."""
    old = select(Nudge.id).where(
        Nudge.state.in_(FINISHED), Nudge.due_at < before, Nudge.created_at < before,
        or_(Nudge.sent_at.is_(None), Nudge.sent_at < before),
    ).limit(batch)
    deleted = 0
    while True:
        ids = list(session.scalars(old))
        if not ids:
            return deleted
        for chunk in chunks(ids, CHUNK):
            _bury(session, chunk, now or before)
            session.execute(delete(Nudge).where(Nudge.id.in_(chunk))
                            .execution_options(synchronize_session=False))
        deleted += len(ids)


# --- the weekly digest's claim ------------------------------------------------------------


def claim_digest(session: Session, group_id: int, week: str, *, worker: str, now: datetime,
                 lease: timedelta = LEASE) -> bool:
    """Claim the group's digest post for `week` with a lease, as a nudge is claimed: True if
    this call inserted the (group, week) row, or took over one that failed or whose
    worker's lease ran out. The row is unique on (group, week), so whatever the number of
    workers, one holds the week at a time, and a week posted (or with nowhere to post) is
    never claimed again."""
    values = {"group_id": group_id, "week": week, "state": DigestState.POSTING,
              "claimed_by": worker, "lease_until": now + lease, "posted_at": None}
    if insert_rows(session, DigestPost, [values], skip_conflicts=("group_id", "week"),
                   returning="id"):
        return True
    retaken = session.execute(
        update(DigestPost)
        .where(DigestPost.group_id == group_id, DigestPost.week == week,
               or_(DigestPost.state == DigestState.FAILED,
                   and_(DigestPost.state == DigestState.POSTING,
                        _lease_free(DigestPost.lease_until, now))))
        .values(state=DigestState.POSTING, claimed_by=worker, lease_until=now + lease,
                posted_at=None)
        .returning(DigestPost.id)
    ).first()
    return retaken is not None


def renew_digest(session: Session, group_id: int, week: str, *, worker: str, now: datetime,
                 lease: timedelta = LEASE) -> bool:
    """Extend this worker's claim on the week while it posts; False if it lost the claim."""
    return session.execute(
        update(DigestPost)
        .where(DigestPost.group_id == group_id, DigestPost.week == week,
               DigestPost.state == DigestState.POSTING, DigestPost.claimed_by == worker)
        .values(lease_until=now + lease)
        .returning(DigestPost.id)
    ).first() is not None


def finish_digest(session: Session, group_id: int, week: str, *, worker: str,
                  state: DigestState, now: datetime, error: str | None = None) -> bool:
    """Record how the week's post went (posted, failed, empty), where `worker` still holds
    the claim. Returns whether it did."""
    return session.execute(
        update(DigestPost)
        .where(DigestPost.group_id == group_id, DigestPost.week == week,
               DigestPost.state == DigestState.POSTING, DigestPost.claimed_by == worker)
        .values(state=state, posted_at=now if state == DigestState.POSTED else None,
                lease_until=None, last_error=error)
        .returning(DigestPost.id)
    ).first() is not None


def settled_digest_weeks(session: Session, now: datetime) -> set[tuple[int, str]]:
    """(group id, week) of every digest posted, with nowhere to post, or held by a worker
    whose lease still runs: none of them is owed by a catch-up now."""
    return {
        (row.group_id, row.week)
        for row in session.execute(
            select(DigestPost.group_id, DigestPost.week)
            .where(or_(DigestPost.state.in_((DigestState.POSTED, DigestState.EMPTY)),
                       and_(DigestPost.state == DigestState.POSTING,
                            DigestPost.lease_until > now)))
        )
    }


# --- a person's link or deletion ------------------------------------------------------------


def reassign(session: Session, from_person: int, to_person: int) -> int:
    """Every nudge of `from_person` becomes `to_person`'s (their two records are being
    joined into one). Dedup keys name subjects, not people, so none can collide. Returns
    how many moved."""
    return len(session.execute(
        update(Nudge).where(Nudge.person_id == from_person).values(person_id=to_person)
        .returning(Nudge.id).execution_options(synchronize_session=False)
    ).all())


def rewrite_mentions(session: Session, needles: Sequence[str],
                     rewrite: Callable[[Any], Any]) -> int:
    """Rewrite the text and payload of every nudge that mentions one of `needles` (in any
    case) with `rewrite` (given the text, then the payload's JSON value): what a deleted
    person leaves in messages to other people (their name in a match result). The rows
    stay, so what was sent still counts. Returns how many changed."""
    wanted = [n for n in needles if n]
    if not wanted:
        return 0
    mentions = or_(*(column.icontains(needle, autoescape=True)
                     for needle in wanted
                     for column in (Nudge.text, cast(Nudge.payload, Text))))
    changed = 0
    for row in session.execute(select(Nudge.id, Nudge.text, Nudge.payload).where(mentions)).all():
        text, payload = rewrite(row.text or ""), rewrite(row.payload)
        if text != row.text or payload != row.payload:
            session.execute(update(Nudge).where(Nudge.id == row.id)
                            .values(text=text, payload=payload)
                            .execution_options(synchronize_session=False))
            changed += 1
    return changed

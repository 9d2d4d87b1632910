"""The send budgets' one owner: every write to `send_budgets` is a function here.

A row is one budget: the calls of one platform method in one Slack workspace, or by the
Discord bot (`BudgetKey`). Every worker takes its slots from the same row, so workers
together keep to one rate however many there are (`bot.nudges.slots` says how slots are
laid out and why no second holds more than the rate).

- `grant`: the next slots, read and moved past in a compare-and-set on the row's `version`
  (`UPDATE … WHERE version = :seen`): on PostgreSQL a concurrent grant makes the update
  match no row and the loser reads again; SQLite serialises writers, so the same statement
  is safe there too. The row is made on first use (`INSERT … ON CONFLICT DO NOTHING`).
- `hold`: a 429 answered `Retry-After`: no slot is handed out before then, to any worker.

Instants are seconds on the database's clock (`database_now`), read in the same statement
as the row, so workers on different machines share one clock; a grant tells its caller
that clock's `now` so it can turn slots into waits on its own clock.

Every function takes a session and writes in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.framework.channels import BudgetKey
from bot.infra.models import SendBudget
from bot.nudges import slots

TRIES = 20
"""Compare-and-set rounds before a grant gives up (each lost round means another worker
was granted slots meanwhile: the budget is busy, not broken)."""


@dataclass(frozen=True)
class Granted:
    """Slots granted (`allotment.count` may be 0: none close enough yet), and the
    database's clock when they were read."""

    allotment: slots.Allotment
    now: float


class BudgetBusy(RuntimeError):
    """Other workers kept winning the compare-and-set (`TRIES` rounds)."""


def database_now(dialect: str) -> ColumnElement[float]:
    """The database's clock as seconds since the epoch (PostgreSQL: the statement's own
    moment, `clock_timestamp()`; SQLite: its `julianday('now')`, to the millisecond)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", func.clock_timestamp()), Float)
    return cast((func.julianday("now") - 2440587.5) * 86400.0, Float)


def _row(key: BudgetKey) -> list[ColumnElement[bool]]:
    return [SendBudget.platform == key.platform, SendBudget.scope == key.scope,
            SendBudget.method == key.method]


def _create(session: Session, key: BudgetKey) -> None:
    """The budget's row, made by whichever worker needs it first."""
    values = {"platform": key.platform, "scope": key.scope, "method": key.method,
              "next_slot": 0.0, "blocked_until": 0.0, "version": 0}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.connection().execute(insert(SendBudget).values(**values).on_conflict_do_nothing(
        index_elements=["platform", "scope", "method"]))


def grant(session: Session, key: BudgetKey, *, rate: float, want: int,
          ahead: float = slots.GRANT_SPAN) -> Granted:
    """The next `want` slots of `key`'s budget at `rate` a second, taken from the shared row
    (none when its first free slot is more than `ahead` seconds away: `allotment.start`
    then says when it is)."""
    now_sql = database_now(session.get_bind().dialect.name).label("now")
    conn = session.connection()  # plain rows: nothing for the ORM to keep in step
    for _ in range(TRIES):
        row = conn.execute(
            select(SendBudget.next_slot, SendBudget.blocked_until, SendBudget.version,
                   now_sql).where(*_row(key))).first()
        if row is None:
            _create(session, key)
            continue
        now = float(row.now)
        allotment = slots.allot(next_slot=row.next_slot, blocked_until=row.blocked_until,
                                now=now, rate=rate, want=want, ahead=ahead)
        if allotment.count == 0:
            return Granted(allotment, now)
        moved = conn.execute(
            update(SendBudget).where(*_row(key), SendBudget.version == row.version)
            .values(next_slot=allotment.end, version=row.version + 1)
            .returning(SendBudget.version)).first()
        if moved is not None:
            return Granted(allotment, now)
    raise BudgetBusy(f"the send budget {key} stayed busy for {TRIES} tries")


def hold(session: Session, key: BudgetKey, *, seconds: float) -> float:
    """The platform answered 429 with `Retry-After: seconds`: no worker gets a slot of
    `key`'s budget before then (a later hold already recorded stands). Returns the
    instant, on the database's clock."""
    dialect = session.get_bind().dialect.name
    until = database_now(dialect) + seconds
    later = (func.max if dialect == "sqlite" else func.greatest)(SendBudget.blocked_until, until)
    _create(session, key)
    held = session.connection().execute(
        update(SendBudget).where(*_row(key))
        .values(blocked_until=later, version=SendBudget.version + 1)
        .returning(SendBudget.blocked_until)).scalar_one()
    return float(held)

"""What the plan page needs from the residency plan, as plain values and a small protocol,
so the page is built and tested apart from the plan's own rules: the residency feature
supplies a `PlanSource` (its plan as `PlanView` rows; add, drop and signal as it does for
`/residency add|drop|signal`), and the page only shows and sorts what it is given.

A refusal (a program not in the group's list, a signal over the cycle's allotment) is a
`UserError` raised by the source: the unit of work is rolled back and the page shows the
message, with the plan unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

SIGNAL_TIERS = ("gold", "silver", "none")
"""What `/residency signal PROGRAM tier:` takes (SPEC "Residency plan")."""
TIER_ORDER = ("reach", "target", "likely", "unknown")
"""The plan's tiers, from the hardest to get to the most likely, then unsourced."""

CSV_COLUMNS = ("program", "state", "tier", "signal", "letters", "reasons", "fee")
"""`/residency export`'s columns (SPEC): the page's CSV is the same list."""


@dataclass(frozen=True)
class PlanRow:
    key: str  # the program's stable id: what the forms send back
    program: str
    city: str
    state: str
    tier: str  # one of TIER_ORDER
    signal: str  # one of SIGNAL_TIERS
    letters: tuple[str, ...]  # the student's tracked letters going to this program
    fee_usd: float | None  # what this application adds to the fee (the portal's tier)
    reasons: tuple[str, ...]  # why it is on the list, and its tier


@dataclass(frozen=True)
class Signals:
    """Signals of one cycle and specialty; None where the data has no such split."""

    gold: int | None
    silver: int | None
    total: int | None


@dataclass(frozen=True)
class PlanView:
    """A student's plan as the page shows it."""

    cycle: str  # "ERAS 2027"
    specialty: str
    rows: tuple[PlanRow, ...]
    proposed_count: int  # how many programs the plan suggests applying to
    signals_allotted: Signals | None  # None: the specialty has no signals this cycle;
    # all three None: its allotment is not published (signals set by hand are counted)
    signals_used: Signals | None
    fee_portal: str
    fee_total_usd: float | None
    warnings: tuple[str, ...] = ()
    addable: tuple[tuple[str, str], ...] = ()  # (key, name) of programs that may be added
    sources: tuple[str, ...] = ()  # where the cycle's figures come from


class PlanSource(Protocol):
    """The residency plan, as the plan page uses it. Each call runs in the page's unit of
    work (`session`), for the person whose session it is."""

    def view(self, session: Session, person_id: int, now: datetime) -> PlanView:
        """The person's plan now (a student with no plan yet gets the proposed one)."""
        ...

    def add(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        """Keep a program on the list; returns what was done, in a sentence."""
        ...

    def drop(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        """Take a program off the list; returns what was done, in a sentence."""
        ...

    def signal(self, session: Session, person_id: int, key: str, tier: str,
               now: datetime) -> str:
        """Set the signal sent to a program (gold, silver or none), within the cycle's
        allotment; returns what was done, in a sentence."""
        ...


# --- sorting and the CSV ---------------------------------------------------------------------


def _rank(order: Sequence[str]) -> Callable[[str], int]:
    return lambda value: order.index(value) if value in order else len(order)


SORT_KEYS: dict[str, Callable[[PlanRow], Any]] = {
    "program": lambda r: r.program.casefold(),
    "city": lambda r: (r.city.casefold(), r.program.casefold()),
    "state": lambda r: (r.state, r.program.casefold()),
    "tier": lambda r: (_rank(TIER_ORDER)(r.tier), r.program.casefold()),
    "signal": lambda r: (_rank(SIGNAL_TIERS)(r.signal), r.program.casefold()),
    "letters": lambda r: (len(r.letters), r.program.casefold()),
    "fee": lambda r: (r.fee_usd is None, r.fee_usd or 0.0, r.program.casefold()),
}
"""The columns the table sorts by; ties by program name."""
DEFAULT_SORT = "tier"


def sorted_rows(rows: Sequence[PlanRow], column: str, *, descending: bool = False
                ) -> list[PlanRow]:
    """`rows` sorted by `column` (one of SORT_KEYS; anything else sorts by DEFAULT_SORT)."""
    key = SORT_KEYS.get(column, SORT_KEYS[DEFAULT_SORT])
    return sorted(rows, key=key, reverse=descending)


def fee_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def as_csv(view: PlanView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in view.rows:
        writer.writerow((row.program, row.state, row.tier, row.signal, "; ".join(row.letters),
                         "; ".join(row.reasons), "" if row.fee_usd is None else row.fee_usd))
    return out.getvalue()

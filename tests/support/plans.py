"""A residency plan for the plan page's tests: a real `PlanSource` (bot.web.plan) over a
small program list, kept in memory per student, with the rules the page must respect: a
program is added once and only from the list, the cycle's signal allotment (gold and
silver apart) is never exceeded, and the ERAS fee tiers give each row its fee. Every check
comes before any change, so a refusal changes nothing, as in the real feature."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.web.plan import PlanRow, PlanView, Signals

ERAS_FIRST_TIER = (30, 11.0)  # the first 30 applications, $11 each
ERAS_LATER = 30.0  # each one after that
ALLOTMENT = Signals(gold=1, silver=2, total=3)


@dataclass(frozen=True)
class Program:
    key: str
    name: str
    city: str
    state: str
    tier: str
    reasons: tuple[str, ...]


PROGRAMS = (
    Program("p1", "Boston Medical Center EM", "Boston", "MA", "target",
            ("Step 2 CK 250 is within 5 of the program's mean 248",)),
    Program("p2", "Denver Health EM", "Denver", "CO", "reach",
            ("Step 2 CK 250 is 9 under the program's mean 259",)),
    Program("p3", "Highland Hospital EM", "Oakland", "CA", "likely",
            ("Step 2 CK 250 is 12 over the program's mean 238", "in a region you chose (West)")),
    Program("p4", "Cook County EM", "Chicago", "IL", "target",
            ("Step 2 CK 250 is within 5 of the program's mean 252",)),
    Program("p5", "Yale New Haven EM", "New Haven", "CT", "reach",
            ("Step 2 CK 250 is 10 under the program's mean 260",)),
    Program("p6", "University of Utah EM", "Salt Lake City", "UT", "unknown",
            ("the program reports no Step 2 CK mean: its tier is unknown",)),
)
BY_KEY = {p.key: p for p in PROGRAMS}
BY_NAME = {p.name.casefold(): p for p in PROGRAMS}


@dataclass
class StudentPlan:
    keys: list[str] = field(default_factory=lambda: ["p1", "p2", "p3", "p4"])
    signals: dict[str, str] = field(default_factory=lambda: {"p1": "gold", "p4": "silver"})
    letters: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "p1": ("Dr. Samuel Okafor (SLOE)", "Dr. Wei Xu"), "p3": ("Dr. Samuel Okafor (SLOE)",)})


@dataclass
class MemoryPlans:
    """The plans of every student, by person id (each starts with the proposed list)."""

    plans: dict[int, StudentPlan] = field(default_factory=dict)
    calls: list[tuple[str, int, str]] = field(default_factory=list)

    def _plan(self, person_id: int) -> StudentPlan:
        return self.plans.setdefault(person_id, StudentPlan())

    @staticmethod
    def _program(key: str) -> Program:
        program = BY_KEY.get(key) or BY_NAME.get(key.casefold())
        if program is None:
            raise UserError(f"“{key}” is not on your group's program list.")
        return program

    def view(self, session: Session, person_id: int, now: datetime) -> PlanView:
        plan = self._plan(person_id)
        rows = []
        for index, key in enumerate(plan.keys):
            program = BY_KEY[key]
            fee = ERAS_FIRST_TIER[1] if index < ERAS_FIRST_TIER[0] else ERAS_LATER
            rows.append(PlanRow(key, program.name, program.city, program.state, program.tier,
                                plan.signals.get(key, "none"), plan.letters.get(key, ()),
                                fee, program.reasons))
        used = [plan.signals[k] for k in plan.keys if k in plan.signals]
        return PlanView(
            cycle="ERAS 2027", specialty="Emergency Medicine", rows=tuple(rows),
            proposed_count=4, signals_allotted=ALLOTMENT,
            signals_used=Signals(used.count("gold"), used.count("silver"), len(used)),
            fee_portal="ERAS", fee_total_usd=sum(r.fee_usd or 0 for r in rows),
            warnings=tuple(f"{BY_KEY[k].name} gets no letters yet" for k in plan.keys
                           if not plan.letters.get(k)),
            addable=tuple((p.key, p.name) for p in PROGRAMS if p.key not in plan.keys),
            sources=("ERAS 2027 fees: AAMC ERAS fees page (test data)",))

    def add(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        plan, program = self._plan(person_id), self._program(key)
        if program.key in plan.keys:
            raise UserError(f"{program.name} is on your list already.")
        plan.keys.append(program.key)
        self.calls.append(("add", person_id, program.key))
        return f"Added {program.name} to your list."

    def drop(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        plan, program = self._plan(person_id), self._program(key)
        if program.key not in plan.keys:
            raise UserError(f"{program.name} is not on your list.")
        plan.keys.remove(program.key)
        plan.signals.pop(program.key, None)
        self.calls.append(("drop", person_id, program.key))
        return f"Dropped {program.name} from your list."

    def signal(self, session: Session, person_id: int, key: str, tier: str,
               now: datetime) -> str:
        plan, program = self._plan(person_id), self._program(key)
        if program.key not in plan.keys:
            raise UserError(f"Add {program.name} to your list before signalling it.")
        if tier != "none":
            allowed = getattr(ALLOTMENT, tier)
            others = sum(1 for k, t in plan.signals.items() if t == tier and k != program.key)
            if others >= allowed:
                raise UserError(f"You have used all {allowed} {tier} signal"
                                f"{'s' if allowed != 1 else ''} of ERAS 2027.")
        signals = dict(plan.signals)
        if tier == "none":
            signals.pop(program.key, None)
        else:
            signals[program.key] = tier
        plan.signals = signals
        self.calls.append(("signal", person_id, f"{program.key}:{tier}"))
        return f"{program.name}: signal {tier}."

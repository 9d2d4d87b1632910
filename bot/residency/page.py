"""The residency plan as the plan page shows it (`bot.web.plan.PlanSource`): the same `Plan`
the chat reply, the CLI's JSON and the CSV render, as `PlanView` rows, and add, drop and
signal through the very functions `/residency add|drop|signal` use, so the page refuses
what the command refuses, in the same words, and changes nothing when it does.

A program's key on the page is its id; a name is read as `/residency add` reads one (an
ambiguous name is asked about, never picked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import NotAllowed, UserError
from bot.infra.models import Person, ResidencyProgram
from bot.infra.settings import Settings, get_settings
from bot.infra.zones import local_day
from bot.residency import commands, messages, store
from bot.residency.plan import Plan, PlannedProgram, SignalPlan, SignalStatus
from bot.vocab.residency import SignalTier
from bot.web.plan import PlanRow, PlanView, Signals


def _letters(plan: Plan, row: PlannedProgram) -> tuple[str, ...]:
    tracked = {x.id: x for x in plan.letters.tracked}
    out = []
    for letter_id in row.letters:
        letter = tracked.get(letter_id)
        if letter is not None:
            kind = f" ({letter.kind.upper()})" if letter.kind == "sloe" else ""
            out.append(f"{letter.writer_name}{kind}")
    return tuple(out)


def _signal(row: PlannedProgram, plan: Plan) -> str:
    word = messages.signal_word(row, plan).removesuffix(" signal")
    return word if word in ("gold", "silver") else ("signal" if word else "none")


def _allotted(signals: SignalPlan | None) -> tuple[Signals | None, Signals | None]:
    """(allotted, used). Allotted None only where the specialty takes no signals that
    cycle; an allotment that is not published shows as all None (the page says so)."""
    if signals is None or (signals.allotment is not None and signals.allotment.none):
        return None, None
    used = Signals(signals.gold, signals.silver, signals.total)
    a = signals.allotment
    if signals.status != SignalStatus.KNOWN or a is None:
        return Signals(None, None, None), used
    return Signals(a.gold, a.silver, a.count), used


def plan_view(plan: Plan, addable: list[ResidencyProgram]) -> PlanView:
    """`plan` as the page's rows and tiles, with the same words as the chat reply."""
    tiered = plan.signal_plan(plan.profile.specialty)
    rows = tuple(
        PlanRow(key=str(row.program.id), program=row.program.name, city=row.program.city,
                state=row.program.state, tier=row.tier.value, signal=_signal(row, plan),
                letters=_letters(plan, row),
                fee_usd=None if row.fee_usd is None else float(row.fee_usd),
                reasons=tuple(messages.reason_text(r, specialty_tiered=tiered is None
                                                   or tiered.tiered) for r in row.reasons))
        for row in plan.programs)
    allotted, used = _allotted(tiered)
    portals = sorted({line.portal.value for line in plan.fees if line.portal is not None})
    total = plan.fee_total_usd
    return PlanView(
        cycle=messages.cycle_words(plan.cycle), specialty=plan.profile.specialty,
        rows=rows, proposed_count=plan.count.count or 0, signals_allotted=allotted,
        signals_used=used, fee_portal=" + ".join(portals) or "no portal known",
        fee_total_usd=None if total is None else float(total),
        warnings=tuple(messages.warning_text(w, plan) for w in plan.warnings),
        addable=tuple((str(p.id), messages.program_label(p)) for p in addable),
        sources=tuple(line.removeprefix("• ") for line in messages.source_lines(plan)))


class ResidencyPlans:
    """The plan page's `PlanSource`. `settings`: the program's (its default time zone and
    what re-planning the student's nudges needs); read from the environment when None."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings if self._settings is not None else get_settings()

    def _student(self, session: Session, person_id: int) -> Person:
        person = session.get(Person, person_id)
        if person is None or not person.is_student:
            raise NotAllowed("The plan page is a student's own.")
        return person

    def _program(self, session: Session, person: Person, key: str) -> ResidencyProgram:
        programs = store.group_programs(session, store.student_group_ids(session, person))
        typed = f"program:{key}" if key.strip().isdigit() else key
        return store.find_program(typed, programs)

    def view(self, session: Session, person_id: int, now: datetime) -> PlanView:
        person = self._student(session, person_id)
        profile = commands.saved_profile(session, person)
        today = local_day(now, person.timezone or self.settings.default_timezone)
        plan, inputs = store.plan_for(session, person, profile, today=today)
        listed = {row.program.id for row in plan.programs}
        shut = {facts.id for facts, _why in plan.ineligible}
        open_ids = {p.id for p in inputs.programs} - listed - shut  # dropped ones too
        addable = [p for p in store.group_programs(session,
                                                   store.student_group_ids(session, person))
                   if p.id in open_ids]
        return plan_view(plan, addable)

    def add(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        person = self._student(session, person_id)
        reply = commands.keep_program(
            session, person, self._program(session, person, key), now=now,
            today=local_day(now, person.timezone or self.settings.default_timezone),
            settings=self.settings)
        return _sentence(reply.title, reply.text)

    def drop(self, session: Session, person_id: int, key: str, now: datetime) -> str:
        person = self._student(session, person_id)
        reply = commands.drop_program(session, person, self._program(session, person, key),
                                      now=now, settings=self.settings)
        return _sentence(reply.title, reply.text)

    def signal(self, session: Session, person_id: int, key: str, tier: str,
               now: datetime) -> str:
        person = self._student(session, person_id)
        try:
            chosen = SignalTier(tier)
        except ValueError:
            raise UserError(f"tier: “{tier}” is not a signal (gold, silver or none).") from None
        reply = commands.signal_program(
            session, person, self._program(session, person, key), chosen, now=now,
            today=local_day(now, person.timezone or self.settings.default_timezone))
        return _sentence(reply.title, reply.text.split("\n")[0])


def _sentence(title: str | None, text: str) -> str:
    return f"{title}. {text}" if title else text


"""What `/residency` says. Every threshold, percentage and count in these words is read from
the constants of `bot.residency.rules` or from the cycle's figures when the text is built,
and every published figure is shown with the cycle it is from (and, on request, its source):
"not found for 2027–28" where a cycle has none, never a guess, and never a chance of
matching this planner cannot source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.framework.replies import Action, Attachment, Field, Reply, Section
from bot.framework.wording import and_list, count
from bot.infra.models import ResidencyProfile, ResidencyProgram
from bot.infra.zones import format_day
from bot.letters.rules import LetterFacts
from bot.residency import rules, specs
from bot.residency.plan import (
    Adjust,
    FeeLine,
    Plan,
    PlannedProgram,
    PlanWarning,
    Reason,
    ReasonKind,
    SignalPlan,
    SignalStatus,
    WarningCode,
)
from bot.residency.rules import Risk, Why
from bot.residency.store import CommentView, GroupCounts
from bot.vocab import cycles
from bot.vocab.cycles import Fees, Found, cycle_label
from bot.vocab.letters import Portal
from bot.vocab.residency import (
    APPLICANT_LABELS,
    EVENT_LABELS,
    VISA_LABELS,
    Event,
    Result,
    SignalTier,
    SourceKind,
    Tier,
)

PAGE_SIZE = 25
"""Programs listed on one page of `/residency plan` (a long list pages: a chat message
stays within the platforms' limits)."""

NOT_FOUND = "not found"

# --- small words --------------------------------------------------------------------------


def money(amount: int) -> str:
    return f"${amount:,}"


def visa_name(visa: str | None) -> str:
    return VISA_LABELS.get(visa or "", visa or "")


def program_label(program: ResidencyProgram | rules.ProgramFacts) -> str:
    where = ", ".join(x for x in (program.city, program.state) if x)
    return f"{program.name} ({where})" if where else program.name


def cycle_words(name: str) -> str:
    data = cycles.cycle(name)
    suffix = f" ({data.names})" if data is not None else ""
    return f"{cycle_label(name)}{suffix}"


def _names(name: str) -> str:
    data = cycles.cycle(name)
    return f" ({data.names})" if data is not None else ""


def source_kind(kind: SourceKind) -> str:
    return "primary source" if kind == SourceKind.PRIMARY else "secondary source"


def whose(found: Found[object]) -> str:
    """Which cycle a figure is from, said plainly when it is not the plan's own."""
    return found.whose()


TIER_RULE = (f"reach: your Step 2 CK is more than {rules.REACH_BELOW} points below the "
             f"program's reported mean; likely: more than {rules.LIKELY_ABOVE} above it; "
             "target: in between; unknown: no mean reported, or no Step 2 CK set")

RISK_REASONS: Mapping[Risk, str] = {
    Risk.VISA: "you need a visa: only programs that sponsor it count, and fewer do",
    Risk.IMG: "you are an IMG and the published figure is not for IMGs, who send more "
              "applications",
    Risk.COUPLES: "you match as a couple: both of you need programs in the same places",
    Risk.REACH_HEAVY: (f"more than {int(rules.REACH_HEAVY_SHARE * 100)}% of the eligible "
                       "programs with a reported mean are reaches for you"),
}

WHY_TEXT: Mapping[Why, str] = {
    Why.VISA: "does not sponsor your visa",
    Why.DO: "does not take DO applicants",
    Why.IMG: "does not take international graduates",
}
UNSTATED_TEXT: Mapping[Why, str] = {
    Why.VISA: "visa sponsorship not stated: ask the program",
    Why.DO: "not stated whether it takes DO applicants: ask the program",
    Why.IMG: "not stated whether it takes international graduates: ask the program",
}


def why_text(why: Sequence[Why], visa: str | None) -> str:
    words = []
    for reason in why:
        text = WHY_TEXT[reason]
        if reason == Why.VISA and visa:
            text = f"does not sponsor a {visa_name(visa)}"
        words.append(text)
    return and_list(words)


def tier_reason(reason: Reason) -> str:
    if reason.detail == "no-mean":
        return "no Step 2 CK mean reported: tier unknown"
    if reason.detail == "no-step2":
        return "set step2: in /residency profile for a tier"
    gap = (reason.number or 0) - (reason.other or 0)
    where = (f"{-gap} below" if gap < 0 else f"{gap} above") if gap else "level with"
    return f"Step 2 CK {reason.number} vs mean {reason.other}: {where}"


def reason_text(reason: Reason, *, specialty_tiered: bool = True) -> str:
    match reason.kind:
        case ReasonKind.TIER:
            return tier_reason(reason)
        case ReasonKind.ROTATED:
            return "your home program" if reason.detail == "home" else "an away rotation"
        case ReasonKind.REGION:
            return f"{reason.detail}, a region you chose"
        case ReasonKind.TYPE:
            return f"{reason.detail}, a type you chose"
        case ReasonKind.HAND:
            return "kept by you (backup specialty)" if reason.detail == "backup" \
                else "kept by you"
        case ReasonKind.SIGNAL:
            signal = reason.detail if reason.detail != "signal" else "a"
            who = "set by you" if reason.number else "top of its tier"
            return f"{signal} signal ({who})"
        case ReasonKind.CHECK:
            return UNSTATED_TEXT[Why(reason.detail)]
    return reason.detail


def signal_word(row: PlannedProgram, plan: Plan) -> str:
    if row.signal is None:
        return ""
    signals = plan.signal_plan(row.program.specialty)
    if signals is not None and not signals.tiered:
        return "signal"
    return f"{row.signal} signal"


def program_line(position: int, row: PlannedProgram, plan: Plan, *,
                 scores: bool = True) -> str:
    bits = [program_label(row.program)]
    signal = signal_word(row, plan)
    if signal:
        bits.append(signal)
    if row.letters:
        bits.append("letters " + " ".join(f"#{i}" for i in row.letters))
    if row.fee_usd is not None:
        bits.append(money(row.fee_usd))
    reasons = [reason_text(r) for r in row.reasons
               if (scores or not r.private) and r.kind != ReasonKind.SIGNAL]
    text = f"{position}. {' · '.join(bits)}"
    return f"{text}\n    {'; '.join(reasons)}" if reasons else text


# --- /residency profile -------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileView:
    profile: ResidencyProfile | None
    home: str | None
    aways: tuple[str, ...]
    cycle: str
    cycle_chosen: bool
    stage: str | None
    backup_programs: int = 0


def profile_reply(view: ProfileView, *, changed: Sequence[str] = ()) -> Reply:
    p = view.profile
    title = "Residency profile updated" if changed else "Your residency profile"

    def line(name: str, value: str | None, effect: str, unset: str) -> Field:
        mark = " (changed)" if name in changed else ""
        return Field(f"{name.capitalize()}{mark}", f"{value} — {effect}" if value
                     else f"not set — {unset}", inline=False)

    specialty = p.specialty if p else None
    applicant = p.applicant if p else None
    visa = p.visa if p else None
    step2 = p.step2 if p else None
    regions = tuple(p.regions) if p else ()
    types = tuple(p.types) if p else ()
    fields = [
        line("specialty", specialty, "your plan draws on its programs and its published "
             "figures", "set specialty: to plan"),
        line("backup", p.backup if p else None,
             f"its programs stay off your plan until you /residency add them "
             f"({count(view.backup_programs, 'eligible program')} in your groups' lists); "
             "ERAS prices each specialty's list separately", "none"),
        line("applicant", APPLICANT_LABELS.get(applicant or "", None),
             "picks the published applications-per-applicant figure; programs that do not "
             "take your applicant type are never in your plan", "the all-applicant figure is "
             "used"),
        line("visa", visa_name(visa) if visa else None,
             "programs that do not sponsor it are never in your plan, and the list grows by "
             f"{rules.RISK_PERCENT[Risk.VISA]}%" if visa and visa != "none"
             else "no sponsorship needed", "no sponsorship assumed"),
        line("step2", str(step2) if step2 is not None else None,
             f"tiers each program — {TIER_RULE}", "every tier is unknown"),
        line("home", view.home, "always on your list" + (
            "; emergency medicine: never signalled" if specialty and
            rules.no_home_away_signals(specialty) else ""), "none"),
        line("aways", "; ".join(view.aways) or None, "always on your list" + (
            "; emergency medicine: never signalled" if specialty and
            rules.no_home_away_signals(specialty) else ""), "none"),
        line("regions", ", ".join(regions) or None,
             "programs there rank first within each tier", "no preference"),
        line("types", ", ".join(types) or None, "programs of these types rank first within "
             "each tier", "no preference"),
        line("couples", "yes" if p and p.couples else None,
             f"the list grows by {rules.RISK_PERCENT[Risk.COUPLES]}%", "no"),
        Field("Cycle", f"{cycle_words(view.cycle)} — "
              + ("you chose it" if view.cycle_chosen else
                 f"from your stage{f' ({view.stage.upper()})' if view.stage else ''}; "
                 "cycle: changes it")
              + "; the dates and published figures of this cycle are used", inline=False),
    ]
    footer = f"See the plan: /{specs.PLAN.name}"
    return Reply(title=title, fields=tuple(fields), footer=footer,
                 actions=(specs.PLAN.action("See my plan"),))


# --- /residency programs ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramView:
    program: ResidencyProgram
    closed: tuple[Why, ...] = ()


def programs_reply(rows: Sequence[ProgramView], *, total: int, counts: Mapping[int, GroupCounts],
                   filters: str, visa: str | None, groups: Sequence[str]) -> Reply:
    if not groups:
        return Reply(title="No program list yet",
                     text="You are in no group yet: /mentor join GROUP, then ask its "
                          "organizers to import the program list.")
    if total == 0:
        return Reply(title="No programs",
                     text=f"No program of {and_list(groups)} matches{filters}. An organizer "
                          "imports the list with `mentorbot programs import FILE.csv`.")
    lines = []
    shown_counts = 0
    for index, view in enumerate(rows, start=1):
        p = view.program
        facts = [p.specialty, p.type or "", f"{p.positions} positions"
                 if p.positions is not None else "", f"Step 2 CK mean {p.step2_mean}"
                 if p.step2_mean is not None else "", p.portal or "",
                 "takes signals" if p.signals else ("no signals" if p.signals is False else "")]
        line = f"{index}. {program_label(p)} — {', '.join(f for f in facts if f)}"
        if view.closed:
            line += f"\n    Not for you: {why_text(view.closed, visa)}"
        group = counts.get(p.id)
        if group is not None and rules.shown_counts(group.contributors):
            shown_counts += 1
            line += (f"\n    Your groups: {group.applied} applied, {group.interviewed} "
                     f"interviewed, {group.matched} matched ({group.contributors} people)")
        lines.append(line)
    more = f" (the first {len(rows)} of {total}: limit: shows more)" if len(rows) < total \
        else ""
    footer = (f"Group counts appear only where {rules.OUTCOME_MIN_PEOPLE} or more people "
              "recorded outcomes (/residency outcome), and never name anyone.")
    if not shown_counts:
        footer = (f"No program has outcomes from {rules.OUTCOME_MIN_PEOPLE} or more people "
                  "yet: " + footer[0].lower() + footer[1:])
    return Reply(title=f"Programs of {and_list(groups)}{filters}",
                 text=f"{count(total, 'program')}{more}.",
                 sections=(Section(text="\n".join(lines)),), footer=footer)


# --- /residency plan ----------------------------------------------------------------------


def _count_section(plan: Plan) -> Section:
    c = plan.count
    spec = cycle_label(plan.cycle)
    lines: list[str] = []
    if c.base is not None:
        figure = c.base.value
        who = APPLICANT_LABELS.get(figure.applicant, "all applicants")
        field_of = figure.specialty if figure.specialty != "all" else "all specialties"
        lines.append(f"Base: {figure.mean:g} applications per applicant ({field_of}, {who}) — "
                     f"{whose(c.base)}.")
    if c.source == Adjust.OVERRIDE:
        lines.append(f"You set count:{c.wanted}.")
    elif c.source == Adjust.NONE:
        lines.append(f"No applications-per-applicant figure was found for {spec} or any "
                     f"earlier cycle: every eligible program is listed ({c.available}); "
                     f"count: sets how many.")
    for a in c.adjustments:
        lines.append(f"+{a.amount} (+{a.percent}%): {RISK_REASONS[a.risk]}.")
    if c.adjustments:
        lines.append("These adjustments are this planner's rule, not published figures.")
    if c.source == Adjust.FIGURE and c.adjustments:
        lines.append(f"= {c.wanted} programs.")
    if c.capped:
        lines.append(f"Capped at {c.available}: the eligible {plan.profile.specialty} programs "
                     f"in your groups' lists{_dropped_note(plan)}.")
    return Section(heading=f"How many: {count(c.count, 'program')}", text="\n".join(lines))


def _dropped_note(plan: Plan) -> str:
    mine = [p for p in plan.dropped if p.specialty == plan.profile.specialty]
    return f", after the {count(len(mine), 'program')} you dropped" if mine else ""


def _tier_sections(plan: Plan, rows: Sequence[tuple[int, PlannedProgram]], *,
                   scores: bool) -> list[Section]:
    sections = []
    if not scores:
        text = "\n".join(program_line(i, r, plan, scores=False) for i, r in rows)
        return [Section(heading="Programs", text=text)] if text else []
    main = [(i, r) for i, r in rows if not r.backup]
    for t in rules.TIER_ORDER:
        mine = [(i, r) for i, r in main if r.tier == t]
        if mine:
            total = plan.tier_count(t)
            heading = f"{t.value.capitalize()} ({total})" if t != Tier.UNKNOWN \
                else f"Tier unknown ({total})"
            sections.append(Section(heading=heading, text="\n".join(
                program_line(i, r, plan) for i, r in mine)))
    backup = [(i, r) for i, r in rows if r.backup]
    if backup:
        sections.append(Section(heading=f"Backup: {plan.profile.backup or 'kept by you'}",
                                text="\n".join(program_line(i, r, plan) for i, r in backup)))
    return sections


def _not_in_plan(plan: Plan) -> Section | None:
    lines = []
    if plan.ineligible:
        names = [f"{program_label(p)} ({why_text(why, plan.profile.visa)})"
                 for p, why in plan.ineligible[:8]]
        more = f" and {len(plan.ineligible) - 8} more" if len(plan.ineligible) > 8 else ""
        lines.append(f"Closed to you ({len(plan.ineligible)}): {'; '.join(names)}{more}.")
    if plan.dropped:
        lines.append("Dropped by you: " + "; ".join(program_label(p) for p in plan.dropped)
                     + ".")
    if plan.backup_open and plan.profile.backup:
        lines.append(f"Backup ({plan.profile.backup}): "
                     f"{count(plan.backup_open, 'eligible program')} in your groups' lists; "
                     f"/{specs.ADD.name} the ones you want.")
    return Section(heading="Not in the plan", text="\n".join(lines)) if lines else None


def signal_lines(signals: SignalPlan, plan: Plan) -> list[str]:
    spec = cycle_label(plan.cycle)
    name = signals.specialty
    lines: list[str] = []
    if signals.status == SignalStatus.NOT_FOUND:
        latest = signals.latest
        context = ""
        if latest is not None:
            value = latest.value
            allotted = (f"{value.gold} gold and {value.silver} silver" if value.tiered
                        else count(value.count, "signal"))
            context = (f" The latest published: {allotted} ({cycle_label(latest.cycle)}, "
                       f"through {value.portal}).")
        lines.append(f"{name.capitalize()}'s signal allotment for {spec}: {NOT_FOUND}."
                     f"{context} No signals are proposed against an allotment that is not "
                     f"published; /{specs.SIGNAL.name} sets one by hand.")
        if signals.total:
            lines.append(f"Set by hand: {count(signals.total, 'signal')}, which can't be "
                         "checked against an allotment until one is published.")
    elif signals.status == SignalStatus.NONE:
        lines.append(f"{name.capitalize()} takes no program signals in {spec}.")
    else:
        allotment = signals.allotment
        assert allotment is not None
        if allotment.tiered:
            lines.append(f"{name.capitalize()}, {spec}: {allotment.gold} gold and "
                         f"{allotment.silver} silver signals. Used: {signals.gold} gold, "
                         f"{signals.silver} silver. Gold goes to your top targets; silver "
                         "to the rest of your targets, then reaches.")
        else:
            lines.append(f"{name.capitalize()}, {spec}: {count(allotment.count, 'signal')}. "
                         f"Used: {signals.total}: targets first, then reaches.")
        if signals.unplaced:
            lines.append(f"{count(signals.unplaced, 'signal')} left: not enough programs on "
                         "the list that take signals.")
    if signals.home_away_rule:
        lines.append(f"{name.capitalize()}: never signal your home or away programs (the "
                     "specialty's guidance).")
    return lines


def _signals_section(plan: Plan) -> Section:
    lines = [line for s in plan.signals for line in signal_lines(s, plan)]
    return Section(heading="Signals", text="\n".join(lines))


def letter_label(letter: LetterFacts) -> str:
    kind = f" {letter.kind}" if letter.kind else ""
    return f"#{letter.id}{kind} ({letter.writer_name}, {letter.state})"


def letter_lines(plan: Plan, letters: Mapping[int, LetterFacts]) -> list[str]:
    lp = plan.letters
    rows = [r for r in plan.programs if not r.backup]
    lines: list[str] = []
    if not lp.tracked:
        lines.append(f"You track no letters for {lp.specialty} residency yet: /letter remind "
                     "starts one.")
    else:
        sets = {r.letters for r in rows}
        if len(sets) == 1 and rows:
            (common,) = sets
            lines.append(f"Every program: {', '.join(letter_label(letters[i]) for i in common)}"
                         if common else "No tracked letter fits these programs.")
        else:
            for r in rows[:PAGE_SIZE]:
                lines.append(f"{r.program.name}: "
                             + (", ".join(f"#{i}" for i in r.letters) or "none"))
    for found in lp.rules:
        rule = found.value
        if rule.max_per_program is not None:
            lines.append(f"{rule.portal} assigns at most {rule.max_per_program} letters to one "
                         f"program ({whose(found)}).")
        elif rule.manual_assignment:
            lines.append(f"{rule.portal}: you assign each letter to each program by hand; no "
                         f"cap per program was found ({whose(found)}), so up to "
                         f"{rules.EXPECTED_LETTERS[1]}, what programs expect, are proposed.")
    if lp.standardized is not None:
        s = lp.standardized.value
        lines.append(f"{s.specialty.capitalize()} programs {'expect' if s.required else 'welcome'} "
                     f"{count(s.wanted, s.name)} (the specialty's standardized letter, "
                     f"{whose(lp.standardized)}): you track {lp.standardized_tracked}; they "
                     "go first.")
    return lines


def _letters_section(plan: Plan, letters: Mapping[int, LetterFacts]) -> Section:
    return Section(heading="Letters per program", text="\n".join(letter_lines(plan, letters)))


def fee_breakdown(fees: Fees, programs: int) -> str:
    parts = []
    for tier in fees.tiers:
        if programs < tier.first:
            break
        top = programs if tier.last is None else min(programs, tier.last)
        n = top - tier.first + 1
        if tier.flat_usd:
            parts.append(f"{money(tier.flat_usd)} for {tier.first}–{top}")
        if tier.each_usd:
            parts.append(f"{n} × {money(tier.each_usd)}")
    return " + ".join(parts)


def fee_line(line: FeeLine, plan: Plan) -> str:
    spec = cycle_label(plan.cycle)
    what = f"{line.portal or 'portal not known'}, {line.specialty}, " \
           f"{count(line.programs, 'program')}"
    if line.portal is None:
        return (f"{what}: no portal is known for {spec}; set the portal column of the "
                "program list.")
    if line.schedule is None:
        return f"{what}: {line.portal} fees {NOT_FOUND} for {spec} or any earlier cycle."
    schedule = line.schedule
    breakdown = fee_breakdown(schedule.value, line.programs)
    total = money(schedule.value.total(line.programs))
    if schedule.earlier:
        return (f"{what}: {line.portal} fees for {spec}: {NOT_FOUND}. At "
                f"{cycle_label(schedule.cycle)} prices (the latest published) this list would "
                f"cost {total} ({breakdown}).")
    return f"{what}: {total} ({breakdown}; {cycle_label(schedule.cycle)} prices)."


def _fee_section(plan: Plan) -> Section:
    lines = [fee_line(line, plan) for line in plan.fees] or ["No programs: no fee."]
    total = plan.fee_total_usd
    heading = f"Fee: {money(total)}" if total is not None and len(plan.fees) > 1 else "Fee"
    return Section(heading=heading, text="\n".join(lines))


def event_words(event: Event, portal: Portal | None) -> str:
    label = EVENT_LABELS[event]
    return f"{label} ({portal})" if portal is not None and "NRMP" not in label else label


def date_lines(plan: Plan) -> list[str]:
    spec = cycle_label(plan.cycle)
    lines = [f"{format_day(d.day)} — {event_words(d.event, d.portal)}"
             for d in plan.dates.upcoming]
    if plan.dates.upcoming:
        lines.append("I'll remind you " + and_list(str(n) for n in rules.DATE_NUDGE_DAYS)
                     + " days before each.")
    if plan.dates.passed:
        lines.append(f"{count(plan.dates.passed, 'date')} of {spec} "
                     f"{'has' if plan.dates.passed == 1 else 'have'} passed.")
    if plan.dates.missing:
        lines.append(f"{NOT_FOUND.capitalize()} for {spec}: "
                     + and_list(event_words(e, p) for e, p in plan.dates.missing) + ".")
    return lines


def _dates_section(plan: Plan) -> Section:
    return Section(heading="Dates", text="\n".join(date_lines(plan)) or "None known.")


def match_rate_lines(plan: Plan) -> list[str]:
    rates = plan.match_rates
    if rates is None:
        return []
    _, match_year = cycles.cycle_years(rates.cycle)
    parts = [f"{r.percent:g}% of {r.group}" for r in rates.value]
    note = rates.value[0].note if rates.value else ""
    return [f"In the {match_year} Match ({cycle_label(rates.cycle)}), {and_list(parts)} "
            f"matched ({note or source_kind(rates.value[0].source_kind)}). A group's rate, "
            "not your chance: no chance of matching is shown that cannot be sourced."]


def warning_text(w: PlanWarning, plan: Plan) -> str:
    match w.code:
        case WarningCode.TOO_FEW_LETTERS:
            return (f"{count(w.count, 'program')} would get fewer than {w.expected} letters "
                    f"({and_list(w.names[:3])}{' …' if len(w.names) > 3 else ''}): track more "
                    "with /letter remind.")
        case WarningCode.STANDARDIZED_SHORT:
            tracked = f"only {count(w.count, w.detail)}" if w.count else f"no {w.detail}"
            return (f"You track {tracked}; {plan.profile.specialty} programs expect "
                    f"{count(w.expected, w.detail)}: ask for one at the end of each rotation "
                    "in the specialty (/letter remind … kind:sloe).")
        case WarningCode.LETTERS_OVER_CAP:
            left = ", ".join(f"#{i}" for i in w.letters)
            return (f"You track {w.count} letters for these programs; ERAS takes at most "
                    f"{w.expected} per program, so {left} {'is' if len(w.letters) == 1 else 'are'}"
                    " left out: choose which go (standardized letters first, then the "
                    "specialty's).")
        case WarningCode.CAPPED:
            return (f"You would want {w.expected} programs but your groups' lists have "
                    f"{w.count} eligible: ask an organizer to add programs.")
        case WarningCode.NO_PROGRAMS:
            return (f"No eligible {plan.profile.specialty} program is in your groups' lists: "
                    "ask an organizer to import them, or check your specialty.")
        case WarningCode.HAND_SIGNALS_OVER:
            return (f"{count(w.count, 'signal')} you set by hand for {w.detail} "
                    "exceed the allotment and are not counted.")
        case WarningCode.INELIGIBLE_KEPT:
            return (f"You kept {and_list(w.names)}, which your profile makes you ineligible "
                    "for: left out.")
        case WarningCode.NO_STEP2:
            return "No Step 2 CK set: every tier is unknown (/residency profile step2:)."
        case WarningCode.UNSTATED:
            return ("Some programs do not state what you need ("
                    + and_list(UNSTATED_TEXT[Why(n)].split(":")[0] for n in w.names)
                    + "): ask them before applying.")
    return w.code.value


def _warnings_section(plan: Plan) -> Section | None:
    texts = [f"• {warning_text(w, plan)}" for w in plan.warnings]
    extra = []
    problem = rules.cycle_problem(plan.cycle, plan.today)
    if problem == "over":
        extra.append(f"• {cycle_label(plan.cycle)} is over: set the cycle you apply in with "
                     "/residency profile cycle:.")
    if not plan.cycle_known:
        extra.append(f"• I have no published figures for {cycle_label(plan.cycle)}: every "
                     f"figure is {NOT_FOUND}.")
    lines = extra + texts
    return Section(heading="Warnings", text="\n".join(lines)) if lines else None


def source_lines(plan: Plan) -> list[str]:
    lines = []
    seen: set[tuple[str, str, str]] = set()
    for used in plan.sources:
        figure = used.figure
        key = (used.what, used.cycle, figure.source)
        if key in seen:  # two dates from one timeline: one line
            continue
        seen.add(key)
        lines.append(f"• {used.what}, {cycle_label(used.cycle)}: {figure.source} "
                     f"({source_kind(figure.source_kind)}"
                     f"{'; ' + figure.note if figure.note else ''})")
    for missing in plan.missing:
        lines.append(f"• {NOT_FOUND} for {cycle_label(plan.cycle)}: {missing.what} — "
                     f"{missing.detail} (looked {missing.looked_on.isoformat()})")
    return lines


def _comments_section(comments: Sequence[CommentView]) -> Section | None:
    if not comments:
        return None
    lines = [f"• {c.program} — {c.mentor or 'a mentor who left mentorbot'}: “{c.text}”"
             for c in comments]
    return Section(heading="Mentors' comments", text="\n".join(lines))


def plan_reply(plan: Plan, *, letters: Mapping[int, LetterFacts],
               comments: Sequence[CommentView] = (), page: int = 1) -> Reply:
    """The plan as a chat reply. Page 1 holds everything but the programs past
    `PAGE_SIZE`; later pages hold the programs only, with buttons to move between pages."""
    numbered = list(enumerate(plan.programs, start=1))
    pages = max(1, -(-len(numbered) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = numbered[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    spec = plan.profile.specialty
    title = f"Residency plan: {spec}, {cycle_label(plan.cycle)}"
    if pages > 1:
        title += f" (page {page} of {pages})"
    actions: list[Action] = []
    same: dict[str, object] = {"count": plan.count.wanted} \
        if plan.count.source == Adjust.OVERRIDE else {}
    if page > 1:
        actions.append(specs.PLAN.action("Previous page", {**same, "page": page - 1}))
    if page < pages:
        actions.append(specs.PLAN.action("Next page", {**same, "page": page + 1}))
    if page > 1:
        return Reply(title=title, sections=tuple(_tier_sections(plan, shown, scores=True)),
                     actions=tuple(actions),
                     footer=f"Programs {shown[0][0]}–{shown[-1][0]} of {len(numbered)}.")
    text = (f"For the {cycle_label(plan.cycle)} cycle{_names(plan.cycle)}. Every figure "
            "names the cycle it is "
            f"from; “{NOT_FOUND}” means no figure was published (or found) for "
            f"{cycle_label(plan.cycle)}, never a guess. Tiers: {TIER_RULE}.")
    sections: list[Section] = [_count_section(plan)]
    sections += _tier_sections(plan, shown, scores=True)
    if pages > 1:
        sections.append(Section(text=f"Programs 1–{shown[-1][0]} of {len(numbered)}: "
                                     "“Next page” (or page:2) shows the rest; "
                                     f"/{specs.EXPORT.name} has them all."))
    for section in (_not_in_plan(plan), _signals_section(plan), _letters_section(plan, letters),
                    _fee_section(plan), _dates_section(plan)):
        if section is not None:
            sections.append(section)
    context = match_rate_lines(plan)
    if context:
        sections.append(Section(heading="Context", text="\n".join(context)))
    for section in (_warnings_section(plan), _comments_section(comments)):
        if section is not None:
            sections.append(section)
    sections.append(Section(heading="Sources", text="\n".join(source_lines(plan))
                            or "No published figure was used."))
    actions += [specs.EXPORT.action("Export CSV"), specs.LETTERS.action("Letters per program")]
    return Reply(title=title, text=text, sections=tuple(sections), actions=tuple(actions))


def no_profile_reply() -> Reply:
    return Reply(title="No residency profile yet",
                 text=f"Start with your specialty: /{specs.PROFILE.name} specialty:EM "
                      "(and applicant:, step2:, regions: … as you like). The plan then draws "
                      "on your groups' program lists and the cycle's published figures.")


# --- list changes -------------------------------------------------------------------------


def kept_reply(program: ResidencyProgram, changed: bool, plan: Plan) -> Reply:
    row = next((r for r in plan.programs if r.program.id == program.id), None)
    text = ("It stays on your list whatever the plan proposes." if changed
            else "It was already on your list.")
    if row is not None:
        text += f" Tier: {row.tier}."
    return Reply(title=f"Kept {program_label(program)}", text=text,
                 actions=(specs.PLAN.action("See my plan"),))


def dropped_reply(program: ResidencyProgram, changed: bool) -> Reply:
    text = ("The plan will not propose it again; /residency add brings it back."
            if changed else "It was already off your list.")
    return Reply(title=f"Dropped {program_label(program)}", text=text,
                 actions=(specs.PLAN.action("See my plan"),))


def signal_reply(program: ResidencyProgram, tier: SignalTier, plan: Plan) -> Reply:
    signals = plan.signal_plan(program.specialty)
    if tier == SignalTier.NONE:
        text = "No signal will go to it, whatever the plan proposes."
    elif signals is not None and signals.status == SignalStatus.KNOWN and not signals.tiered:
        text = (f"Set by hand: a signal ({program.specialty} signals are not gold or silver "
                f"in {cycle_label(plan.cycle)}).")
    else:
        text = f"Set by hand: {tier} signal."
    if signals is not None:
        text += "\n" + "\n".join(signal_lines(signals, plan))
    return Reply(title=f"Signal for {program_label(program)}", text=text,
                 actions=(specs.PLAN.action("See my plan"),))


def signal_refused(program: ResidencyProgram, tier: SignalTier, signals: SignalPlan | None,
                   plan: Plan, reason: str) -> str:
    spec = cycle_label(plan.cycle)
    if reason == "no-signals":
        return f"{program_label(program)} takes no program signals (the program list says so)."
    if reason == "home-away":
        return (f"{program_label(program)} is your home or an away program, and "
                f"{program.specialty} programs are never signalled there.")
    if reason == "specialty-none":
        return f"{program.specialty.capitalize()} takes no program signals in {spec}."
    if reason == "not-on-plan":
        return (f"{program_label(program)} is not on your list: /{specs.ADD.name} it "
                "first.")
    assert signals is not None and signals.allotment is not None
    a = signals.allotment
    if a.tiered:
        left = {SignalTier.GOLD: a.gold, SignalTier.SILVER: a.silver}[tier]
        return (f"Your {spec} allotment for {program.specialty} is {a.gold} gold and "
                f"{a.silver} silver, and your {left} {tier} signals are all set by hand. "
                f"Move one first: /{specs.SIGNAL.name} PROGRAM tier:none.")
    return (f"Your {spec} allotment for {program.specialty} is "
            f"{count(a.count, 'signal')}, all set by hand. Move one first: "
            f"/{specs.SIGNAL.name} PROGRAM tier:none.")


# --- /residency letters -------------------------------------------------------------------


def letters_reply(plan: Plan, letters: Mapping[int, LetterFacts]) -> Reply:
    lines = []
    for position, row in enumerate(plan.programs, start=1):
        if row.backup:
            continue
        given = ", ".join(letter_label(letters[i]) for i in row.letters) or "none"
        lines.append(f"{position}. {row.program.name}: {given}")
    sections = [Section(heading="By program", text="\n".join(lines[:100]) or "No programs.")]
    more = [line for line in letter_lines(plan, letters) if not line.startswith("Every")]
    if more:
        sections.append(Section(heading="Rules", text="\n".join(more)))
    warn = [f"• {warning_text(w, plan)}" for w in plan.warnings
            if w.code in (WarningCode.TOO_FEW_LETTERS, WarningCode.STANDARDIZED_SHORT,
                          WarningCode.LETTERS_OVER_CAP)]
    if warn:
        sections.append(Section(heading="Warnings", text="\n".join(warn)))
    return Reply(title=f"Letters per program: {plan.profile.specialty}, "
                       f"{cycle_label(plan.cycle)}",
                 text="Only letters for this specialty's residency count (a letter for an "
                      "away rotation or another specialty does not); a letter naming one "
                      "program goes to that program only.",
                 sections=tuple(sections))


# --- outcomes, shares, comments ---------------------------------------------------------------


def outcome_reply(program: ResidencyProgram, result: Result, new: bool) -> Reply:
    text = ("Recorded." if new else "Already recorded.") + (
        f" Your groups see counts per program only where {rules.OUTCOME_MIN_PEOPLE} or more "
        "people gave them, and never your name.")
    if result == Result.MATCHED:
        text = "Congratulations! " + text + " Tell your letter writers: /letter outcome."
    return Reply(title=f"{program_label(program)}: {result}", text=text)


def shared_reply(mentor_name: str, scores: bool, changed: bool) -> Reply:
    what = "your list with your Step 2 CK and tiers" if scores \
        else "your list (not your Step 2 CK or tiers)"
    return Reply(title=f"Shared with {mentor_name}",
                 text=(f"{mentor_name} can see {what} and comment on programs; you get a "
                       f"message for each comment. /{specs.SHARE.name} {mentor_name} "
                       "remove:yes stops it.") if changed else
                 f"{mentor_name} already had {what}.")


def unshared_reply(mentor_name: str, removed: bool) -> Reply:
    return Reply(title=f"No longer shared with {mentor_name}" if removed
                 else f"Not shared with {mentor_name}",
                 text="They no longer see your list." if removed else "Nothing to stop.")


def share_notice(student_name: str, student_ref: str, scores: bool) -> Reply:
    what = "with their Step 2 CK and tiers" if scores else "without scores"
    return Reply(title=f"{student_name} shared their residency list with you",
                 text=f"Their list of programs ({what}). Comment on a program with "
                      f"/{specs.COMMENT.name} \"{student_name}\" \"PROGRAM\" your words.",
                 actions=(specs.VIEW.action("See the list", {"student": student_ref}),))


def comment_notice(mentor_name: str, program: ResidencyProgram, text: str) -> Reply:
    return Reply(title=f"{mentor_name} commented on {program.name}",
                 text=f"“{text}”", actions=(specs.PLAN.action("See my plan"),))


def comment_reply(student_name: str, program: ResidencyProgram) -> Reply:
    return Reply(title=f"Comment sent to {student_name}",
                 text=f"On {program_label(program)}. They get it as a message.")


def view_reply(student_name: str, plan: Plan, *, scores: bool) -> Reply:
    rows = list(enumerate(plan.programs, start=1))[:PAGE_SIZE * 4]
    sections = _tier_sections(plan, rows, scores=scores)
    note = ("With Step 2 CK and tiers, as they chose." if scores else
            "Without their Step 2 CK or tiers, as they chose.")
    return Reply(title=f"{student_name}'s residency list ({plan.profile.specialty}, "
                       f"{cycle_label(plan.cycle)})",
                 text=f"{count(len(plan.programs), 'program')}. {note}",
                 sections=tuple(sections),
                 footer=f"/{specs.COMMENT.name} \"{student_name}\" \"PROGRAM\" your comment")


def export_reply(attachment: Attachment, plan: Plan) -> Reply:
    return Reply(title="Your residency list as CSV",
                 text=f"{count(len(plan.programs), 'program')}, {cycle_label(plan.cycle)}: "
                      "program, state, tier, signal, letters, reasons, fee.",
                 attachment=attachment)


# --- the residency-date nudge -------------------------------------------------------------


@dataclass(frozen=True)
class DateFacts:
    """What a `residency-date` nudge is about: the cycle's date and what happens on it."""

    cycle: str
    day: date
    events: tuple[tuple[Event, Portal | None], ...]
    source: str


def in_days(day: date, today: date) -> str:
    """"today", "tomorrow", "in 3 days": true on the day it is read."""
    days = (day - today).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def date_nudge_text(facts: DateFacts, today: date) -> str:
    what = and_list(event_words(e, p) for e, p in facts.events)
    return (f"{what[0].upper()}{what[1:]} {in_days(facts.day, today)}: "
            f"{format_day(facts.day)} ({cycle_label(facts.cycle)} cycle).")


def date_nudge_reply(facts: DateFacts, today: date) -> Reply:
    """The nudge's words, as a function of its facts and the local day it is read, so a
    snoozed or late one still says the truth ("tomorrow", "today")."""
    return Reply(title="Residency date coming up", text=date_nudge_text(facts, today),
                 footer=f"Source: {facts.source}",
                 actions=(specs.PLAN.action("See my plan"),))

"""What `/letter plan` says: the letter mix against the student's letters (covered, not yet
secured, missing, over a limit, not counted and why) and when to start (relationships, then
the asks). Every count in these words is built from the constants of `bot.letters.mix` and
`bot.letters.cycle`, read when the text is built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.framework.replies import Reply, Section
from bot.framework.wording import and_list, count, range_text
from bot.infra.zones import format_day
from bot.letters import cycle, mix, portals, rules, specs
from bot.letters.cycle import Cycle, CycleSource
from bot.letters.messages import day_text, due_text
from bot.letters.mix import Crowded, Mix, Part, PartStatus, Skip
from bot.letters.rules import LetterFacts
from bot.mentoring import specs as mentoring_specs
from bot.vocab import cycles
from bot.vocab.letters import LetterState, Portal, Track
from bot.vocab.specialties import specialties_in


def letter_label(letter: LetterFacts) -> str:
    program = f", {letter.program}" if letter.program else ""
    return f"#{letter.id} {letter.writer_name}{program} ({letter.state})"


def _labels(letters: Iterable[LetterFacts]) -> str:
    return "; ".join(letter_label(x) for x in letters)


def _ids(letters: Iterable[LetterFacts]) -> str:
    return ", ".join(f"#{x.id}" for x in letters)


def _specialty(result: Mix) -> str:
    return result.specialty or "your specialty"


def _standardized_name(result: Mix) -> str:
    """The specialty's standardized letter as the data names it ("SLOE")."""
    return result.standardized.value.name if result.standardized else "standardized letter"


def part_name(result: Mix, part: Part) -> str:
    return {
        Part.TOTAL: "Letters in all",
        Part.STANDARDIZED: f"{_standardized_name(result)}s (standardized letters)",
        Part.SPECIALTY: f"From {_specialty(result)}",
        Part.CLERKSHIP: "Core clerkships",
        Part.RESEARCH: "Research or longitudinal mentor",
        Part.SCIENCE: "Science faculty letters",
        Part.OTHER: "Non-science or character letter",
        Part.COMMITTEE: "Committee letter",
    }[part]


@dataclass
class MixText:
    track: Track
    covered: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_counted: list[str] = field(default_factory=list)


def _covered(result: Mix, status: PartStatus) -> str | None:
    if not status.secured:
        return None
    if status.part == Part.TOTAL:
        return (f"Letters in all: {count(len(status.secured), 'writer')} secured (aim for "
                f"{range_text(status.wanted)})")
    if status.part == Part.SCIENCE:
        return (f"Science faculty letters ({len(status.secured)} of "
                f"{range_text(status.wanted)}): {_labels(status.secured)}")
    if status.part == Part.STANDARDIZED:
        return (f"{part_name(result, status.part)} ({len(status.secured)} of "
                f"{status.wanted[0]}): {_labels(status.secured)}")
    return f"{part_name(result, status.part)}: {_labels(status.secured)}"


def standardized_text(result: Mix, missing: int) -> str:
    """What the specialty's standardized letter is and how many its programs expect, from the
    cycle data: "2 SLOEs — emergency medicine programs expect 2 (2025–26): a SLOE (Standardized
    Letter of Evaluation) is written by …"."""
    found = result.standardized
    assert found is not None
    letter = found.value
    more = "more " if missing < letter.wanted else ""
    full = f" ({letter.full_name})" if letter.full_name else ""
    by = f" is written by {letter.written_by}" if letter.written_by else ""
    verb = "expect" if letter.required else "welcome"
    return (f"{count(missing, more + letter.name)} — {result.specialty} programs {verb} "
            f"{letter.wanted} ({found.whose()}): a {letter.name}{full}{by}")


def _missing(result: Mix, status: PartStatus) -> str | None:
    if not status.missing or status.optional:
        return None
    match status.part:
        case Part.TOTAL:
            text = (f"{count(status.missing, 'more letter')} (aim for "
                    f"{range_text(status.wanted)} in all)")
        case Part.STANDARDIZED:
            text = standardized_text(result, status.missing)
        case Part.SPECIALTY:
            standardized = result.part(Part.STANDARDIZED)
            if standardized is not None and standardized.missing and not standardized.optional:
                return None  # the standardized letters it still needs are the specialty's
            text = f"At least {count(status.missing, 'letter')} from {_specialty(result)}"
        case Part.CLERKSHIP:
            text = f"{range_text(status.wanted)} letters from core clerkships where you did well"
        case Part.SCIENCE:
            text = (f"{count(status.missing, 'more science faculty letter')} (aim for "
                    f"{range_text(status.wanted)})")
        case Part.OTHER:
            text = count(status.missing, "non-science or character letter")
        case Part.COMMITTEE:
            text = "A committee letter, if your school has a premed committee"
        case _:
            return None
    if status.pending:
        text += (f" — {count(len(status.pending), 'letter')} not yet secured "
                 f"({_ids(status.pending)})")
    return text


def _skip_reason(result: Mix, letter: LetterFacts, why: Skip) -> str:
    match why:
        case Skip.ELSEWHERE:
            return f"for another application, not {result.track}"
        case Skip.OTHER_SPECIALTY:
            named = ", ".join(specialties_in(letter.program)) or "another specialty"
            return f"for {named} programs, not {_specialty(result)}"
        case Skip.KIND_UNSET:
            return (f"its kind is not set: {specs.KIND.usage().replace('ID', str(letter.id))}")
        case Skip.KIND_ELSEWHERE:
            return f"a {letter.kind} letter, which this mix has no part for"
    other = Track.RESIDENCY if result.track == Track.MED_SCHOOL else Track.MED_SCHOOL
    return f"a {other} letter"


def _as_part(result: Mix, part: Part) -> str:
    """How a letter counts for `part`, as in "would count from pediatrics"."""
    return {
        Part.TOTAL: "in all",
        Part.STANDARDIZED: f"as a {_standardized_name(result)}",
        Part.SPECIALTY: f"from {_specialty(result)}",
        Part.CLERKSHIP: "as a core clerkship letter",
        Part.RESEARCH: "as a research or longitudinal mentor letter",
        Part.SCIENCE: "as a science faculty letter",
        Part.OTHER: "as a non-science or character letter",
        Part.COMMITTEE: "as the committee letter",
    }[part]


def _waiting(letter: LetterFacts, today: date) -> str:
    if letter.state == LetterState.PLANNED:
        ask = rules.act_by(rules.timeline(letter.deadline).ask_by, today)
        return f"ask by {due_text(ask, today)}"
    return "asked, waiting for a yes"


def mix_text(result: Mix, today: date) -> MixText:
    """The mix in words: what is covered, not yet secured, missing, over a limit, worth
    knowing and not counted."""
    out = MixText(result.track)
    for status in result.parts:
        covered = _covered(result, status)
        if covered:
            out.covered.append(covered)
        missing = _missing(result, status)
        if missing:
            out.missing.append(missing)
    for letter in result.pending:
        parts = [_as_part(result, p.part) for p in result.parts
                 if p.part != Part.TOTAL and letter in p.pending]
        fills = f"would count {' and '.join(parts or [_as_part(result, Part.TOTAL)])}"
        out.pending.append(f"{letter_label(letter)} — {fills}; {_waiting(letter, today)}")
    science = result.part(Part.SCIENCE)
    if science is not None and science.over:
        out.over.append(f"{len(science.secured)} science letters: schools read "
                        f"{range_text(science.wanted)}; keep the strongest.")
    if result.amcas_entries > mix.AMCAS_MAX_ENTRIES:
        out.over.append(f"{result.amcas_entries} AMCAS letter entries: AMCAS allows at most "
                        f"{mix.AMCAS_MAX_ENTRIES}.")
    for crowded in result.crowded_programs:
        out.over.append(crowded_text(crowded))
    clerkship = result.part(Part.CLERKSHIP)
    if clerkship is not None and clerkship.over:
        out.notes.append(f"{len(clerkship.secured)} clerkship letters: programs expect "
                         f"{range_text(clerkship.wanted)}.")
    research = result.part(Part.RESEARCH)
    if research is not None and research.missing:
        pending = (f" ({count(len(research.pending), 'letter')} not yet secured)"
                   if research.pending else "")
        out.notes.append(f"Where relevant, {count(research.wanted[0], 'letter')} from a "
                         f"research or longitudinal mentor{pending}.")
    standardized = result.part(Part.STANDARDIZED)
    if standardized is not None and standardized.missing and standardized.optional:
        out.notes.append(standardized_text(result, standardized.missing))
    for group in result.repeated:
        out.notes.append(f"{group[0].writer_name} is on {count(len(group), 'letter')} "
                         f"({_ids(group)}): one writer counts once in the mix.")
    for letter in result.off_rotation:
        out.notes.append(
            f"{letter_label(letter)} counts in all but not as one of your "
            f"{_standardized_name(result)}s: {letter.writer_name} is "
            f"{letter.writer_specialty} faculty, and {result.specialty} programs expect "
            f"{_standardized_name(result)}s from {result.specialty} rotations.")
    for letter in result.kind_unset:
        out.notes.append(f"{letter_label(letter)} counts in all but in no part: set its kind "
                         f"({specs.KIND.usage().replace('ID', str(letter.id))}).")
    out.not_counted = [f"{letter_label(x)} — {_skip_reason(result, x, why)}"
                       for x, why in result.skipped]
    return out


def _program_label(crowded: Crowded) -> str:
    others = [f"“{p}”" for p in crowded.phrases[1:]]
    also = f" (also written {and_list(others, 'or')})" if others else ""
    return f"{crowded.program or 'Letters with no program named'}{also}"


def _chosen(letter: LetterFacts) -> str:
    kind = f", {letter.kind}" if letter.kind else ""
    return f"#{letter.id} {letter.writer_name}{kind}, {letter.state}"


CHOOSING = ("the standardized letters first, then letters from the specialty, core "
            "clerkships and research, secured before planned or asked, and among those the "
            "writers who have known you longest")
"""How the letters to keep are chosen (`bot.letters.mix.letter_rank`), in words."""


def crowded_text(crowded: Crowded) -> str:
    """A program that gets more letters than its portal takes: how many, the cap (from the
    cycle data), and which letters to keep and which to leave out, named."""
    cap = crowded.cap.value.max_per_program
    return (f"{_program_label(crowded)}: letters from {count(crowded.writers, 'writer')}, "
            f"and {crowded.portal} assigns at most {cap} to one program "
            f"({crowded.cap.whose()}). Keep {'; '.join(_chosen(x) for x in crowded.kept)}. "
            f"Leave out {'; '.join(_chosen(x) for x in crowded.left_out)}. Chosen by "
            f"{CHOOSING}.")


def mix_expectations(track: Track, specialty: str = "", defaulted: bool = False,
                     cycle: str = "") -> str:
    """What schools or programs expect, as the SPEC's letter mix states it (the portal's cap
    per program from the cycle data)."""
    if track == Track.MED_SCHOOL:
        return (f"Medical school: {range_text(mix.MED_SCIENCE)} science faculty letters, "
                f"{count(mix.MED_OTHER, 'non-science or character letter')}, and a "
                "committee letter where your school has one. AMCAS takes at most "
                f"{mix.AMCAS_MAX_ENTRIES} letter entries.")
    text = (f"Residency: {range_text(mix.RESIDENCY_TOTAL)} letters, at least "
            f"{mix.RESIDENCY_SPECIALTY} from the specialty you apply to, "
            f"{range_text(mix.CLERKSHIP)} from core clerkships where you did well, "
            f"{mix.RESIDENCY_RESEARCH} from research or a longitudinal mentor where "
            "relevant.")
    cap = portals.program_cap(Portal.ERAS, cycle or cycles.known_cycles()[-1])
    if cap is not None:
        text += (f" ERAS assigns at most {cap.value.max_per_program} letters to one program "
                 f"({cap.whose()}).")
    text += " One writer counts once; a letter counts as secured once the writer agrees."
    if specialty:
        text += f" Specialty: {specialty}" + (" (from your profile)." if defaulted else ".")
    return text


_SOURCES = {
    CycleSource.LETTERS: "your earliest letter deadline",
    CycleSource.NEXT: "the start of the next season",
}


def _source(target: Cycle) -> str:
    if target.source == CycleSource.STAGE:
        return "the start of the season in your applying year, from your stage"
    return _SOURCES[target.source]


def start_early_text(target: Cycle, result: Mix, today: date) -> str:
    """When relationships should start and when each ask falls, for the target cycle."""
    window = f"{range_text(cycle.RELATIONSHIP_MONTHS)} months before letters are needed"
    lines = [f"Letters needed by: {format_day(target.needed)} ({_source(target)})."]
    if target.relationships_by < today:
        lines.append(f"Relationships: {window}, so by {format_day(target.relationships_by)}; "
                     "that has passed. Build on the relationships you have, and log each "
                     f"contact (/{mentoring_specs.LOG.name}) so your record shows them.")
    elif target.relationships_from < today:
        lines.append(f"Relationships: {window}. Start now, by "
                     f"{day_text(target.relationships_by, today)}.")
    else:
        lines.append(f"Relationships: {window}: start between "
                     f"{format_day(target.relationships_from)} and "
                     f"{format_day(target.relationships_by)}.")
    lines.append(f"Asks: {range_text((rules.LAST_CALL_WEEKS, rules.ASK_BY_WEEKS))} weeks "
                 "before each deadline.")
    for letter in result.pending:
        if letter.state == LetterState.PLANNED:
            ask = rules.act_by(rules.timeline(letter.deadline).ask_by, today)
            lines.append(f"- Ask {letter.writer_name} (#{letter.id}) by {due_text(ask, today)}")
    if any(p.missing for p in result.parts if not p.optional):
        ask = rules.act_by(target.ask_by, today)
        lines.append(f"- The letters still missing: ask their writers by {due_text(ask, today)}")
    return "\n".join(lines)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _nothing_missing(result: Mix) -> str:
    if result.complete:
        return "Nothing: the mix is complete."
    if result.crowded_programs and not result.pending:
        return ("Nothing more to find, but a program gets more letters than its portal takes "
                "(below): choose which go.")
    waiting = len(result.pending)
    return (f"Nothing more to find: your secured letters cover the mix, and "
            f"{count(waiting, 'more letter')} not yet secured (above).")


def plan_reply(result: Mix, target: Cycle, *, today: date, specialty: str = "",
               defaulted: bool = False) -> Reply:
    text = mix_text(result, today)
    sections = [Section(heading="Covered (secured)",
                        text=_bullets(text.covered) or "Nothing secured yet.")]
    if text.pending:
        sections.append(Section(heading="Not yet secured (planned or asked)",
                                text=_bullets(text.pending)))
    sections.append(Section(heading="Missing",
                            text=_bullets(text.missing) or _nothing_missing(result)))
    if text.over:
        sections.append(Section(heading="Over the limits", text=_bullets(text.over)))
    if text.notes:
        sections.append(Section(heading="Notes", text=_bullets(text.notes)))
    if text.not_counted:
        sections.append(Section(heading="Not counted in this mix",
                                text=_bullets(text.not_counted)))
    sections.append(Section(heading="Start early",
                            text=start_early_text(target, result, today)))
    return Reply(title=f"Letter plan: {result.track}",
                 text=mix_expectations(result.track, specialty, defaulted, result.cycle),
                 sections=tuple(sections))

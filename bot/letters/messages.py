"""What the letter feature says: replies to `/letter …`, the letter nudges, the warnings,
the letter mix and the calendar's events. Every threshold in these words is built from the
constant of the rule it states (`bot.letters.rules`, `bot.infra.months`), read when the
text is built, so changing a rule changes what the bot says about it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.framework.registry import CommandSpec
from bot.framework.replies import Action, ActionStyle, Attachment, Field, Reply, Section
from bot.framework.wording import count, days_as_weeks, range_text
from bot.infra import months
from bot.infra.models import Letter, Outcome, Person
from bot.infra.zones import format_day
from bot.letters import rules, specs
from bot.letters.rules import LetterFacts, LetterWarning, WarningCode
from bot.matching import specs as matching_specs
from bot.nudges.vocab import NudgeKind
from bot.vocab.letters import LETTER_KINDS, LetterState, Portal, Track

# --- counting words ----------------------------------------------------------------------


def days_away(n: int) -> str:
    return "today" if n <= 0 else count(n, "day")


def known_for(warning: LetterWarning) -> str:
    """How long a relationship has been logged, roughly: months, else weeks."""
    if warning.months_known >= 1:
        return count(warning.months_known, "month")
    since = warning.relationship_since or warning.today
    weeks = (warning.today - since).days // 7
    return count(weeks, "week") if weeks >= 1 else "less than a week"


def _cmd(spec: CommandSpec) -> str:
    return f"/{spec.name}"


def _for(letter: Letter) -> str:
    return f" for {letter.program}" if letter.program else ""


# --- buttons -----------------------------------------------------------------------------

STATE_LABELS: Mapping[str, str] = {
    LetterState.ASKED: "I asked", LetterState.AGREED: "They agreed",
    LetterState.DECLINED: "They declined", LetterState.PACKET_SENT: "Packet sent",
    LetterState.SUBMITTED: "It's submitted", LetterState.THANKED: "Thanked",
}


def update_action(letter: Letter, state: LetterState, label: str | None = None, *,
                  reason: str | None = None, style: ActionStyle | None = None) -> Action:
    """A button that moves `letter` to `state` (declining looks dangerous by default)."""
    args = {"id": str(letter.id), "state": str(state)}
    if reason:
        args["reason"] = reason
    shown = style or ("danger" if state == LetterState.DECLINED else "primary")
    return specs.UPDATE.action(label or state.capitalize(), args, style=shown)


def packet_action(letter: Letter) -> Action:
    return specs.PACKET.action("Packet checklist", {"id": str(letter.id)})


def next_actions(letter: Letter) -> tuple[Action, ...]:
    """The moves open to `letter` now, plus "neutral letter only" beside a decline."""
    actions: list[Action] = []
    for state in rules.next_states(letter.state):
        actions.append(update_action(letter, state, STATE_LABELS.get(state)))
        if state == LetterState.DECLINED:
            actions.append(update_action(letter, state, "Neutral letter only",
                                         reason=rules.NEUTRAL))
    if letter.state in (LetterState.AGREED, LetterState.PLANNED, LetterState.ASKED):
        actions.append(packet_action(letter))
    return tuple(actions)


# --- /letter remind ----------------------------------------------------------------------


def timeline_text(deadline: date, today: date) -> str:
    """The timeline the bot follows, each date with the rule that sets it."""
    line = rules.timeline(deadline)
    rows = (
        ("Ask by", line.ask_by,
         f"deadline − {count(rules.ASK_BY_WEEKS, 'week')}, the ideal time to ask"),
        ("Last call", line.last_call,
         f"deadline − {count(rules.LAST_CALL_WEEKS, 'week')}; later is a last-minute request"),
        ("Personal deadline for the writer", line.personal,
         f"deadline − {count(rules.PERSONAL_DEADLINE_DAYS, 'day')}: the date you tell your writer"),
        ("Deadline", line.deadline, "the real deadline"),
    )
    out = []
    for label, day, why in rows:
        passed = " (passed)" if day < today else ""
        out.append(f"{label}: {format_day(day)}{passed} — {why}")
    return "\n".join(out)


def _strengths() -> str:
    return f"{range_text(rules.STRENGTHS)} strengths"


@dataclass(frozen=True)
class WarningText:
    code: WarningCode
    message: str
    advice: str  # what to do instead


def warning_text(warning: LetterWarning) -> WarningText:
    """A warning said plainly, with what to do instead."""
    name = warning.writer_name
    match warning.code:
        case WarningCode.RUSHED:
            return WarningText(
                warning.code,
                f"The deadline is {days_away(warning.days_left)} away. A letter written in "
                f"under {days_as_weeks(rules.RUSHED_DAYS)} risks being rushed and generic, and a "
                "generic letter can hurt more than it helps.",
                "Ask only a writer who already knows your work well, today, with your whole "
                f"packet attached (CV, statement, the {_strengths()} to highlight), and ask "
                "plainly whether they can write a strong letter in time. If not, ask the "
                "program whether a letter may arrive late, or use a writer who already has a "
                "letter for you on file.")
        case WarningCode.LAST_MINUTE:
            ask_by = rules.timeline(warning.deadline).ask_by
            return WarningText(
                warning.code,
                f"The deadline is {days_away(warning.days_left)} away: under "
                f"{count(rules.LAST_CALL_WEEKS, 'week')} is a last-minute request (the ideal "
                f"ask-by date was {format_day(ask_by)}).",
                "Ask today, in person or with a short email, send the full packet with the ask "
                "so the writer has everything at once, state the deadline up front, and make "
                "it easy for them to say no. Next time, ask "
                f"{range_text((rules.LAST_CALL_WEEKS, rules.ASK_BY_WEEKS))} weeks ahead.")
        case WarningCode.NO_RELATIONSHIP:
            who = f"{name} (an outside writer)" if warning.outside_writer else name
            return WarningText(
                warning.code,
                f"There is no logged relationship with {who}.",
                "A strong letter comes from someone who has known you for several months and "
                "supervised your work directly. If that is them, log your meetings "
                "(/mentor log) so your record shows it; if not, consider a writer who has.")
        case WarningCode.SHORT_RELATIONSHIP:
            since = warning.relationship_since or warning.today
            return WarningText(
                warning.code,
                f"You have logged {known_for(warning)} with {name} (since "
                f"{format_day(since)}); a writer should have known you for at least "
                f"{count(months.QUARTER_MONTHS, 'month')}.",
                "Ask them only if they supervised your work directly and can speak to it in "
                "detail; otherwise ask a writer who has known you longer, and keep working "
                f"with {name} for a later letter.")
        case WarningCode.DECLINED_BEFORE:
            first = _earlier(warning)
            why = f" ({first.reason})" if first.reason else ""
            program = f", {first.program}" if first.program else ""
            return WarningText(
                warning.code,
                f"{name} declined a letter for you before (letter #{first.id}{program}){why}.",
                "Ask another writer who knows your work: one of your mentors, or someone from "
                f"/{matching_specs.FIND.name}. A reluctant writer rarely writes a strong "
                "letter.")
        case WarningCode.SAME_PROGRAM:
            dup = _earlier(warning)
            for_what = f"for {dup.program}" if dup.program else "with no program named"
            return WarningText(
                warning.code,
                f"You already have a letter from {name} {for_what} (letter #{dup.id}, "
                f"{dup.state}).",
                f"Keep to that one ({_cmd(specs.UPDATE)} {dup.id} …) rather than asking "
                "twice; if this letter is for a different program, name it with program:.")
    raise ValueError(warning.code)


def _earlier(warning: LetterWarning) -> LetterFacts:
    if warning.earlier is None:
        raise ValueError(f"a {warning.code} warning names the earlier letter")
    return warning.earlier


def warning_section(warning: LetterWarning) -> Section:
    text = warning_text(warning)
    return Section(heading=f"Warning: {warning.code.replace('-', ' ')}",
                   text=f"{text.message}\nInstead: {text.advice}")


def outside_writer_note(name: str, closest: Sequence[str]) -> str:
    note = f"{name} is not a faculty member I know, so I'm tracking them as an outside writer."
    if closest:
        note += f" If you meant {' or '.join(closest)}, use their email instead."
    return note


def remind_reply(letter: Letter, *, outside: bool, closest: Sequence[str],
                 warnings: Iterable[LetterWarning], inferred: bool, tz: str,
                 today: date) -> Reply:
    """The reply to a new letter: the timeline, every warning, and the kind when unknown."""
    sections = [Section(heading=f"Timeline (dates in {tz})",
                        text=timeline_text(letter.deadline, today))]
    sections += [warning_section(w) for w in warnings]
    if letter.kind is None:
        sections.append(Section(
            heading="What kind of letter is this?",
            text=f"It decides how {_cmd(specs.PLAN)} counts it.",
            actions=tuple(specs.KIND.action(k, {"id": str(letter.id), "kind": k})
                          for k in LETTER_KINDS)))
    fields = (
        Field("Writer", letter.writer_name + (" (outside writer)" if outside else "")),
        Field("Program", letter.program or "-"),
        Field("Kind", (letter.kind or "not set") + (" (inferred)" if inferred else "")),
        Field("Portal", letter.portal or "-"),
    )
    return Reply(
        title=f"Tracking letter #{letter.id} from {letter.writer_name}",
        text=outside_writer_note(letter.writer_name, closest) if outside else "",
        fields=fields,
        sections=tuple(sections),
        actions=(update_action(letter, LetterState.ASKED, STATE_LABELS[LetterState.ASKED]),
                 packet_action(letter)),
        footer="I'll remind you before each date. The letter itself stays between you and "
               "your writer: I never ask for or keep its text.",
    )


def kind_set_reply(letter: Letter) -> Reply:
    return Reply(title=f"Letter #{letter.id} is a {letter.kind} letter",
                 text=f"From {letter.writer_name}{_for(letter)}.")


# --- /letter update ----------------------------------------------------------------------


def update_reply(letter: Letter, wanted: LetterState, reason: str,
                 suggestions: Section | None = None) -> Reply:
    """What moving a letter to `wanted` means for the student, and the moves open next."""
    name = letter.writer_name
    line = rules.timeline(letter.deadline)
    match wanted:
        case LetterState.ASKED:
            text = (f"Ask logged. If they agree, send your packet at once; your personal "
                    f"deadline for them is {format_day(line.personal)}.")
        case LetterState.AGREED:
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            text = (f"Great. Now send {name} your packet"
                    + (f": {missing}." if missing else " (everything is checked off)."))
        case LetterState.DECLINED:
            text = ((f"{name} offered only a neutral letter. A neutral letter hurts more than "
                     "it helps: find another writer.") if rules.is_neutral(reason) else
                    f"{name} declined. That is useful to know early: find another writer.")
        case LetterState.PACKET_SENT:
            text = (f"Packet sent. {name} should submit by {format_day(line.personal)}; I'll "
                    "remind you to check in then.")
        case LetterState.SUBMITTED:
            text = "Submitted. Send a thank-you note within the next few days."
        case LetterState.THANKED:
            text = (f"Thanks sent. Share your outcomes ({_cmd(specs.OUTCOME)}) as they come, "
                    "and keep in touch every few months.")
        case _:
            text = ""
    return Reply(title=f"Letter #{letter.id} from {name}: {wanted}", text=text,
                 sections=(suggestions,) if suggestions is not None else (),
                 actions=next_actions(letter))


MAX_SUGGESTIONS = 5
_LABEL_LIMIT = 75


def other_writers_section(letter: Letter, mentors: Sequence[Person]) -> Section:
    """After a decline: the student's mentors who could write instead, one button each."""
    shown = mentors[:MAX_SUGGESTIONS]
    actions: list[Action] = []
    for mentor in shown:
        args = {"writer": f"person:{mentor.id}", "due": letter.deadline.isoformat()}
        if letter.program:
            args["program"] = letter.program
        action = specs.REMIND.action(f"Ask {mentor.name}"[:_LABEL_LIMIT], args)
        try:
            action.encode()
        except ValueError:  # a long program name does not fit a button: leave it out
            args.pop("program", None)
            action = specs.REMIND.action(f"Ask {mentor.name}"[:_LABEL_LIMIT], args)
        actions.append(action)
    find = f"/{matching_specs.FIND.name}"
    if shown:
        names = ", ".join(m.name for m in shown)
        text = f"Your mentors who could write instead: {names}. Or look for more with {find}."
    else:
        text = (f"None of your mentors is free to ask for this one; {find} suggests faculty "
                "who fit.")
    actions.append(matching_specs.FIND.action("Find mentors"))
    return Section(heading="Other writers", text=text, actions=tuple(actions))


# --- /letter packet ----------------------------------------------------------------------

PORTAL_HOWTO: Mapping[str, str] = {
    Portal.AMCAS: "AMCAS Letter Service: add the writer in your AMCAS application and send "
                  "them the letter request form with its Letter ID; they upload through the "
                  "AMCAS Letter Writer Application or Interfolio.",
    Portal.ERAS: "ERAS: create the request in MyERAS, send the writer the Letter Request Form "
                 "with its Letter ID; they upload through the ERAS Letter of Recommendation "
                 "Portal.",
    Portal.INTERFOLIO: "Interfolio: send the request from your Interfolio dossier; the writer "
                       "gets an email with an upload link.",
    Portal.OTHER: "Tell the writer exactly where and how to submit: the portal link, an email "
                  "address or a mailing address, and any form they must fill in.",
}


def packet_details(letter: Letter) -> dict[str, str]:
    """What each packet item means for this letter, where there is more to say."""
    line = rules.timeline(letter.deadline)
    return {
        "portal": PORTAL_HOWTO[letter.portal or Portal.OTHER],
        "deadline": f"Tell {letter.writer_name} {format_day(line.personal)} (the real "
                    f"deadline is {format_day(letter.deadline)}).",
        "strengths": f"Pick {_strengths()} this writer saw first-hand, matched to what the "
                     "program values.",
        "summary": "What you did together, when, and what you contributed.",
        "transcript": "Optional; some writers like to see it.",
    }


def packet_reply(letter: Letter) -> Reply:
    """The checklist, what is missing, and a button per item still to check off."""
    state = letter.packet or {}
    details = packet_details(letter)
    lines = []
    for item in rules.PACKET_ITEMS:
        mark = "[x]" if state.get(item.key) else "[ ]"
        optional = " (optional)" if item.optional else ""
        detail = f" — {details[item.key]}" if item.key in details else ""
        lines.append(f"{mark} {item.key}: {item.label}{optional}{detail}")
    missing = rules.packet_missing(state)
    actions = [specs.PACKET.action(f"{item.short} ✓", {"id": str(letter.id), "done": item.key})
               for item in rules.PACKET_ITEMS if not state.get(item.key)]
    if not missing and letter.state == LetterState.AGREED:
        actions.append(update_action(letter, LetterState.PACKET_SENT,
                                     STATE_LABELS[LetterState.PACKET_SENT]))
    status = ("Everything is ready." if not missing else
              f"Missing: {', '.join(i.key for i in missing)}.")
    return Reply(
        title=f"Packet for {letter.writer_name}{_for(letter)} (letter #{letter.id})",
        text=status,
        sections=(Section(heading="Checklist", text="\n".join(lines)),),
        actions=tuple(actions),
        footer=f"Check items off with {_cmd(specs.PACKET)} ID cv:yes or done:cv;statement. "
               "Never send me the letter itself: I only track that the packet is ready.",
    )


# --- /letter plan ------------------------------------------------------------------------


@dataclass
class MixText:
    track: Track
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_counted: list[str] = field(default_factory=list)


def letter_label(letter: LetterFacts) -> str:
    program = f", {letter.program}" if letter.program else ""
    return f"#{letter.id} {letter.writer_name}{program} ({letter.state})"


def _labels(letters: Iterable[LetterFacts]) -> str:
    return "; ".join(letter_label(x) for x in letters)


def mix_text(mix: rules.Mix) -> MixText:
    """The mix in words: what is covered, missing, over a limit, and worth knowing."""
    if isinstance(mix, rules.MedSchoolMix):
        return _med_school_text(mix)
    return _residency_text(mix)


def _med_school_text(mix: rules.MedSchoolMix) -> MixText:
    out = MixText(mix.track)
    aim = range_text(rules.MED_SCIENCE)
    if mix.science:
        out.covered.append(f"Science faculty letters ({len(mix.science)} of {aim}): "
                           + _labels(mix.science))
    if mix.science_missing:
        out.missing.append(f"{count(mix.science_missing, 'more science faculty letter')} "
                           f"(aim for {aim})")
    if mix.too_much_science:
        out.over.append(f"{len(mix.science)} science letters: schools read {aim}; keep the "
                        "strongest.")
    if mix.other:
        out.covered.append("Non-science or character letter: " + _labels(mix.other))
    if mix.other_missing:
        out.missing.append(count(mix.other_missing, "non-science or character letter"))
    if mix.committee:
        out.covered.append("Committee letter: " + _labels(mix.committee))
    else:
        out.missing.append("A committee letter, if your school has a premed committee")
    out.not_counted = [letter_label(x) for x in mix.not_counted]
    if mix.too_many_amcas_entries:
        out.over.append(f"{mix.amcas_entries} AMCAS letter entries: AMCAS allows at most "
                        f"{rules.AMCAS_MAX_ENTRIES}.")
    return out


def _residency_text(mix: rules.ResidencyMix) -> MixText:
    out = MixText(mix.track)
    aim = range_text(rules.RESIDENCY_TOTAL)
    out.covered.append(f"Letters in all: {mix.writers} writer(s) (aim for {aim})")
    if mix.letters_missing:
        out.missing.append(f"{count(mix.letters_missing, 'more letter')} (aim for {aim} in "
                           "all)")
    named = mix.specialty or "your specialty"
    if mix.in_specialty:
        out.covered.append(f"From {named}: " + _labels(mix.in_specialty))
    if mix.specialty_missing:
        out.missing.append(
            "A SLOE (standardized letter of evaluation) from emergency medicine faculty"
            if mix.emergency_medicine else
            f"At least {count(mix.specialty_missing, 'letter')} from {named}")
    clerkship = range_text(rules.CLERKSHIP)
    if mix.clerkship:
        out.covered.append("Core clerkships: " + _labels(mix.clerkship))
    if mix.clerkship_missing:
        out.missing.append(f"{clerkship} letters from core clerkships where you did well")
    if mix.too_many_clerkship:
        out.notes.append(f"{len(mix.clerkship)} clerkship letters: programs expect "
                         f"{clerkship}.")
    if mix.research:
        out.covered.append("Research or longitudinal mentor: " + _labels(mix.research))
    if mix.research_missing:
        out.notes.append(f"Where relevant, {count(rules.RESIDENCY_RESEARCH, 'letter')} from a "
                         "research or longitudinal mentor.")
    for program, writers in mix.crowded_programs:
        out.over.append(f"{program}: {writers} letters; ERAS lets you assign at most "
                        f"{rules.ERAS_MAX_PER_PROGRAM} per program.")
    if mix.emergency_medicine:
        out.notes.append("Emergency medicine programs expect standardized letters of "
                         "evaluation (SLOEs) from EM faculty, ideally from "
                         f"{count(rules.SLOE_ROTATIONS, 'EM rotation')}.")
    out.not_counted = [letter_label(x) for x in mix.not_counted]
    return out


def mix_expectations(track: Track, specialty: str = "", defaulted: bool = False) -> str:
    """What schools or programs expect, as the SPEC's letter mix states it."""
    if track == Track.MED_SCHOOL:
        return (f"Medical school: {range_text(rules.MED_SCIENCE)} science faculty letters, "
                f"{count(rules.MED_OTHER, 'non-science or character letter')}, and a "
                "committee letter where your school has one. AMCAS takes at most "
                f"{rules.AMCAS_MAX_ENTRIES} letter entries.")
    text = (f"Residency: {range_text(rules.RESIDENCY_TOTAL)} letters, at least "
            f"{rules.RESIDENCY_SPECIALTY} from the specialty you apply to, "
            f"{range_text(rules.CLERKSHIP)} from core clerkships where you did well, "
            f"{rules.RESIDENCY_RESEARCH} from research or a longitudinal mentor where "
            f"relevant. ERAS lets you assign at most {rules.ERAS_MAX_PER_PROGRAM} per program.")
    if specialty:
        text += f" Specialty: {specialty}" + (" (from your profile)." if defaulted else ".")
    return text


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def plan_reply(mix: rules.Mix, *, specialty: str = "", defaulted: bool = False) -> Reply:
    text = mix_text(mix)
    sections = [
        Section(heading="Covered", text=_bullets(text.covered) or "Nothing yet."),
        Section(heading="Missing", text=_bullets(text.missing) or "Nothing: the mix is "
                "complete."),
    ]
    if text.over:
        sections.append(Section(heading="Over the limits", text=_bullets(text.over)))
    if text.notes:
        sections.append(Section(heading="Notes", text=_bullets(text.notes)))
    if text.not_counted:
        sections.append(Section(heading="Not counted (set their kind)"
                                if mix.track == Track.RESIDENCY else "Not counted in this mix",
                                text=_bullets(text.not_counted)))
    return Reply(title=f"Letter plan: {mix.track}",
                 text=mix_expectations(mix.track, specialty, defaulted),
                 sections=tuple(sections))


# --- /letter outcome, /letter list, /letter calendar ------------------------------------


def outcome_recorded_reply(outcome: Outcome, writers: Iterable[str], remind_on: date) -> Reply:
    return Reply(
        title=f"Outcome recorded: {outcome.kind}",
        text=f"“{outcome.text}”. Writers to tell: {', '.join(writers)}. I'll remind you on "
             f"{format_day(remind_on)} to share the news with each of them.",
    )


def no_letters_reply() -> Reply:
    return Reply(title="No letters tracked yet",
                 text=f"Start with {_cmd(specs.REMIND)} WRITER due:DATE, e.g. "
                      f"{_cmd(specs.REMIND)} Dr. Smith due:\"in 10 weeks\".")


def list_reply(letters: Sequence[Letter], steps: Mapping[int, rules.NextStep],
               today: date) -> Reply:
    """The student's letters, each with its state, deadline and next step (private)."""
    sections = []
    for letter in letters:
        step = steps[letter.id]
        when = f" — by {format_day(step.on)}" if step.on else ""
        when += " (overdue)" if step.on and step.on < today else ""
        sections.append(Section(
            heading=f"#{letter.id} {letter.writer_name}{_for(letter)}",
            fields=(
                Field("ID", str(letter.id)),
                Field("State", letter.state),
                Field("Deadline", format_day(letter.deadline)),
                Field("Next step", f"{step.text}{when}"),
            ),
        ))
    return Reply(title=f"Your letters ({len(letters)})", sections=tuple(sections),
                 footer=f"Private to you. Move one along with {_cmd(specs.UPDATE)} ID STATE; "
                        f"{_cmd(specs.PACKET)} ID shows its checklist.", ephemeral=True)


def calendar_reply(attachment: Attachment, *, events: int, letters: int,
                   upcoming: int) -> Reply:
    return Reply(
        title="Your letter calendar",
        text=f"{events} events for {letters} letters ({upcoming} with deadlines ahead). "
             "Import it again after changes: the events update in place.",
        attachment=attachment,
    )


def calendar_event_text(letter: Letter, what: str) -> tuple[str, str]:
    """The summary and description of one of a letter's calendar events (`askby`,
    `personal`, `deadline`)."""
    program = f" ({letter.program})" if letter.program else ""
    who = letter.writer_name
    match what:
        case "askby":
            summary = f"Ask {who} for a letter{program}"
            about = (f"Ideal ask-by date: {count(rules.ASK_BY_WEEKS, 'week')} before the "
                     "deadline. Ask for a strong letter.")
        case "personal":
            summary = f"Personal deadline for {who}'s letter{program}"
            about = (f"The date you gave the writer: {count(rules.PERSONAL_DEADLINE_DAYS, 'day')} "
                     "before the real deadline.")
        case "deadline":
            summary = f"Letter deadline: {who}{program}"
            about = f"The real deadline{' via ' + letter.portal if letter.portal else ''}."
        case _:
            raise ValueError(what)
    return summary, f"{about} Letter #{letter.id}, now {letter.state}."


# --- nudges ------------------------------------------------------------------------------


def _done(letter: Letter, state: LetterState, style: ActionStyle | None = None) -> Action:
    return update_action(letter, state, STATE_LABELS[state], style=style)


def letter_nudge_reply(kind: NudgeKind, letter: Letter) -> Reply:
    """A letter nudge: what to do now, and the button that says it is done."""
    line = rules.timeline(letter.deadline)
    who = letter.writer_name
    ask_text = (
        "Ask in person or with a short email, and ask whether they can write you a strong "
        "letter: it gives them room to say no. Offer to send your CV, personal statement, a "
        "summary of your work together and the strengths you hope they can speak to. Tell "
        f"them your deadline for them: {format_day(line.personal)}."
    )
    match kind:
        case NudgeKind.LETTER_ASK:
            return Reply(
                title=f"Time to ask {who} for a letter{_for(letter)}",
                text=f"Ask by {format_day(line.ask_by)} ({count(rules.ASK_BY_WEEKS, 'week')} "
                     f"before the {format_day(letter.deadline)} deadline). {ask_text}",
                actions=(_done(letter, LetterState.ASKED),))
        case NudgeKind.LETTER_ASK_LATE:
            return Reply(
                title=f"Last call: ask {who} for a letter{_for(letter)}",
                text=f"The deadline is {format_day(letter.deadline)}, "
                     f"{count(rules.LAST_CALL_WEEKS, 'week')} or less away. Ask today, and "
                     f"send the whole packet with your ask. {ask_text}",
                actions=(_done(letter, LetterState.ASKED),))
        case NudgeKind.LETTER_PACKET:
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            return Reply(
                title=f"Send {who} your packet",
                text=f"{who} agreed to write{_for(letter)}. Still to send: {missing}.",
                actions=(packet_action(letter),
                         _done(letter, LetterState.PACKET_SENT, style="default")))
        case NudgeKind.LETTER_CHECKIN:
            return Reply(
                title=f"Check in with {who}",
                text=f"Today is the personal deadline you gave {who} "
                     f"({format_day(line.personal)}); the real deadline is "
                     f"{format_day(letter.deadline)}. A short, polite note helps: thank them, "
                     "ask whether they need anything more from you, and restate where and "
                     "how to submit.",
                actions=(_done(letter, LetterState.SUBMITTED),))
        case NudgeKind.LETTER_DEADLINE:
            return Reply(
                title=f"{who}'s letter{_for(letter)} is due in "
                      f"{count(rules.DEADLINE_LEAD_DAYS, 'day')}",
                text=f"The deadline is {format_day(letter.deadline)} and the letter is not "
                     "marked submitted. Check the portal; if it is not there, send a brief, "
                     "courteous reminder with the submission details.",
                actions=(_done(letter, LetterState.SUBMITTED),))
        case NudgeKind.LETTER_THANKS:
            return Reply(
                title=f"Thank {who}",
                text=f"{who} submitted your letter{_for(letter)}. Send a thank-you note in the "
                     "next few days (a handwritten card or a warm email), and promise to "
                     "share how your applications go.",
                actions=(_done(letter, LetterState.THANKED),))
    raise ValueError(kind)


def outcome_reply(outcome: Outcome, letter: Letter) -> Reply:
    """The letter-outcome nudge: share the news with a writer."""
    return Reply(
        title=f"Share your news with {letter.writer_name}",
        text=f"You recorded: {outcome.text}. {letter.writer_name} wrote a letter for you"
             f"{_for(letter)}; writers like to hear how it went. A short note with the news "
             "and your thanks keeps the relationship alive.",
    )

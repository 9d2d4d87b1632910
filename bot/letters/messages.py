"""What the letter feature says: replies to `/letter …`, the letter nudges (the student's and
the writer's), the warnings and the calendar's events (the letter mix is
`bot.letters.plan_messages`, the message drafts `bot.letters.draft_messages`). Every
threshold in these words is built from the constant of the rule it states
(`bot.letters.rules`, `bot.infra.months`), read when the text is built, so changing a rule
changes what the bot says about it. Every date the student is asked to act on, or to tell a
writer, is a `rules.Due`: today or later, and said so when the ideal one has passed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.framework.registry import CommandSpec
from bot.framework.replies import Action, ActionStyle, Attachment, Field, Reply, Section
from bot.framework.wording import and_list, count, days_as_weeks, range_text
from bot.infra.models import Letter, Outcome, Person
from bot.infra.zones import format_day
from bot.letters import rules, specs
from bot.letters.portals import PortalFor, letter_portal
from bot.letters.rules import Due, LetterFacts, LetterWarning, WarningCode, WriterLetter
from bot.matching import specs as matching_specs
from bot.mentoring import specs as mentoring_specs
from bot.vocab.cycles import Found
from bot.vocab.letters import LETTER_KINDS, DraftStep, LetterKind, LetterState, Portal
from bot.vocab.nudges import NudgeKind

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


def _for(letter: Letter | WriterLetter) -> str:
    return f" for {letter.program}" if letter.program else ""


def day_text(day: date, today: date) -> str:
    """A day, with "today" or "tomorrow" when it is one."""
    if day == today:
        return f"today, {format_day(day)}"
    if (day - today).days == 1:
        return f"tomorrow, {format_day(day)}"
    return format_day(day)


def when_text(day: date, today: date) -> str:
    """When something will happen, as a sentence says it: "tomorrow (Tue 05 Jan 2027)",
    "on Fri 08 Jan 2027"."""
    if day == today:
        return f"today ({format_day(day)})"
    if (day - today).days == 1:
        return f"tomorrow ({format_day(day)})"
    return f"on {format_day(day)}"


def due_text(due: Due, today: date) -> str:
    """A day to act on: the ideal one, or, once that has passed, the best one left and the
    missed one named ("Thu 21 Jan 2027 (the ideal date, Mon 04 Jan 2027, has passed)")."""
    shown = day_text(due.on, today)
    if not due.late:
        return shown
    return f"{shown} (the ideal date, {format_day(due.ideal)}, has passed)"


def personal_text(due: Due, today: date) -> str:
    """The personal deadline to tell a writer; when the ideal one has passed, the best date
    still possible, said so."""
    if not due.late:
        return day_text(due.on, today)
    return (f"{day_text(due.on, today)} (the ideal date, {format_day(due.ideal)}, "
            f"{count(rules.PERSONAL_DEADLINE_DAYS, 'day')} before the deadline, has passed; "
            "this is the best date still possible)")


# --- buttons -----------------------------------------------------------------------------

STATE_LABELS: Mapping[str, str] = {
    LetterState.ASKED: "I asked", LetterState.AGREED: "They agreed",
    LetterState.DECLINED: "They declined", LetterState.PACKET_SENT: "Packet sent",
    LetterState.SUBMITTED: "It's submitted", LetterState.THANKED: "Thanked",
}

DRAFT_LABELS: Mapping[DraftStep, str] = {
    DraftStep.ASK: "Draft the ask", DraftStep.PACKET: "Draft the packet email",
    DraftStep.THANKS: "Draft a thank-you", DraftStep.OUTCOME: "Draft the update",
}
_LABEL_LIMIT = 75  # a button's text


def draft_action(letter: Letter | WriterLetter, step: DraftStep, label: str = "") -> Action:
    """A button for `/letter draft STEP ID`."""
    return specs.DRAFT.action((label or DRAFT_LABELS[step])[:_LABEL_LIMIT],
                              {"step": str(step), "id": str(letter.id)})


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
    for step in (DraftStep.ASK, DraftStep.PACKET, DraftStep.THANKS):
        if rules.draft_fits(step, letter.state) and _draft_moment(step, letter.state):
            actions.append(draft_action(letter, step))
    return tuple(actions)


def _draft_moment(step: DraftStep, state: str) -> bool:
    """Whether a draft is the natural next thing in `state` (the buttons offer only that)."""
    return {DraftStep.ASK: state in (LetterState.PLANNED, LetterState.ASKED),
            DraftStep.PACKET: state == LetterState.AGREED,
            DraftStep.THANKS: state in (LetterState.SUBMITTED, LetterState.DECLINED)}[step]


# --- /letter remind ----------------------------------------------------------------------


def timeline_text(deadline: date, today: date) -> str:
    """The timeline the bot follows, each date with the rule that sets it. The dates the
    student acts on (the ask, the personal deadline told to the writer) are today or later:
    when the ideal one has passed, the line says so and gives the best one left."""
    line = rules.timeline(deadline)
    ask = rules.act_by(line.ask_by, today)
    personal = rules.personal_deadline(deadline, today=today)
    ask_rule = f"deadline − {count(rules.ASK_BY_WEEKS, 'week')}"
    personal_rule = f"deadline − {count(rules.PERSONAL_DEADLINE_DAYS, 'day')}"
    out = [
        f"Ask by: {format_day(ask.on)} — {ask_rule}, the ideal time to ask" if not ask.late
        else f"Ask by: {day_text(ask.on, today)} — the ideal date, {format_day(ask.ideal)} "
             f"({ask_rule}), has passed: ask now",
        f"Last call: {format_day(line.last_call)}"
        + (" (passed)" if line.last_call < today else "")
        + f" — deadline − {count(rules.LAST_CALL_WEEKS, 'week')}; later is a last-minute "
          "request",
        f"Personal deadline for the writer: {format_day(personal.on)} — {personal_rule}: the "
        "date you tell your writer" if not personal.late
        else f"Personal deadline for the writer: {day_text(personal.on, today)} — the ideal "
             f"date, {format_day(personal.ideal)} ({personal_rule}), has passed: tell your "
             "writer this one, the best date still possible",
        f"Deadline: {format_day(line.deadline)} — the real deadline",
    ]
    return "\n".join(out)


def _strengths() -> str:
    return f"{range_text(rules.STRENGTHS)} strengths"


@dataclass(frozen=True)
class WarningText:
    code: WarningCode
    message: str
    advice: str  # what to do instead


def _letter_ref(letter: Letter | None) -> str:
    return str(letter.id) if letter is not None else "ID"


def outside_steps(letter: Letter | None) -> str:
    """What works for a writer outside the roster (contacts are logged only with faculty the
    bot knows): the letter's own steps, its drafts, and its dates in a calendar."""
    ref = _letter_ref(letter)
    return (f"mark each step as it happens ({_cmd(specs.UPDATE)} {ref} asked, then agreed), "
            f"check the packet off ({_cmd(specs.PACKET)} {ref}), use the drafts "
            f"({_cmd(specs.DRAFT)} ask {ref}), and put the dates in your calendar "
            f"({_cmd(specs.CALENDAR)}): I remind you before each one")


def warning_text(warning: LetterWarning, letter: Letter | None = None) -> WarningText:
    """A warning said plainly, with what to do instead (`letter`: the new letter, whose id
    the advice names)."""
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
            if warning.outside_writer:
                return WarningText(
                    warning.code,
                    f"{name} is not on the faculty roster, so your record shows no time "
                    "together (meetings are logged only with faculty I know).",
                    "A strong letter comes from someone who has known you for several months "
                    "and supervised your work directly. If that is them, go ahead: "
                    f"{outside_steps(letter)}. If not, consider a writer who knows your work.")
            return WarningText(
                warning.code,
                f"There is no logged relationship with {name}.",
                "A strong letter comes from someone who has known you for several months and "
                f"supervised your work directly. If that is them, log your meetings "
                f"({_cmd(mentoring_specs.LOG)}) so your record shows it; if not, consider a "
                "writer who has.")
        case WarningCode.SHORT_RELATIONSHIP:
            since = warning.relationship_since or warning.today
            return WarningText(
                warning.code,
                f"You have logged {known_for(warning)} with {name} (since "
                f"{format_day(since)}); a writer should have known you for at least "
                f"{count(rules.WRITER_KNOWN_MONTHS, 'month')}.",
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


def warning_section(warning: LetterWarning, letter: Letter | None = None) -> Section:
    text = warning_text(warning, letter)
    return Section(heading=f"Warning: {warning.code.replace('-', ' ')}",
                   text=f"{text.message}\nInstead: {text.advice}")


def outside_writer_note(name: str, closest: Sequence[str]) -> str:
    note = f"{name} is not a faculty member I know, so I'm tracking them as an outside writer."
    if closest:
        note += f" If you meant {' or '.join(closest)}, use their email instead."
    return note


def deadline_too_far_text(deadline: date, today: date) -> str:
    return (f"The deadline {format_day(deadline)} is more than "
            f"{count(rules.MAX_DEADLINE_YEARS, 'year')} away (the latest I take is "
            f"{format_day(rules.deadline_limit(today))}). Check the year: you ask for a letter "
            f"{range_text((rules.LAST_CALL_WEEKS, rules.ASK_BY_WEEKS))} weeks ahead, and "
            f"{_cmd(specs.PLAN)} shows when to start building relationships.")


def portal_text(where: PortalFor, specialty: str | None) -> str:
    """The portal a letter goes through, and where the bot read it when the student did not
    say: "ResidencyCAS (inferred: emergency medicine's portal, 2025–26)"."""
    if where.portal is None:
        return "-"
    if where.said:
        return str(where.portal)
    if where.found is not None:
        return (f"{where.portal} (inferred: {specialty or 'the specialty'}'s portal, "
                f"{where.found.whose()})")
    return f"{where.portal} (inferred: the usual residency portal)"


def portal_check_section(letter: Letter, named: Portal, found: Found[Portal],
                         specialty: str) -> Section:
    """The student named a portal the cycle data does not give the specialty."""
    return Section(
        heading="Check the portal",
        text=f"{specialty.capitalize()} programs take applications through {found.value} "
             f"({found.whose()}), not {named}. If this letter goes through {found.value}, "
             f"stop tracking this one ({_cmd(specs.CANCEL)} {letter.id}) and track it again "
             f"with portal:{found.value}.")


def replaces_text(replaced: Letter) -> str:
    return (f"Instead of letter #{replaced.id} from {replaced.writer_name} "
            f"({replaced.state}): same program, portal and deadline.")


def remind_reply(letter: Letter, *, outside: bool, closest: Sequence[str],
                 warnings: Iterable[LetterWarning], inferred: bool, tz: str,
                 today: date, replaced: Letter | None = None,
                 where: PortalFor | None = None, specialty: str | None = None,
                 notes: Sequence[Section] = ()) -> Reply:
    """The reply to a new letter: the timeline, every warning (and `notes`: a program over
    its portal's cap, a portal to check), and the kind when unknown."""
    sections = [Section(heading=f"Timeline (dates in {tz})",
                        text=timeline_text(letter.deadline, today))]
    sections += [warning_section(w, letter) for w in warnings]
    sections += notes
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
        Field("Portal", portal_text(where, specialty) if where is not None
              else letter.portal or "-"),
    )
    said = [replaces_text(replaced)] if replaced is not None else []
    if outside:
        said.append(outside_writer_note(letter.writer_name, closest))
    return Reply(
        title=f"Tracking letter #{letter.id} from {letter.writer_name}",
        text=" ".join(said),
        fields=fields,
        sections=tuple(sections),
        actions=(update_action(letter, LetterState.ASKED, STATE_LABELS[LetterState.ASKED]),
                 packet_action(letter), draft_action(letter, DraftStep.ASK),
                 *((specs.CALENDAR.action("Dates to my calendar"),) if outside else ())),
        footer="I'll remind you before each date. The letter itself stays between you and "
               "your writer: I never ask for or keep its text.",
    )


def kind_set_reply(letter: Letter) -> Reply:
    return Reply(title=f"Letter #{letter.id} is a {letter.kind} letter",
                 text=f"From {letter.writer_name}{_for(letter)}.")


# --- /letter update ----------------------------------------------------------------------


def update_reply(letter: Letter, wanted: LetterState, reason: str,
                 suggestions: Section | None = None, *, today: date,
                 asked_on: date | None = None) -> Reply:
    """What moving a letter to `wanted` means for the student, and the moves open next."""
    name = letter.writer_name
    personal = rules.personal_deadline(letter.deadline, today=today, asked_on=asked_on)
    match wanted:
        case LetterState.ASKED:
            text = (f"Ask logged. If they agree, send your packet at once; your personal "
                    f"deadline for them is {personal_text(personal, today)}.")
        case LetterState.AGREED:
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            text = (f"Great. Now send {name} your packet"
                    + (f": {missing}." if missing else " (everything is checked off)."))
        case LetterState.DECLINED:
            text = ((f"{name} offered only a neutral letter. A neutral letter hurts more than "
                     "it helps: find another writer.") if rules.is_neutral(reason) else
                    f"{name} declined. That is useful to know early: find another writer.")
        case LetterState.PACKET_SENT:
            text = (f"Packet sent. {name} should submit by {personal_text(personal, today)}; "
                    "I'll remind you to check in then.")
        case LetterState.SUBMITTED:
            text = "Submitted. Send a thank-you note within the next few days."
        case LetterState.THANKED:
            text = (f"Thanks sent. Share your outcomes ({_cmd(specs.OUTCOME)}) as they come, "
                    "and keep in touch every few months.")
        case _:
            text = ""
    sections = [suggestions] if suggestions is not None else []
    if wanted == LetterState.PACKET_SENT:
        incomplete = incomplete_packet_section(letter)
        if incomplete is not None:
            sections.insert(0, incomplete)
    return Reply(title=f"Letter #{letter.id} from {name}: {wanted}", text=text,
                 sections=tuple(sections), actions=next_actions(letter))


def incomplete_packet_section(letter: Letter) -> Section | None:
    """A packet marked sent while its checklist still lacks items (`rules.packet_missing`):
    the writer works from the packet, so the student is told what it lacks and how to
    check off what was in fact sent."""
    missing = rules.packet_missing(letter.packet or {})
    if not missing:
        return None
    keys = ";".join(item.key for item in missing)
    them = "it" if len(missing) == 1 else "them"
    return Section(
        heading="Warning: packet incomplete",
        text=(f"Your checklist for letter #{letter.id} still lacks "
              f"{count(len(missing), 'item')}: {and_list([item.label for item in missing])}."
              f"\nInstead: if you sent {them}, check {them} off ({_cmd(specs.PACKET)} "
              f"{letter.id} done:{keys}); if not, send {them} to {letter.writer_name} now, "
              "so they write from everything at once."),
        actions=(packet_action(letter),))


MAX_SUGGESTIONS = 5


def other_writers_section(letter: Letter, writers: Sequence[Person]) -> Section:
    """After a decline: faculty who know the student and could write for the same program
    instead (the store keeps those known `rules.WRITER_KNOWN_MONTHS` or longer, and leaves
    out anyone already writing for it and anyone who declined), one button each. The button
    tracks the new letter in place of the declined one (`replaces:`), so it keeps the
    program, the portal, the kind and the deadline."""
    shown = writers[:MAX_SUGGESTIONS]
    actions: list[Action] = []
    for writer in shown:
        args = {"writer": f"person:{writer.id}", "due": letter.deadline.isoformat(),
                "replaces": str(letter.id)}
        actions.append(specs.REMIND.action(f"Ask {writer.name}"[:_LABEL_LIMIT], args))
    find = f"/{matching_specs.FIND.name}"
    for_what = f" for {letter.program}" if letter.program else ""
    known = count(rules.WRITER_KNOWN_MONTHS, "month")
    if shown:
        names = ", ".join(w.name for w in shown)
        text = (f"People who have known you {known} or more and could write{for_what} "
                f"instead: {names}. Or look for more with {find}.")
    else:
        text = (f"Nobody who has known you {known} or more is free to ask{for_what}: they "
                f"already write for it, declined, or your record shows too little time "
                f"together. {find} suggests faculty who fit; log your meetings with the ones "
                "you work with.")
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
    Portal.RESIDENCYCAS: "ResidencyCAS: add the writer as an evaluator in your application's "
                         "Evaluations section with their email; ResidencyCAS emails them a "
                         "link to upload it. Assign each letter to each program by hand.",
    Portal.INTERFOLIO: "Interfolio: send the request from your Interfolio dossier; the writer "
                       "gets an email with an upload link.",
    Portal.OTHER: "Tell the writer exactly where and how to submit: the portal link, an email "
                  "address or a mailing address, and any form they must fill in.",
}
"""How the student sets up each portal's letter request (the packet checklist)."""

SLOE_HOWTO: Mapping[str, str] = {
    Portal.RESIDENCYCAS: "ResidencyCAS: add the writer as an evaluator in your application's "
                         "Evaluations section and send them the ResidencyCAS Letter ID; they "
                         "complete the SLOE in CORD's eSLOE system and choose “Submit to "
                         "ResidencyCAS” with that ID. Assign it to each program by hand.",
    Portal.ERAS: "ERAS: create the request in MyERAS and send the writer the Letter Request "
                 "Form with its Letter ID; they complete the SLOE in CORD's eSLOE system and "
                 "upload its PDF through the ERAS Letter of Recommendation Portal.",
}
"""A standardized letter (SLOE) is written in CORD's eSLOE system, then reaches the portal."""

WRITER_HOWTO: Mapping[str, str] = {
    Portal.AMCAS: "through the AMCAS Letter Writer Application (or Interfolio), with the AMCAS "
                  "Letter ID on the request form I'm attaching",
    Portal.ERAS: "through the ERAS Letter of Recommendation Portal, with the Letter ID on the "
                 "Letter Request Form I'm attaching",
    Portal.RESIDENCYCAS: "through ResidencyCAS: you will get an email from ResidencyCAS with "
                         "the link to upload it",
    Portal.INTERFOLIO: "through Interfolio: you will get an email from Interfolio with the "
                       "link to upload it",
}
"""Where and how to submit, as the writer reads it in a draft or a reminder."""

WRITER_SLOE_HOWTO: Mapping[str, str] = {
    Portal.RESIDENCYCAS: "in CORD's eSLOE system, choosing “Submit to ResidencyCAS” with the "
                         "ResidencyCAS Letter ID I'm sending you",
    Portal.ERAS: "in CORD's eSLOE system, then uploading its PDF to the ERAS Letter of "
                 "Recommendation Portal with the Letter ID on the Letter Request Form I'm "
                 "attaching",
}
WHERE_PLACEHOLDER = ("[where and how to submit: the portal link, an email address or a "
                     "mailing address, and any form to fill in]")


def effective_portal(letter: Letter | WriterLetter) -> Portal | None:
    """The letter's portal: the one the student named, else the one the cycle data gives
    its specialty for the cycle of its deadline (`bot.letters.portals`)."""
    return letter_portal(letter.program, letter.portal, letter.deadline).portal


def portal_howto(letter: Letter) -> str:
    """How the student sets up the request for this letter's portal."""
    portal = effective_portal(letter) or Portal.OTHER
    if letter.kind == LetterKind.SLOE and portal in SLOE_HOWTO:
        return SLOE_HOWTO[portal]
    return PORTAL_HOWTO[portal]


def writer_howto(portal: str | None, kind: str | None) -> str:
    """Where and how to submit, said to the writer."""
    if kind == LetterKind.SLOE and portal is not None and portal in WRITER_SLOE_HOWTO:
        return WRITER_SLOE_HOWTO[portal]
    return WRITER_HOWTO.get(portal or "", WHERE_PLACEHOLDER)


def packet_details(letter: Letter, *, today: date, asked_on: date | None = None
                   ) -> dict[str, str]:
    """What each packet item means for this letter, where there is more to say."""
    personal = rules.personal_deadline(letter.deadline, today=today, asked_on=asked_on)
    return {
        "portal": portal_howto(letter),
        "deadline": f"Tell {letter.writer_name} {personal_text(personal, today)} (the real "
                    f"deadline is {format_day(letter.deadline)}).",
        "strengths": f"Pick {_strengths()} this writer saw first-hand, matched to what the "
                     "program values.",
        "summary": "What you did together, when, and what you contributed.",
        "transcript": "Optional; some writers like to see it.",
    }


def packet_reply(letter: Letter, *, today: date, asked_on: date | None = None) -> Reply:
    """The checklist, what is missing, and a button per item still to check off."""
    state = letter.packet or {}
    details = packet_details(letter, today=today, asked_on=asked_on)
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
    if rules.draft_fits(DraftStep.PACKET, letter.state):
        actions.append(draft_action(letter, DraftStep.PACKET))
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


# --- /letter outcome, /letter cancel, /letter list, /letter calendar -------------------


def _writers_to_tell(letters: Sequence[Letter]) -> tuple[str, tuple[Section, ...]]:
    """The writers to share an outcome with, and one section each with a button for its
    draft (`/letter draft outcome ID`)."""
    names = ", ".join(x.writer_name for x in letters)
    sections = tuple(
        Section(text=f"{x.writer_name}{_for(x)} (letter #{x.id})",
                actions=(draft_action(x, DraftStep.OUTCOME,
                                      f"Draft for {x.writer_name}"),))
        for x in letters)
    return names, sections


def outcome_recorded_reply(outcome: Outcome, letters: Sequence[Letter], remind_on: date,
                           today: date, others: Sequence[Letter] = ()) -> Reply:
    """The outcome recorded, the writers whose letters had a part in it (each with its
    draft), and the writers left out because their letter was for another application."""
    names, sections = _writers_to_tell(letters)
    if letters:
        text = (f"“{outcome.text}”. Writers to tell: {names}. I'll send you one reminder "
                f"listing them {when_text(remind_on, today)}; each has a draft below.")
    else:
        text = (f"“{outcome.text}”. None of your submitted letters was for this, so there "
                "is no writer to tell; it stays in your record.")
    if others:
        left = "; ".join(f"{x.writer_name} (#{x.id}{_for(x)})" for x in others)
        text += (f" Not told: {left}: "
                 + ("that letter was" if len(others) == 1 else "those letters were")
                 + " for another application.")
    return Reply(title=f"Outcome recorded: {outcome.kind}", text=text, sections=sections)


def cancel_reply(letter: Letter, old: LetterState, stopped: int) -> Reply:
    """What withdrawing a letter did: its reminders stop, it leaves plans and calendars,
    and it stays in the history."""
    told = old in (LetterState.AGREED, LetterState.PACKET_SENT)
    stop = f"{count(stopped, 'reminder')} stopped" if stopped else "No reminders were pending"
    text = (f"Letter #{letter.id} from {letter.writer_name}{_for(letter)} is withdrawn "
            f"(it was {old}). {stop}. It stays in {_cmd(specs.LIST)} as withdrawn, no longer "
            f"counts in {_cmd(specs.PLAN)}, and {_cmd(specs.CALENDAR)} now cancels its events "
            "(import the file again to remove them).")
    if told:
        text += (f" {letter.writer_name} agreed to write it: let them know you no longer "
                 "need it, with your thanks.")
    return Reply(title=f"Letter #{letter.id} withdrawn", text=text)


def no_letters_reply() -> Reply:
    return Reply(title="No letters tracked yet",
                 text=f"Start with {_cmd(specs.REMIND)} WRITER due:DATE, e.g. "
                      f"{_cmd(specs.REMIND)} Dr. Smith due:\"in 10 weeks\".")


def step_text(step: rules.NextStep, today: date) -> str:
    return f"{step.text} — by {due_text(step.due, today)}" if step.due else step.text


def student_sections(letters: Sequence[Letter], steps: Mapping[int, rules.NextStep],
                     today: date) -> list[Section]:
    """The student's letters, each with its state, deadline and next step."""
    sections = []
    for letter in letters:
        state = letter.state
        if letter.state == LetterState.WITHDRAWN and letter.state_reason:
            state += f" ({letter.state_reason})"
        sections.append(Section(
            heading=f"#{letter.id} {letter.writer_name}{_for(letter)}",
            fields=(
                Field("ID", str(letter.id)),
                Field("State", state),
                Field("Deadline", format_day(letter.deadline)),
                Field("Next step", step_text(steps[letter.id], today)),
            ),
        ))
    return sections


def writer_sections(letters: Sequence[WriterLetter], today: date) -> list[Section]:
    """The letters a faculty member is writing: student, program, state and the personal
    deadline the student gave them; never a letter's text."""
    sections = []
    for letter in letters:
        fields = [Field("Student", letter.student_name),
                  Field("Program", letter.program or "-"),
                  Field("State", letter.state)]
        if letter.state in rules.OPEN_STATES:
            fields.append(Field("Their deadline for you", day_text(letter.personal, today)))
            if letter.portal:
                fields.append(Field("Portal", letter.portal))
        sections.append(Section(heading=f"{letter.student_name}{_for(letter)}",
                                fields=tuple(fields)))
    return sections


def list_reply(*, student: Sequence[Letter] | None, steps: Mapping[int, rules.NextStep],
               writing: Sequence[WriterLetter] | None, today: date) -> Reply:
    """`/letter list`: a student's own letters, a faculty member's letters to write, or
    both for someone who is both. Private to the one asking."""
    sections: list[Section] = []
    footer: list[str] = []
    if student is not None:
        if writing is not None:
            sections.append(Section(heading=f"Your letters ({len(student)})"))
        sections += student_sections(student, steps, today)
        footer.append(f"Move one along with {_cmd(specs.UPDATE)} ID STATE; "
                      f"{_cmd(specs.PACKET)} ID shows its checklist.")
    if writing is not None:
        if student is not None:
            sections.append(Section(heading=f"Letters you are writing ({len(writing)})"))
        sections += writer_sections(writing, today)
        if not writing:
            sections.append(Section(text="No student has asked you for a letter here yet."))
        footer.append("Students track these letters here; I never see or keep a letter's "
                      "text.")
    if student is not None and writing is None:
        title = f"Your letters ({len(student)})"
    elif writing is not None and student is None:
        title = f"Letters you are writing ({len(writing)})"
    else:
        title = "Your letters"
    return Reply(title=title, sections=tuple(sections),
                 footer="Private to you. " + " ".join(footer), ephemeral=True)


def calendar_reply(attachment: Attachment, *, events: int, letters: int,
                   upcoming: int) -> Reply:
    return Reply(
        title="Your letter calendar",
        text=f"{events} events for {letters} letters ({upcoming} with deadlines ahead). "
             "Import it again after changes: the events update in place.",
        attachment=attachment,
    )


def calendar_event_text(letter: Letter, what: str, due: Due) -> tuple[str, str]:
    """The summary and description of one of a letter's calendar events (`askby`,
    `personal`, `deadline`) falling on `due.on`."""
    program = f" ({letter.program})" if letter.program else ""
    who = letter.writer_name
    match what:
        case "askby":
            summary = f"Ask {who} for a letter{program}"
            about = (f"Ideal ask-by date: {count(rules.ASK_BY_WEEKS, 'week')} before the "
                     "deadline. Ask for a strong letter.")
            if due.late:
                about = (f"The ideal ask-by date, {format_day(due.ideal)}, has passed: ask now, "
                         "for a strong letter.")
        case "personal":
            summary = f"Personal deadline for {who}'s letter{program}"
            about = (f"The date you gave the writer: {count(rules.PERSONAL_DEADLINE_DAYS, 'day')} "
                     "before the real deadline.")
            if due.late:
                about = (f"The date to give the writer: the ideal one, {format_day(due.ideal)}, "
                         "has passed, and this is the best date still possible.")
        case "deadline":
            summary = f"Letter deadline: {who}{program}"
            about = f"The real deadline{' via ' + letter.portal if letter.portal else ''}."
        case _:
            raise ValueError(what)
    return summary, f"{about} Letter #{letter.id}, now {letter.state}."


# --- nudges ------------------------------------------------------------------------------


def _done(letter: Letter, state: LetterState, style: ActionStyle | None = None) -> Action:
    return update_action(letter, state, STATE_LABELS[state], style=style)


def ask_advice(personal: Due, today: date) -> str:
    """How to ask, with the personal deadline to tell the writer."""
    return (
        "Ask in person or with a short email, and ask whether they can write you a strong "
        "letter: it gives them room to say no. Offer to send your CV, personal statement, a "
        "summary of your work together and the strengths you hope they can speak to. Tell "
        f"them your deadline for them: {personal_text(personal, today)}."
    )


def due_in(day: date, today: date) -> str:
    """How far off a day is, as a title says it: "today", "tomorrow", "in 3 days"."""
    days = (day - today).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {count(days, 'day')}"


def personal_said(who: str, told: date, today: date) -> str:
    """The personal deadline the student gave `who`, as read on `today`: "Today is …" on
    the day, and said as past or ahead on any other."""
    if told == today:
        return f"Today is the personal deadline you gave {who} ({format_day(told)})"
    if told > today:
        return f"The personal deadline you gave {who} is {when_text(told, today)}"
    ago = (today - told).days
    return (f"The personal deadline you gave {who} was {format_day(told)}, "
            f"{count(ago, 'day')} ago")


def moot_reason(kind: NudgeKind, letter: Letter, today: date) -> str:
    """Why a letter nudge due earlier no longer goes out (`rules.still_owed` said no)."""
    if kind != NudgeKind.LETTER_THANKS and today > letter.deadline:
        return f"the deadline ({format_day(letter.deadline)}) has passed"
    if kind == NudgeKind.LETTER_PACKET and letter.state == LetterState.AGREED:
        return "the packet is complete"
    return f"the letter is now {letter.state}"


def letter_nudge_reply(kind: NudgeKind, letter: Letter, *, today: date,
                       asked_on: date | None = None) -> Reply:
    """A letter nudge, worded for the day it is read (`today`, the student's day when it is
    sent): what to do now, and the button that says it is done."""
    line = rules.timeline(letter.deadline)
    who = letter.writer_name
    personal = rules.personal_deadline(letter.deadline, today=today, asked_on=asked_on)
    match kind:
        case NudgeKind.LETTER_ASK:
            ask = rules.act_by(line.ask_by, today)
            return Reply(
                title=f"Time to ask {who} for a letter{_for(letter)}",
                text=f"Ask by {due_text(ask, today)} ({count(rules.ASK_BY_WEEKS, 'week')} "
                     f"before the {format_day(letter.deadline)} deadline). "
                     f"{ask_advice(personal, today)}",
                actions=(_done(letter, LetterState.ASKED), draft_action(letter, DraftStep.ASK)))
        case NudgeKind.LETTER_ASK_LATE:
            return Reply(
                title=f"Last call: ask {who} for a letter{_for(letter)}",
                text=f"The deadline is {format_day(letter.deadline)}, "
                     f"{count(rules.LAST_CALL_WEEKS, 'week')} or less away. Ask today, and "
                     f"send the whole packet with your ask. {ask_advice(personal, today)}",
                actions=(_done(letter, LetterState.ASKED), draft_action(letter, DraftStep.ASK)))
        case NudgeKind.LETTER_PACKET:
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            return Reply(
                title=f"Send {who} your packet",
                text=f"{who} agreed to write{_for(letter)}. Still to send: {missing}. Your "
                     f"personal deadline for them: {personal_text(personal, today)}.",
                actions=(packet_action(letter), draft_action(letter, DraftStep.PACKET),
                         _done(letter, LetterState.PACKET_SENT, style="default")))
        case NudgeKind.LETTER_CHECKIN:
            told = rules.told_personal(letter.deadline, asked_on or today)
            return Reply(
                title=f"Check in with {who}",
                text=f"{personal_said(who, told, today)}; the real deadline is "
                     f"{day_text(letter.deadline, today)}. A short, polite note helps: thank "
                     "them, ask whether they need anything more from you, and restate where "
                     "and how to submit.",
                actions=(_done(letter, LetterState.SUBMITTED),))
        case NudgeKind.LETTER_DEADLINE:
            return Reply(
                title=f"{who}'s letter{_for(letter)} is due "
                      f"{due_in(letter.deadline, today)}",
                text=f"The deadline is {day_text(letter.deadline, today)} and the letter is "
                     "not marked submitted. Check the portal; if it is not there, send a "
                     "brief, courteous reminder with the submission details.",
                actions=(_done(letter, LetterState.SUBMITTED),))
        case NudgeKind.LETTER_THANKS:
            return Reply(
                title=f"Thank {who}",
                text=f"{who} submitted your letter{_for(letter)}. Send a thank-you note in the "
                     "next few days (a handwritten card or a warm email), and promise to "
                     "share how your applications go.",
                actions=(_done(letter, LetterState.THANKED),
                         draft_action(letter, DraftStep.THANKS)))
    raise ValueError(kind)


def outcome_reply(outcome: Outcome, letters: Sequence[Letter]) -> Reply:
    """The letter-outcome nudge: one message listing every writer to share the news with,
    each with a button for its draft."""
    _, sections = _writers_to_tell(letters)
    them = "your writer" if len(letters) == 1 else f"your {len(letters)} writers"
    return Reply(
        title="Share your news with your letter writers",
        text=f"You recorded: {outcome.text}. Tell {them}: writers like to hear how it went, "
             "and a short note with the news and your thanks keeps the relationship alive.",
        sections=sections,
    )


def writer_nudge_reply(letter: WriterLetter, *, today: date) -> Reply:
    """The writer-deadline nudge to a faculty writer: whose letter, for what, by when and
    where, as read on `today` (the writer's day). Never a letter's text."""
    days = (letter.personal - today).days
    when = day_text(letter.personal, today)
    away = (f", {count(days, 'day')} away" if days > 1 else
            f", {count(-days, 'day')} ago" if days < 0 else "")
    where = f" Submit through {letter.portal}." if letter.portal else ""
    return Reply(
        title=f"Your letter for {letter.student_name}"
              + (f" ({letter.program})" if letter.program else "") + f": due {when}",
        text=f"{letter.student_name} asked for your letter by {when}{away} (the program's "
             f"deadline is {format_day(letter.deadline)}).{where} If you need anything more "
             f"from {letter.student_name}, just ask them.",
        actions=(specs.LIST.action("Letters you are writing"),),
    )

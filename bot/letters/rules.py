"""Recommendation-letter rules (SPEC "Domain rules — Letters"), as pure functions of plain
values: the lifecycle (and withdrawing), the timeline a deadline implies and the days still
possible once an ideal one has passed (`Due`), the warnings a new request deserves, what a
letter is for and its kind, the packet checklist, the next step, when each nudge is owed to
the student and to a faculty writer, and which drafts fit which state. The letter mix is
`bot.letters.mix`; when a cycle needs its letters, `bot.letters.cycle`. No database, no
clock: callers pass `today` / `now` and the time zone. The words these rules are stated in
live in `bot.letters.messages` (and `plan_messages`, `draft_messages`), built from the
constants here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.infra.months import add_months, whole_months_between
from bot.infra.zones import local_day
from bot.letters import programs
from bot.nudges.policy import nudge_at
from bot.vocab.letters import (
    RESIDENCY_PORTALS,
    STANDARDIZED_LETTER_NAMES,
    DraftStep,
    LetterKind,
    LetterState,
    OutcomeKind,
    Portal,
    Track,
)
from bot.vocab.mentoring import MentorKind
from bot.vocab.nudges import NudgeKind
from bot.vocab.specialties import same_specialty, specialties_in

# --- lifecycle ---------------------------------------------------------------------------

TRANSITIONS: Mapping[str, tuple[LetterState, ...]] = {
    LetterState.PLANNED: (LetterState.ASKED,),
    LetterState.ASKED: (LetterState.AGREED, LetterState.DECLINED),
    LetterState.AGREED: (LetterState.PACKET_SENT,),
    LetterState.DECLINED: (),
    LetterState.PACKET_SENT: (LetterState.SUBMITTED,),
    LetterState.SUBMITTED: (LetterState.THANKED,),
    LetterState.THANKED: (),
    LetterState.WITHDRAWN: (),
}
"""The lifecycle: planned → asked → agreed | declined → packet-sent → submitted → thanked.
Withdrawing (`/letter cancel`) is not a step of it: see `WITHDRAWABLE`."""

WITHDRAWABLE: tuple[LetterState, ...] = tuple(
    state for state in LetterState if state != LetterState.WITHDRAWN)
"""A letter can be withdrawn from any state but withdrawn itself: a letter tracked by
mistake, or one the student no longer needs, is undone whatever it reached."""

OPEN_STATES: tuple[LetterState, ...] = (
    LetterState.PLANNED, LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT)
"""Not yet submitted and not declined: the deadline still matters."""
DONE_STATES: tuple[LetterState, ...] = (LetterState.SUBMITTED, LetterState.THANKED)
"""The writer has submitted: outcomes are shared with them."""
NUDGING_STATES: tuple[LetterState, ...] = (*OPEN_STATES, LetterState.SUBMITTED)
"""Letters that can still owe a nudge (a submitted one owes the thank-you). Letters that
reach a final state are re-planned by the change itself, which cancels what they no longer
owe."""
SECURED_STATES: tuple[LetterState, ...] = (
    LetterState.AGREED, LetterState.PACKET_SENT, LetterState.SUBMITTED, LetterState.THANKED)
"""The writer said yes: the letter counts in the mix as secured."""
PENDING_STATES: tuple[LetterState, ...] = (LetterState.PLANNED, LetterState.ASKED)
"""Planned or asked: the letter is not yet secured, whatever part of the mix it would fill."""
GONE_STATES: tuple[LetterState, ...] = (LetterState.DECLINED, LetterState.WITHDRAWN)
"""No letter will come: it leaves plans (the mix) and calendars, and stays in the history."""


class IllegalTransition(ValueError):
    def __init__(self, current: str, wanted: str) -> None:
        self.current = current
        self.wanted = wanted
        self.legal = next_states(current)
        super().__init__(f"{current} → {wanted}")


def next_states(current: str) -> tuple[LetterState, ...]:
    """The legal next states of `current` (none for a final state or an unknown one)."""
    return TRANSITIONS.get(current, ())


def check_transition(current: str, wanted: str) -> None:
    """Raise IllegalTransition unless `wanted` is a legal next state of `current`."""
    if wanted not in next_states(current):
        raise IllegalTransition(current, wanted)


def check_withdraw(current: str) -> None:
    """Raise IllegalTransition unless a letter in `current` can be withdrawn."""
    if current not in WITHDRAWABLE:
        raise IllegalTransition(current, LetterState.WITHDRAWN)


# --- timeline ----------------------------------------------------------------------------

ASK_BY_WEEKS = 6
"""The ideal ask-by day is this many weeks before the deadline."""
LAST_CALL_WEEKS = 4
"""Asking with fewer weeks than this left is a last-minute request."""
RUSHED_DAYS = 7
"""With fewer days than this left, the letter risks being rushed and generic."""
PERSONAL_DEADLINE_DAYS = 14
"""The personal deadline the student gives the writer, this many days before the real one."""
LATE_PERSONAL_DAYS = 3
"""When the ideal personal deadline has passed, the writer is given the real deadline less
this many days instead (never before tomorrow)."""
MAX_DEADLINE_YEARS = 2
"""A deadline further away than this many years is a typo (a wrong year), refused."""
WRITER_KNOWN_MONTHS = 3
"""A writer should have known the student at least this many calendar months (the guide's
"about three months"); a shorter logged relationship is warned about."""

ASK_LEAD_DAYS = 3  # letter-ask: a few days before ask-by
PACKET_AFTER_DAYS = 2  # letter-packet: 2 days after the writer agreed
DEADLINE_LEAD_DAYS = 3  # letter-deadline: 3 days before the real deadline
THANKS_AFTER_DAYS = 1  # letter-thanks: the day after submission
OUTCOME_AFTER_DAYS = 1  # letter-outcome: the day after the outcome was recorded


@dataclass(frozen=True)
class Timeline:
    """The calendar days the bot works to for one letter (days in the student's zone)."""

    deadline: date

    @property
    def ask_by(self) -> date:
        return self.deadline - timedelta(weeks=ASK_BY_WEEKS)

    @property
    def last_call(self) -> date:
        return self.deadline - timedelta(weeks=LAST_CALL_WEEKS)

    @property
    def personal(self) -> date:
        return self.deadline - timedelta(days=PERSONAL_DEADLINE_DAYS)


def timeline(deadline: date) -> Timeline:
    return Timeline(deadline)


@dataclass(frozen=True)
class Due:
    """A day the bot asks someone to act on, or to tell a writer: the ideal day the rules
    give, and the day still possible (`on`). They are the same until the ideal one passes;
    then `on` is the best day left, so no date the bot asks for is ever in the past."""

    ideal: date
    on: date

    @property
    def late(self) -> bool:
        return self.on != self.ideal


def act_by(ideal: date, today: date) -> Due:
    """Something the student does by `ideal`; once that has passed, today."""
    return Due(ideal, max(ideal, today))


def late_personal(deadline: date, day: date) -> date:
    """The personal deadline to give a writer asked on `day` after the ideal one passed: the
    real deadline less a few days, never before the next day (nor after the deadline itself,
    unless that is today)."""
    best = max(deadline - timedelta(days=LATE_PERSONAL_DAYS), day + timedelta(days=1))
    return min(best, max(deadline, day))


def told_personal(deadline: date, asked_on: date) -> date:
    """The personal deadline the student gave (or gives) a writer asked on `asked_on`: the
    ideal one while it is still ahead, else the best one left that day. Fixed once asked, so
    the student's check-in and the writer's reminders fall on the day the writer was told."""
    ideal = timeline(deadline).personal
    return ideal if ideal > asked_on else late_personal(deadline, asked_on)


def personal_deadline(deadline: date, *, today: date, asked_on: date | None = None) -> Due:
    """The personal deadline to tell (or restate to) a writer today: the one told when they
    were asked, until its day is over; otherwise the best one left today. The writer's
    view reads the same (`writer_personal`)."""
    ideal = timeline(deadline).personal
    told = told_personal(deadline, min(asked_on, today) if asked_on else today)
    return Due(ideal, told if told >= today else late_personal(deadline, today))


def writer_personal(deadline: date, *, asked_on: date, today: date) -> date:
    """The personal deadline as the writer sees it (`/letter list`, the Home tab, the
    writer-deadline reminder): the student's own, from the one rule (`personal_deadline`,
    on the student's day), so the two never show different dates."""
    return personal_deadline(deadline, today=today, asked_on=asked_on).on


def deadline_limit(today: date) -> date:
    """The furthest deadline accepted: `MAX_DEADLINE_YEARS` from today."""
    return add_months(today, 12 * MAX_DEADLINE_YEARS)


def deadline_too_far(deadline: date, today: date) -> bool:
    return deadline > deadline_limit(today)


# --- warnings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterFacts:
    """What the rules need to know about one of the student's letters."""

    id: int
    writer_id: int | None
    writer_name: str
    program: str
    kind: LetterKind | None
    portal: Portal | None
    state: LetterState
    deadline: date
    reason: str = ""
    writer_specialty: str = ""
    known_since: date | None = None  # the first logged day of the student's relationship


class WarningCode(StrEnum):
    RUSHED = "rushed"
    LAST_MINUTE = "last-minute"
    NO_RELATIONSHIP = "no-relationship"
    SHORT_RELATIONSHIP = "short-relationship"
    DECLINED_BEFORE = "declined-before"
    SAME_PROGRAM = "same-program"


@dataclass(frozen=True)
class LetterWarning:
    """One reason to think twice about a new request, with the facts its wording needs
    (`bot.letters.messages.warning_text` says it, and what to do instead)."""

    code: WarningCode
    today: date
    deadline: date
    writer_name: str
    outside_writer: bool = False
    relationship_since: date | None = None
    earlier: LetterFacts | None = None  # the declined letter, or the duplicate

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def months_known(self) -> int:
        """Whole calendar months of logged relationship (0 when there is none)."""
        if self.relationship_since is None:
            return 0
        return whole_months_between(self.relationship_since, self.today)


def known_long_enough(since: date | None, today: date) -> bool:
    """Whether a relationship first logged on `since` is old enough for a letter
    (`WRITER_KNOWN_MONTHS`): what the short-relationship warning reads, and who is suggested
    in place of a writer who declined."""
    return since is not None and add_months(since, WRITER_KNOWN_MONTHS) <= today


NEUTRAL = "neutral letter"
"""The reason recorded when a writer offers only a lukewarm letter: a decline in effect."""


def is_neutral(reason: str) -> bool:
    """Whether a decline's reason says the writer offered only a neutral letter."""
    lowered = reason.lower()
    return "neutral" in lowered or "lukewarm" in lowered


def normalize_text(text: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", (text or "").lower())).strip()


def writer_key(writer_id: int | None, writer_name: str) -> str:
    """One writer: the roster person, else the name as written (case and spacing aside)."""
    if writer_id is not None:
        return f"p{writer_id}"
    return "n" + "-".join(normalize_text(writer_name).split())


def same_writer(letter: LetterFacts, writer_id: int | None, writer_name: str) -> bool:
    if writer_id is not None or letter.writer_id is not None:
        return writer_id == letter.writer_id
    return normalize_text(letter.writer_name) == normalize_text(writer_name)


def request_warnings(
    *,
    today: date,
    deadline: date,
    writer_name: str,
    outside_writer: bool,
    relationship_since: date | None,
    program: str,
    others: Iterable[LetterFacts],
    writer_id: int | None,
    portal: str | None = None,
) -> list[LetterWarning]:
    """Every warning a new request for a letter deserves. A second letter from the same
    writer is for the same program when the two phrases are read as one program
    (`bot.letters.programs.same_program`), however they are written."""

    def warning(code: WarningCode, earlier: LetterFacts | None = None) -> LetterWarning:
        return LetterWarning(code, today, deadline, writer_name, outside_writer,
                             relationship_since, earlier)

    out: list[LetterWarning] = []
    days_left = (deadline - today).days
    if days_left < RUSHED_DAYS:
        out.append(warning(WarningCode.RUSHED))
    elif days_left < LAST_CALL_WEEKS * 7:
        out.append(warning(WarningCode.LAST_MINUTE))
    if relationship_since is None:
        out.append(warning(WarningCode.NO_RELATIONSHIP))
    elif not known_long_enough(relationship_since, today):
        out.append(warning(WarningCode.SHORT_RELATIONSHIP))
    earlier = list(others)
    declined = [o for o in earlier if o.state == LetterState.DECLINED
                and same_writer(o, writer_id, writer_name)]
    if declined:
        out.append(warning(WarningCode.DECLINED_BEFORE, declined[0]))
    wanted = programs.read_program(program, portal)
    duplicate = next((o for o in earlier if o.state not in GONE_STATES
                      and same_writer(o, writer_id, writer_name)
                      and programs.same_program(programs.read_program(o.program, o.portal),
                                                wanted)), None)
    if duplicate is not None:
        out.append(warning(WarningCode.SAME_PROGRAM, duplicate))
    return out


# --- where a letter goes, and its kind -------------------------------------------------


class Destination(StrEnum):
    """What a letter is for, read from its portal and program: one of the two tracks a mix
    is checked against, another application (an away rotation, a summer program), or
    nothing said."""

    MED_SCHOOL = Track.MED_SCHOOL.value
    RESIDENCY = Track.RESIDENCY.value
    ELSEWHERE = "elsewhere"
    UNKNOWN = "unknown"


_SCIENCES = ("biology", "chemistry", "biochemistry", "physics", "neuroscience",
             "microbiology", "genetics", "physiology", "molecular", "mathematics", "math",
             "statistics", "biomedical")


def destination(program: str, portal: str | None) -> Destination:
    """What a letter is for. The portal says it first (ERAS or ResidencyCAS: residency,
    AMCAS: medical school); then the program's words (`bot.letters.programs`' words), an away rotation or summer program before a specialty
    ("Away rotation: County EM" is not a residency application). A program that names a
    specialty and nothing else is a residency program."""
    if portal in RESIDENCY_PORTALS:
        return Destination.RESIDENCY
    if portal == Portal.AMCAS:
        return Destination.MED_SCHOOL
    text = normalize_text(program)
    if not text:
        return Destination.UNKNOWN
    if programs.STANDARDIZED_WORDS.search(text) and not programs.FELLOWSHIP_WORDS.search(text):
        return Destination.RESIDENCY  # a SLOE "from the County EM rotation" is for residency
    if programs.ELSEWHERE_WORDS.search(text) or programs.FELLOWSHIP_WORDS.search(text):
        return Destination.ELSEWHERE
    if programs.RESIDENCY_WORDS.search(text):
        return Destination.RESIDENCY
    if programs.MED_SCHOOL_WORDS.search(text):
        return Destination.MED_SCHOOL
    if specialties_in(program):
        return Destination.RESIDENCY
    return Destination.UNKNOWN


def infer_kind(*, program: str, portal: str | None, writer_name: str,
               writer_specialty: str = "", mentor_kinds: Iterable[str] = (),
               student_interests: Iterable[str] = ()) -> LetterKind | None:
    """The kind of letter when it is obvious from what is known; None means "ask". Whether
    the writer is "in the specialty" is the specialty vocabulary's answer
    (`bot.vocab.specialties.same_specialty`), the one `/mentor find` reads names with."""
    text = normalize_text(program)
    if "committee" in text or "committee" in normalize_text(writer_name):
        return LetterKind.COMMITTEE
    specialty = normalize_text(writer_specialty)
    going = destination(program, portal)
    if going == Destination.RESIDENCY:
        if set(text.split()) & {name.lower() for name in STANDARDIZED_LETTER_NAMES}:
            return LetterKind.SLOE
        if specialty and (same_specialty(writer_specialty, program)
                          or any(same_specialty(writer_specialty, i) for i in student_interests)):
            return LetterKind.SPECIALTY
        if MentorKind.RESEARCH in set(mentor_kinds):
            return LetterKind.RESEARCH
        return None
    if going == Destination.MED_SCHOOL and specialty and any(
            word in _SCIENCES for word in specialty.split()):
        return LetterKind.SCIENCE
    return None


# --- packet ------------------------------------------------------------------------------

STRENGTHS = (4, 6)
"""How many strengths the student asks the writer to emphasize."""


@dataclass(frozen=True)
class PacketItem:
    key: str
    label: str
    short: str  # a button label
    optional: bool = False


PACKET_ITEMS = (
    PacketItem("cv", "CV", "CV"),
    PacketItem("statement", "Personal statement (or a draft)", "Statement"),
    PacketItem("summary", "Summary of the work you did together", "Work summary"),
    PacketItem("strengths", f"{STRENGTHS[0]}–{STRENGTHS[1]} strengths to emphasize, aligned "
               "with the program", "Strengths"),
    PacketItem("transcript", "Transcript", "Transcript", optional=True),
    PacketItem("portal", "Where and how to submit", "Portal and how"),
    PacketItem("prompts", "Any prompts or forms from the program", "Prompts"),
    PacketItem("deadline", "Your personal deadline", "Personal deadline"),
)
PACKET_KEYS = tuple(item.key for item in PACKET_ITEMS)


def packet_missing(packet: Mapping[str, object]) -> list[PacketItem]:
    """The required items not yet marked done (the transcript is optional)."""
    return [i for i in PACKET_ITEMS if not i.optional and not packet.get(i.key)]


def packet_complete(packet: Mapping[str, object]) -> bool:
    return not packet_missing(packet)


# --- next step and nudge timing ------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    text: str
    due: Due | None

    @property
    def on(self) -> date | None:
        return self.due.on if self.due is not None else None


def next_step(state: str, deadline: date, *, today: date, agreed_on: date | None = None,
              submitted_on: date | None = None, asked_on: date | None = None) -> NextStep:
    """What the student does next for a letter in `state`, and by when (never a day already
    past: a missed ideal day gives way to today, and the `Due` says so)."""
    line = timeline(deadline)
    match state:
        case LetterState.PLANNED:
            return NextStep("Ask the writer for a strong letter", act_by(line.ask_by, today))
        case LetterState.ASKED:
            return NextStep("Hear back; check in politely if there is no answer",
                            act_by(line.last_call, today))
        case LetterState.AGREED:
            start = agreed_on or today
            return NextStep("Send the packet",
                            act_by(start + timedelta(days=PACKET_AFTER_DAYS), today))
        case LetterState.PACKET_SENT:
            return NextStep("The writer submits by your personal deadline",
                            personal_deadline(deadline, today=today, asked_on=asked_on))
        case LetterState.SUBMITTED:
            start = submitted_on or today
            return NextStep("Send a thank-you note",
                            act_by(start + timedelta(days=THANKS_AFTER_DAYS), today))
        case LetterState.THANKED:
            return NextStep("Share outcomes (/letter outcome) and keep in touch", None)
        case LetterState.DECLINED:
            return NextStep("Find another writer", None)
        case LetterState.WITHDRAWN:
            return NextStep("Nothing: you stopped tracking this letter", None)
    return NextStep("-", None)


@dataclass(frozen=True)
class NudgeTime:
    kind: NudgeKind
    due_at: datetime  # UTC
    occurrence: str


def letter_nudges(*, state: str, deadline: date, tz: str, created_at: datetime,
                  agreed_at: datetime | None = None, submitted_at: datetime | None = None,
                  asked_at: datetime | None = None,
                  packet: Mapping[str, object] | None = None) -> list[NudgeTime]:
    """The letter-* nudges a letter in `state` owes its student, each at the nudge hour on
    its day. A nudge that fell before the letter was even tracked is skipped (the student
    saw the timeline and its warnings when they started), except that a planned letter
    started after its last call still gets one reminder to ask, the next morning. The
    check-in falls on the personal deadline the writer was told (`told_personal`), unless
    that is no earlier than the deadline reminder, which says it all."""
    line = timeline(deadline)
    out: list[NudgeTime] = []

    def at(kind: NudgeKind, day: date) -> NudgeTime:
        return NudgeTime(kind, nudge_at(day, tz), day.isoformat())

    def owes(kind: NudgeKind) -> bool:
        return state in OWED_IN[kind]

    if owes(NudgeKind.LETTER_ASK):
        ask = at(NudgeKind.LETTER_ASK, line.ask_by - timedelta(days=ASK_LEAD_DAYS))
        late = at(NudgeKind.LETTER_ASK_LATE, line.last_call)
        out += [n for n in (ask, late) if n.due_at >= created_at]
        if late.due_at < created_at:
            started = local_day(created_at, tz)
            if line.deadline > started:
                out.append(at(NudgeKind.LETTER_ASK_LATE, started + timedelta(days=1)))
    if owes(NudgeKind.LETTER_PACKET) and not packet_complete(packet or {}):
        start = local_day(agreed_at or created_at, tz)
        out.append(at(NudgeKind.LETTER_PACKET, start + timedelta(days=PACKET_AFTER_DAYS)))
    last_day = line.deadline - timedelta(days=DEADLINE_LEAD_DAYS)
    if owes(NudgeKind.LETTER_CHECKIN):
        told = told_personal(deadline, local_day(asked_at or created_at, tz))
        checkin = at(NudgeKind.LETTER_CHECKIN, told)
        if checkin.due_at >= created_at and told < last_day:
            out.append(checkin)
    if owes(NudgeKind.LETTER_DEADLINE):
        last = at(NudgeKind.LETTER_DEADLINE, last_day)
        if last.due_at >= created_at:
            out.append(last)
    if owes(NudgeKind.LETTER_THANKS):
        start = local_day(submitted_at or created_at, tz)
        out.append(at(NudgeKind.LETTER_THANKS, start + timedelta(days=THANKS_AFTER_DAYS)))
    return out


@dataclass(frozen=True)
class WriterLetter:
    """A letter as its writer sees it: whose, for what, where it stands and the personal
    deadline the student gave them. Nothing else of the student's letters, and never text."""

    id: int
    student_id: int
    student_name: str
    program: str
    state: LetterState
    deadline: date
    personal: date
    portal: str | None = None


WRITER_REMINDER_DAYS: tuple[int, ...] = (7, 1)
"""A writer on the roster is reminded this many days before the student's personal deadline
(the writer-side reminders a letter service sends)."""
WRITER_REMINDED_STATES: tuple[LetterState, ...] = (LetterState.AGREED, LetterState.PACKET_SENT)
"""While the writer has agreed and not yet submitted; any move past them cancels the
reminders."""


OWED_IN: Mapping[NudgeKind, tuple[LetterState, ...]] = {
    NudgeKind.LETTER_ASK: (LetterState.PLANNED,),
    NudgeKind.LETTER_ASK_LATE: (LetterState.PLANNED,),
    NudgeKind.LETTER_PACKET: (LetterState.AGREED,),
    NudgeKind.LETTER_CHECKIN: (LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT),
    NudgeKind.LETTER_DEADLINE: OPEN_STATES,
    NudgeKind.LETTER_THANKS: (LetterState.SUBMITTED,),
    NudgeKind.WRITER_DEADLINE: WRITER_REMINDED_STATES,
}
"""The letter states in which each letter nudge is owed. A letter that leaves them no longer
owes it: the planner stops planning it, and one already due is cancelled as moot when it
would be sent (`still_owed`)."""


def still_owed(kind: NudgeKind, *, state: str, packet: Mapping[str, object],
               deadline: date, today: date) -> bool:
    """Whether a letter nudge planned earlier still says something true on `today` (the
    reader's day): the letter is in a state that owes it, a packet reminder still has
    something missing, and, but for the thank-you, the deadline has not passed."""
    if state not in OWED_IN[kind]:
        return False
    if kind == NudgeKind.LETTER_PACKET and packet_complete(packet):
        return False
    return kind == NudgeKind.LETTER_THANKS or today <= deadline


def writer_nudges(*, state: str, personal: date, tz: str, since: datetime) -> list[NudgeTime]:
    """The writer-deadline nudges a letter owes its writer: `WRITER_REMINDER_DAYS` before the
    personal deadline they were told, at the nudge hour in the writer's zone `tz`, none that
    fell before `since` (when the writer agreed: a reminder for a day already gone is not
    sent late)."""
    if state not in OWED_IN[NudgeKind.WRITER_DEADLINE]:
        return []
    out = []
    for days in WRITER_REMINDER_DAYS:
        day = personal - timedelta(days=days)
        due = nudge_at(day, tz)
        if due >= since:
            out.append(NudgeTime(NudgeKind.WRITER_DEADLINE, due, day.isoformat()))
    return out


def outcome_nudge_at(recorded_at: datetime, tz: str) -> datetime:
    """When the letter-outcome nudges of an outcome fall: the nudge hour the next day."""
    return nudge_at(local_day(recorded_at, tz) + timedelta(days=OUTCOME_AFTER_DAYS), tz)


_OUTCOME_WORDS = (
    (OutcomeKind.MATCH, re.compile(r"\bmatch(ed)?\b")),
    (OutcomeKind.ACCEPTANCE, re.compile(r"\b(accept(ed|ance)?|admit(ted)?|admission|offer)\b")),
    (OutcomeKind.INTERVIEW, re.compile(r"\binterview(s|ed|ing)?\b")),
)


def outcome_kind(text: str) -> OutcomeKind:
    lowered = text.lower()
    for kind, pattern in _OUTCOME_WORDS:
        if pattern.search(lowered):
            return kind
    return OutcomeKind.OTHER


# --- message drafts --------------------------------------------------------------------------

DRAFT_STATES: Mapping[DraftStep, tuple[LetterState, ...]] = {
    DraftStep.ASK: (LetterState.PLANNED, LetterState.ASKED, LetterState.AGREED),
    DraftStep.PACKET: OPEN_STATES,
    DraftStep.THANKS: (LetterState.SUBMITTED, LetterState.THANKED, LetterState.DECLINED),
    DraftStep.OUTCOME: DONE_STATES,
}
"""The letter states each `/letter draft` step is written for: the ask (with the follow-up
email once they agree), the packet while the letter is open, a thank-you once the writer
submitted (or declined: thanks for considering it), and outcomes to writers who wrote."""


def draft_fits(step: DraftStep, state: str) -> bool:
    return state in DRAFT_STATES[step]

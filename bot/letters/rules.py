"""Recommendation-letter rules (SPEC "Domain rules — Letters"), as pure functions of plain
values: the timeline a deadline implies, the warnings a new request deserves, the lifecycle,
the packet checklist, the letter mix and when each letter nudge is owed. No database, no
clock: callers pass `today` / `now` and the student's time zone. The words these rules are
stated in (replies, nudges, warnings) live in `bot.letters.messages`, built from the
constants here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.infra import months
from bot.infra.months import add_months, whole_months_between
from bot.infra.zones import local_day
from bot.nudges.policy import nudge_at
from bot.nudges.vocab import NudgeKind
from bot.vocab.letters import LetterKind, LetterState, OutcomeKind, Portal, Track
from bot.vocab.mentoring import MentorKind
from bot.vocab.specialties import EMERGENCY_MEDICINE, same_specialty

# --- lifecycle ---------------------------------------------------------------------------

TRANSITIONS: Mapping[str, tuple[LetterState, ...]] = {
    LetterState.PLANNED: (LetterState.ASKED,),
    LetterState.ASKED: (LetterState.AGREED, LetterState.DECLINED),
    LetterState.AGREED: (LetterState.PACKET_SENT,),
    LetterState.DECLINED: (),
    LetterState.PACKET_SENT: (LetterState.SUBMITTED,),
    LetterState.SUBMITTED: (LetterState.THANKED,),
    LetterState.THANKED: (),
}
"""The lifecycle: planned → asked → agreed | declined → packet-sent → submitted → thanked."""

OPEN_STATES: tuple[LetterState, ...] = (
    LetterState.PLANNED, LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT)
"""Not yet submitted and not declined: the deadline still matters."""
DONE_STATES: tuple[LetterState, ...] = (LetterState.SUBMITTED, LetterState.THANKED)
"""The writer has submitted: outcomes are shared with them."""
NUDGING_STATES: tuple[LetterState, ...] = (*OPEN_STATES, LetterState.SUBMITTED)
"""Letters that can still owe a nudge (a submitted one owes the thank-you). Letters that
reach a final state are re-planned by the change itself, which cancels what they no longer
owe."""


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


# --- timeline ----------------------------------------------------------------------------

ASK_BY_WEEKS = 6
"""The ideal ask-by day is this many weeks before the deadline."""
LAST_CALL_WEEKS = 4
"""Asking with fewer weeks than this left is a last-minute request."""
RUSHED_DAYS = 7
"""With fewer days than this left, the letter risks being rushed and generic."""
PERSONAL_DEADLINE_DAYS = 14
"""The personal deadline the student gives the writer, this many days before the real one."""

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


NEUTRAL = "neutral letter"
"""The reason recorded when a writer offers only a lukewarm letter: a decline in effect."""


def is_neutral(reason: str) -> bool:
    """Whether a decline's reason says the writer offered only a neutral letter."""
    lowered = reason.lower()
    return "neutral" in lowered or "lukewarm" in lowered


def normalize_text(text: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", (text or "").lower())).strip()


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
) -> list[LetterWarning]:
    """Every warning a new request for a letter deserves."""

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
    elif add_months(relationship_since, months.QUARTER_MONTHS) > today:
        out.append(warning(WarningCode.SHORT_RELATIONSHIP))
    earlier = list(others)
    declined = [o for o in earlier if o.state == LetterState.DECLINED
                and same_writer(o, writer_id, writer_name)]
    if declined:
        out.append(warning(WarningCode.DECLINED_BEFORE, declined[0]))
    wanted = normalize_text(program)
    duplicate = next((o for o in earlier if o.state != LetterState.DECLINED
                      and same_writer(o, writer_id, writer_name)
                      and normalize_text(o.program) == wanted), None)
    if duplicate is not None:
        out.append(warning(WarningCode.SAME_PROGRAM, duplicate))
    return out


# --- kind inference ----------------------------------------------------------------------

_SCIENCES = ("biology", "chemistry", "biochemistry", "physics", "neuroscience",
             "microbiology", "genetics", "physiology", "molecular", "mathematics", "math",
             "statistics", "biomedical")
_RESIDENCY = re.compile(r"\b(residency|match|eras|sloe|pgy|fellowship)\b")
_MED_SCHOOL = re.compile(r"\b(amcas|aacomas|tmdsas|medical school|med school|md|do|premed)\b")


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
    residency = portal == Portal.ERAS or bool(_RESIDENCY.search(text))
    med_school = portal == Portal.AMCAS or bool(_MED_SCHOOL.search(text))
    if residency and not med_school:
        if "sloe" in text.split():
            return LetterKind.SPECIALTY
        if specialty and (same_specialty(writer_specialty, program)
                          or any(same_specialty(writer_specialty, i) for i in student_interests)):
            return LetterKind.SPECIALTY
        if MentorKind.RESEARCH in set(mentor_kinds):
            return LetterKind.RESEARCH
        return None
    if med_school and not residency and specialty and any(
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


# --- letter mix --------------------------------------------------------------------------

AMCAS_MAX_ENTRIES = 10
ERAS_MAX_PER_PROGRAM = 4
MED_SCIENCE = (2, 3)  # science faculty letters for medical school
MED_OTHER = 1  # non-science or character letters for medical school
RESIDENCY_TOTAL = (3, 4)  # letters in all for residency
RESIDENCY_SPECIALTY = 1  # at least this many from the specialty applied to
CLERKSHIP = (1, 2)  # letters from core clerkships
RESIDENCY_RESEARCH = 1  # from a research or longitudinal mentor, where relevant
SLOE_ROTATIONS = 2  # emergency medicine: SLOEs ideally from this many EM rotations

MED_SCHOOL_KINDS = (LetterKind.SCIENCE, LetterKind.NON_SCIENCE, LetterKind.CHARACTER,
                    LetterKind.COMMITTEE)
RESIDENCY_KINDS = (LetterKind.SPECIALTY, LetterKind.CLERKSHIP)
_OTHER_KINDS = (LetterKind.NON_SCIENCE, LetterKind.CHARACTER)


@dataclass(frozen=True)
class MedSchoolMix:
    """The medical-school mix: which letters fill which part (messages word it)."""

    science: tuple[LetterFacts, ...]
    other: tuple[LetterFacts, ...]  # non-science or character
    committee: tuple[LetterFacts, ...]
    amcas_entries: int
    not_counted: tuple[LetterFacts, ...]
    track: Track = Track.MED_SCHOOL

    @property
    def science_missing(self) -> int:
        return max(MED_SCIENCE[0] - len(self.science), 0)

    @property
    def too_much_science(self) -> bool:
        return len(self.science) > MED_SCIENCE[1]

    @property
    def other_missing(self) -> int:
        return max(MED_OTHER - len(self.other), 0)

    @property
    def too_many_amcas_entries(self) -> bool:
        return self.amcas_entries > AMCAS_MAX_ENTRIES


@dataclass(frozen=True)
class ResidencyMix:
    """The residency mix for one specialty: which letters fill which part."""

    specialty: str
    emergency_medicine: bool  # the specialty's programs expect SLOEs
    writers: int
    in_specialty: tuple[LetterFacts, ...]
    clerkship: tuple[LetterFacts, ...]
    research: tuple[LetterFacts, ...]
    crowded_programs: tuple[tuple[str, int], ...]  # (program, writers) over the ERAS limit
    not_counted: tuple[LetterFacts, ...]
    track: Track = Track.RESIDENCY

    @property
    def letters_missing(self) -> int:
        return max(RESIDENCY_TOTAL[0] - self.writers, 0)

    @property
    def specialty_missing(self) -> int:
        return max(RESIDENCY_SPECIALTY - len(self.in_specialty), 0)

    @property
    def clerkship_missing(self) -> bool:
        return len(self.clerkship) < CLERKSHIP[0]

    @property
    def too_many_clerkship(self) -> bool:
        return len(self.clerkship) > CLERKSHIP[1]

    @property
    def research_missing(self) -> bool:
        return len(self.research) < RESIDENCY_RESEARCH


Mix = MedSchoolMix | ResidencyMix


def is_emergency_medicine(specialty: str) -> bool:
    """Whether `specialty` names emergency medicine ("EM", "ER", "EM residency"), by the
    specialty vocabulary."""
    return same_specialty(specialty, EMERGENCY_MEDICINE)


def _track_of(letter: LetterFacts) -> Track | None:
    if letter.portal == Portal.AMCAS:
        return Track.MED_SCHOOL
    if letter.portal == Portal.ERAS:
        return Track.RESIDENCY
    if letter.kind in MED_SCHOOL_KINDS:
        return Track.MED_SCHOOL
    if letter.kind in RESIDENCY_KINDS:
        return Track.RESIDENCY
    if _RESIDENCY.search(normalize_text(letter.program)):
        return Track.RESIDENCY
    return None


def evaluate_mix(track: str, letters: Iterable[LetterFacts], *, specialty: str = "") -> Mix:
    """The SPEC letter mix for `track` against the student's letters (declined ones do not
    count): which letters fill which part, what is missing and what is over a portal's
    limits."""
    if track not in tuple(Track):
        raise ValueError(track)
    relevant = [x for x in letters if x.state != LetterState.DECLINED
                and _track_of(x) in (track, None)]
    if track == Track.MED_SCHOOL:
        return _med_school(relevant)
    return _residency(relevant, specialty)


def _writer_key(letter: LetterFacts) -> tuple[int | None, str]:
    return letter.writer_id, normalize_text(letter.writer_name)


def _med_school(letters: list[LetterFacts]) -> MedSchoolMix:
    return MedSchoolMix(
        science=tuple(x for x in letters if x.kind == LetterKind.SCIENCE),
        other=tuple(x for x in letters if x.kind in _OTHER_KINDS),
        committee=tuple(x for x in letters if x.kind == LetterKind.COMMITTEE),
        amcas_entries=len({_writer_key(x) for x in letters if x.portal == Portal.AMCAS}),
        not_counted=tuple(x for x in letters if x.kind not in MED_SCHOOL_KINDS),
    )


def _residency(letters: list[LetterFacts], specialty: str) -> ResidencyMix:
    def in_specialty(x: LetterFacts) -> bool:
        if x.kind == LetterKind.SPECIALTY:
            return True
        return bool(normalize_text(specialty)) and x.kind in (None, LetterKind.CLERKSHIP) \
            and same_specialty(x.writer_specialty, specialty)

    spec_letters = tuple(x for x in letters if in_specialty(x))
    by_program: dict[str, set[tuple[int | None, str]]] = {}
    shown: dict[str, str] = {}
    for x in letters:
        key = normalize_text(x.program)
        if key:
            by_program.setdefault(key, set()).add(_writer_key(x))
            shown.setdefault(key, x.program)
    return ResidencyMix(
        specialty=specialty,
        emergency_medicine=is_emergency_medicine(specialty),
        writers=len({_writer_key(x) for x in letters}),
        in_specialty=spec_letters,
        clerkship=tuple(x for x in letters
                        if x.kind == LetterKind.CLERKSHIP and x not in spec_letters),
        research=tuple(x for x in letters if x.kind == LetterKind.RESEARCH),
        crowded_programs=tuple((shown[key], len(writers))
                               for key, writers in sorted(by_program.items())
                               if len(writers) > ERAS_MAX_PER_PROGRAM),
        not_counted=tuple(x for x in letters if x.kind is None and x not in spec_letters),
    )


# --- next step and nudge timing ------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    text: str
    on: date | None


def next_step(state: str, deadline: date, *, today: date, agreed_on: date | None = None,
              submitted_on: date | None = None) -> NextStep:
    """What the student does next for a letter in `state`, and by when."""
    line = timeline(deadline)
    match state:
        case LetterState.PLANNED:
            if today > line.ask_by:
                return NextStep("Ask the writer now (past the ideal ask-by)",
                                max(today, line.ask_by))
            return NextStep("Ask the writer for a strong letter", line.ask_by)
        case LetterState.ASKED:
            return NextStep("Hear back; check in politely if there is no answer", line.last_call)
        case LetterState.AGREED:
            start = agreed_on or today
            return NextStep("Send the packet", start + timedelta(days=PACKET_AFTER_DAYS))
        case LetterState.PACKET_SENT:
            return NextStep("The writer submits by your personal deadline", line.personal)
        case LetterState.SUBMITTED:
            start = submitted_on or today
            return NextStep("Send a thank-you note", start + timedelta(days=THANKS_AFTER_DAYS))
        case LetterState.THANKED:
            return NextStep("Share outcomes (/letter outcome) and keep in touch", None)
        case LetterState.DECLINED:
            return NextStep("Find another writer", None)
    return NextStep("-", None)


@dataclass(frozen=True)
class NudgeTime:
    kind: NudgeKind
    due_at: datetime  # UTC
    occurrence: str


def letter_nudges(*, state: str, deadline: date, tz: str, created_at: datetime,
                  agreed_at: datetime | None = None, submitted_at: datetime | None = None,
                  packet: Mapping[str, object] | None = None) -> list[NudgeTime]:
    """The letter-* nudges a letter in `state` owes, each at the nudge hour on its day. A
    nudge that fell before the letter was even tracked is skipped (the student saw the
    timeline and its warnings when they started), except that a planned letter started
    after its last call still gets one reminder to ask, the next morning."""
    line = timeline(deadline)
    out: list[NudgeTime] = []

    def at(kind: NudgeKind, day: date) -> NudgeTime:
        return NudgeTime(kind, nudge_at(day, tz), day.isoformat())

    if state == LetterState.PLANNED:
        ask = at(NudgeKind.LETTER_ASK, line.ask_by - timedelta(days=ASK_LEAD_DAYS))
        late = at(NudgeKind.LETTER_ASK_LATE, line.last_call)
        out += [n for n in (ask, late) if n.due_at >= created_at]
        if late.due_at < created_at:
            started = local_day(created_at, tz)
            if line.deadline > started:
                out.append(at(NudgeKind.LETTER_ASK_LATE, started + timedelta(days=1)))
    if state == LetterState.AGREED and not packet_complete(packet or {}):
        start = local_day(agreed_at or created_at, tz)
        out.append(at(NudgeKind.LETTER_PACKET, start + timedelta(days=PACKET_AFTER_DAYS)))
    if state in (LetterState.ASKED, LetterState.AGREED, LetterState.PACKET_SENT):
        checkin = at(NudgeKind.LETTER_CHECKIN, line.personal)
        if checkin.due_at >= created_at:
            out.append(checkin)
    if state in OPEN_STATES:
        last = at(NudgeKind.LETTER_DEADLINE, line.deadline - timedelta(days=DEADLINE_LEAD_DAYS))
        if last.due_at >= created_at:
            out.append(last)
    if state == LetterState.SUBMITTED:
        start = local_day(submitted_at or created_at, tz)
        out.append(at(NudgeKind.LETTER_THANKS, start + timedelta(days=THANKS_AFTER_DAYS)))
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

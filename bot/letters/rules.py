"""Recommendation-letter rules (SPEC "Domain rules — Letters"), as pure functions of plain
values: the timeline a deadline implies, the warnings a new request deserves, the lifecycle,
the packet checklist, the letter mix and when each letter nudge is owed. No database, no
clock: callers pass `today` / `now` and the student's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.infra.months import add_months, whole_months_between
from bot.infra.zones import format_day, local_time_utc, to_local

# --- vocabularies ------------------------------------------------------------------------

LETTER_KINDS = (
    "science", "non-science", "character", "committee", "specialty", "clerkship", "research",
)
PORTALS = ("AMCAS", "ERAS", "Interfolio", "other")
STATES = ("planned", "asked", "agreed", "declined", "packet-sent", "submitted", "thanked")

TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    "planned": ("asked",),
    "asked": ("agreed", "declined"),
    "agreed": ("packet-sent",),
    "declined": (),
    "packet-sent": ("submitted",),
    "submitted": ("thanked",),
    "thanked": (),
}
"""The lifecycle: planned → asked → agreed | declined → packet-sent → submitted → thanked."""

OPEN_STATES = ("planned", "asked", "agreed", "packet-sent")
"""Not yet submitted and not declined: the deadline still matters."""
DONE_STATES = ("submitted", "thanked")
"""The writer has submitted: outcomes are shared with them."""

# --- timing ------------------------------------------------------------------------------

ASK_BY_WEEKS = 6  # ideal ask-by = deadline − 6 weeks
LAST_CALL_WEEKS = 4  # under 4 weeks is a last-minute request
RUSHED_DAYS = 7  # under 1 week risks a rushed, generic letter
PERSONAL_DEADLINE_DAYS = 14  # what the student tells the writer
MIN_RELATIONSHIP_MONTHS = 3

NUDGE_HOUR = time(10, 0)  # nudges fall at 10:00 in the student's own time zone
ASK_LEAD_DAYS = 3  # letter-ask: a few days before ask-by
PACKET_AFTER_DAYS = 2  # letter-packet: 2 days after the writer agreed
DEADLINE_LEAD_DAYS = 3  # letter-deadline: 3 days before the real deadline
THANKS_AFTER_DAYS = 1  # letter-thanks: the day after submission
OUTCOME_AFTER_DAYS = 1  # letter-outcome: the day after the outcome was recorded


class IllegalTransition(ValueError):
    def __init__(self, current: str, wanted: str) -> None:
        self.current = current
        self.wanted = wanted
        self.legal = TRANSITIONS.get(current, ())
        super().__init__(f"{current} → {wanted}")


def check_transition(current: str, wanted: str) -> None:
    """Raise IllegalTransition unless `wanted` is a legal next state of `current`."""
    if wanted not in TRANSITIONS.get(current, ()):
        raise IllegalTransition(current, wanted)


def next_states(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


# --- timeline ----------------------------------------------------------------------------


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


def nudge_instant(day: date, tz: str) -> datetime:
    """The UTC instant of 10:00 on `day` in `tz` (DST-correct)."""
    return local_time_utc(day, NUDGE_HOUR, tz)


# --- warnings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterWarning:
    code: str  # rushed, last-minute, no-relationship, short-relationship, declined-before,
    #            same-program
    message: str
    advice: str  # what to do instead


@dataclass(frozen=True)
class LetterFacts:
    """What the rules need to know about one of the student's letters."""

    id: int
    writer_id: int | None
    writer_name: str
    program: str
    kind: str | None
    portal: str | None
    state: str
    deadline: date
    reason: str = ""
    writer_specialty: str = ""


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
    """Every warning a new request for a letter deserves, each with what to do instead."""
    out: list[LetterWarning] = []
    days_left = (deadline - today).days
    line = timeline(deadline)
    if days_left < RUSHED_DAYS:
        out.append(LetterWarning(
            "rushed",
            f"The deadline is {_days(days_left)} away. A letter written in under a week risks "
            "being rushed and generic, and a generic letter can hurt more than it helps.",
            "Ask only a writer who already knows your work well, today, with your whole packet "
            "attached (CV, statement, the 4–6 strengths to highlight), and ask plainly whether "
            "they can write a strong letter in time. If not, ask the program whether a letter "
            "may arrive late, or use a writer who already has a letter for you on file.",
        ))
    elif days_left < LAST_CALL_WEEKS * 7:
        out.append(LetterWarning(
            "last-minute",
            f"The deadline is {_days(days_left)} away: under 4 weeks is a last-minute request "
            f"(the ideal ask-by date was {format_day(line.ask_by)}).",
            "Ask today, in person or with a short email, send the full packet with the ask so "
            "the writer has everything at once, state the deadline up front, and make it easy "
            "for them to say no. Next time, ask 4–6 weeks ahead.",
        ))
    if relationship_since is None:
        who = f"{writer_name} (an outside writer)" if outside_writer else writer_name
        out.append(LetterWarning(
            "no-relationship",
            f"There is no logged relationship with {who}.",
            "A strong letter comes from someone who has known you for several months and "
            "supervised your work directly. If that is them, log your meetings (/mentor log) "
            "so your record shows it; if not, consider a writer who has.",
        ))
    else:
        months = whole_months_between(relationship_since, today)
        if add_months(relationship_since, MIN_RELATIONSHIP_MONTHS) > today:
            out.append(LetterWarning(
                "short-relationship",
                f"You have logged {_months(months, relationship_since, today)} with "
                f"{writer_name} (since {format_day(relationship_since)}); a writer should have "
                "known you for at least 3 months.",
                "Ask them only if they supervised your work directly and can speak to it in "
                "detail; otherwise ask a writer who has known you longer, and keep working with "
                f"{writer_name} for a later letter.",
            ))
    earlier = list(others)
    declined = [o for o in earlier if o.state == "declined"
                and same_writer(o, writer_id, writer_name)]
    if declined:
        first = declined[0]
        why = f" ({first.reason})" if first.reason else ""
        out.append(LetterWarning(
            "declined-before",
            f"{writer_name} declined a letter for you before (letter #{first.id}"
            f"{', ' + first.program if first.program else ''}){why}.",
            "Ask another writer who knows your work: one of your mentors, or someone from "
            "/mentor find. A reluctant writer rarely writes a strong letter.",
        ))
    wanted = normalize_text(program)
    duplicate = next((o for o in earlier if o.state != "declined"
                      and same_writer(o, writer_id, writer_name)
                      and normalize_text(o.program) == wanted), None)
    if duplicate is not None:
        for_what = f"for {duplicate.program}" if duplicate.program else "with no program named"
        out.append(LetterWarning(
            "same-program",
            f"You already have a letter from {writer_name} {for_what} (letter #{duplicate.id}, "
            f"{duplicate.state}).",
            f"Keep to that one (/letter update {duplicate.id} …) rather than asking twice; if "
            "this letter is for a different program, name it with program:.",
        ))
    return out


def _days(n: int) -> str:
    if n <= 0:
        return "today"
    return "1 day" if n == 1 else f"{n} days"


def _months(months: int, since: date, today: date) -> str:
    if months >= 1:
        return "1 month" if months == 1 else f"{months} months"
    weeks = (today - since).days // 7
    if weeks >= 1:
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "less than a week"


# --- kind inference ----------------------------------------------------------------------

_SCIENCES = ("biology", "chemistry", "biochemistry", "physics", "neuroscience",
             "microbiology", "genetics", "physiology", "molecular", "mathematics", "math",
             "statistics", "biomedical")
_RESIDENCY = re.compile(r"\b(residency|match|eras|sloe|pgy|fellowship)\b")
_MED_SCHOOL = re.compile(r"\b(amcas|aacomas|tmdsas|medical school|med school|md|do|premed)\b")


SPECIALTY_ABBREVIATIONS = {
    "em": "emergency medicine", "im": "internal medicine", "fm": "family medicine",
    "obgyn": "obstetrics and gynecology", "ob gyn": "obstetrics and gynecology",
    "peds": "pediatrics", "gen surg": "general surgery", "psych": "psychiatry",
    "ent": "otolaryngology", "pm r": "physical medicine and rehabilitation",
}


def expand_specialty(text: str) -> str:
    """Normalized text with common specialty abbreviations spelled out ('EM residency' →
    'emergency medicine residency')."""
    out = f" {normalize_text(text)} "
    for short, full in SPECIALTY_ABBREVIATIONS.items():
        out = out.replace(f" {short} ", f" {full} ")
    return out.strip()


def same_specialty(a: str, b: str) -> bool:
    x, y = expand_specialty(a), expand_specialty(b)
    return bool(x) and bool(y) and (x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} ")


def infer_kind(*, program: str, portal: str | None, writer_name: str,
               writer_specialty: str = "", mentor_kinds: Iterable[str] = (),
               student_interests: Iterable[str] = ()) -> str | None:
    """The kind of letter when it is obvious from what is known; None means "ask"."""
    text = normalize_text(program)
    if "committee" in text or "committee" in normalize_text(writer_name):
        return "committee"
    specialty = normalize_text(writer_specialty)
    residency = portal == "ERAS" or bool(_RESIDENCY.search(text))
    med_school = portal == "AMCAS" or bool(_MED_SCHOOL.search(text))
    if residency and not med_school:
        if "sloe" in text.split():
            return "specialty"
        if specialty and (f" {expand_specialty(specialty)} " in f" {expand_specialty(text)} "
                          or any(same_specialty(specialty, i) for i in student_interests)):
            return "specialty"
        if "research" in set(mentor_kinds):
            return "research"
        return None
    if med_school and not residency and specialty and any(
            word in _SCIENCES for word in specialty.split()):
        return "science"
    return None


# --- packet ------------------------------------------------------------------------------


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
    PacketItem("strengths", "4–6 strengths to emphasize, aligned with the program",
               "Strengths"),
    PacketItem("transcript", "Transcript", "Transcript", optional=True),
    PacketItem("portal", "Where and how to submit", "Portal and how"),
    PacketItem("prompts", "Any prompts or forms from the program", "Prompts"),
    PacketItem("deadline", "Your personal deadline", "Personal deadline"),
)
PACKET_KEYS = tuple(item.key for item in PACKET_ITEMS)

PORTAL_HOWTO = {
    "AMCAS": "AMCAS Letter Service: add the writer in your AMCAS application and send them the "
             "letter request form with its Letter ID; they upload through the AMCAS Letter "
             "Writer Application or Interfolio.",
    "ERAS": "ERAS: create the request in MyERAS, send the writer the Letter Request Form with "
            "its Letter ID; they upload through the ERAS Letter of Recommendation Portal.",
    "Interfolio": "Interfolio: send the request from your Interfolio dossier; the writer gets "
                  "an email with an upload link.",
    "other": "Tell the writer exactly where and how to submit: the portal link, an email "
             "address or a mailing address, and any form they must fill in.",
}


def packet_missing(packet: Mapping[str, object]) -> list[PacketItem]:
    """The required items not yet marked done (the transcript is optional)."""
    return [i for i in PACKET_ITEMS if not i.optional and not packet.get(i.key)]


def packet_complete(packet: Mapping[str, object]) -> bool:
    return not packet_missing(packet)


# --- letter mix --------------------------------------------------------------------------

AMCAS_MAX_ENTRIES = 10
ERAS_MAX_PER_PROGRAM = 4
MED_SCIENCE = (2, 3)
RESIDENCY_TOTAL = (3, 4)
CLERKSHIP = (1, 2)
TRACKS = ("med-school", "residency")
_EM = {"em", "emergency medicine", "emergency"}


@dataclass
class MixResult:
    track: str
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_counted: list[str] = field(default_factory=list)


def is_emergency_medicine(specialty: str) -> bool:
    return normalize_text(specialty) in _EM or expand_specialty(specialty) in _EM


def _label(letter: LetterFacts) -> str:
    program = f", {letter.program}" if letter.program else ""
    return f"#{letter.id} {letter.writer_name}{program} ({letter.state})"


def _track_of(letter: LetterFacts) -> str | None:
    if letter.portal == "AMCAS":
        return "med-school"
    if letter.portal == "ERAS":
        return "residency"
    if letter.kind in ("science", "non-science", "character", "committee"):
        return "med-school"
    if letter.kind in ("specialty", "clerkship"):
        return "residency"
    if _RESIDENCY.search(normalize_text(letter.program)):
        return "residency"
    return None


def evaluate_mix(track: str, letters: Iterable[LetterFacts], *,
                 specialty: str = "") -> MixResult:
    """The SPEC letter mix for `track` against the student's letters (declined ones do not
    count): what is covered, what is missing, and what is over a portal's limits."""
    if track not in TRACKS:
        raise ValueError(track)
    relevant = [x for x in letters if x.state != "declined" and _track_of(x) in (track, None)]
    if track == "med-school":
        return _med_school(relevant)
    return _residency(relevant, specialty)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _med_school(letters: list[LetterFacts]) -> MixResult:
    result = MixResult("med-school")
    science = [x for x in letters if x.kind == "science"]
    other = [x for x in letters if x.kind in ("non-science", "character")]
    committee = [x for x in letters if x.kind == "committee"]
    low, high = MED_SCIENCE
    if science:
        result.covered.append(f"Science faculty letters ({len(science)} of {low}–{high}): "
                              + "; ".join(_label(x) for x in science))
    if len(science) < low:
        result.missing.append(f"{_count(low - len(science), 'more science faculty letter')} "
                              f"(aim for {low}–{high})")
    if len(science) > high:
        result.over.append(f"{len(science)} science letters: schools read {low}–{high}; "
                           "keep the strongest.")
    if other:
        result.covered.append("Non-science or character letter: "
                              + "; ".join(_label(x) for x in other))
    else:
        result.missing.append("1 non-science or character letter")
    if committee:
        result.covered.append("Committee letter: " + "; ".join(_label(x) for x in committee))
    else:
        result.missing.append("A committee letter, if your school has a premed committee")
    result.not_counted = [_label(x) for x in letters if x.kind not in
                          ("science", "non-science", "character", "committee")]
    amcas_writers = {(x.writer_id, normalize_text(x.writer_name)) for x in letters
                     if x.portal == "AMCAS"}
    if len(amcas_writers) > AMCAS_MAX_ENTRIES:
        result.over.append(f"{len(amcas_writers)} AMCAS letter entries: AMCAS allows at most "
                           f"{AMCAS_MAX_ENTRIES}.")
    return result


def _residency(letters: list[LetterFacts], specialty: str) -> MixResult:
    result = MixResult("residency")
    em = is_emergency_medicine(specialty)
    wanted = normalize_text(specialty)
    writers = {(x.writer_id, normalize_text(x.writer_name)) for x in letters}
    low, high = RESIDENCY_TOTAL
    result.covered.append(f"Letters in all: {len(writers)} writer(s) (aim for {low}–{high})")
    if len(writers) < low:
        result.missing.append(f"{_count(low - len(writers), 'more letter')} "
                              f"(aim for {low}–{high} in all)")

    def in_specialty(x: LetterFacts) -> bool:
        if x.kind == "specialty":
            return True
        return bool(wanted) and x.kind in (None, "clerkship") and same_specialty(
            x.writer_specialty, specialty)

    spec_letters = [x for x in letters if in_specialty(x)]
    named = specialty or "your specialty"
    if spec_letters:
        result.covered.append(f"From {named}: " + "; ".join(_label(x) for x in spec_letters))
    elif em:
        result.missing.append("A SLOE (standardized letter of evaluation) from emergency "
                              "medicine faculty")
    else:
        result.missing.append(f"At least 1 letter from {named}")
    clerk = [x for x in letters if x.kind == "clerkship" and x not in spec_letters]
    c_low, c_high = CLERKSHIP
    if clerk:
        result.covered.append("Core clerkships: " + "; ".join(_label(x) for x in clerk))
    else:
        result.missing.append(f"{c_low}–{c_high} letters from core clerkships where you did well")
    if len(clerk) > c_high:
        result.notes.append(f"{len(clerk)} clerkship letters: programs expect {c_low}–{c_high}.")
    research = [x for x in letters if x.kind == "research"]
    if research:
        result.covered.append("Research or longitudinal mentor: "
                              + "; ".join(_label(x) for x in research))
    else:
        result.notes.append("Where relevant, 1 letter from a research or longitudinal mentor.")
    by_program: dict[str, set[tuple[int | None, str]]] = {}
    shown: dict[str, str] = {}
    for x in letters:
        key = normalize_text(x.program)
        if key:
            by_program.setdefault(key, set()).add((x.writer_id, normalize_text(x.writer_name)))
            shown.setdefault(key, x.program)
    for key, program_writers in sorted(by_program.items()):
        if len(program_writers) > ERAS_MAX_PER_PROGRAM:
            result.over.append(f"{shown[key]}: {len(program_writers)} letters; ERAS lets you "
                               f"assign at most {ERAS_MAX_PER_PROGRAM} per program.")
    if em:
        result.notes.append("Emergency medicine programs expect standardized letters of "
                            "evaluation (SLOEs) from EM faculty, ideally from two EM rotations.")
    result.not_counted = [_label(x) for x in letters if x.kind is None
                          and x not in spec_letters]
    return result


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
        case "planned":
            if today > line.ask_by:
                return NextStep("Ask the writer now (past the ideal ask-by)", max(today, line.ask_by))
            return NextStep("Ask the writer for a strong letter", line.ask_by)
        case "asked":
            return NextStep("Hear back; check in politely if there is no answer", line.last_call)
        case "agreed":
            start = agreed_on or today
            return NextStep("Send the packet", start + timedelta(days=PACKET_AFTER_DAYS))
        case "packet-sent":
            return NextStep("The writer submits by your personal deadline", line.personal)
        case "submitted":
            start = submitted_on or today
            return NextStep("Send a thank-you note", start + timedelta(days=THANKS_AFTER_DAYS))
        case "thanked":
            return NextStep("Share outcomes (/letter outcome) and keep in touch", None)
        case "declined":
            return NextStep("Find another writer", None)
    return NextStep("-", None)


@dataclass(frozen=True)
class NudgeTime:
    kind: str
    due_at: datetime  # UTC
    occurrence: str


def letter_nudges(*, state: str, deadline: date, tz: str, created_at: datetime,
                  agreed_at: datetime | None = None, submitted_at: datetime | None = None,
                  packet: Mapping[str, object] | None = None) -> list[NudgeTime]:
    """The letter-* nudges a letter in `state` owes, each at 10:00 local on its day. A nudge
    that fell before the letter was even tracked is skipped (the student saw the timeline and
    its warnings when they started), except that a planned letter started after its last call
    still gets one reminder to ask, the next morning."""
    line = timeline(deadline)
    out: list[NudgeTime] = []

    def at(kind: str, day: date) -> NudgeTime:
        return NudgeTime(kind, nudge_instant(day, tz), day.isoformat())

    if state == "planned":
        ask = at("letter-ask", line.ask_by - timedelta(days=ASK_LEAD_DAYS))
        late = at("letter-ask-late", line.last_call)
        out += [n for n in (ask, late) if n.due_at >= created_at]
        if late.due_at < created_at and line.deadline > to_local(created_at, tz).date():
            out.append(at("letter-ask-late", to_local(created_at, tz).date() + timedelta(days=1)))
    if state == "agreed" and not packet_complete(packet or {}):
        start = to_local(agreed_at or created_at, tz).date()
        out.append(at("letter-packet", start + timedelta(days=PACKET_AFTER_DAYS)))
    if state in ("asked", "agreed", "packet-sent"):
        checkin = at("letter-checkin", line.personal)
        if checkin.due_at >= created_at:
            out.append(checkin)
    if state in OPEN_STATES:
        last = at("letter-deadline", line.deadline - timedelta(days=DEADLINE_LEAD_DAYS))
        if last.due_at >= created_at:
            out.append(last)
    if state == "submitted":
        start = to_local(submitted_at or created_at, tz).date()
        out.append(at("letter-thanks", start + timedelta(days=THANKS_AFTER_DAYS)))
    return out


def outcome_nudge_at(recorded_at: datetime, tz: str) -> datetime:
    """When the letter-outcome nudges of an outcome fall: 10:00 local the next day."""
    day = to_local(recorded_at, tz).date() + timedelta(days=OUTCOME_AFTER_DAYS)
    return nudge_instant(day, tz)


OUTCOME_KINDS = ("interview", "acceptance", "match", "other")
_OUTCOME_WORDS = (
    ("match", re.compile(r"\bmatch(ed)?\b")),
    ("acceptance", re.compile(r"\b(accept(ed|ance)?|admit(ted)?|admission|offer)\b")),
    ("interview", re.compile(r"\binterview(s|ed|ing)?\b")),
)


def outcome_kind(text: str) -> str:
    lowered = text.lower()
    for kind, pattern in _OUTCOME_WORDS:
        if pattern.search(lowered):
            return kind
    return "other"

"""Message drafts a student adapts and sends themselves (the guide's templates, filled with
what the bot knows): the first email to a faculty member (`/mentor draft intro`, and the
draft shown after `/mentor request`), the four-part update to a mentor (`/mentor draft
update`) and a thank-you note (`/mentor draft thanks`).

The bot never sends these on the student's behalf and keeps none of them. What it does not
know is left as a clear placeholder in [brackets], never guessed. People are greeted as a
person would write it ("Dear Dr. Cho", not "Dear Dr. Hannah Cho"), and lists read as
English ("a, b and c"). Pure: facts as plain values in, text out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from nameparser import HumanName

from bot.framework.replies import Reply, Section
from bot.framework.wording import and_list, days_as_weeks, range_text
from bot.infra.zones import format_day, local_day
from bot.mentoring.first_meeting import meeting_length
from bot.mentoring.notes import note_sentence, noun_phrase, shareable
from bot.people.names import PLACEHOLDER_TITLE, addressee
from bot.vocab.mentoring import MentorKind
from bot.vocab.specialties import canonical_specialty, whole_terms
from bot.vocab.stages import Stage

# --- placeholders: what the student must fill in --------------------------------------------

SPECIFIC = "[add one specific paper, talk or project]"
SCHOOL = "[your school]"
PROGRAM = "[your program]"
AN_UPDATE = "[an update: a result, an exam, a rotation, something you tried]"
A_QUESTION = "[a question or decision you would like their view on]"
THEIR_ADVICE = "[what you would like their advice on]"
NEXT_STEP = "[your next step]"
WHAT_FOR = "[what they did for you]"
WHAT_IT_MADE_POSSIBLE = "[one specific thing their help made possible, or taught you]"

UPDATES = (2, 3)
"""SPEC: an update shares 2–3 things that moved since last time…"""

QUESTIONS = (1, 2)
"""…and asks 1–2 questions or decisions to get input on."""

INTERESTS_NAMED = 4
"""At most this many of the student's interests are named in a first email."""

RESEARCH_NAMED = 2
"""At most this many of a faculty member's research areas are named."""

HOW_TO_USE = ("A draft to adapt and send yourself — I never send it for you and keep no "
              "copy. Replace everything in [brackets].")


# --- greeting people ---------------------------------------------------------------------------

def salutation(name: str, *, is_faculty: bool) -> str:
    """How a letter greets someone: their title and surname ("Dr. Cho", "Prof. Brooks"),
    read by `bot.people.names` (the one reading of titles and degrees); a peer with no
    title is greeted by first name."""
    who = addressee(name, doctor=is_faculty)
    if who.title == PLACEHOLDER_TITLE:
        return HumanName(name).first or who.surname
    return who.short


def _sentence(text: str) -> str:
    """A note typed as a fragment, as a sentence: capitalised, ending with a full stop."""
    text = " ".join(text.split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _clause(text: str) -> str:
    """A task typed as a command ("Read the guide"), to follow "I" or "to" mid-sentence."""
    text = " ".join(text.split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        cleaned = " ".join(item.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())


_STAGE_PHRASES: dict[str, str] = {
    Stage.PREMED: "a premedical student",
    Stage.MS1: "a first-year medical student",
    Stage.MS2: "a second-year medical student",
    Stage.MS3: "a third-year medical student",
    Stage.MS4: "a fourth-year medical student",
    Stage.RESIDENT: "a resident",
}


def who_i_am(stage: str | None) -> str:
    """'a second-year medical student at [your school]'."""
    if stage == Stage.RESIDENT:
        return f"{_STAGE_PHRASES[Stage.RESIDENT]} at {PROGRAM}"
    return f"{_STAGE_PHRASES.get(stage or '', 'a student')} at {SCHOOL}"


def draft_reply(title: str, draft: str, *, footer: str = "",
                notes: Sequence[str] = ()) -> Reply:
    """A draft as the student sees it: how to use it, then the text to copy, then what the
    bot left out of it for the student to say in their own words (`notes`)."""
    sections = [Section(heading="Draft", text=draft)]
    if notes:
        sections.append(Section(heading="Not in the draft",
                                text="\n".join(f"• {note}" for note in notes)))
    return Reply(title=title, text=HOW_TO_USE, sections=tuple(sections), footer=footer)


# --- the first email ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntroFacts:
    """What a first email to a faculty member can say."""

    student_name: str
    stage: str | None
    interests: tuple[str, ...]  # as the student wrote them (specialties and topics)
    research: tuple[str, ...]  # the student's research interests
    faculty_name: str
    specialty: str  # the faculty member's, as written
    faculty_research: tuple[str, ...]
    kind: str  # the kind of mentor asked for
    note: str = ""  # the student's own line (`note:`): the specific reason, when given
    group: str | None = None  # an interest group both belong to


_KIND_ASK: dict[str, str] = {
    MentorKind.RESEARCH: "how a student at my stage could get involved in your research",
    MentorKind.CLINICAL: "what you look for in students who work with you clinically",
    MentorKind.CAREER: "your path into the specialty and what you would focus on in my "
                       "position",
}


def shared_interests(faculty_research: Sequence[str],
                     student_items: Sequence[str]) -> list[tuple[str, str]]:
    """(their research area, the student's interest) pairs that share a whole term
    (`whole_terms`), in the faculty member's order: "point-of-care ultrasound" and
    "ultrasound"; never "high-value care" and "point-of-care", which share only a piece."""
    pairs: list[tuple[str, str]] = []
    for area in faculty_research:
        theirs = set(whole_terms(area))
        for mine in student_items:
            if theirs & set(whole_terms(mine)):
                pairs.append((area, mine))
                break
    return pairs


def _specialty_name(specialty: str) -> str:
    return canonical_specialty(specialty) or specialty.strip()


def why_them(facts: IntroFacts) -> str:
    """Why this faculty member in particular: their research or clinical area, tied to the
    student's matching interest when there is one."""
    topics = [i for i in facts.interests if canonical_specialty(i) is None]
    pairs = shared_interests(facts.faculty_research, _unique([*facts.research, *topics]))
    specialty = _specialty_name(facts.specialty)
    mine = {canonical_specialty(i) for i in facts.interests} - {None}
    shares_specialty = bool(specialty) and canonical_specialty(facts.specialty) in mine
    if pairs:
        areas = and_list(_unique(area for area, _ in pairs)[:RESEARCH_NAMED])
        interests = and_list(_unique(interest for _, interest in pairs)[:RESEARCH_NAMED])
        return (f"I'm writing to you in particular because of your research on {areas}, "
                f"which is close to my own interest in {interests}.")
    if facts.kind == MentorKind.RESEARCH and facts.faculty_research:
        areas = and_list(list(facts.faculty_research[:RESEARCH_NAMED]))
        return f"I'm writing to you in particular because of your research on {areas}."
    if specialty:
        work = "clinical work" if facts.kind == MentorKind.CLINICAL else "work"
        tie = ", the specialty I hope to go into" if shares_specialty else ""
        return f"I'm writing to you in particular because of your {work} in {specialty}{tie}."
    return "I'm writing to you in particular because of your work and experience."


_STAGE_SHORT: dict[str, str] = {Stage.PREMED: "premed student", Stage.RESIDENT: "resident"}


def intro_subject(facts: IntroFacts) -> str:
    """'Subject: Could we meet? MS2 student interested in ultrasound': the shared interest
    when there is one, else the student's first."""
    topics = [i for i in facts.interests if canonical_specialty(i) is None]
    shared = shared_interests(facts.faculty_research, _unique([*facts.research, *topics]))
    named = [mine for _, mine in shared] or _unique([*facts.interests, *facts.research])
    who = _STAGE_SHORT.get(facts.stage or "",
                           f"{facts.stage.upper()} student" if facts.stage else "Student")
    about = f" interested in {named[0]}" if named else ""
    return f"Subject: Could we meet? {who[0].upper()}{who[1:]}{about}"


def intro_specific(facts: IntroFacts) -> str | None:
    """The student's note as the email's specific reason, in a sentence the faculty member
    would read (`bot.mentoring.notes`: "loved her talk on sepsis" -> "I loved your talk on
    sepsis."; "your talk on sepsis" -> "I was especially interested in your talk on
    sepsis."), or None when it cannot be one: the placeholder stays, and the reply shows
    the note to the student (`note_left_out`)."""
    if not facts.note.strip():
        return None
    phrase = noun_phrase(facts.note, reader=facts.faculty_name)
    if phrase is not None:
        return f"I was especially interested in {phrase}."
    return note_sentence(facts.note, reader=facts.faculty_name, about_reader=True)


def note_left_out(facts: IntroFacts) -> str:
    """What the reply around an intro draft says of a note the draft could not use."""
    if not facts.note.strip() or intro_specific(facts) is not None:
        return ""
    return (f"Your note (“{' '.join(facts.note.split())}”) is not in the draft as written: "
            f"say it in a sentence of your own where {SPECIFIC} is.")


def intro_draft(facts: IntroFacts) -> str:
    """The first email: who the student is, why this faculty member, a short meeting ask
    and thanks. The student's note is worked in as the specific reason; without one, a
    placeholder asks for a specific paper, talk or project."""
    greeting = f"Dear {salutation(facts.faculty_name, is_faculty=True)},"
    intro = f"My name is {facts.student_name}, and I'm {who_i_am(facts.stage)}"
    intro += f" and a member of the {facts.group}." if facts.group else "."
    interests = _unique([*facts.interests, *facts.research])[:INTERESTS_NAMED]
    if interests:
        intro += f" I'm interested in {and_list(interests)}."
    specific = intro_specific(facts) or f"I was especially interested in {SPECIFIC}."
    ask = _KIND_ASK.get(facts.kind, _KIND_ASK[MentorKind.CAREER])
    meeting = (f"Would you have {meeting_length()} in the next few weeks to talk about {ask}? "
               "I'm glad to fit around your schedule, in person or by video.")
    return "\n\n".join((
        intro_subject(facts),
        greeting,
        intro,
        f"{why_them(facts)} {specific}",
        meeting,
        "Thank you for considering it.",
        f"Best wishes,\n{facts.student_name}",
    ))


# --- the four-part update -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedItem:
    """An action item closed since the last contact."""

    task: str
    note: str
    decided_not: bool
    mentor_name: str
    from_this_mentor: bool


@dataclass(frozen=True)
class OtherContact:
    """A contact with someone else since the last contact with this mentor."""

    name: str
    at: datetime
    note: str


@dataclass(frozen=True)
class UpdateFacts:
    """What has happened since the student last wrote to this mentor."""

    student_name: str
    mentor_name: str
    mentor_is_faculty: bool
    tz: str
    last_contact: datetime | None = None
    last_note: str = ""
    started_at: datetime | None = None  # the mentorship's start, if they are a mentor
    cadence_days: int | None = None  # the rhythm, if they are a mentor
    closed: tuple[ClosedItem, ...] = ()
    outcomes: tuple[str, ...] = ()
    others: tuple[OtherContact, ...] = ()
    open_items: tuple[str, ...] = ()  # open tasks this mentor suggested


_DECIDED_PREFIX = re.compile(
    r"^\s*(?:i\s+)?(?:decided|chose|choose)\s+not\s+to\b[\s,:;-]*", re.IGNORECASE)


def _closed_line(item: ClosedItem, reader: str) -> str:
    """A suggestion closed since the last contact, as the mentor would read it: the
    student's closing note only where it makes a sentence for them (`bot.mentoring.notes`),
    a decision's reason only where it can be shown as it is."""
    who = "You" if item.from_this_mentor else item.mentor_name
    task = _clause(item.task)
    if item.decided_not:
        reason = _DECIDED_PREFIX.sub("", item.note).strip().rstrip(".")
        shown = f" ({reason})." if reason and shareable(reason, reader=reader) else "."
        return f"{who} suggested I {task}, and I decided not to{shown}"
    said = note_sentence(item.note, reader=reader) if item.note.strip() else None
    return f"{who} suggested I {task}, and I did." + (f" {said}" if said else "")


def left_out_notes(facts: UpdateFacts) -> list[str]:
    """What the student's log holds that an update draft leaves out, for them to turn into
    news in their own words: notes that are not a sentence for the mentor, and contacts
    with other people (a contact is not news; what came of it may be)."""
    out: list[str] = []
    for item in facts.closed:
        if item.note.strip() and not item.decided_not and note_sentence(
                item.note, reader=facts.mentor_name) is None:
            out.append(f"Your note on “{_clause(item.task)}”: “{' '.join(item.note.split())}” "
                       "— your own words, left out; say what came of it if it matters to them.")
    for other in facts.others:
        day = format_day(local_day(other.at, facts.tz))
        out.append(f"You were in touch with {other.name} on {day}: if something came of it, "
                   "that is news to share in your own words.")
    return out


def update_lines(facts: UpdateFacts) -> list[str]:
    """The 2–3 updates: what this mentor suggested and the student closed first, then
    outcomes, then other mentors' suggestions the student acted on; placeholders up to the
    minimum. Contacts with other people are not news, and a private note is never quoted
    (`left_out_notes` shows them to the student instead)."""
    mine = [c for c in facts.closed if c.from_this_mentor]
    theirs = [c for c in facts.closed if not c.from_this_mentor]
    lines = [_closed_line(c, facts.mentor_name) for c in mine]
    lines += [f"News: {_sentence(text)}" for text in facts.outcomes]
    lines += [_closed_line(c, facts.mentor_name) for c in theirs]
    low, high = UPDATES
    lines = lines[:high]
    while len(lines) < low:
        lines.append(AN_UPDATE)
    return lines


def question_lines(facts: UpdateFacts) -> list[str]:
    """1–2 questions: an open suggestion of theirs to get input on, and one of the
    student's own."""
    low, high = QUESTIONS
    lines = [f"You suggested I {_clause(task)}, and I'm still on it: {THEIR_ADVICE}"
             for task in facts.open_items[: high - low]]
    return [*lines, A_QUESTION][:high]


def _context_line(facts: UpdateFacts) -> str:
    if facts.last_contact is not None:  # the note of that contact is the student's own
        day = format_day(local_day(facts.last_contact, facts.tz))
        return f"I hope you're well. Since we last spoke on {day}, a few things have moved."
    if facts.started_at is not None:
        day = format_day(local_day(facts.started_at, facts.tz))
        return f"I hope you're well. Since we started working together on {day}, a few " \
               "things have moved."
    return "I hope you're well. I wanted to share a short update."


def _thanks_line(facts: UpdateFacts) -> str:
    done = next((c for c in facts.closed if c.from_this_mentor and not c.decided_not), None)
    thanks = (f"Thank you for suggesting I {_clause(done.task)}" if done is not None
              else "Thank you for your time and advice")
    again = (f"I'll write again in about {days_as_weeks(facts.cadence_days)}"
             if facts.cadence_days else "I'll keep you posted")
    return f"{thanks}. Next, I plan to {NEXT_STEP}. {again}."


def update_draft(facts: UpdateFacts) -> str:
    """The four-part update (SPEC): greeting and context, 2–3 updates, 1–2 questions,
    thanks and next steps."""
    greeting = f"Dear {salutation(facts.mentor_name, is_faculty=facts.mentor_is_faculty)},"
    updates = "\n".join(f"• {line}" for line in update_lines(facts))
    asks = "\n".join(f"• {line}" for line in question_lines(facts))
    return "\n\n".join((
        greeting,
        _context_line(facts),
        updates,
        f"I'd value your view on:\n{asks}",
        _thanks_line(facts),
        f"Best wishes,\n{facts.student_name}",
    ))


def four_parts() -> str:
    """The four parts an update follows (SPEC), in a line."""
    return (f"a greeting with context, {range_text(UPDATES)} updates, "
            f"{range_text(QUESTIONS)} questions, then thanks and next steps")


# --- a thank-you note -------------------------------------------------------------------------


@dataclass(frozen=True)
class ThanksFacts:
    """What a thank-you note can be specific about."""

    student_name: str
    person_name: str
    person_is_faculty: bool
    tz: str
    letter_programs: tuple[str, ...] = ()  # letters they agreed to write or wrote
    suggestion: str | None = None  # a task they suggested that the student did
    last_contact: datetime | None = None
    last_note: str = ""


def _thanks_for(facts: ThanksFacts) -> list[str]:
    reasons: list[str] = []
    if facts.letter_programs:
        programs = [p for p in _unique(facts.letter_programs) if p]
        plural = "s" if len(programs) > 1 else ""
        what = f"my {and_list(programs)} application{plural}" if programs else \
            "my applications"
        reasons.append(f"writing a letter of recommendation for {what}")
    if facts.suggestion:
        reasons.append(f"suggesting I {_clause(facts.suggestion)}")
    if facts.last_contact is not None and not reasons:  # the contact's note stays the student's
        day = format_day(local_day(facts.last_contact, facts.tz))
        reasons.append(f"taking the time to talk with me on {day}")
    return reasons


def thanks_draft(facts: ThanksFacts) -> str:
    """A thank-you note: for what, specifically (a letter, a suggestion, a meeting), what
    it made possible (the student's own words), and a promise to keep them posted."""
    greeting = f"Dear {salutation(facts.person_name, is_faculty=facts.person_is_faculty)},"
    reasons = _thanks_for(facts)
    thanks = f"Thank you for {and_list(reasons) if reasons else WHAT_FOR}."
    later = ("I'll let you know how my applications go." if facts.letter_programs
             else "I'll keep you posted on how things go.")
    return "\n\n".join((
        greeting,
        f"{thanks} {WHAT_IT_MADE_POSSIBLE}",
        later,
        f"With gratitude,\n{facts.student_name}",
    ))

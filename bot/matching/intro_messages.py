"""What intro requests say, to the student and to the faculty member: `/mentor find`'s
shortlist (whom to ask), the request and the first email the student can adapt (the same
draft `/mentor draft intro` gives, `bot.mentoring.drafts`), the refusals, the answers (with
the first meeting's preparation when a mentor accepts), and the pending and expired notices.

Every threshold a message states is built from `bot.matching.rules` (read when the message
is built, so a changed rule changes the text), and every date is the reader's local day of
the stored UTC instant."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.framework.replies import Action, Field, Reply, Section
from bot.framework.wording import and_list, count, range_text, span_in_words, spelled
from bot.infra.models import InterestGroup, IntroRequest, Person
from bot.infra.zones import format_day, local_day
from bot.matching import rules, specs
from bot.matching.finder import Result, Search
from bot.matching.fit import FacultyView, Unavailable, stage_label, unavailable
from bot.mentoring import drafts, first_meeting
from bot.vocab.mentoring import MENTOR_KINDS

# --- wording a count, a span and a day ---------------------------------------------------

def short_day(moment: datetime, tz: str | None) -> str:
    """'Nov 23': the day a stored instant falls on for the reader."""
    day = local_day(moment, tz)
    return f"{day:%b} {day.day}"


# --- /mentor find: whom to ask -----------------------------------------------------------


def request_action(faculty_id: int, kind: str | None = None) -> Action:
    args = {"faculty": f"person:{faculty_id}"}
    if kind:
        args["kind"] = kind
    return specs.REQUEST.action("Request intro", args)


_MARKERS = {
    Unavailable.AWAY: " — away",
    Unavailable.NOT_ACCEPTING: " — not accepting",
    Unavailable.FULL: " — full",
    Unavailable.NEVER_ANSWERS: " — rarely answers",
}


def find_reply(found: Search, *, keywords: Sequence[str], specialty: str | None,
               kind: str | None, close_terms: dict[str, list[str]], tz: str) -> Reply:
    """The shortlist: each result with its reasons, a request button when the faculty
    member can take a mentee now, and notes on keywords that matched nothing."""
    notes: list[str] = []
    for word in found.unknown:
        close = close_terms.get(word, [])
        hint = f" Did you mean {and_list([f'“{t}”' for t in close], 'or')}?" if close else ""
        notes.append(f"Nothing matches “{word}”.{hint}")
    for word in found.without_faculty:
        notes.append(f"No faculty you could ask match “{word}” right now.")
    if found.fallback:
        notes.append("Your profile has no interests yet, so these are simply accessible, "
                     "well-regarded faculty. Add yours: /mentor profile "
                     "interests:\"emergency medicine; ultrasound\"")
    waiting = len(found.relations.open_requests)
    at_cap = waiting >= rules.MAX_OPEN_REQUESTS
    if at_cap:
        notes.append(cap_reached(waiting))
    gap = kind_gap(found.relations.mentors.values(), kind)
    sections = tuple(_result_section(i, r, kind, tz, can_ask=not at_cap)
                     for i, r in enumerate(found.results, 1))
    if not sections:
        return Reply(title="No faculty found", text="\n".join(notes or [
            "No faculty match that search. Try fewer keywords or another specialty."]),
            footer=gap)
    what = " ".join(keywords) or (specialty or "your profile")
    title = f"Faculty for {what}" + (f" — {kind} mentors" if kind else "")
    return Reply(title=title, text="\n".join(notes), sections=sections, footer=gap)


def kind_gap(kinds: Iterable[str], asked: str | None) -> str:
    """Which kind of mentor the student lacks (SPEC: a network has more than one kind)."""
    have = set(kinds)
    missing = [k for k in MENTOR_KINDS if k not in have]
    if not missing or (asked and asked in missing and len(missing) == 1):
        return ""
    lacking = " or ".join(missing)
    target = next(k for k in missing if k != asked) if asked in missing else missing[0]
    opener = "You have no mentor yet" if not have else f"You have no {lacking} mentor yet"
    return (f"{opener}: a healthy mentor network has more than one kind "
            f"({', '.join(MENTOR_KINDS)}). Try /mentor find kind:{target}.")


def cap_reached(waiting: int) -> str:
    """Why find offers no request button while the student is at the cap."""
    return (f"You have {count(waiting, 'intro request')} waiting for an answer, the most a "
            f"student may have open at once ({rules.MAX_OPEN_REQUESTS}); you can ask again "
            "when one is answered or closes.")


def _result_section(number: int, result: Result, kind: str | None, tz: str, *,
                    can_ask: bool = True) -> Section:
    faculty = result.faculty
    closed = unavailable(faculty)
    marker = _MARKERS[closed] if closed is not None else ""
    heading = f"{number}. {faculty.name}{marker}"
    about = ", ".join(p for p in (faculty.specialty, faculty.title) if p)
    text = (about + "\n" if about else "") + "\n".join(f"• {r}" for r in result.fit.reasons)
    actions: tuple[Action, ...] = ()
    if result.waiting_since is not None:
        text += f"\n• you asked on {short_day(result.waiting_since, tz)}; waiting for an answer"
    elif closed is None and can_ask:
        actions = (request_action(faculty.id, kind),)
    return Section(heading=heading, text=text, actions=actions)


def candidates_section(results: Sequence[Result], kind: str | None) -> tuple[Section, ...]:
    return tuple(
        Section(heading=f"{r.faculty.name} — {r.faculty.specialty or 'faculty'}",
                text="; ".join(r.fit.reasons[:3]),
                actions=(request_action(r.faculty.id, kind),))
        for r in results
    )


# --- refusals ----------------------------------------------------------------------------

ALREADY_ASKED_TITLE = "Already asked"


def not_yourself() -> str:
    return "You can't send an intro request to yourself."


def not_on_roster(name: str) -> str:
    return (f"{name} is not on the faculty roster, so they can't take mentees here. "
            "Try /mentor find to see who can.")


def already_mentors(name: str, kind: str) -> str:
    return f"{name} already mentors you ({kind})."


def already_asked(name: str, asked_at: datetime, tz: str) -> str:
    return (f"You already asked {name} on {short_day(asked_at, tz)}; that request is still "
            f"open until {short_day(rules.expires_at(asked_at), tz)}. I'll nudge you if "
            f"they haven't answered in {span_in_words(rules.PENDING_AFTER)}.")


TOO_MANY_TITLE = "Wait for an answer first"


def too_many_open(waiting: Sequence[tuple[str, datetime]], tz: str) -> str:
    """Why a request is refused while the student has `rules.MAX_OPEN_REQUESTS` waiting
    (faculty name, asked at), and when the first of them closes."""
    listed = and_list([f"{name} (asked {short_day(at, tz)})" for name, at in waiting])
    first = min(rules.expires_at(at) for _, at in waiting)
    return (f"You have {count(len(waiting), 'intro request')} waiting for an answer: {listed}. "
            f"You can have at most {rules.MAX_OPEN_REQUESTS} open at once, so that each ask is "
            "a considered one and faculty can answer before you ask more. The first closes by "
            f"{short_day(first, tz)} if it is not answered sooner; ask again then.")


def declined_recently(name: str) -> str:
    return (f"{name} said no to an earlier request from you in the last "
            f"{spelled(rules.DECLINE_MEMORY_MONTHS, 'month')}; give it time and try someone "
            "else for now (/mentor find).")


def cannot_take_mentee(faculty: FacultyView, closed: Unavailable) -> str:
    """Why a request to `faculty` is refused: the one accessibility rule's reason, and
    where to look instead."""
    match closed:
        case Unavailable.AWAY:
            back = f" until {format_day(faculty.away_until)}" if faculty.away_until else ""
            return (f"{faculty.name} is away{back}; they are back that day and can be asked "
                    "then. /mentor find lists faculty you can ask now.")
        case Unavailable.NOT_ACCEPTING:
            return (f"{faculty.name} is not accepting new mentees right now. "
                    "/mentor find lists faculty who are.")
        case Unavailable.FULL:
            return (f"{faculty.name} has no free places ({faculty.active} of "
                    f"{faculty.capacity} taken). /mentor find lists faculty with room.")
        case Unavailable.NEVER_ANSWERS:
            return (f"{faculty.name} has not answered any of their "
                    f"{faculty.unanswered} intro requests so far, so yours would most "
                    "likely go unanswered too. /mentor find lists faculty who answer theirs.")


def no_open_request(student_name: str) -> str:
    return f"{student_name} has no open intro request to you."


def already_answered(student_name: str) -> str:
    return f"That request from {student_name} was already answered."


def no_room_to_accept(faculty: FacultyView, student_name: str) -> str:
    return (f"You have no free places ({faculty.active} of {faculty.capacity} taken), so I "
            "can't start this mentorship. Raise your capacity (/mentor profile "
            f"capacity:{faculty.capacity + 1}) and accept again, or decline {student_name} "
            "kindly.")


# --- the request -------------------------------------------------------------------------


def faculty_request_message(student: Person, request: IntroRequest,
                            group: InterestGroup | None) -> Reply:
    """The DM that reaches the faculty member, with Accept and Decline buttons."""
    profile = student.student_profile
    stage = stage_label(profile.stage) if profile and profile.stage else "stage not given"
    fields = [
        Field("Stage", stage),
        Field("Interests", and_list(profile.interests) if profile and profile.interests
              else "-"),
        Field("Research interests", and_list(profile.research)
              if profile and profile.research else "-"),
        Field("Looking for", f"a {request.kind} mentor"),
    ]
    if group is not None:
        fields.append(Field("Group", group.name))
    text = f"{student.name} would like you as a {request.kind} mentor."
    if request.note:
        text += f"\n\nTheir note: “{request.note}”"
    text += ("\n\nAccepting starts a mentorship; declining is fine and they will hear it "
             "kindly, with other suggestions. Requests left unanswered close after "
             f"{count(rules.EXPIRE_AFTER.days, 'day')}.")
    return Reply(
        title=f"Intro request from {student.name}",
        text=text,
        fields=tuple(fields),
        actions=(
            specs.ACCEPT.action("Accept", {"student": f"person:{student.id}"}, style="primary"),
            specs.DECLINE.action("Decline", {"student": f"person:{student.id}"}, style="danger"),
        ),
    )


def intro_facts(student: Person, faculty: Person, *, kind: str, note: str,
                group: str | None) -> drafts.IntroFacts:
    """What a first email from `student` to `faculty` can say, from their profiles."""
    profile = student.student_profile
    theirs = faculty.faculty_profile
    return drafts.IntroFacts(
        student_name=student.name,
        stage=profile.stage if profile else None,
        interests=tuple(profile.interests or ()) if profile else (),
        research=tuple(profile.research or ()) if profile else (),
        faculty_name=faculty.name,
        specialty=theirs.specialty if theirs else "",
        faculty_research=tuple(theirs.research or ()) if theirs else (),
        kind=kind,
        note=note,
        group=group,
    )


MEETING_PREP = (
    "Read one or two of their recent papers, talks or projects, and note what interested you.",
    f"Bring {range_text(first_meeting.QUESTIONS_TO_BRING)} questions you really want "
    "answered; leave room for theirs.",
    "Have a one-minute answer ready for where you are and what you're aiming at.",
    "Offer a concrete next step, and log the meeting afterwards with /mentor log.",
)


def _meeting_prep() -> Section:
    return Section(heading="Before you meet", text="\n".join(f"• {p}" for p in MEETING_PREP))


def student_request_reply(student: Person, faculty: Person, request: IntroRequest,
                          group: InterestGroup | None, rank: int) -> Reply:
    """What the student sees once the request is sent: what happens next, and the first
    email to adapt, with their note worked in."""
    facts = intro_facts(student, faculty, kind=request.kind, note=request.note,
                        group=group.name if group else None)
    return Reply(
        title=f"Intro request sent to {faculty.name}",
        text=(f"{faculty.name} has your request and can accept or decline it. I'll nudge you "
              f"if there's no answer in {span_in_words(rules.PENDING_AFTER)}; it closes after "
              f"{count(rules.EXPIRE_AFTER.days, 'day')}. This is your choice #{rank} for your groups' "
              "next match round."),
        sections=(
            Section(heading="A first email you can adapt and send yourself",
                    text=drafts.intro_draft(facts)),
            *((Section(heading="Not in the draft", text=left),)
              if (left := drafts.note_left_out(facts)) else ()),
            _meeting_prep(),
        ),
    )


# --- answers -----------------------------------------------------------------------------


def accepted_message(faculty_name: str, kind: str, cadence_days: int,
                     stage: str | None = None) -> Reply:
    """To the student: their mentor said yes, the rhythm they'll be reminded at, and how to
    prepare the first meeting (an agenda and questions for this kind of mentor and the
    student's stage)."""
    weeks = cadence_days // 7
    rhythm = "every week" if weeks == 1 else f"every {count(weeks, 'week')}"
    return Reply(
        title=f"{faculty_name} accepted your intro request",
        text=(f"{faculty_name} is now your {kind} mentor. Write to set up a first "
              f"meeting this week or next. I'll remind you to keep in touch {rhythm}; each "
              "contact you log restarts the clock."),
        sections=(Section(heading="Preparing your first meeting",
                          text=first_meeting.preparation_text(kind, stage, cadence_days)),),
    )


def accepted_reply(student_name: str, kind: str) -> Reply:
    return Reply(title=f"You are now {student_name}'s {kind} mentor",
                 text=f"I've told {student_name}. They'll reach out to set up a first meeting.")


def declined_reply(student_name: str) -> Reply:
    return Reply(title=f"Declined {student_name}'s request",
                 text="Thank you for answering. I've let them know kindly and suggested "
                      "other mentors.")


def declined_message(faculty_name: str, suggestions: Sequence[Result]) -> Reply:
    """To the student: a kind no, with others worth asking."""
    return Reply(
        title=f"{faculty_name} can't take you on right now",
        text=("Faculty decline for many reasons — a full schedule, a leave, a narrower "
              "focus — and it says nothing about you. Here are others worth asking:"
              if suggestions else
              "Faculty decline for many reasons and it says nothing about you. Try "
              "/mentor find with a few keywords to see who else fits."),
        sections=candidates_section(suggestions, None),
    )


# --- time passing ------------------------------------------------------------------------


def expired_message(faculty_name: str, suggestions: Sequence[Result], kind: str) -> Reply:
    """To the student when a request closes unanswered."""
    return Reply(
        title=f"No answer from {faculty_name} after {span_in_words(rules.EXPIRE_AFTER)}",
        text=("I've closed that intro request. Silence usually means a crowded inbox, "
              "not a verdict on you. These faculty are accepting mentees and answer "
              "their requests:" if suggestions else
              "I've closed that intro request. Silence usually means a crowded inbox, "
              "not a verdict on you. Try /mentor find to see who else fits."),
        sections=candidates_section(suggestions, kind),
    )


def pending_reply(request: IntroRequest, student_name: str, faculty_name: str,
                  suggestions: Sequence[Result], tz: str) -> Reply:
    """To the student when a request has waited `PENDING_AFTER`: a polite follow-up they can
    send, and others to ask as well. Dates are the student's (`tz`)."""
    low, _high = rules.FIRST_MEETING_MINUTES
    asked = short_day(request.created_at, tz)
    follow_up = (
        f"Dear {drafts.salutation(faculty_name, is_faculty=True)},\nI wanted to follow up on "
        f"my note of {asked}"
        f" — I know how busy things get. I'd still value {low} minutes of your time whenever "
        f"suits you, and I understand if now isn't a good moment.\nThank you,\n{student_name}"
    )
    sections: tuple[Section, ...] = (
        Section(heading="A short, polite follow-up you can send", text=follow_up),)
    if suggestions:
        sections += (Section(heading="Or ask someone else as well",
                             text="These faculty are accepting mentees now:"),)
        sections += candidates_section(suggestions, request.kind)
    return Reply(
        title=f"{faculty_name} hasn't answered your intro request yet",
        text=(f"You asked on {asked}. The request stays open until "
              f"{short_day(rules.expires_at(request.created_at), tz)}."),
        sections=sections,
    )

"""Intro requests: a student asks a faculty member to be their mentor; the faculty member
accepts (a mentorship starts, within capacity even when two accepts race) or declines (the
student hears it kindly, with the next candidates); an unanswered request is followed up
after 7 days and expires after 14. Answer times feed the faculty member's response record,
which `/mentor find` uses for ranking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.framework.errors import UserError
from bot.framework.replies import Action, Field, Reply, Section
from bot.infra.models import (
    FacultyProfile,
    InterestGroup,
    IntroRequest,
    Membership,
    Mentorship,
    Nudge,
    Person,
    StudentProfile,
)
from bot.matching import finder, specs
from bot.matching.fit import fit, stage_label, stage_people
from bot.mentoring.cadence import default_cadence_days

PENDING_AFTER = timedelta(days=7)
EXPIRE_AFTER = timedelta(days=14)
NEXT_CANDIDATES = 3

Notify = Callable[[Person, Reply, str], None]


def request_action(faculty_id: int, kind: str | None = None) -> Action:
    args = {"faculty": f"person:{faculty_id}"}
    if kind:
        args["kind"] = kind
    return specs.REQUEST.action("Request intro", args)


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"


def open_request(session: Session, student_id: int, faculty_id: int) -> IntroRequest | None:
    return session.scalar(
        select(IntroRequest).where(
            IntroRequest.student_id == student_id,
            IntroRequest.faculty_id == faculty_id,
            IntroRequest.state == "open",
        ).order_by(IntroRequest.created_at.desc()).limit(1)
    )


def shared_group(session: Session, student_id: int, faculty_id: int,
                 preferred: InterestGroup | None) -> InterestGroup | None:
    """The group the request belongs to: the channel's group when both are in it, else a
    group both belong to (lowest id, so it is stable)."""
    ids = set(session.scalars(select(Membership.group_id).where(
        Membership.person_id == student_id)))
    both = ids & set(session.scalars(select(Membership.group_id).where(
        Membership.person_id == faculty_id)))
    if preferred is not None and preferred.id in both:
        return preferred
    return session.get(InterestGroup, min(both)) if both else None


# --- requesting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    request: IntroRequest
    faculty_message: Reply
    student_reply: Reply


def create_request(session: Session, student: Person, faculty: Person, *, kind: str,
                   note: str, now: datetime, group: InterestGroup | None) -> Created:
    if student.id == faculty.id:
        raise UserError("You can't send an intro request to yourself.")
    profile = faculty.faculty_profile
    if not faculty.is_faculty or profile is None:
        raise UserError(f"{faculty.name} is not on the faculty roster, so they can't take "
                        "mentees here. Try /mentor find to see who can.")
    rel = finder.relations(session, student.id, now)
    if faculty.id in rel.mentors:
        raise UserError(f"{faculty.name} already mentors you ({rel.mentors[faculty.id]}).")
    if faculty.id in rel.open_requests:
        asked = rel.open_requests[faculty.id]
        raise UserError(
            f"You already asked {faculty.name} on {_day(asked)}; that request is still open "
            f"until {_day(asked + EXPIRE_AFTER)}. I'll nudge you if they haven't answered "
            "in a week.", title="Already asked")
    if faculty.id in rel.declined:
        raise UserError(f"{faculty.name} said no to an earlier request from you in the last "
                        "six months; give it time and try someone else for now "
                        "(/mentor find).")
    if not profile.accepting:
        raise UserError(f"{faculty.name} is not accepting new mentees right now. "
                        "/mentor find lists faculty who are.")
    active = finder.active_counts(session, [faculty.id]).get(faculty.id, 0)
    if active >= profile.capacity:
        raise UserError(f"{faculty.name} has no free places ({active} of {profile.capacity} "
                        "taken). /mentor find lists faculty with room.")
    rank = (session.scalar(select(func.max(IntroRequest.rank)).where(
        IntroRequest.student_id == student.id, IntroRequest.state == "open")) or 0) + 1
    request = IntroRequest(student_id=student.id, faculty_id=faculty.id,
                           group_id=group.id if group else None, kind=kind, note=note,
                           state="open", rank=rank, created_at=now)
    session.add(request)
    if student.student_profile is None:
        student.student_profile = StudentProfile()
    student.student_profile.wants_mentor = True
    session.flush()
    view = finder.student_view(student)
    fresh = finder.load_faculty(session, [faculty.id])[0]
    reasons = fit(view, fresh).reasons
    return Created(request=request,
                   faculty_message=_faculty_message(student, request, group),
                   student_reply=_student_reply(student, faculty, request, reasons, rank))


def _faculty_message(student: Person, request: IntroRequest,
                     group: InterestGroup | None) -> Reply:
    profile = student.student_profile
    stage = stage_label(profile.stage) if profile and profile.stage else "stage not given"
    fields = [
        Field("Stage", stage),
        Field("Interests", "; ".join(profile.interests) if profile and profile.interests
              else "-"),
        Field("Research interests", "; ".join(profile.research) if profile and profile.research
              else "-"),
        Field("Looking for", f"a {request.kind} mentor"),
    ]
    if group is not None:
        fields.append(Field("Group", group.name))
    text = f"{student.name} would like you as a {request.kind} mentor."
    if request.note:
        text += f"\n\nTheir note: “{request.note}”"
    text += ("\n\nAccepting starts a mentorship; declining is fine and they will hear it "
             "kindly, with other suggestions. Requests left unanswered close after 14 days.")
    return Reply(
        title=f"Intro request from {student.name}",
        text=text,
        fields=tuple(fields),
        actions=(
            specs.ACCEPT.action("Accept", {"student": f"person:{student.id}"}, style="primary"),
            specs.DECLINE.action("Decline", {"student": f"person:{student.id}"}, style="danger"),
        ),
    )


_KIND_ASK = {
    "research": "how a student at my stage could get involved in your research",
    "clinical": "what you look for in students who work with you in clinic",
    "career": "your path into the specialty and what you'd focus on in my position",
}


def approach_message(student: Person, faculty: Person, kind: str,
                     reasons: tuple[str, ...]) -> str:
    """A first message the student can adapt: why this mentor, a short ask, their time."""
    profile = student.student_profile
    stage = stage_people(profile.stage, plural=False) if profile and profile.stage \
        else "a student"
    interests = "; ".join(profile.interests) if profile and profile.interests else ""
    about = f", interested in {interests}" if interests else ""
    topic = _research_topic(reasons)
    specialty = faculty.faculty_profile.specialty if faculty.faculty_profile else ""
    if topic:
        because = f"I'm writing to you in particular because of your research in {topic}."
    elif specialty:
        because = f"I'm writing to you in particular because of your work in {specialty}."
    else:
        because = "I'm writing to you in particular because of your experience."
    return (
        f"Dear {faculty.name},\n"
        f"I'm {student.name}, {stage}{about}. {because} "
        f"Could we meet for 15–20 minutes in the next few weeks to talk about "
        f"{_KIND_ASK.get(kind, _KIND_ASK['career'])}? I know your schedule is full, so I'm "
        "glad to fit around it, in person or by video. Thank you for considering it.\n"
        f"{student.name}"
    )


MEETING_PREP = (
    "Read one or two of their recent papers, talks or projects, and note what interested you.",
    "Bring 2–3 questions you really want answered; leave room for theirs.",
    "Have a one-minute answer ready for where you are and what you're aiming at.",
    "Offer a concrete next step, and log the meeting afterwards with /mentor log.",
)


def _research_topic(reasons: tuple[str, ...]) -> str:
    for reason in reasons:
        if reason.startswith("research in "):
            topic = reason[len("research in "):]
            return topic.split(" matches ")[0].split(", like your")[0]
    return ""


def _student_reply(student: Person, faculty: Person, request: IntroRequest,
                   reasons: tuple[str, ...], rank: int) -> Reply:
    return Reply(
        title=f"Intro request sent to {faculty.name}",
        text=(f"{faculty.name} has your request and can accept or decline it. I'll nudge you "
              f"if there's no answer in a week; it closes after 14 days. This is your "
              f"choice #{rank} for your groups' next match round."),
        sections=(
            Section(heading="A first message you can adapt",
                    text=approach_message(student, faculty, request.kind, reasons)),
            Section(heading="Before you meet", text="\n".join(f"• {p}" for p in MEETING_PREP)),
        ),
    )


# --- answering -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    request: IntroRequest
    mentorship: Mentorship | None
    student_message: Reply
    faculty_reply: Reply


def _lock_and_record_response(session: Session, faculty_id: int, hours: float) -> None:
    """The first write of the answer: updating the faculty profile row locks it (the same row
    lock as SELECT … FOR UPDATE on PostgreSQL; the database write lock on SQLite), so two answers by one faculty member are taken
    one after the other and the capacity count below sees the other's mentorship."""
    session.execute(
        update(FacultyProfile)
        .where(FacultyProfile.person_id == faculty_id)
        .values(requests_answered=FacultyProfile.requests_answered + 1,
                response_hours_total=FacultyProfile.response_hours_total + hours)
    )


def answer_request(session: Session, faculty: Person, student: Person, *, accept: bool,
                   now: datetime) -> Answered:
    request = open_request(session, student.id, faculty.id)
    if request is None:
        raise UserError(f"{student.name} has no open intro request to you.")
    hours = max((now - request.created_at).total_seconds() / 3600, 0.0)
    _lock_and_record_response(session, faculty.id, hours)
    moved = session.execute(
        update(IntroRequest)
        .where(IntroRequest.id == request.id, IntroRequest.state == "open")
        .values(state="accepted" if accept else "declined", answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise UserError(f"That request from {student.name} was already answered.")
    session.refresh(request)
    cancel_pending_nudges(session, request.id)
    if accept:
        profile = session.get(FacultyProfile, faculty.id, populate_existing=True)
        capacity = profile.capacity if profile else 0
        active = finder.active_counts(session, [faculty.id]).get(faculty.id, 0)
        if active >= capacity:
            raise UserError(
                f"You have no free places ({active} of {capacity} taken), so I can't start "
                f"this mentorship. Raise your capacity (/mentor profile capacity:{capacity + 1})"
                f" and accept again, or decline {student.name} kindly.")
        group = session.get(InterestGroup, request.group_id) if request.group_id else None
        mentorship = Mentorship(
            student_id=student.id, mentor_id=faculty.id, group_id=request.group_id,
            kind=request.kind,
            cadence_days=default_cadence_days(request.kind,
                                              group.followup_weeks if group else None),
            active=True, source="request", started_at=now)
        session.add(mentorship)
        _settle_wish(session, student)
        session.flush()
        return Answered(request, mentorship, _accepted_message(faculty, mentorship),
                        Reply(title=f"You are now {student.name}'s {request.kind} mentor",
                              text=f"I've told {student.name}. They'll reach out to set up a "
                                   "first meeting."))
    return Answered(request, None, declined_message(session, student, faculty, now),
                    Reply(title=f"Declined {student.name}'s request",
                          text="Thank you for answering. I've let them know kindly and "
                               "suggested other mentors."))


def _settle_wish(session: Session, student: Person) -> None:
    """A student with a new mentor and no other open requests no longer waits for one."""
    still_open = session.scalar(select(func.count()).select_from(IntroRequest).where(
        IntroRequest.student_id == student.id, IntroRequest.state == "open"))
    if not still_open and student.student_profile is not None:
        student.student_profile.wants_mentor = False


def _accepted_message(faculty: Person, mentorship: Mentorship) -> Reply:
    weeks = mentorship.cadence_days // 7
    rhythm = "every week" if weeks == 1 else f"every {weeks} weeks"
    return Reply(
        title=f"{faculty.name} accepted your intro request",
        text=(f"{faculty.name} is now your {mentorship.kind} mentor. Write to set up a first "
              f"meeting this week or next. I'll remind you to keep in touch {rhythm}; each "
              "contact you log restarts the clock."),
        sections=(Section(heading="Before you meet",
                          text="\n".join(f"• {p}" for p in MEETING_PREP)),),
    )


def next_candidates(session: Session, student: Person, now: datetime, *,
                    exclude: set[int], kind: str | None = None) -> list[finder.Result]:
    view = finder.student_view(student)
    found = finder.search(session, view, now, kind=kind, limit=NEXT_CANDIDATES + len(exclude),
                          exclude=exclude)
    return [r for r in found.results
            if r.fit.accessible and r.waiting_since is None][:NEXT_CANDIDATES]


def candidates_section(results: list[finder.Result], kind: str | None) -> tuple[Section, ...]:
    return tuple(
        Section(heading=f"{r.faculty.name} — {r.faculty.specialty or 'faculty'}",
                text="; ".join(r.fit.reasons[:3]),
                actions=(request_action(r.faculty.id, kind),))
        for r in results
    )


def declined_message(session: Session, student: Person, faculty: Person,
                     now: datetime) -> Reply:
    suggestions = next_candidates(session, student, now, exclude={faculty.id})
    return Reply(
        title=f"{faculty.name} can't take you on right now",
        text=("Faculty decline for many reasons — a full schedule, a leave, a narrower "
              "focus — and it says nothing about you. Here are others worth asking:"
              if suggestions else
              "Faculty decline for many reasons and it says nothing about you. Try "
              "/mentor find with a few keywords to see who else fits."),
        sections=candidates_section(suggestions, None),
    )


def cancel_pending_nudges(session: Session, request_id: int) -> None:
    session.execute(
        update(Nudge)
        .where(Nudge.subject_type == "intro_request", Nudge.subject_id == request_id,
               Nudge.state == "pending")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )


# --- time passing ----------------------------------------------------------------------


def expire_requests(session: Session, now: datetime, notify: Notify) -> int:
    """Close requests unanswered after 14 days; count them against the faculty member's
    response record and offer the student the next candidates."""
    due = list(session.scalars(select(IntroRequest).where(
        IntroRequest.state == "open", IntroRequest.created_at <= now - EXPIRE_AFTER)))
    for request in due:
        moved = session.execute(
            update(IntroRequest)
            .where(IntroRequest.id == request.id, IntroRequest.state == "open")
            .values(state="expired")
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            continue
        session.execute(update(FacultyProfile)
                        .where(FacultyProfile.person_id == request.faculty_id)
                        .values(requests_unanswered=FacultyProfile.requests_unanswered + 1))
        cancel_pending_nudges(session, request.id)
        student = session.get_one(Person, request.student_id)
        faculty = session.get_one(Person, request.faculty_id)
        suggestions = next_candidates(session, student, now, exclude={faculty.id},
                                      kind=request.kind)
        notify(student, Reply(
            title=f"No answer from {faculty.name} after two weeks",
            text=("I've closed that intro request. Silence usually means a crowded inbox, "
                  "not a verdict on you. These faculty are accepting mentees and answer "
                  "their requests:" if suggestions else
                  "I've closed that intro request. Silence usually means a crowded inbox, "
                  "not a verdict on you. Try /mentor find to see who else fits."),
            sections=candidates_section(suggestions, request.kind),
        ), f"intro:{request.id}:expired")
    return len(due)


def pending_reply(session: Session, request: IntroRequest, student: Person, faculty: Person,
                  now: datetime) -> Reply:
    suggestions = next_candidates(session, student, now, exclude={faculty.id},
                                  kind=request.kind)
    follow_up = (
        f"Dear {faculty.name},\nI wanted to follow up on my note of {_day(request.created_at)}"
        " — I know how busy things get. I'd still value 15 minutes of your time whenever "
        f"suits you, and I understand if now isn't a good moment.\nThank you,\n{student.name}"
    )
    sections = (Section(heading="A short, polite follow-up you can send", text=follow_up),)
    if suggestions:
        sections += (Section(heading="Or ask someone else as well",
                             text="These faculty are accepting mentees now:"),)
        sections += candidates_section(suggestions, request.kind)
    return Reply(
        title=f"{faculty.name} hasn't answered your intro request yet",
        text=(f"You asked on {_day(request.created_at)}. The request stays open until "
              f"{_day(request.created_at + EXPIRE_AFTER)}."),
        sections=sections,
    )

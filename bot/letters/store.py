"""Letters in the database: finding a student's letter, resolving its writer, moving it
through its lifecycle or withdrawing it, checking packet items off, recording outcomes, and
the letters a faculty member is asked to write. The rules
themselves (dates, warnings, legal moves) live in `bot.letters.rules`; every change that
alters what a letter owes re-plans its nudges here, in the same unit of work.

Each function takes what it needs (session, the student, now, settings) and never the
command context, so jobs, the demo and tests call them the same way handlers do. The one
writer of `letters`, `letter_events` and `outcomes`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import NotFound, UserError
from bot.framework.channels import ChannelRef
from bot.infra.models import (
    Contact,
    FacultyProfile,
    Letter,
    LetterEvent,
    Mentorship,
    Outcome,
    Person,
)
from bot.infra.settings import Settings
from bot.infra.zones import local_day
from bot.letters import messages, programs, rules, specs
from bot.letters.history import asked_day, asked_days, state_moments, writers_to_tell
from bot.letters.planning import plan_outcome, replan
from bot.mentoring.history import aware
from bot.mentoring.store import record_contact
from bot.nudges.store import cancel_for
from bot.people.resolve import (
    EMAIL,
    OutsideWriter,
    UnknownPerson,
    resolve_reference,
    where_of,
)
from bot.vocab.letters import LetterKind, LetterState, Portal
from bot.vocab.nudges import Subject
from bot.vocab.people import Role

_NAME = re.compile(r"^[^\W\d_][\w.'’\- ,()]*$", re.UNICODE)
_OPTION = re.compile(r"^[a-z][a-z0-9_-]*:", re.IGNORECASE)
MAX_WRITER_NAME = 120


@dataclass(frozen=True)
class Writer:
    """Who writes a letter: a known faculty member, or an outside writer known by name only."""

    person: Person | None
    name: str
    closest: tuple[str, ...] = ()

    @property
    def id(self) -> int | None:
        return self.person.id if self.person is not None else None

    @property
    def outside(self) -> bool:
        return self.person is None


def resolve_writer(session: Session, text: str, *, student: Person,
                   channel: ChannelRef | None = None) -> Writer:
    """A faculty member when the reference names one; an outside writer when it is a plain
    name that matches no one confidently. An ambiguous name, an unknown email or mention, or
    text that is not a name is an error. `channel` is where a mention was typed."""
    ref = " ".join((text or "").split())
    if not ref:
        raise UserError("Name the writer: a faculty member's name, email or mention, or the "
                        "name of someone outside the group.")

    def faculty(reference: str) -> Person | OutsideWriter:
        # The student's own relationships and outside writers settle a name that fits
        # several people ("Brooks": their Prof. Alan Brooks, not a neurologist they never met).
        return resolve_reference(session, reference, role=Role.FACULTY, where=where_of(channel),
                                 actor=student)

    if EMAIL.match(ref) or ref.startswith("<") or re.fullmatch(r"person:\d+", ref):
        found = faculty(ref)
        return Writer(None, found.name) if isinstance(found, OutsideWriter) \
            else Writer(found, found.name)
    stray = next((w for w in ref.split() if _OPTION.match(w)), None)
    if stray is not None:
        options = ", ".join(f"{o.name}:" for o in specs.REMIND.options if not o.positional)
        raise UserError(f"/{specs.REMIND.name} has no option {stray.split(':')[0]}:. Its "
                        f"options: {options}. Usage: {specs.REMIND.usage()}")
    try:
        named = faculty(ref)
    except UnknownPerson as exc:
        if not _NAME.match(ref) or len(ref) > MAX_WRITER_NAME or "@" in ref:
            raise UserError(f"“{ref}” is not a faculty member I know, nor a name I can track "
                            "as an outside writer.") from None
        return Writer(None, ref, exc.closest)
    if isinstance(named, OutsideWriter):
        return Writer(None, named.name)
    return Writer(named, named.name)


def find_letter(session: Session, student: Person, letter_id: int) -> Letter:
    """One of the student's own letters; other students' letters are never found."""
    letter = session.get(Letter, letter_id)
    if letter is None or letter.student_id != student.id:
        raise NotFound(f"You have no letter #{letter_id}. /{specs.LIST.name} shows your "
                       "letters.")
    return letter


def student_letters(session: Session, student_id: int) -> list[Letter]:
    return list(session.scalars(
        select(Letter).where(Letter.student_id == student_id)
        .order_by(Letter.deadline, Letter.id)))


def submitted_letters(session: Session, student_id: int) -> list[Letter]:
    """The student's letters whose writers have submitted: the writers outcomes go to."""
    return list(session.scalars(
        select(Letter).where(Letter.student_id == student_id,
                             Letter.state.in_(rules.DONE_STATES))
        .order_by(Letter.id)))


def facts(session: Session, letters: Sequence[Letter], *, tz: str = "UTC"
          ) -> list[rules.LetterFacts]:
    """The letters as the rules read them, each with its writer's specialty and the first
    logged day (in `tz`) of the student's relationship with the writer."""
    writer_ids = {x.writer_id for x in letters if x.writer_id is not None}
    specialties: dict[int, str] = {}
    if writer_ids:
        specialties = {pid: specialty for pid, specialty in session.execute(
            select(FacultyProfile.person_id, FacultyProfile.specialty)
            .where(FacultyProfile.person_id.in_(writer_ids))).all()}
    known: dict[tuple[int, int], date] = {}
    for student_id in {x.student_id for x in letters}:
        for writer_id, day in relationship_starts(session, student_id, writer_ids, tz).items():
            known[(student_id, writer_id)] = day
    return [
        rules.LetterFacts(
            id=x.id, writer_id=x.writer_id, writer_name=x.writer_name, program=x.program,
            kind=LetterKind(x.kind) if x.kind else None,
            portal=Portal(x.portal) if x.portal else None,
            state=LetterState(x.state), deadline=x.deadline, reason=x.state_reason,
            writer_specialty=specialties.get(x.writer_id, "") if x.writer_id else "",
            known_since=known.get((x.student_id, x.writer_id)) if x.writer_id else None,
        )
        for x in letters
    ]


def relationship_starts(session: Session, student_id: int, people: Iterable[int],
                        tz: str) -> dict[int, date]:
    """Per faculty member of `people` the student has a logged relationship with, its first
    day (in `tz`): the earliest mentorship start or contact."""
    wanted = set(people)
    if not wanted:
        return {}
    firsts: dict[int, datetime] = {}
    for query in (
            select(Mentorship.mentor_id, func.min(Mentorship.started_at))
            .where(Mentorship.student_id == student_id, Mentorship.mentor_id.in_(wanted))
            .group_by(Mentorship.mentor_id),
            select(Contact.mentor_id, func.min(Contact.at))
            .where(Contact.student_id == student_id, Contact.mentor_id.in_(wanted))
            .group_by(Contact.mentor_id)):
        for pid, first in session.execute(query):
            moment = aware(first)
            if moment is not None and (pid not in firsts or moment < firsts[pid]):
                firsts[pid] = moment
    return {pid: local_day(moment, tz) for pid, moment in firsts.items()}


def relationship_since(session: Session, student_id: int, writer_id: int | None,
                       tz: str) -> date | None:
    """The first logged day of the relationship: the earliest mentorship start or contact."""
    if writer_id is None:
        return None
    return relationship_starts(session, student_id, [writer_id], tz).get(writer_id)


def mentor_kinds(session: Session, student_id: int, writer_id: int | None) -> list[str]:
    if writer_id is None:
        return []
    return list(session.scalars(select(Mentorship.kind).where(
        Mentorship.student_id == student_id, Mentorship.mentor_id == writer_id)))


def check_deadline(deadline: date, today: date) -> None:
    """Refuse a deadline further away than the rules allow (a typo in the year)."""
    if rules.deadline_too_far(deadline, today):
        raise UserError(messages.deadline_too_far_text(deadline, today),
                        title="That deadline is too far away")


def replaced_letter(session: Session, student: Person, letter_id: int) -> Letter:
    """The student's declined (or withdrawn) letter a new one replaces."""
    letter = find_letter(session, student, letter_id)
    if letter.state not in rules.GONE_STATES:
        raise UserError(f"Letter #{letter.id} is {letter.state}; replaces: takes a letter that "
                        f"was {LetterState.DECLINED} or {LetterState.WITHDRAWN}.")
    return letter


def create_letter(session: Session, student: Person, *, writer: Writer, deadline: date,
                  program: str, kind: LetterKind | None, portal: Portal | None,
                  now: datetime, settings: Settings) -> Letter:
    """Start tracking a letter (planned) and plan its nudges."""
    letter = Letter(
        student_id=student.id, writer_id=writer.id, writer_name=writer.name,
        program=program, kind=kind, portal=portal, deadline=deadline,
        state=LetterState.PLANNED, packet={}, created_at=now, updated_at=now,
    )
    session.add(letter)
    session.flush()
    session.add(LetterEvent(letter_id=letter.id, from_state=None, to_state=LetterState.PLANNED,
                            at=now))
    session.flush()
    replan(session, [letter], now, settings)
    return letter


def import_letter(session: Session, *, student_id: int, writer_id: int | None,
                  writer_name: str, program: str, kind: str | None, portal: str | None,
                  deadline: date, history: Sequence[tuple[str, datetime]], reason: str = "",
                  packet: Iterable[str] = ()) -> Letter:
    """A letter tracked elsewhere before (the demo data set, an earlier tracker), with the
    states it went through and when (`history`, from planned): stored as it stands, its
    events with it. Nothing is planned or logged here: the planner's next run owes what
    it owes."""
    if not history:
        raise ValueError("a letter's history starts with its planned state")
    state, updated = history[-1]
    letter = Letter(student_id=student_id, writer_id=writer_id, writer_name=writer_name,
                    program=program, kind=kind, portal=portal, deadline=deadline, state=state,
                    state_reason=reason, packet={key: True for key in packet},
                    created_at=history[0][1], updated_at=updated)
    session.add(letter)
    session.flush()
    previous: str | None = None
    for reached, at in history:
        session.add(LetterEvent(letter_id=letter.id, from_state=previous, to_state=reached,
                                at=at, note=reason if reached == LetterState.DECLINED else ""))
        previous = reached
    session.flush()
    return letter


def import_outcome(session: Session, student_id: int, *, kind: str, text: str,
                   at: datetime) -> Outcome:
    """An outcome recorded elsewhere before (the demo data set): stored as it was, with no
    nudge to share it."""
    record = Outcome(student_id=student_id, kind=kind, text=text, at=at)
    session.add(record)
    session.flush()
    return record


def set_kind(letter: Letter, kind: LetterKind, *, now: datetime) -> None:
    letter.kind = kind
    letter.updated_at = now


def transition(session: Session, student: Person, letter: Letter, wanted: LetterState,
               reason: str = "", *, now: datetime, settings: Settings) -> LetterState:
    """Move `letter` to `wanted` (refusing illegal moves with the legal ones) and re-plan its
    nudges so those the change made moot are cancelled at once. Returns the old state."""
    if wanted == LetterState.WITHDRAWN:
        raise UserError(f"To stop tracking letter #{letter.id}, use /{specs.CANCEL.name} "
                        f"{letter.id} [reason:]: it cannot become {wanted} by an update.",
                        title="Not a legal move")
    try:
        rules.check_transition(letter.state, wanted)
    except rules.IllegalTransition as exc:
        legal = ", ".join(exc.legal)
        hint = (f"From {exc.current} it can go to: {legal}." if legal
                else f"{exc.current} is a final state.")
        raise UserError(f"Letter #{letter.id} is {exc.current}; it cannot become {wanted}. "
                        f"{hint}", title="Not a legal move") from None
    old = LetterState(letter.state)
    letter.state = wanted
    letter.state_reason = reason if wanted == LetterState.DECLINED else letter.state_reason
    letter.updated_at = now
    session.add(LetterEvent(letter_id=letter.id, from_state=old, to_state=wanted, at=now,
                            note=reason))
    if wanted == LetterState.ASKED:
        record_ask(session, student, letter, now=now, default_tz=settings.default_timezone)
    session.flush()
    replan(session, [letter], now, settings)
    return old


def withdraw(session: Session, letter: Letter, reason: str = "", *, now: datetime
             ) -> tuple[LetterState, int]:
    """Stop tracking `letter` (`/letter cancel`): it becomes withdrawn, keeps its history,
    and every nudge still pending about it stops at once (the student's, the writer's, and a
    thanked writer's keep-in-touch). Returns the old state and how many nudges stopped."""
    try:
        rules.check_withdraw(letter.state)
    except rules.IllegalTransition:
        raise UserError(f"Letter #{letter.id} is already {LetterState.WITHDRAWN}.",
                        title="Nothing to cancel") from None
    old = LetterState(letter.state)
    letter.state = LetterState.WITHDRAWN
    letter.state_reason = reason
    letter.updated_at = now
    session.add(LetterEvent(letter_id=letter.id, from_state=old,
                            to_state=LetterState.WITHDRAWN, at=now, note=reason))
    session.flush()
    stopped = cancel_for(session, Subject.LETTER, [letter.id])
    stopped += cancel_for(session, Subject.THANKED_LETTER, [letter.id])
    return old, stopped


def record_ask(session: Session, student: Person, letter: Letter, *, now: datetime,
               default_tz: str) -> None:
    """Log the ask as a contact with the writer (an ask, so the transactional-relationship
    rule sees it; it also restarts the follow-up clock). Outside writers have no contacts."""
    writer = session.get(Person, letter.writer_id) if letter.writer_id else None
    if writer is None:
        return
    record_contact(session, student, writer, at=now,
                   note=f"asked for a letter (#{letter.id})", is_ask=True, now=now,
                   default_tz=default_tz)


def mark_packet(session: Session, letter: Letter, done: Iterable[str],
                undone: Iterable[str] = (), *, now: datetime, settings: Settings) -> None:
    """Check packet items off (or back on) and re-plan: a complete packet owes no reminder."""
    if letter.state == LetterState.DECLINED:
        raise UserError(f"Letter #{letter.id} was declined; its packet is closed.")
    packet = dict(letter.packet or {})
    for key in done:
        packet[key] = True
    for key in undone:
        packet.pop(key, None)
    letter.packet = packet
    letter.updated_at = now
    session.flush()
    replan(session, [letter], now, settings)


def record_outcome(session: Session, student: Person, text: str, *, now: datetime,
                   settings: Settings) -> tuple[Outcome, list[Letter]]:
    """Record an outcome and plan a nudge to share it with each writer who submitted; the
    letters returned are theirs. Refused before any letter is submitted."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserError(f"Say what happened, e.g. /{specs.OUTCOME.name} interview at State EM.")
    if not submitted_letters(session, student.id):
        raise UserError("Outcomes are shared with writers who submitted a letter, and none "
                        f"has yet. Mark a letter submitted first (/{specs.UPDATE.name} ID "
                        f"{LetterState.SUBMITTED}).")
    record = Outcome(student_id=student.id, kind=rules.outcome_kind(cleaned), text=cleaned,
                     at=now)
    session.add(record)
    session.flush()
    plan_outcome(session, record, now, settings)
    return record, writers_to_tell(session, [record])[record.id]


def one_per_writer(letters: Sequence[Letter]) -> list[Letter]:
    """The first letter of each writer, in order: whom to tell about an outcome."""
    seen: set[str] = set()
    out = []
    for letter in letters:
        key = rules.writer_key(letter.writer_id, letter.writer_name)
        if key not in seen:
            seen.add(key)
            out.append(letter)
    return out


def next_steps(session: Session, letters: Sequence[Letter], *, today: date,
               tz: str) -> dict[int, rules.NextStep]:
    """Each letter's next step and its date, from the one rule (`rules.next_step`) with the
    days the writer was asked, agreed and submitted: what `/letter list` and the dashboard
    show."""
    ids = [x.id for x in letters]
    agreed = state_moments(session, ids, LetterState.AGREED)
    submitted = state_moments(session, ids, LetterState.SUBMITTED)
    asked = asked_days(session, letters, tz)
    return {
        x.id: rules.next_step(
            x.state, x.deadline, today=today,
            agreed_on=local_day(agreed[x.id], tz) if x.id in agreed else None,
            submitted_on=local_day(submitted[x.id], tz) if x.id in submitted else None,
            asked_on=asked.get(x.id))
        for x in letters
    }


def asked_on(session: Session, letter: Letter, tz: str) -> date | None:
    """The day (in `tz`) the letter's writer was asked; None while it is only planned."""
    return asked_days(session, [letter], tz).get(letter.id)


def other_writers(session: Session, letter: Letter, *, today: date, tz: str) -> list[Person]:
    """Faculty who could write for `letter`'s program instead: people who know the student
    (an active mentorship, or logged contacts) for at least `rules.WRITER_KNOWN_MONTHS`,
    the rule the short-relationship warning reads; never its writer, anyone who declined
    the student, or anyone already writing (or asked, or planned) for the same program as
    read (`programs.same_program`), so a suggestion is never one the bot would then warn
    about. Longest known first."""
    target = programs.read_program(letter.program, letter.portal)
    skip: set[int] = {letter.writer_id} if letter.writer_id is not None else set()
    for writer_id, state, other_program, other_portal in session.execute(
            select(Letter.writer_id, Letter.state, Letter.program, Letter.portal)
            .where(Letter.student_id == letter.student_id, Letter.writer_id.is_not(None))):
        if writer_id is None:
            continue
        if state == LetterState.DECLINED or (
                state not in rules.GONE_STATES
                and programs.same_program(programs.read_program(other_program, other_portal),
                                          target)):
            skip.add(writer_id)
    mentors = set(session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.student_id == letter.student_id, Mentorship.active.is_(True))))
    contacted = set(session.scalars(select(Contact.mentor_id).where(
        Contact.student_id == letter.student_id)))
    starts = relationship_starts(session, letter.student_id, (mentors | contacted) - skip, tz)
    known = {pid: day for pid, day in starts.items() if rules.known_long_enough(day, today)}
    if not known:
        return []
    people = session.scalars(select(Person).where(Person.id.in_(known))).all()
    faculty = [p for p in people if p.is_faculty or p.id in mentors]
    return sorted(faculty, key=lambda p: (known[p.id], p.name, p.id))


def writer_letters(session: Session, writer: Person, *, default_tz: str, now: datetime
                   ) -> list[rules.WriterLetter]:
    """The letters students track with `writer` as their writer, as the writer may see them
    (student, program, state, the personal deadline they were given): only once the student
    has asked, so a letter still being planned never reaches the writer; open ones first,
    soonest first. The personal deadline is the student's own (`rules.personal_deadline`,
    on the student's calendar at `now`): the date the student restates when the one told
    at the ask has passed, never a different one."""
    letters = list(session.scalars(
        select(Letter).where(Letter.writer_id == writer.id,
                             Letter.state != LetterState.PLANNED)))
    if not letters:
        return []
    students = {p.id: p for p in session.scalars(
        select(Person).where(Person.id.in_({x.student_id for x in letters})))}
    moments = state_moments(session, [x.id for x in letters], LetterState.ASKED)
    rows = []
    for x in letters:
        student = students[x.student_id]
        tz = student.timezone or default_tz
        asked = asked_day(x, moments.get(x.id), tz)
        if asked is None:  # withdrawn before the writer was ever asked
            continue
        rows.append(rules.WriterLetter(
            id=x.id, student_id=x.student_id, student_name=student.name, program=x.program,
            state=LetterState(x.state), deadline=x.deadline,
            personal=rules.writer_personal(x.deadline, asked_on=asked,
                                           today=local_day(now, tz)),
            portal=messages.effective_portal(x)))
    return sorted(rows, key=lambda r: (r.state not in rules.OPEN_STATES, r.personal, r.id))


def news_for(session: Session, letter: Letter) -> tuple[str, ...]:
    """The student's outcomes recorded since the writer submitted this letter that it had a
    part in (`programs.credits`: the same track and specialty), newest first: the news an
    outcome update for them shares."""
    submitted = state_moments(session, [letter.id], LetterState.SUBMITTED).get(letter.id)
    if submitted is None:
        return ()
    read = programs.read_program(letter.program, letter.portal)
    texts = session.scalars(
        select(Outcome.text).where(Outcome.student_id == letter.student_id,
                                   Outcome.at >= submitted)
        .order_by(Outcome.at.desc(), Outcome.id.desc()))
    return tuple(text for text in texts
                 if programs.credits(programs.read_program(text), read))[:MAX_NEWS]


MAX_NEWS = 3

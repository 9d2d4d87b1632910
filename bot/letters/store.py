"""Letters in the database: finding a student's letter, resolving its writer, moving it
through its lifecycle, checking packet items off and recording outcomes. The rules
themselves (dates, warnings, legal moves) live in `bot.rules.letters`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.framework.context import Context
from bot.framework.errors import NotFound, UserError
from bot.infra.models import Contact, FacultyProfile, Letter, LetterEvent, Mentorship, Person
from bot.infra.settings import Settings
from bot.infra.zones import local_day, to_local
from bot.letters import rules
from bot.people.resolve import EMAIL

_NAME = re.compile(r"^[^\W\d_][\w.'’\- ,]*$", re.UNICODE)
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


def resolve_writer(ctx: Context, text: str) -> Writer:
    """A faculty member when the reference names one; an outside writer when it is a plain
    name that matches no one confidently. An ambiguous name, an unknown email or mention, or
    text that is not a name is an error."""
    ref = " ".join((text or "").split())
    if not ref:
        raise UserError("Name the writer: a faculty member's name, email or mention, or the "
                        "name of someone outside the group.")
    if EMAIL.match(ref) or ref.startswith("<") or re.fullmatch(r"person:\d+", ref):
        person = ctx.resolve_person(ref, role="faculty")
        return Writer(person, person.name)
    stray = next((w for w in ref.split() if _OPTION.match(w)), None)
    if stray is not None:
        raise UserError(f"/letter remind has no option {stray.split(':')[0]}:. Its options: "
                        "due:, program:, kind:, portal:. Usage: /letter remind WRITER due: "
                        "[program:] [kind:] [portal:]")
    try:
        person = ctx.resolve_person(ref, role="faculty")
    except UserError as exc:
        if exc.title != "Unknown person":
            raise
        if not _NAME.match(ref) or len(ref) > MAX_WRITER_NAME or "@" in ref:
            raise UserError(f"“{ref}” is not a faculty member I know, nor a name I can track "
                            "as an outside writer.") from None
        closest = _closest(exc.message)
        return Writer(None, ref, closest)
    return Writer(person, person.name)


def _closest(message: str) -> tuple[str, ...]:
    _, sep, tail = message.partition("Closest: ")
    return tuple(n.strip() for n in tail.rstrip(".").split(", ") if n.strip()) if sep else ()


def find_letter(ctx: Context, letter_id: int) -> Letter:
    """One of the actor's own letters; other students' letters are never found."""
    letter = ctx.session.get(Letter, letter_id)
    if letter is None or letter.student_id != ctx.actor.id:
        raise NotFound(f"You have no letter #{letter_id}. /letter list shows your letters.")
    return letter


def student_letters(session: Session, student_id: int) -> list[Letter]:
    return list(session.scalars(
        select(Letter).where(Letter.student_id == student_id)
        .order_by(Letter.deadline, Letter.id)))


def facts(session: Session, letters: Sequence[Letter]) -> list[rules.LetterFacts]:
    writer_ids = {x.writer_id for x in letters if x.writer_id is not None}
    specialties: dict[int, str] = {}
    if writer_ids:
        specialties = dict(session.execute(
            select(FacultyProfile.person_id, FacultyProfile.specialty)
            .where(FacultyProfile.person_id.in_(writer_ids))).all())
    return [
        rules.LetterFacts(
            id=x.id, writer_id=x.writer_id, writer_name=x.writer_name, program=x.program,
            kind=x.kind, portal=x.portal, state=x.state, deadline=x.deadline,
            reason=x.state_reason,
            writer_specialty=specialties.get(x.writer_id, "") if x.writer_id else "",
        )
        for x in letters
    ]


def relationship_since(session: Session, student_id: int, writer_id: int | None,
                       tz: str) -> date | None:
    """The first logged day of the relationship: the earliest mentorship start or contact."""
    if writer_id is None:
        return None
    started = session.scalar(select(func.min(Mentorship.started_at)).where(
        Mentorship.student_id == student_id, Mentorship.mentor_id == writer_id))
    contacted = session.scalar(select(func.min(Contact.at)).where(
        Contact.student_id == student_id, Contact.mentor_id == writer_id))
    moments = [m for m in (started, contacted) if m is not None]
    if not moments:
        return None
    return to_local(min(moments), tz).date()


def mentor_kinds(session: Session, student_id: int, writer_id: int | None) -> list[str]:
    if writer_id is None:
        return []
    return list(session.scalars(select(Mentorship.kind).where(
        Mentorship.student_id == student_id, Mentorship.mentor_id == writer_id)))


def create_letter(ctx: Context, *, writer: Writer, deadline: date, program: str,
                  kind: str | None, portal: str | None) -> Letter:
    letter = Letter(
        student_id=ctx.actor.id, writer_id=writer.id, writer_name=writer.name,
        program=program, kind=kind, portal=portal, deadline=deadline, state="planned",
        packet={}, created_at=ctx.now, updated_at=ctx.now,
    )
    ctx.session.add(letter)
    ctx.session.flush()
    ctx.session.add(LetterEvent(letter_id=letter.id, from_state=None, to_state="planned",
                                at=ctx.now))
    ctx.session.flush()
    return letter


def transition(ctx: Context, letter: Letter, wanted: str, reason: str = "") -> str:
    """Move `letter` to `wanted` (refusing illegal moves with the legal ones) and re-plan its
    nudges so those the change made moot are cancelled at once. Returns the old state."""
    try:
        rules.check_transition(letter.state, wanted)
    except rules.IllegalTransition as exc:
        legal = ", ".join(exc.legal)
        hint = (f"From {exc.current} it can go to: {legal}." if legal
                else f"{exc.current} is a final state.")
        raise UserError(f"Letter #{letter.id} is {exc.current}; it cannot become {wanted}. "
                        f"{hint}", title="Not a legal move") from None
    old = letter.state
    letter.state = wanted
    letter.state_reason = reason if wanted == "declined" else letter.state_reason
    letter.updated_at = ctx.now
    ctx.session.add(LetterEvent(letter_id=letter.id, from_state=old, to_state=wanted,
                                at=ctx.now, note=reason))
    if wanted == "asked":
        record_ask(ctx, letter)
    ctx.session.flush()
    replan(ctx.session, [letter], ctx.now, ctx.settings)
    return old


def record_ask(ctx: Context, letter: Letter) -> None:
    """Log the ask as a contact with the writer (an ask, so the transactional-relationship
    rule sees it; it also restarts the follow-up clock). Outside writers have no contacts."""
    from bot.mentoring.store import record_contact

    writer = ctx.session.get(Person, letter.writer_id) if letter.writer_id else None
    if writer is None:
        return
    record_contact(ctx.session, ctx.actor, writer, at=ctx.now,
                   note=f"asked for a letter (#{letter.id})", is_ask=True, now=ctx.now,
                   default_tz=ctx.settings.default_timezone)


def mark_packet(ctx: Context, letter: Letter, done: Iterable[str],
                undone: Iterable[str] = ()) -> None:
    packet = dict(letter.packet or {})
    for key in done:
        packet[key] = True
    for key in undone:
        packet.pop(key, None)
    letter.packet = packet
    letter.updated_at = ctx.now
    ctx.session.flush()
    replan(ctx.session, [letter], ctx.now, ctx.settings)


def state_moments(session: Session, letter_ids: Iterable[int],
                  state: str) -> dict[int, datetime]:
    """When each letter last entered `state`."""
    ids = list(letter_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LetterEvent.letter_id, func.max(LetterEvent.at))
        .where(LetterEvent.letter_id.in_(ids), LetterEvent.to_state == state)
        .group_by(LetterEvent.letter_id)).all()
    return dict(rows)


def next_steps(session: Session, letters: Sequence[Letter], *, today: date,
               tz: str) -> dict[int, rules.NextStep]:
    """Each letter's next step and its date, from the one rule (`rules.next_step`) with the
    days the writer agreed and submitted: what `/letter list` and the dashboard show."""
    ids = [x.id for x in letters]
    agreed = state_moments(session, ids, "agreed")
    submitted = state_moments(session, ids, "submitted")
    return {
        x.id: rules.next_step(
            x.state, x.deadline, today=today,
            agreed_on=local_day(agreed[x.id], tz) if x.id in agreed else None,
            submitted_on=local_day(submitted[x.id], tz) if x.id in submitted else None)
        for x in letters
    }


def other_writers(session: Session, student_id: int, exclude: Iterable[int | None]) -> list[Person]:
    """The student's active mentors who could write instead (not ones excluded)."""
    skip = {x for x in exclude if x is not None}
    mentors = session.scalars(
        select(Person).join(Mentorship, Mentorship.mentor_id == Person.id)
        .where(Mentorship.student_id == student_id, Mentorship.active.is_(True))
        .order_by(Person.name)).unique().all()
    seen: set[int] = set()
    out: list[Person] = []
    for person in mentors:
        if person.id in skip or person.id in seen:
            continue
        seen.add(person.id)
        out.append(person)
    return out


def declined_writer_ids(session: Session, student_id: int) -> set[int]:
    return {wid for wid in session.scalars(select(Letter.writer_id).where(
        Letter.student_id == student_id, Letter.state == "declined")) if wid is not None}


def replan(session: Session, letters: Sequence[Letter], now: datetime,
           settings: Settings) -> None:
    """Plan these letters' nudges now (a state change cancels the ones it made moot)."""
    from bot.letters.planning import letter_plans
    from bot.nudges.planning import store_plans

    store_plans(session, letter_plans(session, letters, settings), now=now)

"""A person's dashboard: mentors with the next follow-up, open action items, letters with
their next step and date, and (for faculty) mentees and pending intro requests. Platform-free:
Slack shows it as the App Home tab, other adapters may show it however they like.

The dates come from the rule modules (`bot.rules.cadence.next_followup`,
`bot.rules.letters.next_step`); `_next_followup` and `_letter_step` are the single place that
reaches them, with a plain fallback while a rule module is not part of the build.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.registry import registry
from bot.framework.replies import Action, Field, Reply, Section
from bot.infra.models import ActionItem, IntroRequest, Letter, Mentorship, Person
from bot.infra.settings import Settings
from bot.infra.zones import format_day, to_local

MAX_ROWS = 20  # per list; the rest is counted, and the list commands show everything

try:  # the follow-ups rule, when present
    from bot.mentoring.cadence import next_followup as _rule_next_followup  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on which features are built
    _rule_next_followup = None

try:  # the letters rule, when present
    from bot.letters.rules import next_step as _rule_next_step  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _rule_next_step = None


def _next_followup(mentorship: Mentorship, tz: str) -> datetime:
    if _rule_next_followup is not None:
        return _rule_next_followup(mentorship.last_contact_at, mentorship.started_at,
                                   mentorship.cadence_days, tz)
    base = mentorship.last_contact_at or mentorship.started_at
    return base + timedelta(days=mentorship.cadence_days)


def _letter_step(letter: Letter, today: date) -> tuple[str, date | None]:
    if _rule_next_step is not None:
        step = _rule_next_step(letter.state, letter.deadline, today=today)
        return step.text, step.on
    fallback = {
        "planned": ("Ask the writer for a strong letter", letter.deadline - timedelta(weeks=6)),
        "asked": ("Hear back from the writer", letter.deadline - timedelta(weeks=4)),
        "agreed": ("Send the packet", today + timedelta(days=3)),
        "packet-sent": ("The writer submits by your personal deadline",
                        letter.deadline - timedelta(days=14)),
        "submitted": ("Send a thank-you note", today + timedelta(days=3)),
        "thanked": ("Share outcomes and keep in touch", None),
        "declined": ("Find another writer", None),
    }
    return fallback.get(letter.state, ("-", None))


def _action(label: str, command: str, value: str, style: str = "default") -> Action | None:
    """A button for `command` with its first positional option set to `value`, only when
    that command exists in this build (a dashboard never offers a dead button)."""
    root, *path = command.split()
    spec = registry.get(root, tuple(path))
    if spec is None or not spec.positionals:
        return None
    return Action(label, command, {spec.positionals[0].name: value}, style)  # type: ignore[arg-type]


def _buttons(*candidates: Action | None) -> tuple[Action, ...]:
    return tuple(a for a in candidates if a is not None)


def _day(moment: datetime | date | None, tz: str) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        moment = to_local(moment, tz).date()
    return format_day(moment)


def dashboard(session: Session, person: Person, now: datetime, settings: Settings) -> Reply:
    tz = person.timezone or settings.default_timezone
    today = to_local(now, tz).date()
    sections: list[Section] = []
    sections += _mentors(session, person, tz)
    sections += _action_items(session, person, tz)
    sections += _letters(session, person, today)
    if person.is_faculty:
        sections += _mentees(session, person, tz)
        sections += _intro_requests(session, person, tz)
    if not sections:
        sections.append(Section(text="Nothing here yet. Try /mentor find to look for a mentor, "
                                     "or /mentor help for everything the bot can do."))
    return Reply(title=f"{person.name}: your mentoring dashboard", sections=tuple(sections),
                 footer=f"Updated {_day(now, tz)} · times in {tz}")


def _more(total: int, shown: int, command: str) -> list[Section]:
    if total <= shown:
        return []
    return [Section(text=f"…and {total - shown} more: {command}")]


def _mentors(session: Session, person: Person, tz: str) -> list[Section]:
    rows = session.execute(
        select(Mentorship, Person)
        .join(Person, Person.id == Mentorship.mentor_id)
        .where(Mentorship.student_id == person.id, Mentorship.active.is_(True))
    ).all()
    if not rows:
        return []
    entries = sorted(((_next_followup(m, tz), m, mentor) for m, mentor in rows),
                     key=lambda e: e[0])
    out = [Section(heading=f"Mentors ({len(entries)})")]
    for due, mentorship, mentor in entries[:MAX_ROWS]:
        out.append(Section(
            text=f"{mentor.name} · {mentorship.kind}",
            fields=(Field("Last contact", _day(mentorship.last_contact_at, tz)),
                    Field("Next follow-up", _day(due, tz))),
            actions=_buttons(_action("Log contact", "mentor log", f"person:{mentor.id}",
                                     "primary")),
        ))
    return out + _more(len(entries), MAX_ROWS, "/mentor list")


def _action_items(session: Session, person: Person, tz: str) -> list[Section]:
    rows = session.execute(
        select(ActionItem, Person)
        .join(Person, Person.id == ActionItem.mentor_id)
        .where(ActionItem.student_id == person.id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.id)
    ).all()
    if not rows:
        return []
    out = [Section(heading=f"Open action items ({len(rows)})")]
    for item, mentor in rows[:MAX_ROWS]:
        out.append(Section(
            text=f"#{item.id} {item.task} (from {mentor.name})",
            fields=(Field("Due", _day(item.due_at, tz)),),
            actions=_buttons(_action("Done", "mentor done", str(item.id), "primary")),
        ))
    return out + _more(len(rows), MAX_ROWS, "/mentor list")


def _letters(session: Session, person: Person, today: date) -> list[Section]:
    letters = list(session.scalars(
        select(Letter).where(Letter.student_id == person.id).order_by(Letter.deadline)
    ))
    if not letters:
        return []
    out = [Section(heading=f"Letters ({len(letters)})")]
    for letter in letters[:MAX_ROWS]:
        step, on = _letter_step(letter, today)
        program = f" for {letter.program}" if letter.program else ""
        out.append(Section(
            text=f"#{letter.id} {letter.writer_name}{program} · {letter.state}",
            fields=(Field("Deadline", format_day(letter.deadline)),
                    Field("Next step", f"{step} ({format_day(on)})" if on else step)),
        ))
    return out + _more(len(letters), MAX_ROWS, "/letter list")


def _mentees(session: Session, person: Person, tz: str) -> list[Section]:
    rows = session.execute(
        select(Mentorship, Person)
        .join(Person, Person.id == Mentorship.student_id)
        .where(Mentorship.mentor_id == person.id, Mentorship.active.is_(True))
        .order_by(Person.name)
    ).all()
    if not rows:
        return []
    lines = [f"{student.name} · {m.kind} · last contact {_day(m.last_contact_at, tz)}"
             for m, student in rows[:MAX_ROWS]]
    return [Section(heading=f"Mentees ({len(rows)})", text="\n".join(lines))] + _more(
        len(rows), MAX_ROWS, "/mentor list")


def _intro_requests(session: Session, person: Person, tz: str) -> list[Section]:
    rows = session.execute(
        select(IntroRequest, Person)
        .join(Person, Person.id == IntroRequest.student_id)
        .where(IntroRequest.faculty_id == person.id, IntroRequest.state == "open")
        .order_by(IntroRequest.created_at)
    ).all()
    if not rows:
        return []
    out = [Section(heading=f"Intro requests waiting for you ({len(rows)})")]
    for request, student in rows[:MAX_ROWS]:
        ref = f"person:{student.id}"
        out.append(Section(
            text=f"{student.name} asks for a {request.kind} mentor"
                 + (f": {request.note}" if request.note else ""),
            fields=(Field("Asked", _day(request.created_at, tz)),),
            actions=_buttons(_action("Accept", "mentor accept", ref, "primary"),
                             _action("Decline", "mentor decline", ref, "danger")),
        ))
    return out + _more(len(rows), MAX_ROWS, "/mentor list")


"""A person's dashboard: mentors with the next follow-up, open action items, letters with
their next step and date, and (for faculty) mentees and pending intro requests. Platform-free:
Slack shows it as the App Home tab, other adapters may show it however they like.

Every date comes from the rule that owns it, read the way `/mentor list` and `/letter list`
read it: follow-ups and last contacts from `bot.mentoring.history.followups` (the one
last-contact rule and `bot.mentoring.cadence.next_followup`), letters' next steps from
`bot.letters.store.next_steps`, and a faculty writer's letters from
`bot.letters.store.writer_letters` (what `/letter list` shows them: never a letter's text, and
nothing of a student's letters but the ones they write).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Field, Reply, Section
from bot.infra.models import ActionItem, Mentorship, Person
from bot.infra.settings import Settings
from bot.infra.zones import format_day, local_day
from bot.letters import messages as letter_messages
from bot.letters import specs as letter_specs
from bot.letters import store as letter_store
from bot.letters.rules import GONE_STATES
from bot.matching import specs as matching_specs
from bot.mentoring import specs as mentoring_specs
from bot.mentoring import store as mentoring_store
from bot.mentoring.history import followups

MAX_ROWS = 20  # per list; the rest is counted, and the list commands show everything


def _day(moment: datetime | date | None, tz: str) -> str:
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        moment = local_day(moment, tz)
    return format_day(moment)


def dashboard(session: Session, person: Person, now: datetime, settings: Settings) -> Reply:
    tz = person.timezone or settings.default_timezone
    today = local_day(now, tz)
    sections: list[Section] = []
    sections += _mentors(session, person, tz, settings.default_timezone)
    sections += _action_items(session, person, tz)
    sections += _letters(session, person, today, tz)
    if person.is_faculty:
        sections += _mentees(session, person, tz, settings.default_timezone)
        sections += _intro_requests(session, person, tz)
        sections += _writing(session, person, now, today, settings.default_timezone)
    if not sections:
        sections.append(Section(text="Nothing here yet. Try /mentor find to look for a mentor, "
                                     "or /mentor help for everything the bot can do."))
    return Reply(title=f"{person.name}: your mentoring dashboard", sections=tuple(sections),
                 footer=f"Updated {_day(now, tz)} · times in {tz}")


def _more(total: int, shown: int, command: str) -> list[Section]:
    if total <= shown:
        return []
    return [Section(text=f"…and {total - shown} more: {command}")]


def _mentors(session: Session, person: Person, tz: str, default_tz: str) -> list[Section]:
    rows = followups(session, Mentorship.student_id == person.id, default_tz=default_tz)
    if not rows:
        return []
    entries = sorted(rows, key=lambda row: row.due_at)
    out = [Section(heading=f"Mentors ({len(entries)})")]
    for row in entries[:MAX_ROWS]:
        out.append(Section(
            text=f"{row.mentor_name} · {row.kind}",
            fields=(Field("Last contact", _day(row.last_contact, tz)),
                    Field("Next follow-up", _day(row.due_at, tz))),
            actions=(mentoring_specs.LOG.action("Log contact",
                                                {"mentor": f"person:{row.mentor_id}"},
                                                style="primary"),),
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
            actions=(mentoring_specs.DONE.action("Done", {"id": item.id}, style="primary"),),
        ))
    return out + _more(len(rows), MAX_ROWS, "/mentor list")


def _letters(session: Session, person: Person, today: date, tz: str) -> list[Section]:
    """The student's letters still in play (withdrawn and declined ones stay in
    `/letter list`), each with its next step on a day still ahead."""
    letters = [x for x in letter_store.student_letters(session, person.id)
               if x.state not in GONE_STATES]
    if not letters:
        return []
    steps = letter_store.next_steps(session, letters[:MAX_ROWS], today=today, tz=tz)
    out = [Section(heading=f"Letters ({len(letters)})")]
    for letter in letters[:MAX_ROWS]:
        program = f" for {letter.program}" if letter.program else ""
        out.append(Section(
            text=f"#{letter.id} {letter.writer_name}{program} · {letter.state}",
            fields=(Field("Deadline", format_day(letter.deadline)),
                    Field("Next step", letter_messages.step_text(steps[letter.id], today))),
        ))
    return out + _more(len(letters), MAX_ROWS, f"/{letter_specs.LIST.name}")


def _writing(session: Session, person: Person, now: datetime, today: date,
             default_tz: str) -> list[Section]:
    """The letters students asked this faculty member to write: student, program, state and
    the personal deadline they were given."""
    rows = letter_store.writer_letters(session, person, default_tz=default_tz, now=now)
    if not rows:
        return []
    return ([Section(heading=f"Letters you are writing ({len(rows)})")]
            + letter_messages.writer_sections(rows[:MAX_ROWS], today)
            + _more(len(rows), MAX_ROWS, f"/{letter_specs.LIST.name}"))


def _mentees(session: Session, person: Person, tz: str, default_tz: str) -> list[Section]:
    rows = sorted(mentoring_store.mentees(session, person, default_tz=default_tz),
                  key=lambda row: row.student_name)
    if not rows:
        return []
    lines = [f"{row.student_name} · {row.kind} · last contact {_day(row.last_contact, tz)}"
             for row in rows[:MAX_ROWS]]
    return [Section(heading=f"Mentees ({len(rows)})", text="\n".join(lines))] + _more(
        len(rows), MAX_ROWS, "/mentor list")


def _intro_requests(session: Session, person: Person, tz: str) -> list[Section]:
    rows = mentoring_store.requests_waiting(session, person)
    if not rows:
        return []
    out = [Section(heading=f"Intro requests waiting for you ({len(rows)})")]
    for request, student in rows[:MAX_ROWS]:
        ref = {"student": f"person:{student.id}"}
        out.append(Section(
            text=f"{student.name} asks for a {request.kind} mentor"
                 + (f": {request.note}" if request.note else ""),
            fields=(Field("Asked", _day(request.created_at, tz)),),
            actions=(matching_specs.ACCEPT.action("Accept", ref, style="primary"),
                     matching_specs.DECLINE.action("Decline", ref, style="danger")),
        ))
    return out + _more(len(rows), MAX_ROWS, "/mentor list")

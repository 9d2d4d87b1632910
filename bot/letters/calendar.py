"""A student's letter dates as an iCalendar file (RFC 5545, via the icalendar library).

Each letter gives three all-day events — ask-by, the personal deadline told to the writer,
and the real deadline — with UIDs derived from the letter's id, so importing a newer file
updates the same events instead of adding copies. The days to act on are today or later: a
letter not yet asked whose ask-by has passed is asked today, and an open letter's personal
deadline is the one still possible (`rules.personal_deadline`). A declined or withdrawn
letter's events are published as CANCELLED so calendars drop them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bot.infra.models import Letter
from bot.letters import messages, rules
from bot.letters.rules import Due
from bot.vocab.letters import LetterState

PRODID = "-//mentorbot//letters//EN"
UID_DOMAIN = "mentorbot"
FILENAME = "letters.ics"
MIME_TYPE = "text/calendar"


EVENTS = ("askby", "personal", "deadline")


def event_days(letter: Letter, *, today: date, asked_on: date | None) -> dict[str, Due]:
    """The days a letter puts in the calendar: ask-by, the personal deadline told to the
    writer, and the real deadline. While the letter is open they are days to act on (today
    or later); once it is submitted, or gone, they are its history."""
    line = rules.timeline(letter.deadline)
    ask = Due(line.ask_by, line.ask_by)
    if letter.state == LetterState.PLANNED:
        ask = rules.act_by(line.ask_by, today)
    if letter.state in rules.OPEN_STATES:
        personal = rules.personal_deadline(letter.deadline, today=today, asked_on=asked_on)
    else:
        told = rules.told_personal(letter.deadline, asked_on) if asked_on else line.personal
        personal = Due(line.personal, told)
    return {"askby": ask, "personal": personal,
            "deadline": Due(line.deadline, line.deadline)}


def event_count(letters: Sequence[Letter]) -> int:
    return len(EVENTS) * len(letters)


def event_uid(letter_id: int, what: str) -> str:
    """Stable per letter and date kind (`askby`, `personal`, `deadline`)."""
    return f"letter-{letter_id}-{what}@{UID_DOMAIN}"


def letters_calendar(letters: Sequence[Letter], *, now: datetime, today: date,
                     asked: Mapping[int, date] | None = None,
                     sequences: Mapping[int, int] | None = None) -> bytes:
    """The .ics bytes, as of the student's `today`. `asked` (letter id → the day its writer
    was asked) fixes the personal deadlines told; `sequences` (letter id → number of
    changes) lets calendars see which copy of an event is newer."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Recommendation letters")
    for letter in letters:
        days = event_days(letter, today=today, asked_on=(asked or {}).get(letter.id))
        for what, due in days.items():
            summary, description = messages.calendar_event_text(letter, what, due)
            cal.add_component(_event(letter, what, due.on, summary, description, now,
                                     (sequences or {}).get(letter.id, 0)))
    return cal.to_ical()


def _event(letter: Letter, what: str, day: date, summary: str, description: str,
           now: datetime, sequence: int) -> Event:
    event = Event()
    event.add("uid", event_uid(letter.id, what))
    event.add("dtstamp", now)
    event.add("last-modified", letter.updated_at)
    event.add("sequence", sequence)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if letter.state in rules.GONE_STATES else "CONFIRMED")
    return event

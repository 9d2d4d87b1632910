"""A student's letter dates as an iCalendar file (RFC 5545, via the icalendar library).

Each letter gives three all-day events — ask-by, the personal deadline told to the writer,
and the real deadline — with UIDs derived from the letter's id, so importing a newer file
updates the same events instead of adding copies. A declined letter's events are published
as CANCELLED so calendars drop them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bot.infra.models import Letter
from bot.letters import messages, rules
from bot.vocab.letters import LetterState

PRODID = "-//mentorbot//letters//EN"
UID_DOMAIN = "mentorbot"
FILENAME = "letters.ics"
MIME_TYPE = "text/calendar"


def event_days(letter: Letter) -> dict[str, date]:
    """The dates a letter puts in the calendar: ask-by, the personal deadline told to the
    writer, and the real deadline."""
    line = rules.timeline(letter.deadline)
    return {"askby": line.ask_by, "personal": line.personal, "deadline": line.deadline}


def event_count(letters: Sequence[Letter]) -> int:
    return sum(len(event_days(letter)) for letter in letters)


def event_uid(letter_id: int, what: str) -> str:
    """Stable per letter and date kind (`askby`, `personal`, `deadline`)."""
    return f"letter-{letter_id}-{what}@{UID_DOMAIN}"


def letters_calendar(letters: Sequence[Letter], *, now: datetime,
                     sequences: Mapping[int, int] | None = None) -> bytes:
    """The .ics bytes. `sequences` (letter id → number of changes) lets calendars see which
    copy of an event is newer."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Recommendation letters")
    for letter in letters:
        for what, day in event_days(letter).items():
            summary, description = messages.calendar_event_text(letter, what)
            cal.add_component(_event(letter, what, day, summary, description, now,
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
    event.add("status", "CANCELLED" if letter.state == LetterState.DECLINED else "CONFIRMED")
    return event

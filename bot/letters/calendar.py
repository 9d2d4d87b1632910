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
from bot.letters import rules

PRODID = "-//mentorbot//letters//EN"
UID_DOMAIN = "mentorbot"
FILENAME = "letters.ics"
MIME_TYPE = "text/calendar"


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
        line = rules.timeline(letter.deadline)
        program = f" ({letter.program})" if letter.program else ""
        who = letter.writer_name
        entries = (
            ("askby", line.ask_by, f"Ask {who} for a letter{program}",
             "Ideal ask-by date: 6 weeks before the deadline. Ask for a strong letter."),
            ("personal", line.personal, f"Personal deadline for {who}'s letter{program}",
             "The date you gave the writer: 14 days before the real deadline."),
            ("deadline", line.deadline, f"Letter deadline: {who}{program}",
             f"The real deadline{' via ' + letter.portal if letter.portal else ''}."),
        )
        for what, day, summary, description in entries:
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
    event.add("description", f"{description} Letter #{letter.id}, now {letter.state}.")
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if letter.state == "declined" else "CONFIRMED")
    return event

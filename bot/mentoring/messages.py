"""The wording of mentoring: the follow-up (with, now and then, an offer to help the
mentor), transactional, action-item, keep-in-touch and check-in nudges, and the replies of
`/mentor list`, `log`, `cadence`, `group rhythm`, `todo`, `done`, `checkin`, `end` and the
notices that tell the other side a mentorship ended.

Every threshold a sentence states is worded from the constant that decides it, read when
the sentence is built (`cadence.ACTIVE_MENTOR_DAYS`, `rules.ACTION_REMINDER_DAYS`,
`rules.KEEP_IN_TOUCH_MONTHS`…), so changing a rule changes what people are told. Pure: plain
values in, `Reply` values out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from bot.framework.replies import Action, ActionStyle, Field, Reply, Section
from bot.framework.wording import count
from bot.infra.zones import format_day, format_local, local_day
from bot.matching import specs as matching_specs
from bot.mentoring import cadence, rules, specs
from bot.mentoring.cadence import describe_cadence
from bot.mentoring.drafts import salutation
from bot.mentoring.first_meeting import meeting_length
from bot.mentoring.history import Followup
from bot.mentoring.outline import outline_text
from bot.mentoring.rules import ValueOffer
from bot.mentoring.vocab import CheckinAnswer, EndReason
from bot.vocab.mentoring import MentorKind

OUTLINE_HEADING = "A four-part update"

RecentContact = tuple[datetime, str, bool]
"""(when, note, was an ask) of a contact the student logged."""

OpenItem = tuple[int, str, datetime | None]
"""(id, task, due instant) of an open action item."""


# --- words for counts and thresholds -----------------------------------------------------


def days_after(days: int) -> str:
    """`1` → "the day after"; `3` → "3 days after"."""
    return "the day after" if days == 1 else f"{count(days, 'day')} after"


def keep_in_touch_interval() -> str:
    """How often a thanked writer hears news: "about 3 months"."""
    return f"about {count(rules.KEEP_IN_TOUCH_MONTHS, 'month')}"


def active_kinds() -> str:
    """The kinds of mentor a student works with actively: "research and clinical"."""
    return " and ".join(kind.value for kind in MentorKind if kind in cadence.ACTIVE_KINDS)


def action_reminders() -> str:
    """When an overdue action item is raised: "the day after … then weekly"."""
    return (f"{days_after(rules.ACTION_FIRST_REMINDER_DAYS)} if it's still open, then "
            f"{describe_cadence(rules.ACTION_REMINDER_DAYS)}")


@lru_cache(maxsize=4096)
def _format_day(day: date) -> str:
    """Bulk planning words the same few hundred days over and over."""
    return format_day(day)


def day_of(moment: datetime, tz: str) -> str:
    """A stored UTC instant as the day it falls on in `tz`."""
    return _format_day(local_day(moment, tz))


def log_action(mentor_id: int, *, primary: bool = True) -> Action:
    return specs.LOG.action("Log contact", {"mentor": f"person:{mentor_id}"},
                            style="primary" if primary else "default")


def done_action(item_id: int, label: str = "Mark done", *, primary: bool = True) -> Action:
    return specs.DONE.action(label, {"id": item_id}, style="primary" if primary else "default")


# --- nudges ------------------------------------------------------------------------------


_OUTLINE = outline_text()


@dataclass(frozen=True)
class MentorFacts:
    """What the bot knows about a mentor that a student could offer help with."""

    research: tuple[str, ...] = ()
    office_hours: str | None = None
    group: str | None = None  # a group the two share


def value_offer_text(offer: ValueOffer, mentor_name: str, facts: MentorFacts) -> str:
    """One concrete way to help the mentor, from what the bot knows about them."""
    match offer:
        case ValueOffer.RESEARCH:
            topic = facts.research[0] if facts.research else "their field"
            return (f"Send {mentor_name} a paper, talk or news item on {topic} you came "
                    "across, with a line on why it made you think of them; or offer an hour "
                    "of help on that work: a literature search, data entry, a poster draft.")
        case ValueOffer.OFFICE_HOURS:
            return (f"{mentor_name} holds office hours ({(facts.office_hours or '').strip()}): "
                    "stop by with your update in person, and offer a hand with something on "
                    "their plate, such as a teaching session for newer students.")
        case ValueOffer.GROUP:
            return (f"Invite {mentor_name} to speak at a {facts.group} meeting or event: "
                    "students hear from them, and it counts toward their teaching and "
                    "service record.")
        case ValueOffer.THANKS:
            return (f"Tell {mentor_name} which piece of their advice worked and what it led "
                    "to: mentors rarely hear it, and it is the simplest thing to give back.")


OFFER_HEADING = "Offer something back"


def followup(mentor_id: int, mentor_name: str, cadence_days: int, started: datetime,
             last: datetime | None, tz: str, recent: Sequence[RecentContact],
             items: Sequence[OpenItem], offer: str | None = None) -> Reply:
    if last is None:
        since = (f"You haven't logged any contact since you started working together on "
                 f"{day_of(started, tz)}.")
    else:
        since = f"Your last logged contact was on {day_of(last, tz)}."
    sections = [Section(heading=OUTLINE_HEADING, text=_OUTLINE)]
    if recent:
        lines = [f"• {day_of(at, tz)}{' (an ask)' if is_ask else ''}: {note or 'no note'}"
                 for at, note, is_ask in recent]
        sections.append(Section(heading="What you logged recently", text="\n".join(lines)))
    if items:
        lines = [f"• #{iid} {task}" + (f" (due {day_of(due, tz)})" if due else "")
                 for iid, task, due in items]
        sections.append(Section(heading="Suggestions to circle back on", text="\n".join(lines)))
    if offer:
        sections.append(Section(heading=OFFER_HEADING, text=offer))
    return Reply(
        title=f"Time to check in with {mentor_name}",
        text=f"{since} Your rhythm with {mentor_name} is {describe_cadence(cadence_days)}. "
             "Send a short update, then log it here to restart the clock.",
        sections=tuple(sections),
        actions=(log_action(mentor_id),),
        footer="Done it already? Log it with /mentor log, adding on: for an earlier date.",
    )


def transactional(mentor_id: int, mentor_name: str, since: datetime, tz: str) -> Reply:
    return Reply(
        title=f"Share some news with {mentor_name} — no ask attached",
        text=f"Since {day_of(since, tz)}, each time you got in touch with {mentor_name} it was "
             "to ask for something. Mentors stay invested when they hear how things are "
             "going: send a short update on what you have been doing and learning, and ask "
             "for nothing this time.",
        sections=(Section(heading=OUTLINE_HEADING, text=_OUTLINE),),
        actions=(log_action(mentor_id),),
    )


def action_item(item_id: int, mentor_id: int, task: str, item_due: datetime,
                mentor_name: str, tz: str) -> Reply:
    return Reply(
        title=f"Circle back: {task}",
        text=f"{mentor_name} suggested this, due {day_of(item_due, tz)}. Done it? Close it with "
             "a line on how it went. Decided not to? That counts too: close it with your "
             "reason, and tell them next time you write.",
        actions=(done_action(item_id), log_action(mentor_id)),
        footer=f"/mentor done {item_id} note:\"decided not to, because …\"",
    )


def keep_in_touch(writer_id: int, writer_name: str, last_touch: datetime, tz: str) -> Reply:
    return Reply(
        title=f"Keep {writer_name} posted",
        text=f"It has been {keep_in_touch_interval()} since you last touched base with "
             f"{writer_name} ({day_of(last_touch, tz)}). Writers like hearing how things "
             "turned out: interviews, results, what you are doing now. A short note keeps "
             "the door open.",
        sections=(Section(heading=OUTLINE_HEADING, text=_OUTLINE),),
        actions=(log_action(writer_id),),
    )


# --- /mentor list ------------------------------------------------------------------------

LIST_TITLE = "Your mentoring"


def nothing_listed(is_student: bool) -> Reply:
    text = ("Nothing yet. Students: find a mentor with /mentor find, then log each "
            "contact with /mentor log." if is_student else
            "No mentees or intro requests yet. Set /mentor profile accepting:yes to "
            "receive requests.")
    return Reply(title=LIST_TITLE, text=text)


def listed(sections: Sequence[Section], tz: str) -> Reply:
    return Reply(title=LIST_TITLE, sections=tuple(sections),
                 footer=f"Dates are in your time zone ({tz}).")


def due_suffix(due_at: datetime | None, tz: str, today: date) -> str:
    """" — due Wed 20 Jan 2027", marked overdue once its local day has passed."""
    if due_at is None:
        return ""
    day = local_day(due_at, tz)
    late = ", overdue" if day < today else ""
    return f" — due {format_day(day)}{late}"


def items_text(items: Sequence[OpenItem], tz: str, today: date) -> str:
    if not items:
        return "No open action items."
    lines = [f"#{iid} {task}{due_suffix(due, tz, today)}" for iid, task, due in items]
    return "Open action items:\n" + "\n".join(lines)


def mentor_section(row: Followup, items: Sequence[OpenItem], tz: str, now: datetime) -> Section:
    overdue = " (overdue)" if row.due_at <= now else ""
    last = format_day(local_day(row.last_contact, tz)) if row.last_contact else "none logged"
    return Section(
        heading=f"{row.mentor_name} — your {row.kind} mentor",
        text=items_text(items, tz, local_day(now, tz)),
        fields=(
            Field("Kind", row.kind),
            Field("Since", format_day(local_day(row.started_at, tz))),
            Field("Last contact", last),
            Field("Rhythm", describe_cadence(row.cadence_days)),
            Field("Next follow-up", format_local(row.due_at, tz) + overdue),
        ),
        actions=(log_action(row.mentor_id),),
    )


def other_items_section(items: Sequence[tuple[OpenItem, str]], tz: str,
                        today: date) -> Section:
    """Open items from faculty who are not the student's mentors, with who suggested each."""
    lines = [f"#{iid} {task} (from {mentor_name})" + due_suffix(due, tz, today)
             for (iid, task, due), mentor_name in items]
    return Section(heading="Other open action items", text="\n".join(lines))


def mentees_section(rows: Sequence[Followup], tz: str) -> Section:
    lines = []
    for row in rows:
        last = (format_day(local_day(row.last_contact, tz)) if row.last_contact
                else "no contact logged")
        lines.append(f"{row.student_name} — {row.kind}, since "
                     f"{format_day(local_day(row.started_at, tz))}; last contact: {last}")
    return Section(heading=f"Your mentees ({len(rows)})", text="\n".join(lines))


def intro_request_section(student_id: int, student_name: str, kind: str, note: str,
                          sent: datetime, tz: str) -> Section:
    ref = {"student": f"person:{student_id}"}
    quoted = f"\n“{note}”" if note else ""
    return Section(
        heading=f"Intro request from {student_name}",
        text=f"Asks you to be their {kind} mentor (sent "
             f"{format_day(local_day(sent, tz))}).{quoted}",
        actions=(matching_specs.ACCEPT.action("Accept", ref, style="primary"),
                 matching_specs.DECLINE.action("Decline", ref)),
    )


# --- /mentor log and /mentor cadence -----------------------------------------------------


@dataclass(frozen=True)
class Logged:
    """What `/mentor log` did, for its reply."""

    mentor_id: int
    mentor_name: str
    at: datetime
    is_ask: bool
    followup: Followup | None  # None: not one of the student's mentors
    rating: int | None = None


def logged(done: Logged, *, now: datetime, tz: str, offers: Sequence[int]) -> Reply:
    """The answer to `/mentor log`. `offers` are the rhythms (in days) offered as buttons."""
    when = "today" if done.at == now else format_day(local_day(done.at, tz))
    what = "an ask" if done.is_ask else "an update"
    title = f"Logged {what} with {done.mentor_name} ({when})"
    rated = "" if done.rating is None else " " + rating_note(done.rating, done.mentor_name)
    row = done.followup
    if row is None:
        return Reply(
            title=title,
            text=f"{done.mentor_name} isn't one of your mentors, so no follow-up rhythm "
                 "applies; the contact still counts for your letters and keeping in touch."
                 + rated,
        )
    text = (f"Next follow-up: {format_local(row.due_at, tz)} "
            f"({describe_cadence(row.cadence_days)}).") + rated
    if done.is_ask:
        text += " Tip: mentors like news with no ask attached, too."
    ref = f"person:{done.mentor_id}"
    buttons = tuple(
        specs.CADENCE.action(describe_cadence(days).capitalize(),
                             {"mentor": ref, "every": f"{days // 7}w"})
        for days in offers if days != row.cadence_days
    )
    return Reply(
        title=title,
        text=text,
        sections=(Section(heading="Change the rhythm?", text="Keep in touch with "
                          f"{done.mentor_name}:", actions=buttons),),
    )


def not_your_mentor_cadence(mentor_name: str) -> str:
    return f"cadence: sets the rhythm of a mentorship, and {mentor_name} is not your mentor."


def no_rhythm_to_set(mentor_name: str) -> str:
    return f"{mentor_name} is not your mentor, so there is no rhythm to set."


def cadence_set(row: Followup, tz: str) -> Reply:
    return Reply(title=f"You'll keep in touch with {row.mentor_name} "
                       f"{describe_cadence(row.cadence_days)}",
                 text=f"Next follow-up: {format_local(row.due_at, tz)}.")


def group_rhythm_set(group_name: str, weeks: int, moved: int) -> Reply:
    return Reply(
        title=f"{group_name}: main mentors {describe_cadence(weeks * 7)}",
        text=f"New career mentorships in the group start with this rhythm; {moved} current "
             "one(s) on the group's previous rhythm moved to it. Students who chose their own "
             f"rhythm keep theirs. {active_kinds().capitalize()} mentors stay "
             f"{describe_cadence(cadence.ACTIVE_MENTOR_DAYS)}.",
    )


# --- /mentor todo and /mentor done -------------------------------------------------------


def todo_noted(item_id: int, task: str, mentor_name: str, due: date | None) -> Reply:
    when = (f"Due {format_day(due)}: I'll remind you {action_reminders()}." if due else
            "No due date: it will show in /mentor list and in your next follow-up with them.")
    return Reply(
        title=f"Noted #{item_id}: {task}",
        text=f"Suggested by {mentor_name}. {when} Close it with /mentor done {item_id} — "
             "deciding not to, with a reason, counts too.",
        actions=(done_action(item_id, primary=False),),
    )


def item_closed(item_id: int, task: str, mentor_id: int, mentor_name: str,
                decided_not: bool) -> Reply:
    closing = ("Closed with your reason for not doing it — that still counts as circling back."
               if decided_not else "Nice work.")
    return Reply(
        title=f"Closed #{item_id}: {task}",
        text=f"{closing} Let {mentor_name} know next time you write, and log it with "
             "/mentor log.",
        actions=(log_action(mentor_id, primary=False),),
    )


def no_such_item(item_id: int) -> str:
    return f"You have no action item #{item_id}. /mentor list shows yours."


def already_closed(item_id: int, done_at: datetime, tz: str) -> str:
    """The day an item was closed, on the student's calendar (not the UTC one)."""
    return f"Action item #{item_id} was already closed on {local_day(done_at, tz).isoformat()}."


def before_mentorship(name: str, kind: str, started: date, on: date) -> str:
    """Why a contact dated before the mentorship began is refused."""
    return (f"Your {kind} mentorship with {name} began on {format_day(started)}, so a "
            f"contact on {format_day(on)} came before it and is not logged. Log contacts "
            f"from {format_day(started)} on: the mentorship's rhythm, check-ins and record "
            "count from its first day.")


def note_too_long(length: int, limit: int) -> str:
    return f"note: is too long ({length} characters; at most {limit})."


# --- rating a meeting --------------------------------------------------------------------

RATING_LABELS: dict[int, str] = {1: "not useful", 2: "a little useful", 3: "useful",
                                 4: "very useful"}
"""How each mark of `rules.RATING_SCALE` reads."""


def rating_label(rating: int) -> str:
    return RATING_LABELS.get(rating, str(rating))


def rating_note(rating: int, mentor_name: str) -> str:
    """'Rated 3 of 4 (useful): …never sees ratings…'."""
    _low, high = rules.RATING_SCALE
    return (f"Rated {rating} of {high} ({rating_label(rating)}). {mentor_name} never sees "
            "your ratings; organizers see only the group's average.")


def rating_actions(mentor_id: int) -> tuple[Action, ...]:
    """One button per mark of the scale: `/mentor log MENTOR rating:N`."""
    low, high = rules.RATING_SCALE
    return tuple(
        specs.LOG.action(f"{n} · {rating_label(n).capitalize()}",
                         {"mentor": f"person:{mentor_id}", "rating": n})
        for n in range(low, high + 1))


def rated(mentor_name: str, at: datetime, rating: int, tz: str) -> Reply:
    """`/mentor log MENTOR rating:N` rated a contact just logged rather than adding one."""
    return Reply(title=f"Rated your contact with {mentor_name} on {day_of(at, tz)}",
                 text=rating_note(rating, mentor_name))


def bad_rating(rating: int) -> str:
    low, high = rules.RATING_SCALE
    return f"rating: goes from {low} to {high}, not {rating}."


# --- "Did you meet?" check-ins -----------------------------------------------------------

MET_NOTE = "met (check-in)"
"""The note of the contact a "We met" answer logs."""

CHECKIN_LABELS: dict[str, str] = {
    CheckinAnswer.MET: "We met",
    CheckinAnswer.NOT_YET: "Not yet",
    CheckinAnswer.NO: "Not going to happen",
}


def checkin_actions(mentor_id: int) -> tuple[Action, ...]:
    ref = f"person:{mentor_id}"
    styles: dict[str, ActionStyle] = {CheckinAnswer.MET: "primary", CheckinAnswer.NO: "danger"}
    return tuple(
        specs.CHECKIN.action(CHECKIN_LABELS[answer], {"mentor": ref, "answer": answer},
                             style=styles.get(answer, "default"))
        for answer in CheckinAnswer)


def checkin(mentor_id: int, mentor_name: str, kind: str, started: datetime, round_: int,
            previous_answer: datetime | None, tz: str) -> Reply:
    """The `checkin` nudge: did the student meet their new mentor yet?"""
    if round_ == 0 or previous_answer is None:
        text = (f"{mentor_name} became your {kind} mentor on {day_of(started, tz)}. Did you "
                f"meet yet? A first meeting of {meeting_length()} is enough to get going.")
    else:
        text = (f"On {day_of(previous_answer, tz)} you said you hadn't met yet. Have you "
                f"met {mentor_name} since?")
    if round_ >= rules.CHECKIN_LAST_ROUND:
        text += " I won't ask again after this."
    return Reply(
        title=f"Did you meet {mentor_name} yet?",
        text=text,
        actions=checkin_actions(mentor_id),
        footer=f"{mentor_name} never sees your answer.",
    )


def met(mentor_id: int, mentor_name: str, followup: Followup | None, tz: str) -> Reply:
    """After "We met": the meeting is logged; how useful was it?"""
    low, high = rules.RATING_SCALE
    next_one = (f" Next follow-up: {format_local(followup.due_at, tz)}."
                if followup is not None else "")
    return Reply(
        title=f"Logged your meeting with {mentor_name}",
        text=f"Good to hear.{next_one} How useful was it, from {low} to {high}? "
             f"{mentor_name} never sees your rating; organizers see only the group's average.",
        actions=rating_actions(mentor_id),
    )


def not_yet(mentor_name: str, ask_again: date | None) -> Reply:
    """After "Not yet": when the question comes back, or that it won't."""
    first = salutation(mentor_name, is_faculty=True)
    nudge = (f"A short note to {first} offering two or three times that suit you often does "
             "it; /mentor draft intro has a first message to adapt.")
    if ask_again is not None:
        return Reply(title="Not yet — that's fine",
                     text=f"I'll ask again on {format_day(ask_again)}. {nudge}")
    return Reply(title="Not yet — I won't ask again",
                 text=f"{nudge} If it isn't going to happen, /mentor end {mentor_name} closes "
                      "the mentorship kindly and frees their place for someone else.")


def no_checkin_open(mentor_name: str, answered: tuple[str, datetime] | None, tz: str) -> str:
    if answered is not None:
        answer, at = answered
        return (f"You already answered about {mentor_name} on {day_of(at, tz)} "
                f"({CHECKIN_LABELS.get(answer, answer).lower()}).")
    return f"I haven't asked whether you met {mentor_name} yet."


# --- ending a mentorship -----------------------------------------------------------------


def find_action(kind: str) -> Action:
    return matching_specs.FIND.action("Find another mentor", {"kind": kind}, style="primary")


def not_in_mentorship(name: str) -> str:
    return f"You have no current mentorship with {name}. /mentor list shows yours."


def already_ended(name: str) -> str:
    return f"Your mentorship with {name} has already ended."


def _quoted(note: str) -> str:
    return f" Their note: “{note.strip()}”." if note.strip() else ""


def ended_notice(reason: str, *, to_student: bool, other_name: str, kind: str,
                 note: str) -> Reply:
    """To the side that did not end it: kindly, what happened and what it means for them."""
    title = f"Your mentorship with {other_name} has ended"
    if reason == EndReason.DELETED:
        text = (f"{other_name} is no longer using mentorbot, so your {kind} mentorship here "
                "has ended and its reminders have stopped.")
    elif to_student:
        text = (f"{other_name} has closed your {kind} mentorship.{_quoted(note)} Mentors step "
                "back for many reasons — a full schedule, a leave, a change of focus — and it "
                "says nothing about you. Thank you for the work you did together; its "
                "reminders have stopped.")
    elif reason == EndReason.NO_MEETING:
        text = (f"{other_name} let me know a first meeting with you isn't going to happen, so "
                f"I've closed the {kind} mentorship. Thank you for saying yes; your place is "
                "free again for another student.")
    else:
        text = (f"{other_name} has closed your {kind} mentorship.{_quoted(note)} Thank you for "
                "the time you gave them; your place is free again for another student.")
    actions = (find_action(kind),) if to_student else ()
    return Reply(title=title, text=text, actions=actions)


def ended_for_student(mentor_name: str, kind: str, *, told: bool) -> Reply:
    """To a student who ended a mentorship."""
    told_them = f"I've let {mentor_name} know, kindly. " if told else ""
    return Reply(
        title=f"Your mentorship with {mentor_name} has ended",
        text=f"{told_them}Its reminders have stopped. I won't suggest {mentor_name} to you "
             f"again in /mentor find or match rounds; you can still ask them yourself with "
             "/mentor request.",
        actions=(find_action(kind),),
    )


def ended_for_mentor(student_name: str, *, taken: int, capacity: int, told: bool) -> Reply:
    """To a faculty member who ended a mentorship: the student is told; a place is free."""
    told_them = f"I've let {student_name} know, kindly. " if told else ""
    places = f"Places taken now: {taken} of {capacity}." if capacity else ""
    return Reply(
        title=f"Your mentorship with {student_name} has ended",
        text=f"{told_them}Its reminders have stopped and your place is free again. {places}"
             .strip(),
    )


def no_meeting_ended(mentor_name: str, suggestions: Sequence[Section]) -> Reply:
    """After "Not going to happen": the mentorship is closed; others worth asking."""
    more = (" These faculty are accepting mentees and could be a better fit:" if suggestions
            else " /mentor find shows who else fits.")
    return Reply(
        title=f"Closed your mentorship with {mentor_name}",
        text=f"Thanks for telling me — it happens, and it says nothing about you. I've let "
             f"{mentor_name} know kindly, and their reminders have stopped.{more}",
        sections=tuple(suggestions),
    )

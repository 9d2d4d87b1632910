"""`/mentor list`, `/mentor log`, `/mentor todo`, `/mentor done`: keeping relationships alive.

Also the button-only `/mentor cadence`, which the reply to `/mentor log` offers so a student
can change a mentorship's rhythm in one press."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from bot.framework.context import Context, find_group
from bot.framework.errors import UserError
from bot.framework.registry import Args, Audience, Option, OptionType, registry
from bot.framework.replies import Action, Field, Reply, Section
from bot.infra.models import ActionItem, IntroRequest, Person
from bot.infra.zones import format_day, format_local, local_time_utc
from bot.mentoring import store as relationships
from bot.mentoring.cadence import (
    MAIN_MENTOR_RANGE_WEEKS,
    describe_cadence,
    local_day,
    next_followup,
    parse_cadence,
)
from bot.mentoring.rules import is_decided_not

NOON = time(12, 0)
"""A day given without a time (`on:`, `due:`) is stored at local noon: its local date stays
the same even if the person later moves a few time zones."""

CADENCE_CHOICES = (7, 28, 42, 56)
"""The rhythms offered as buttons after a contact is logged."""

_MENTOR = Option("mentor", OptionType.PERSON, positional=True, required=True,
                 placeholder="MENTOR", role="faculty",
                 description="your mentor (name, email or mention)")
_CADENCE = Option("cadence", description="how often to keep in touch with this mentor, "
                  "e.g. weekly, 4w, \"6 weeks\"", max_length=40)


def _day_instant(ctx: Context, day: date) -> datetime:
    return local_time_utc(day, NOON, ctx.tz)


# --- /mentor list ----------------------------------------------------------------------------


@registry.command(
    "mentor", "list",
    summary="Your mentors (or mentees): kind, last contact, next follow-up, open action items.",
    examples=["/mentor list"],
)
def list_relationships(ctx: Context, args: Args) -> Reply:
    sections: list[Section] = []
    actor = ctx.actor
    if actor.is_student:
        sections += _student_sections(ctx)
    if actor.is_faculty:
        sections += _faculty_sections(ctx)
    if not sections:
        text = ("Nothing yet. Students: find a mentor with /mentor find, then log each "
                "contact with /mentor log." if actor.is_student else
                "No mentees or intro requests yet. Set /mentor profile accepting:yes to "
                "receive requests.")
        return Reply(title="Your mentoring", text=text)
    return Reply(title="Your mentoring", sections=tuple(sections),
                 footer=f"Dates are in your time zone ({ctx.tz}).")


def _student_sections(ctx: Context) -> list[Section]:
    rows = relationships.student_mentors(ctx.session, ctx.actor, ctx.tz)
    sections: list[Section] = []
    listed = set()
    for row in rows:
        m = row.mentorship
        listed.add(row.mentor.id)
        overdue = " (overdue)" if row.next_followup <= ctx.now else ""
        fields = [
            Field("Kind", m.kind),
            Field("Since", format_day(local_day(m.started_at, ctx.tz))),
            Field("Last contact", format_day(local_day(row.last_contact, ctx.tz))
                  if row.last_contact else "none logged"),
            Field("Rhythm", describe_cadence(m.cadence_days)),
            Field("Next follow-up", format_local(row.next_followup, ctx.tz) + overdue),
        ]
        sections.append(Section(
            heading=f"{row.mentor.name} — your {m.kind} mentor",
            text=_items_text(ctx, row.open_items),
            fields=tuple(fields),
            actions=(Action("Log contact", "mentor log", {"mentor": f"person:{row.mentor.id}"},
                            "primary"),),
        ))
    others = [i for i in relationships.open_items(ctx.session, ctx.actor.id)
              if i.mentor_id not in listed]
    if others:
        names = {p.id: p.name for p in ctx.session.scalars(
            select(Person).where(Person.id.in_({i.mentor_id for i in others})))}
        lines = [f"#{i.id} {i.task} (from {names.get(i.mentor_id, '?')})" + _due(ctx, i.due_at)
                 for i in others]
        sections.append(Section(heading="Other open action items", text="\n".join(lines)))
    return sections


def _items_text(ctx: Context, items: list[ActionItem]) -> str:
    if not items:
        return "No open action items."
    lines = [f"#{i.id} {i.task}{_due(ctx, i.due_at)}" for i in items]
    return "Open action items:\n" + "\n".join(lines)


def _due(ctx: Context, due_at: datetime | None) -> str:
    if due_at is None:
        return ""
    day = local_day(due_at, ctx.tz)
    late = ", overdue" if day < ctx.today else ""
    return f" — due {format_day(day)}{late}"


def _faculty_sections(ctx: Context) -> list[Section]:
    sections: list[Section] = []
    mentees = relationships.mentees(ctx.session, ctx.actor)
    if mentees:
        lines = []
        for m, student in mentees:
            last = (format_day(local_day(m.last_contact_at, ctx.tz)) if m.last_contact_at
                    else "no contact logged")
            lines.append(f"{student.name} — {m.kind}, since "
                         f"{format_day(local_day(m.started_at, ctx.tz))}; last contact: {last}")
        sections.append(Section(heading=f"Your mentees ({len(mentees)})", text="\n".join(lines)))
    requests = ctx.session.execute(
        select(IntroRequest, Person)
        .join(Person, Person.id == IntroRequest.student_id)
        .where(IntroRequest.faculty_id == ctx.actor.id, IntroRequest.state == "open")
        .order_by(IntroRequest.created_at, IntroRequest.id)
    ).all()
    answerable = all(registry.get("mentor", (verb,)) is not None for verb in ("accept", "decline"))
    for request, student in requests:
        actions: tuple[Action, ...] = ()
        if answerable:
            ref = {"student": f"person:{student.id}"}
            actions = (Action("Accept", "mentor accept", ref, "primary"),
                       Action("Decline", "mentor decline", ref))
        note = f"\n“{request.note}”" if request.note else ""
        sections.append(Section(
            heading=f"Intro request from {student.name}",
            text=f"Asks you to be their {request.kind} mentor (sent "
                 f"{format_day(local_day(request.created_at, ctx.tz))}).{note}",
            actions=actions,
        ))
    return sections


# --- /mentor log ------------------------------------------------------------------------------


@registry.command(
    "mentor", "log",
    summary="Record a contact with a mentor; restarts the follow-up clock.",
    options=[
        _MENTOR,
        Option("note", description="what you talked about (a few words)", max_length=500),
        Option("on", OptionType.DATE, "when, if not today (never a future date)", when="past"),
        Option("ask", OptionType.BOOL, "yes if you asked for something (a letter, a favour)"),
        _CADENCE,
    ],
    who=Audience.STUDENT,
    examples=[
        '/mentor log "Dr. Rivera" note:"shared my step 1 plan"',
        "/mentor log rivera@example.edu on:2027-01-10 ask:yes note:\"asked about a letter\"",
        "/mentor log Dr. Chen cadence:weekly",
    ],
)
def log_contact(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    day: date | None = args.get("on")
    at = ctx.now if day is None or day >= ctx.today else _day_instant(ctx, day)
    cadence = parse_cadence(args["cadence"]) if "cadence" in args else None
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if cadence is not None and mentorship is None:
        raise UserError(f"cadence: sets the rhythm of a mentorship, and {mentor.name} is not "
                        "your mentor.")
    if mentorship is not None and cadence is not None:
        relationships.set_cadence(mentorship, cadence)
    is_ask = bool(args.get("ask", False))
    relationships.record_contact(ctx.session, ctx.actor, mentor, at=at, note=args.text("note"),
                                 is_ask=is_ask, now=ctx.now,
                                 default_tz=ctx.core.settings.default_timezone)
    when = "today" if at == ctx.now else format_day(local_day(at, ctx.tz))
    what = "an ask" if is_ask else "an update"
    if mentorship is None:
        return Reply(
            title=f"Logged {what} with {mentor.name} ({when})",
            text=f"{mentor.name} isn't one of your mentors, so no follow-up rhythm applies; "
                 "the contact still counts for your letters and keeping in touch.",
        )
    due = next_followup(mentorship.last_contact_at, mentorship.started_at,
                        mentorship.cadence_days, ctx.tz)
    text = (f"Next follow-up: {format_local(due, ctx.tz)} "
            f"({describe_cadence(mentorship.cadence_days)}).")
    if is_ask:
        text += " Tip: mentors like news with no ask attached, too."
    ref = f"person:{mentor.id}"
    offers = tuple(
        Action(describe_cadence(days).capitalize(), "mentor cadence",
               {"mentor": ref, "every": f"{days // 7}w"})
        for days in CADENCE_CHOICES if days != mentorship.cadence_days
    )
    return Reply(
        title=f"Logged {what} with {mentor.name} ({when})",
        text=text,
        sections=(Section(heading="Change the rhythm?", text="Keep in touch with "
                          f"{mentor.name}:", actions=offers),),
    )


@registry.command(
    "mentor", "cadence",
    summary="Set how often to keep in touch with a mentor.",
    options=[
        _MENTOR,
        Option("every", positional=True, required=True, greedy=True, placeholder="RHYTHM",
               description="weekly, 4w, \"6 weeks\"…", max_length=40),
    ],
    who=Audience.STUDENT,
    examples=["/mentor cadence Dr. Chen weekly"],
    hidden=True,
)
def set_cadence(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    days = parse_cadence(args["every"], what="The rhythm")
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if mentorship is None:
        raise UserError(f"{mentor.name} is not your mentor, so there is no rhythm to set.")
    relationships.set_cadence(mentorship, days)
    relationships.replan_student(ctx.session, ctx.actor.id, now=ctx.now,
                                 default_tz=ctx.core.settings.default_timezone)
    due = next_followup(mentorship.last_contact_at, mentorship.started_at, days, ctx.tz)
    return Reply(title=f"You'll keep in touch with {mentor.name} {describe_cadence(days)}",
                 text=f"Next follow-up: {format_local(due, ctx.tz)}.")


@registry.command(
    "mentor", "group rhythm",
    summary="Set how often a group's students check in with their main mentor (4–8 weeks).",
    options=[
        Option("group", positional=True, required=True, placeholder="GROUP",
               description="the group's short name", max_length=64),
        Option("weeks", OptionType.INT, "weeks between check-ins with a main mentor",
               positional=True, required=True, placeholder="WEEKS",
               min_value=MAIN_MENTOR_RANGE_WEEKS[0], max_value=MAIN_MENTOR_RANGE_WEEKS[1]),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group rhythm em-interest 8"],
)
def group_rhythm(ctx: Context, args: Args) -> Reply:
    group = find_group(ctx.session, args["group"])
    ctx.require_organizer(group)
    moved = relationships.set_group_rhythm(ctx.session, group, args["weeks"])
    relationships.replan_group(ctx.session, group, now=ctx.now,
                               default_tz=ctx.core.settings.default_timezone)
    return Reply(
        title=f"{group.name}: main mentors every {group.followup_weeks} weeks",
        text=f"New career mentorships in the group start with this rhythm; {moved} current "
             "one(s) on the group's previous rhythm moved to it. Students who chose their own "
             "rhythm keep theirs. Research and clinical mentors stay weekly.",
    )


# --- /mentor todo and /mentor done ----------------------------------------------------------


@registry.command(
    "mentor", "todo",
    summary="Track something a mentor suggested you do.",
    options=[
        _MENTOR,
        Option("task", positional=True, required=True, greedy=True, placeholder="TASK",
               description="what they suggested", max_length=500),
        Option("due", OptionType.DATE, "when you mean to have it done", when="future"),
    ],
    who=Audience.STUDENT,
    examples=['/mentor todo "Dr. Rivera" read the ACEP ultrasound guidelines due:"in 2 weeks"',
              "/mentor todo rivera@example.edu email Dr. Park about shadowing"],
)
def todo(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    day: date | None = args.get("due")
    item = relationships.add_action_item(
        ctx.session, ctx.actor, mentor, args["task"],
        due_at=_day_instant(ctx, day) if day else None, now=ctx.now)
    when = (f"Due {format_day(day)}: I'll remind you the day after if it's still open, then "
            "weekly." if day else
            "No due date: it will show in /mentor list and in your next follow-up with them.")
    return Reply(
        title=f"Noted #{item.id}: {item.task}",
        text=f"Suggested by {mentor.name}. {when} Close it with /mentor done {item.id} — "
             "deciding not to, with a reason, counts too.",
        actions=(Action("Mark done", "mentor done", {"id": str(item.id)}),),
    )


@registry.command(
    "mentor", "done",
    summary="Close an action item; a note like \"decided not to, because…\" counts too.",
    options=[
        Option("id", OptionType.INT, "the item's number (see /mentor list)", positional=True,
               required=True, min_value=1, placeholder="ID"),
        Option("note", description="how it went, or why you decided not to", max_length=500),
    ],
    who=Audience.STUDENT,
    examples=["/mentor done 12 note:\"read it; questions for our next meeting\"",
              "/mentor done 13 note:\"decided not to, because the deadline passed\""],
)
def done(ctx: Context, args: Args) -> Reply:
    note = args.text("note")
    decided_not = is_decided_not(note)
    item = relationships.finish_action_item(
        ctx.session, ctx.actor, args["id"], note=note, decided_not=decided_not, now=ctx.now,
        default_tz=ctx.core.settings.default_timezone)
    mentor = ctx.session.get_one(Person, item.mentor_id)
    closing = ("Closed with your reason for not doing it — that still counts as circling back."
               if decided_not else "Nice work.")
    return Reply(
        title=f"Closed #{item.id}: {item.task}",
        text=f"{closing} Let {mentor.name} know next time you write, and log it with "
             "/mentor log.",
        actions=(Action("Log contact", "mentor log", {"mentor": f"person:{mentor.id}"}),),
    )

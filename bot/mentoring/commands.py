"""`/mentor list`, `/mentor log`, `/mentor todo`, `/mentor done`: keeping relationships alive.

Also the button-only `/mentor cadence`, which the reply to `/mentor log` offers so a student
can change a mentorship's rhythm in one press."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Field, Reply, Section
from bot.groups import store as groups
from bot.infra.models import ActionItem, IntroRequest, Person
from bot.infra.zones import format_day, format_local, local_time_utc
from bot.matching import specs as matching_specs
from bot.mentoring import specs
from bot.mentoring import store as relationships
from bot.mentoring.cadence import (
    describe_cadence,
    local_day,
    next_followup,
    parse_cadence,
)
from bot.mentoring.rules import is_decided_not

commands = CommandSet()


NOON = time(12, 0)
"""A day given without a time (`on:`, `due:`) is stored at local noon: its local date stays
the same even if the person later moves a few time zones."""

CADENCE_CHOICES = (7, 28, 42, 56)
"""The rhythms offered as buttons after a contact is logged."""



def _day_instant(ctx: Context, day: date) -> datetime:
    return local_time_utc(day, NOON, ctx.tz)


# --- /mentor list ----------------------------------------------------------------------------


@commands.handler(specs.LIST)
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
            actions=(specs.LOG.action("Log contact", {"mentor": f"person:{row.mentor.id}"},
                                      style="primary"),),
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
    for request, student in requests:
        ref = {"student": f"person:{student.id}"}
        actions = (matching_specs.ACCEPT.action("Accept", ref, style="primary"),
                   matching_specs.DECLINE.action("Decline", ref))
        note = f"\n“{request.note}”" if request.note else ""
        sections.append(Section(
            heading=f"Intro request from {student.name}",
            text=f"Asks you to be their {request.kind} mentor (sent "
                 f"{format_day(local_day(request.created_at, ctx.tz))}).{note}",
            actions=actions,
        ))
    return sections


# --- /mentor log ------------------------------------------------------------------------------


@commands.handler(specs.LOG)
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
                                 default_tz=ctx.settings.default_timezone)
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
        specs.CADENCE.action(describe_cadence(days).capitalize(),
                             {"mentor": ref, "every": f"{days // 7}w"})
        for days in CADENCE_CHOICES if days != mentorship.cadence_days
    )
    return Reply(
        title=f"Logged {what} with {mentor.name} ({when})",
        text=text,
        sections=(Section(heading="Change the rhythm?", text="Keep in touch with "
                          f"{mentor.name}:", actions=offers),),
    )


@commands.handler(specs.CADENCE)
def set_cadence(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    days = parse_cadence(args["every"], what="The rhythm")
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if mentorship is None:
        raise UserError(f"{mentor.name} is not your mentor, so there is no rhythm to set.")
    relationships.set_cadence(mentorship, days)
    relationships.replan_student(ctx.session, ctx.actor.id, now=ctx.now,
                                 default_tz=ctx.settings.default_timezone)
    due = next_followup(mentorship.last_contact_at, mentorship.started_at, days, ctx.tz)
    return Reply(title=f"You'll keep in touch with {mentor.name} {describe_cadence(days)}",
                 text=f"Next follow-up: {format_local(due, ctx.tz)}.")


@commands.handler(specs.GROUP_RHYTHM)
def group_rhythm(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, is_admin=ctx.is_admin)
    moved = relationships.set_group_rhythm(ctx.session, group, args["weeks"])
    relationships.replan_group(ctx.session, group, now=ctx.now,
                               default_tz=ctx.settings.default_timezone)
    return Reply(
        title=f"{group.name}: main mentors every {group.followup_weeks} weeks",
        text=f"New career mentorships in the group start with this rhythm; {moved} current "
             "one(s) on the group's previous rhythm moved to it. Students who chose their own "
             "rhythm keep theirs. Research and clinical mentors stay weekly.",
    )


# --- /mentor todo and /mentor done ----------------------------------------------------------


@commands.handler(specs.TODO)
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
        actions=(specs.DONE.action("Mark done", {"id": item.id}),),
    )


@commands.handler(specs.DONE)
def done(ctx: Context, args: Args) -> Reply:
    note = args.text("note")
    decided_not = is_decided_not(note)
    item = relationships.finish_action_item(
        ctx.session, ctx.actor, args["id"], note=note, decided_not=decided_not, now=ctx.now,
        default_tz=ctx.settings.default_timezone)
    mentor = ctx.session.get_one(Person, item.mentor_id)
    closing = ("Closed with your reason for not doing it — that still counts as circling back."
               if decided_not else "Nice work.")
    return Reply(
        title=f"Closed #{item.id}: {item.task}",
        text=f"{closing} Let {mentor.name} know next time you write, and log it with "
             "/mentor log.",
        actions=(specs.LOG.action("Log contact", {"mentor": f"person:{mentor.id}"}),),
    )

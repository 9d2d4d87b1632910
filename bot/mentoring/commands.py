"""`/mentor list`, `/mentor log`, `/mentor todo`, `/mentor done`: keeping relationships alive.

Also the button-only `/mentor cadence`, which the reply to `/mentor log` offers so a student
can change a mentorship's rhythm in one press. Thin handlers: read the options, call the
store, word the answer with `bot.mentoring.messages`."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply, Section
from bot.groups import store as groups
from bot.infra.models import Person
from bot.infra.zones import local_time_utc
from bot.mentoring import history, messages, specs
from bot.mentoring import store as relationships
from bot.mentoring.cadence import parse_cadence
from bot.mentoring.planning import replan_student
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
        return messages.nothing_listed(actor.is_student)
    return messages.listed(sections, ctx.tz)


def _student_sections(ctx: Context) -> list[Section]:
    default_tz = ctx.settings.default_timezone
    rows = relationships.student_mentors(ctx.session, ctx.actor, default_tz=default_tz)
    sections = [messages.mentor_section(row.followup, row.open_items, ctx.tz, ctx.now)
                for row in rows]
    listed = {row.followup.mentor_id for row in rows}
    others = [i for i in relationships.open_items(ctx.session, ctx.actor.id)
              if i.mentor_id not in listed]
    if others:
        names = relationships.names(ctx.session, {i.mentor_id for i in others})
        sections.append(messages.other_items_section(
            [((i.id, i.task, i.due_at), names.get(i.mentor_id, "?")) for i in others],
            ctx.tz, ctx.today))
    return sections


def _faculty_sections(ctx: Context) -> list[Section]:
    sections: list[Section] = []
    mentees = relationships.mentees(ctx.session, ctx.actor,
                                    default_tz=ctx.settings.default_timezone)
    if mentees:
        sections.append(messages.mentees_section(mentees, ctx.tz))
    for request, student in relationships.requests_waiting(ctx.session, ctx.actor):
        sections.append(messages.intro_request_section(
            student.id, student.name, request.kind, request.note, request.created_at, ctx.tz))
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
        raise UserError(messages.not_your_mentor_cadence(mentor.name))
    if mentorship is not None and cadence is not None:
        relationships.set_cadence(mentorship, cadence)
    is_ask = bool(args.get("ask", False))
    default_tz = ctx.settings.default_timezone
    relationships.record_contact(ctx.session, ctx.actor, mentor, at=at, note=args.text("note"),
                                 is_ask=is_ask, now=ctx.now, default_tz=default_tz)
    followup = (None if mentorship is None else
                history.followup_of(ctx.session, mentorship.id, default_tz=default_tz))
    done = messages.Logged(mentor.id, mentor.name, at, is_ask, followup)
    return messages.logged(done, now=ctx.now, tz=ctx.tz, offers=CADENCE_CHOICES)


@commands.handler(specs.CADENCE)
def set_cadence(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    days = parse_cadence(args["every"], what="The rhythm")
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if mentorship is None:
        raise UserError(messages.no_rhythm_to_set(mentor.name))
    relationships.set_cadence(mentorship, days)
    default_tz = ctx.settings.default_timezone
    ctx.session.flush()
    replan_student(ctx.session, ctx.actor.id, now=ctx.now, default_tz=default_tz)
    followup = history.followup_of(ctx.session, mentorship.id, default_tz=default_tz)
    return messages.cadence_set(followup, ctx.tz)


@commands.handler(specs.GROUP_RHYTHM)
def group_rhythm(ctx: Context, args: Args) -> Reply:
    group = groups.find_group(ctx.session, args["group"])
    groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
    moved = relationships.set_group_rhythm(ctx.session, group, args["weeks"])
    relationships.replan_group(ctx.session, group, now=ctx.now,
                               default_tz=ctx.settings.default_timezone)
    return messages.group_rhythm_set(group.name, group.followup_weeks, moved)


# --- /mentor todo and /mentor done ----------------------------------------------------------


@commands.handler(specs.TODO)
def todo(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    day: date | None = args.get("due")
    item = relationships.add_action_item(
        ctx.session, ctx.actor, mentor, args["task"],
        due_at=_day_instant(ctx, day) if day else None, now=ctx.now)
    return messages.todo_noted(item.id, item.task, mentor.name, day)


@commands.handler(specs.DONE)
def done(ctx: Context, args: Args) -> Reply:
    note = args.text("note")
    decided_not = is_decided_not(note)
    item = relationships.finish_action_item(
        ctx.session, ctx.actor, args["id"], note=note, decided_not=decided_not, now=ctx.now,
        default_tz=ctx.settings.default_timezone)
    mentor = ctx.session.get_one(Person, item.mentor_id)
    return messages.item_closed(item.id, item.task, mentor.id, mentor.name, decided_not)

"""`/mentor list`, `/mentor log`, `/mentor todo`, `/mentor done`, `/mentor end` and the
message drafts (`/mentor draft intro|update|thanks`): keeping relationships alive.

Also the button-only `/mentor cadence`, which the reply to `/mentor log` offers so a student
can change a mentorship's rhythm in one press, and `/mentor checkin`, the answers to a
"Did you meet?" check-in. Thin handlers: read the options, call the store, word the answer
with `bot.mentoring.messages` and `bot.mentoring.drafts`."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply, Section
from bot.groups import store as groups
from bot.infra.models import IntroRequest, Person
from bot.infra.zones import local_time_utc
from bot.matching import intro_messages, intros
from bot.matching.rules import DEFAULT_REQUEST_KIND
from bot.mentoring import drafts, history, messages, rules, specs
from bot.mentoring import store as relationships
from bot.mentoring.cadence import parse_cadence
from bot.mentoring.planning import replan_student
from bot.mentoring.rules import is_decided_not
from bot.mentoring.vocab import CheckinAnswer, EndReason

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
    rating: int | None = args.get("rating")
    is_ask = bool(args.get("ask", False))
    if rules.rates_recent_contact(rating=rating, note=args.text("note"), on_given=day is not None,
                                  is_ask=is_ask, cadence_given="cadence" in args):
        assert rating is not None  # rates_recent_contact requires one
        relationships.check_counterpart(ctx.session, ctx.actor, mentor)
        contact = relationships.rate_recent_contact(ctx.session, ctx.actor, mentor, rating,
                                                    now=ctx.now)
        if contact is not None:
            return messages.rated(mentor.name, contact.at, rating, ctx.tz)
    at = ctx.now if day is None or day >= ctx.today else _day_instant(ctx, day)
    cadence = parse_cadence(args["cadence"]) if "cadence" in args else None
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if cadence is not None and mentorship is None:
        raise UserError(messages.not_your_mentor_cadence(mentor.name))
    if mentorship is not None and cadence is not None:
        relationships.set_cadence(mentorship, cadence)
    default_tz = ctx.settings.default_timezone
    relationships.record_contact(ctx.session, ctx.actor, mentor, at=at, note=args.text("note"),
                                 is_ask=is_ask, now=ctx.now, default_tz=default_tz,
                                 rating=rating)
    followup = (None if mentorship is None else
                history.followup_of(ctx.session, mentorship.id, default_tz=default_tz))
    done = messages.Logged(mentor.id, mentor.name, at, is_ask, followup, rating)
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


# --- /mentor end ------------------------------------------------------------------------------


@commands.handler(specs.END)
def end(ctx: Context, args: Args) -> Reply:
    other: Person = args["person"]
    if other.id == ctx.actor.id:
        raise UserError("That's you: name the mentor (or, for faculty, the mentee).")
    mentorship = relationships.mentorship_between(ctx.session, ctx.actor, other)
    if mentorship is None:
        raise UserError(messages.not_in_mentorship(other.name))
    as_student = mentorship.student_id == ctx.actor.id
    ended = relationships.end_mentorship(
        ctx.session, mentorship, by=ctx.actor,
        reason=EndReason.STUDENT if as_student else EndReason.FACULTY,
        note=args.text("note"), now=ctx.now)
    ctx.wake_delivery()
    told = other.id in ended.told
    if as_student:
        return messages.ended_for_student(other.name, mentorship.kind, told=told)
    return messages.ended_for_mentor(other.name, taken=ended.places_taken,
                                     capacity=ended.capacity, told=told)


# --- /mentor checkin: the answers to "Did you meet?" ------------------------------------------


@commands.handler(specs.CHECKIN)
def checkin(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    answer = CheckinAnswer(args["answer"])
    mentorship = relationships.active_mentorship(ctx.session, ctx.actor.id, mentor.id)
    if mentorship is None:
        raise UserError(messages.not_in_mentorship(mentor.name))
    question = relationships.open_checkin(ctx.session, mentorship.id)
    if question is None:
        raise UserError(messages.no_checkin_open(
            mentor.name, relationships.last_answer(ctx.session, mentorship.id), ctx.tz))
    relationships.answer_checkin(ctx.session, question, answer, now=ctx.now,
                                 mentor_name=mentor.name, tz=ctx.tz)
    default_tz = ctx.settings.default_timezone
    if answer == CheckinAnswer.MET:
        relationships.record_contact(ctx.session, ctx.actor, mentor, at=ctx.now,
                                     note=messages.MET_NOTE, now=ctx.now,
                                     default_tz=default_tz)
        followup = history.followup_of(ctx.session, mentorship.id, default_tz=default_tz)
        return messages.met(mentor.id, mentor.name, followup, ctx.tz)
    if answer == CheckinAnswer.NOT_YET:
        replan_student(ctx.session, ctx.actor.id, now=ctx.now, default_tz=default_tz)
        again = (rules.checkin_again_day(ctx.now, ctx.tz)
                 if rules.asks_again(question.round, answer) else None)
        return messages.not_yet(mentor.name, again)
    relationships.end_mentorship(ctx.session, mentorship, by=ctx.actor,
                                 reason=EndReason.NO_MEETING, now=ctx.now)
    ctx.wake_delivery()
    suggestions = intros.next_candidates(ctx.session, ctx.actor, ctx.now,
                                         exclude={mentor.id}, kind=mentorship.kind)
    return messages.no_meeting_ended(
        mentor.name, intro_messages.candidates_section(suggestions, mentorship.kind))


# --- message drafts ---------------------------------------------------------------------------


@commands.handler(specs.DRAFT_INTRO)
def draft_intro(ctx: Context, args: Args) -> Reply:
    faculty: Person = args["faculty"]
    if faculty.id == ctx.actor.id:
        raise UserError("That's you: name the faculty member you want to write to.")
    asked = intros.open_request(ctx.session, ctx.actor.id, faculty.id)
    kind = args.get("kind") or (asked.kind if asked else DEFAULT_REQUEST_KIND)
    note = args.text("note") or (asked.note if asked else "")
    group = intros.shared_group(ctx.session, ctx.actor.id, faculty.id,
                                groups.channel_group(ctx.session, ctx.channel))
    facts = intro_messages.intro_facts(ctx.actor, faculty, kind=kind, note=note,
                                       group=group.name if group else None)
    left_out = drafts.note_left_out(facts)
    return drafts.draft_reply(f"A first email to {faculty.name}", drafts.intro_draft(facts),
                              footer=_intro_footer(asked, faculty),
                              notes=[left_out] if left_out else [])


def _intro_footer(asked: IntroRequest | None, faculty: Person) -> str:
    if asked is not None:
        return f"Your intro request to {faculty.name} is open; I'll nudge you if it waits."
    return f"Sent it? /mentor request {faculty.name} lets me follow up with you."


@commands.handler(specs.DRAFT_UPDATE)
def draft_update(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    relationships.check_counterpart(ctx.session, ctx.actor, mentor)
    facts = history.update_facts(ctx.session, ctx.actor, mentor, now=ctx.now, tz=ctx.tz)
    return drafts.draft_reply(f"An update for {mentor.name}", drafts.update_draft(facts),
                              footer=f"The four parts: {drafts.four_parts()}. Sent it? "
                                     "/mentor log restarts the clock.",
                              notes=drafts.left_out_notes(facts))


@commands.handler(specs.DRAFT_THANKS)
def draft_thanks(ctx: Context, args: Args) -> Reply:
    person: Person = args["person"]
    if person.id == ctx.actor.id:
        raise UserError("That's you: name the person you want to thank.")
    facts = history.thanks_facts(ctx.session, ctx.actor, person, tz=ctx.tz)
    return drafts.draft_reply(f"A thank-you note for {person.name}", drafts.thanks_draft(facts),
                              footer="Sent it? Log it with /mentor log: thanks count as "
                                     "keeping in touch.")

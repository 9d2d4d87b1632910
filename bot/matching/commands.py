"""`/mentor find`, `/mentor request`, `/mentor accept`, `/mentor decline`, `/mentor match`,
and the answers to the still-mentoring question."""

from __future__ import annotations

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.groups import store as groups
from bot.infra.models import Person
from bot.matching import availability, finder, intros, rounds, rules, specs
from bot.matching import availability_messages as availability_say
from bot.matching import intro_messages as say
from bot.people import store as people_store
from bot.vocab.matching import StillMentoring
from bot.vocab.specialties import closest_specialties, fuzzy_specialty, split_keywords

commands = CommandSet()


@commands.handler(specs.FIND)
def find(ctx: Context, args: Args) -> Reply:
    specialty = None
    if "specialty" in args:
        specialty = fuzzy_specialty(args["specialty"])
        if specialty is None:
            close = closest_specialties(args["specialty"])
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UserError(f"I don't know the specialty “{args['specialty']}”.{hint}")
    keywords = split_keywords(args.text("keywords").split())
    kind = args.get("kind")
    found = finder.search(ctx.session, finder.student_view(ctx.actor), ctx.now,
                          keywords=keywords, specialty=specialty, kind=kind,
                          limit=args.get("limit", rules.FIND_LIMIT),
                          default_tz=ctx.settings.default_timezone)
    close_terms = {word: finder.close_terms(ctx.session, word) for word in found.unknown}
    return say.find_reply(found, keywords=keywords, specialty=specialty, kind=kind,
                          close_terms=close_terms, tz=ctx.tz)


@commands.handler(specs.REQUEST)
def request(ctx: Context, args: Args) -> Reply:
    faculty: Person = args["faculty"]
    group = intros.shared_group(ctx.session, ctx.actor.id, faculty.id,
                                groups.channel_group(ctx.session, ctx.channel))
    created = intros.create_request(
        ctx.session, ctx.actor, faculty, kind=args.get("kind", rules.DEFAULT_REQUEST_KIND),
        note=args.text("note"), now=ctx.now, group=group, tz=ctx.tz,
        default_tz=ctx.settings.default_timezone)
    ctx.notify(faculty, created.faculty_message, key=f"intro:{created.request.id}:request")
    return created.student_reply


def _answer(ctx: Context, args: Args, accept: bool) -> Reply:
    student: Person = args["student"]
    answered = intros.answer_request(ctx.session, ctx.actor, student, accept=accept,
                                     now=ctx.now)
    ctx.notify(student, answered.student_message, key=f"intro:{answered.request.id}:answer")
    return answered.faculty_reply


@commands.handler(specs.ACCEPT)
def accept(ctx: Context, args: Args) -> Reply:
    return _answer(ctx, args, accept=True)


@commands.handler(specs.DECLINE)
def decline(ctx: Context, args: Args) -> Reply:
    return _answer(ctx, args, accept=False)


@commands.handler(specs.MATCH)
def match(ctx: Context, args: Args) -> Reply:
    group = groups.group_to_run(ctx.session, args.get("group"), actor=ctx.actor,
                                channel=ctx.channel, admin=ctx.admin_scope)
    groups.require_organizer(ctx.actor, group, admin=ctx.admin_scope)
    dry_run = bool(args.get("dry-run"))
    _result, reply = rounds.run_round(ctx.session, group, ctx.now, dry_run=dry_run,
                                      on_notices=ctx.wake_delivery,
                                      default_tz=ctx.settings.default_timezone)
    return reply


@commands.handler(specs.STILL_MENTORING)
def still_mentoring(ctx: Context, args: Args) -> Reply:
    """The buttons of the still-mentoring question (typed too, in the console)."""
    profile = ctx.actor.faculty_profile
    if profile is None:
        raise UserError("You have no faculty profile, so there is nothing to answer.")
    answer = StillMentoring(args["answer"])
    if answer is StillMentoring.AWAY:
        return availability_say.away_choices(ctx.today)
    people_store.set_accepting(profile, answer is StillMentoring.STAY, now=ctx.now)
    availability.close_question(ctx.session, ctx.actor.id)
    if answer is StillMentoring.STOP:
        return availability_say.stopped_accepting()
    ctx.session.flush()
    view = finder.load_faculty(ctx.session, [ctx.actor.id])[0]
    return availability_say.stayed_active(view.free, view.capacity)

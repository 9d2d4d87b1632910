"""`/mentor find`, `/mentor request`, `/mentor accept`, `/mentor decline`, `/mentor match`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply, Section
from bot.groups import store as groups
from bot.infra.models import Person
from bot.matching import finder, intros, rounds, specs
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.specialties import SPECIALTIES, fuzzy_specialty, split_keywords, suggest

commands = CommandSet()




@commands.handler(specs.FIND)
def find(ctx: Context, args: Args) -> Reply:
    specialty = None
    if "specialty" in args:
        specialty = fuzzy_specialty(args["specialty"])
        if specialty is None:
            close = [s for s in suggest(args["specialty"], ()) if s in SPECIALTIES]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UserError(f"I don't know the specialty “{args['specialty']}”.{hint}")
    keywords = split_keywords(args.text("keywords").split())
    kind = args.get("kind")
    limit = args.get("limit", 5)
    found = finder.search(ctx.session, finder.student_view(ctx.actor), ctx.now,
                          keywords=keywords, specialty=specialty, kind=kind, limit=limit)
    notes: list[str] = []
    if found.unknown:
        for word in found.unknown:
            close = finder.close_terms(ctx.session, word)
            hint = f" Close terms: {', '.join(close)}." if close else ""
            notes.append(f"Nothing matches “{word}”.{hint}")
    for word in found.without_faculty:
        notes.append(f"No faculty you could ask match “{word}” right now.")
    if found.fallback:
        notes.append("Your profile has no interests yet, so these are simply accessible, "
                     "well-regarded faculty. Add yours: /mentor profile "
                     "interests:\"emergency medicine; ultrasound\"")
    gap = _kind_gap(found.relations.mentors.values(), kind)
    sections = tuple(_result_section(i, r, kind) for i, r in enumerate(found.results, 1))
    if not sections:
        return Reply(title="No faculty found", text="\n".join(notes or [
            "No faculty match that search. Try fewer keywords or another specialty."]),
            footer=gap)
    what = " ".join(keywords) or (specialty or "your profile")
    title = f"Faculty for {what}" + (f" — {kind} mentors" if kind else "")
    return Reply(title=title, text="\n".join(notes), sections=sections, footer=gap)


def _kind_gap(kinds: Iterable[str], asked: str | None) -> str:
    """Which kind of mentor the student lacks (SPEC: a network has more than one kind)."""
    have = set(kinds)
    missing = [k for k in MENTOR_KINDS if k not in have]
    if not missing or (asked and asked in missing and len(missing) == 1):
        return ""
    lacking = " or ".join(missing)
    target = next(k for k in missing if k != asked) if asked in missing else missing[0]
    opener = "You have no mentor yet" if not have else f"You have no {lacking} mentor yet"
    return (f"{opener}: a healthy mentor network has more than one kind (research, clinical, "
            f"career). Try /mentor find kind:{target}.")


def _result_section(number: int, result: finder.Result, kind: str | None) -> Section:
    faculty = result.faculty
    marker = ""
    if not result.fit.accessible:
        marker = " — not accepting" if not faculty.accepting else (
            " — full" if faculty.free <= 0 else " — rarely answers")
    heading = f"{number}. {faculty.name}{marker}"
    about = ", ".join(p for p in (faculty.specialty, faculty.title) if p)
    text = (about + "\n" if about else "") + "\n".join(f"• {r}" for r in result.fit.reasons)
    actions = ()
    if result.waiting_since is not None:
        text += f"\n• you asked on {intros._day(result.waiting_since)}; waiting for an answer"
    elif result.fit.accessible:
        actions = (intros.request_action(faculty.id, kind),)
    return Section(heading=heading, text=text, actions=actions)


@commands.handler(specs.REQUEST)
def request(ctx: Context, args: Args) -> Reply:
    faculty: Person = args["faculty"]
    created = intros.create_request(
        ctx.session, ctx.actor, faculty, kind=args.get("kind", "career"),
        note=args.text("note"), now=ctx.now,
        group=intros.shared_group(ctx.session, ctx.actor.id, faculty.id, groups.channel_group(ctx.session, ctx.channel)))
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
    group = groups.group_for(ctx.session, args.get("group"), ctx.channel)
    groups.require_organizer(ctx.actor, group, is_admin=ctx.is_admin)
    dry_run = bool(args.get("dry-run"))
    _result, reply = rounds.run_round(
        ctx.session, group, ctx.now, dry_run=dry_run,
        on_notices=ctx.wake_delivery)
    return reply

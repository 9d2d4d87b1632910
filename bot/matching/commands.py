"""`/mentor find`, `/mentor request`, `/mentor accept`, `/mentor decline`, `/mentor match`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, Audience, Option, OptionType, registry
from bot.framework.replies import Reply, Section
from bot.infra.models import Person
from bot.matching import finder, intros, rounds
from bot.vocab.specialties import SPECIALTIES, fuzzy_specialty, split_keywords, suggest
from bot.vocab.stages import MENTOR_KINDS

_KIND = Option("kind", OptionType.CHOICE, "research, clinical or career mentor",
               choices=MENTOR_KINDS)


@registry.command(
    "mentor",
    "find",
    summary="A ranked shortlist of faculty for you, with the reasons each one ranks there.",
    options=[
        Option("keywords", positional=True, greedy=True, placeholder="KEYWORDS",
               description="specialties or research topics, e.g. EM ultrasound sepsis",
               max_length=300),
        Option("specialty", description="only this specialty (EM, peds, ortho… work too)",
               max_length=100),
        _KIND,
        Option("limit", OptionType.INT, "how many to show (default 5)", min_value=1,
               max_value=20),
    ],
    who=Audience.STUDENT,
    examples=["/mentor find", "/mentor find ultrasound sepsis", "/mentor find kind:research",
              "/mentor find specialty:peds limit:10"],
)
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


@registry.command(
    "mentor",
    "request",
    summary="Ask a faculty member to mentor you; you get a first message to adapt.",
    options=[
        Option("faculty", OptionType.PERSON, positional=True, required=True,
               placeholder="FACULTY", description="the faculty member (name, email or mention)"),
        Option("kind", OptionType.CHOICE, "research, clinical or career (default career)",
               choices=MENTOR_KINDS),
        Option("note", description="a line for them: why you're asking", max_length=500),
    ],
    who=Audience.STUDENT,
    examples=['/mentor request Dr. Maya Kim kind:research note:"I loved your POCUS talk"'],
)
def request(ctx: Context, args: Args) -> Reply:
    faculty: Person = args["faculty"]
    created = intros.create_request(
        ctx.session, ctx.actor, faculty, kind=args.get("kind", "career"),
        note=args.text("note"), now=ctx.now,
        group=intros.shared_group(ctx.session, ctx.actor.id, faculty.id, ctx.channel_group()))
    ctx.notify(faculty, created.faculty_message, key=f"intro:{created.request.id}:request")
    return created.student_reply


def _answer(ctx: Context, args: Args, accept: bool) -> Reply:
    student: Person = args["student"]
    answered = intros.answer_request(ctx.session, ctx.actor, student, accept=accept,
                                     now=ctx.now)
    ctx.notify(student, answered.student_message, key=f"intro:{answered.request.id}:answer")
    return answered.faculty_reply


_STUDENT = Option("student", OptionType.PERSON, positional=True, required=True,
                  placeholder="STUDENT", role="student",
                  description="the student who asked (name, email or mention)")


@registry.command("mentor", "accept", summary="Accept a student's intro request.",
                  options=[_STUDENT], who=Audience.FACULTY,
                  examples=["/mentor accept Ana Diaz"])
def accept(ctx: Context, args: Args) -> Reply:
    return _answer(ctx, args, accept=True)


@registry.command("mentor", "decline",
                  summary="Decline a student's intro request; they hear it kindly.",
                  options=[_STUDENT], who=Audience.FACULTY,
                  examples=["/mentor decline Ana Diaz"])
def decline(ctx: Context, args: Args) -> Reply:
    return _answer(ctx, args, accept=False)


@registry.command(
    "mentor",
    "match",
    summary=("Match the group's students looking for a mentor to its faculty; stable. "
             "Looking means /mentor profile looking:yes or any /mentor request. A student's "
             "choices are their requests in the order sent, else their /mentor find order; "
             "faculty prefer higher fit. Everyone gets a DM; you get the summary."),
    options=[
        Option("group", description="the group's short name (default: this channel's group)",
               max_length=64),
        Option("dry-run", OptionType.FLAG, "show the outcome without saving or telling anyone"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor match group:em-interest dry-run", "/mentor match group:em-interest"],
)
def match(ctx: Context, args: Args) -> Reply:
    group = ctx.group(args.get("group"))
    ctx.require_organizer(group)
    dry_run = bool(args.get("dry-run"))
    _result, reply = rounds.run_round(
        ctx.session, group, ctx.now, dry_run=dry_run,
        on_notices=lambda: ctx.after_commit(ctx.core.poke_delivery))
    return reply

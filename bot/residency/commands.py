"""`/residency …`: the residency plan. Handlers read what was typed (refusing bad input with
a clear message, which rolls the unit of work back so nothing changes), call the store and
the plan, and word the answer with `bot.residency.messages`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import NotAllowed, UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply
from bot.framework.wording import and_list
from bot.groups.store import channel_group, groups_of
from bot.infra.models import InterestGroup, Person, ResidencyProfile, ResidencyProgram
from bot.infra.settings import Settings
from bot.infra.zones import local_day
from bot.people.rules import check_specialty
from bot.residency import export, messages, planning, rules, specs, store
from bot.residency.importing import parse_state
from bot.residency.plan import Plan
from bot.residency.store import ProfileChange
from bot.vocab.cycles import cycle_label
from bot.vocab.residency import (
    Applicant,
    ProgramType,
    Region,
    Result,
    SignalTier,
    Visa,
)
from bot.web import links
from bot.web import messages as web_messages
from bot.web.rules import Page

commands = CommandSet()

NONE_WORDS = {"none", "no", "-"}
"""What clears a profile field (`home:none`, `regions:none`)."""
AUTO = "auto"
DEFAULT_LIMIT = 25


def plan_page_link(ctx: Context, student: Person) -> Reply:
    """`/residency plan web`: a one-time link to the student's own plan page (SPEC "Web
    pages"; the page is `bot.residency.page` through `bot.web`). Without PUBLIC_URL the
    link is refused with the web pages' own message."""
    issued = links.issue(ctx.session, ctx.settings, person_id=student.id, page=Page.PLAN,
                         group_id=None, now=ctx.now)
    return web_messages.link_reply(issued.url, Page.PLAN, what="your residency plan",
                                   expires_at=issued.grant.expires_at, tz=ctx.tz,
                                   again=f"/{specs.PLAN.name} web")


# --- reading what was typed ---------------------------------------------------------------


def _specialty(option: str, text: str) -> str:
    check = check_specialty(text)
    if check.known:
        return check.stored
    hint = f" Did you mean {and_list(check.closest, 'or')}?" if check.closest else ""
    raise UserError(f"{option}: “{check.typed}” is not a specialty I know.{hint}")


def _step2(value: int) -> int:
    try:
        return rules.check_step2(value)
    except ValueError:
        low, high = rules.STEP2_RANGE
        raise UserError(f"step2: {value} is not a Step 2 CK score: scores run from {low} to "
                        f"{high}.") from None


def _words(option: str, values: list[str], allowed: type[Region] | type[ProgramType]
           ) -> tuple[Region, ...] | tuple[ProgramType, ...]:
    chosen = []
    for value in values:
        match = next((a for a in allowed if a.value.lower() == value.strip().lower()), None)
        if match is None:
            raise UserError(f"{option}: “{value}” is not one of "
                            f"{and_list([a.value for a in allowed], 'or')}.")
        if match not in chosen:
            chosen.append(match)
    return tuple(chosen)  # type: ignore[return-value]


def _cycle(text: str, today: date) -> str:
    name = text.strip()
    problem = rules.cycle_problem(name, today)
    if problem == "over":
        raise UserError(f"cycle: {cycle_label(name)} is over; the current cycle is "
                        f"{cycle_label(rules.current_cycle(today))}.")
    if problem == "far":
        raise UserError(f"cycle: {cycle_label(name)} is more than {rules.CYCLES_AHEAD} cycles "
                        "ahead: check the year.")
    if problem is not None:
        raise UserError(f"cycle: {problem}, or auto (the cycle of your stage).")
    return name


def _is_none(value: object) -> bool:
    if isinstance(value, list):
        return len(value) == 1 and value[0].strip().lower() in NONE_WORDS
    return str(value).strip().lower() in NONE_WORDS


def _my_programs(ctx: Context) -> list[ResidencyProgram]:
    return store.group_programs(ctx.session, store.student_group_ids(ctx.session, ctx.actor))


def _profile(ctx: Context) -> ResidencyProfile:
    return saved_profile(ctx.session, ctx.actor)


def _plan(ctx: Context, student: Person, profile: ResidencyProfile, *, today: date,
          count: int | None = None) -> tuple[Plan, store.PlanInputs]:
    return store.plan_for(ctx.session, student, profile, today=today, count=count)


# --- /residency profile -------------------------------------------------------------------


@commands.handler(specs.PROFILE)
def profile(ctx: Context, args: Args) -> Reply:
    change: dict[str, Any] = {}
    clear: set[str] = set()
    if "specialty" in args:
        change["specialty"] = _specialty("specialty", args.text("specialty"))
    if "backup" in args:
        if _is_none(args["backup"]):
            clear.add("backup")
        else:
            change["backup"] = _specialty("backup", args.text("backup"))
    if "applicant" in args:
        change["applicant"] = Applicant(args["applicant"])
    if "visa" in args:
        change["visa"] = Visa(args["visa"])
    if "step2" in args:
        change["step2"] = _step2(args["step2"])
    if "couples" in args:
        change["couples"] = bool(args["couples"])
    if "cycle" in args:
        if args.text("cycle").strip().lower() == AUTO:
            clear.add("cycle")
        else:
            change["cycle"] = _cycle(args.text("cycle"), ctx.today)
    if "regions" in args:
        change["regions"] = () if _is_none(args["regions"]) \
            else _words("regions", args["regions"], Region)
    if "types" in args:
        change["types"] = () if _is_none(args["types"]) \
            else _words("types", args["types"], ProgramType)
    if "home" in args or "aways" in args:
        programs = _my_programs(ctx)
        if "home" in args:
            if _is_none(args["home"]):
                clear.add("home")
            else:
                change["home"] = store.find_program(args.text("home"), programs)
        if "aways" in args:
            change["aways"] = () if _is_none(args["aways"]) else tuple(
                store.find_program(text, programs) for text in args["aways"])
    saved, changed = store.save_profile(
        ctx.session, ctx.actor, ProfileChange(**change, clear=frozenset(clear)), now=ctx.now)
    if changed:
        planning.replan(ctx.session, ctx.actor.id, ctx.now, ctx.settings)
    return messages.profile_reply(_profile_view(ctx, saved), changed=changed)


def _profile_view(ctx: Context, saved: ResidencyProfile) -> messages.ProfileView:
    programs = {p.id: p for p in _my_programs(ctx)}
    home = programs.get(saved.home_program_id) if saved.home_program_id else None
    aways = tuple(messages.program_label(programs[i]) for i in saved.aways or ()
                  if i in programs)
    cycle, chosen = store.cycle_for(ctx.actor, saved, ctx.today)
    stage = ctx.actor.student_profile.stage if ctx.actor.student_profile else None
    backup = 0
    if saved.backup:
        applicant = Applicant(saved.applicant) if saved.applicant else None
        visa = Visa(saved.visa) if saved.visa else None
        backup = sum(1 for p in programs.values() if p.specialty == saved.backup
                     and not rules.ineligible(store.facts(p), applicant=applicant, visa=visa))
    return messages.ProfileView(
        profile=saved, home=messages.program_label(home) if home else None, aways=aways,
        cycle=cycle, cycle_chosen=chosen, stage=stage, backup_programs=backup)


# --- /residency programs ------------------------------------------------------------------


def _groups_in_view(ctx: Context) -> list[InterestGroup]:
    """The group bound to this channel, else the asker's groups."""
    here = channel_group(ctx.session, ctx.channel)
    return [here] if here is not None else groups_of(ctx.session, ctx.actor)


@commands.handler(specs.PROGRAMS)
def programs(ctx: Context, args: Args) -> Reply:
    groups = _groups_in_view(ctx)
    specialty = _specialty("specialty", args.text("specialty")) if "specialty" in args \
        else None
    state = None
    if "state" in args:
        try:
            state = parse_state(args.text("state"))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    found = store.group_programs(ctx.session, [g.id for g in groups], specialty=specialty)
    if "region" in args:
        found = [p for p in found if p.region == args["region"]]
    if state is not None:
        found = [p for p in found if p.state == state]
    if "type" in args:
        found = [p for p in found if p.type == args["type"]]
    if "visa" in args:
        wanted = Visa(args["visa"])
        found = [p for p in found if p.visa is not None
                 and wanted in store.facts(p).visas]  # type: ignore[operator]
    mine = store.profile_of(ctx.session, ctx.actor.id)
    applicant = Applicant(mine.applicant) if mine is not None and mine.applicant else None
    visa = Visa(mine.visa) if mine is not None and mine.visa else None
    limit = args.get("limit", DEFAULT_LIMIT)
    views = [messages.ProgramView(p, rules.ineligible(store.facts(p), applicant=applicant,
                                                      visa=visa)) for p in found[:limit]]
    filters = [f"{k}:{v}" for k, v in (("specialty", specialty), ("region", args.get("region")),
                                       ("state", state), ("type", args.get("type")),
                                       ("visa", args.get("visa"))) if v]
    return messages.programs_reply(
        views, total=len(found), counts=store.group_counts(ctx.session, [p.id for p in found]),
        filters=f" ({', '.join(filters)})" if filters else "",
        visa=visa.value if visa else None, groups=[g.name for g in groups])


# --- /residency plan ----------------------------------------------------------------------


@commands.handler(specs.PLAN)
def plan(ctx: Context, args: Args) -> Reply:
    saved = _profile(ctx)
    if args.get("web"):
        return plan_page_link(ctx, ctx.actor)
    built, inputs = _plan(ctx, ctx.actor, saved, today=ctx.today, count=args.get("count"))
    return messages.plan_reply(built, letters={x.id: x for x in inputs.letters},
                               comments=store.comments_of(ctx.session, ctx.actor.id),
                               page=args.get("page", 1))


# --- add, drop, signal --------------------------------------------------------------------


def _program_arg(ctx: Context, args: Args) -> ResidencyProgram:
    return store.find_program(args.text("program"), _my_programs(ctx))


@commands.handler(specs.ADD)
def add(ctx: Context, args: Args) -> Reply:
    return keep_program(ctx.session, ctx.actor, _program_arg(ctx, args), now=ctx.now,
                        today=ctx.today, settings=ctx.settings)


@commands.handler(specs.DROP)
def drop(ctx: Context, args: Args) -> Reply:
    return drop_program(ctx.session, ctx.actor, _program_arg(ctx, args), now=ctx.now,
                        settings=ctx.settings)


@commands.handler(specs.SIGNAL)
def signal(ctx: Context, args: Args) -> Reply:
    return signal_program(ctx.session, ctx.actor, _program_arg(ctx, args),
                          SignalTier(args["tier"]), now=ctx.now, today=ctx.today)


# What add, drop and signal do, for `/residency` and the plan page alike
# (`bot.residency.page`): every check before any change, so a refusal (UserError) changes
# nothing.


def saved_profile(session: Session, student: Person) -> ResidencyProfile:
    """The student's residency profile; UserError when they have none yet."""
    profile = store.profile_of(session, student.id)
    if profile is None or profile.specialty is None:
        raise UserError(messages.no_profile_reply().text, title="No residency profile yet")
    return profile


def keep_program(session: Session, student: Person, program: ResidencyProgram, *,
                 now: datetime, today: date, settings: Settings) -> Reply:
    saved = saved_profile(session, student)
    why = rules.ineligible(store.facts(program),
                           applicant=Applicant(saved.applicant) if saved.applicant else None,
                           visa=Visa(saved.visa) if saved.visa else None)
    if why:
        raise UserError(f"{messages.program_label(program)} "
                        f"{messages.why_text(why, saved.visa)}: it can't be on your list.",
                        title="Not for you")
    changed = store.keep(session, student, program, now=now)
    planning.replan(session, student.id, now, settings)
    built, _ = store.plan_for(session, student, saved, today=today)
    return messages.kept_reply(program, changed, built)


def drop_program(session: Session, student: Person, program: ResidencyProgram, *,
                 now: datetime, settings: Settings) -> Reply:
    saved_profile(session, student)
    changed = store.drop(session, student, program, now=now)
    planning.replan(session, student.id, now, settings)
    return messages.dropped_reply(program, changed)


def signal_program(session: Session, student: Person, program: ResidencyProgram,
                   tier: SignalTier, *, now: datetime, today: date) -> Reply:
    saved = saved_profile(session, student)
    facts = store.facts(program)
    before, _ = store.plan_for(session, student, saved, today=today)
    signals = before.signal_plan(program.specialty)
    if tier != SignalTier.NONE:
        reason = None
        if facts.signals is False:
            reason = "no-signals"
        elif not rules.may_signal(facts, rotated=before.profile.rotated):
            reason = "home-away"
        elif signals is not None and signals.allotment is not None and signals.allotment.none:
            reason = "specialty-none"
        if reason is not None:
            raise UserError(messages.signal_refused(program, tier, signals, before, reason),
                            title="No signal there")
        why = rules.ineligible(facts, applicant=before.profile.applicant,
                               visa=before.profile.visa)
        if why:
            raise UserError(f"{messages.program_label(program)} "
                            f"{messages.why_text(why, saved.visa)}: it can't be on your list.",
                            title="Not for you")
    store.set_signal(session, student, program, tier, now=now)
    after, _ = store.plan_for(session, student, saved, today=today)
    row = next((r for r in after.programs if r.program.id == program.id), None)
    placed = after.signal_plan(program.specialty)
    if tier != SignalTier.NONE and placed is not None and placed.allotment is not None and (
            row is None or not row.signal_by_hand):
        raise UserError(messages.signal_refused(program, tier, placed, after, "over"),
                        title="Over your allotment")
    return messages.signal_reply(program, tier, after)


# --- letters, outcome, export -------------------------------------------------------------


@commands.handler(specs.LETTERS)
def letters(ctx: Context, args: Args) -> Reply:
    saved = _profile(ctx)
    built, inputs = _plan(ctx, ctx.actor, saved, today=ctx.today)
    return messages.letters_reply(built, {x.id: x for x in inputs.letters})


@commands.handler(specs.OUTCOME)
def outcome(ctx: Context, args: Args) -> Reply:
    program = _program_arg(ctx, args)
    result = Result(args["result"])
    new = store.record_outcome(ctx.session, ctx.actor, program, result, now=ctx.now)
    return messages.outcome_reply(program, result, new)


@commands.handler(specs.EXPORT)
def export_list(ctx: Context, args: Args) -> Reply:
    saved = _profile(ctx)
    built, _ = _plan(ctx, ctx.actor, saved, today=ctx.today)
    return messages.export_reply(export.attachment(built), built)


# --- sharing with a mentor ----------------------------------------------------------------


@commands.handler(specs.SHARE)
def share(ctx: Context, args: Args) -> Reply:
    mentor: Person = args["mentor"]
    if mentor.id == ctx.actor.id:
        raise UserError("Share your list with a mentor, not with yourself.")
    if args.get("remove"):
        return messages.unshared_reply(mentor.name, store.unshare(ctx.session, ctx.actor,
                                                                  mentor))
    _profile(ctx)
    scores = bool(args.get("scores", False))
    _, changed = store.share(ctx.session, ctx.actor, mentor, scores=scores, now=ctx.now)
    if changed:
        ctx.notify(mentor, messages.share_notice(ctx.actor.name, f"person:{ctx.actor.id}",
                                                 scores),
                   key=f"residency-share:{ctx.actor.id}:{mentor.id}:{int(ctx.now.timestamp())}")
    return messages.shared_reply(mentor.name, scores, changed)


def _shared_with_me(ctx: Context, student: Person) -> bool:
    found = store.share_of(ctx.session, student.id, ctx.actor.id)
    if found is None:
        raise NotAllowed(f"{student.name} has not shared their residency list with you.")
    return bool(found.scores)


def _student_plan(ctx: Context, student: Person) -> Plan:
    saved = store.profile_of(ctx.session, student.id)
    if saved is None or saved.specialty is None:
        raise UserError(f"{student.name} has no residency plan yet.")
    today = local_day(ctx.now, ctx.tz_of(student))
    built, _ = _plan(ctx, student, saved, today=today)
    return built


@commands.handler(specs.COMMENT)
def comment(ctx: Context, args: Args) -> Reply:
    student: Person = args["student"]
    _shared_with_me(ctx, student)
    built = _student_plan(ctx, student)
    on_list = [p for p in _programs_of(ctx, student) if p.id in
               {r.program.id for r in built.programs}]
    program = store.find_program(args.text("program"), on_list,
                                 where=f"{student.name}'s list")
    text = " ".join(args.text("text").split())
    if not text:
        raise UserError("Write the comment after the program.")
    saved = store.add_comment(ctx.session, student, ctx.actor, program, text, now=ctx.now)
    ctx.notify(student, messages.comment_notice(ctx.actor.name, program, text),
               key=f"residency-comment:{saved.id}")
    return messages.comment_reply(student.name, program)


def _programs_of(ctx: Context, student: Person) -> list[ResidencyProgram]:
    return store.group_programs(ctx.session, store.student_group_ids(ctx.session, student))


@commands.handler(specs.VIEW)
def view(ctx: Context, args: Args) -> Reply:
    student: Person = args["student"]
    scores = _shared_with_me(ctx, student)
    return messages.view_reply(student.name, _student_plan(ctx, student), scores=scores)

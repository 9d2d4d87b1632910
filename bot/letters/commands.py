"""`/letter …`: tracking recommendation letters from the ask to the thank-you. The bot never
asks for, stores or shows a letter's text; it tracks dates, states and the packet. Handlers
parse, call the store and the rules with explicit values, and word the answer with
`bot.letters.messages`."""

from __future__ import annotations

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Attachment, Reply, Section
from bot.infra.models import Letter
from bot.infra.zones import local_day
from bot.letters import (
    draft_messages,
    messages,
    mix,
    plan_messages,
    portals,
    rules,
    specs,
    store,
)
from bot.letters.calendar import FILENAME, MIME_TYPE, event_count, letters_calendar
from bot.letters.cycle import target_cycle
from bot.letters.history import asked_days, change_counts
from bot.letters.programs import read_program
from bot.vocab.letters import DraftStep, LetterKind, LetterState, Portal, Track
from bot.vocab.specialties import specialties_in

commands = CommandSet()


@commands.handler(specs.REMIND)
def remind(ctx: Context, args: Args) -> Reply:
    deadline = args["due"]
    store.check_deadline(deadline, ctx.today)
    replaced: Letter | None = None
    if args.get("replaces"):
        replaced = store.replaced_letter(ctx.session, ctx.actor, args["replaces"])
    writer = store.resolve_writer(ctx.session, args.text("writer"), student=ctx.actor,
                                  channel=ctx.channel)
    program = args.text("program") or (replaced.program if replaced else "")
    portal = Portal(args["portal"]) if args.get("portal") else (
        Portal(replaced.portal) if replaced and replaced.portal else None)
    kind = LetterKind(args["kind"]) if args.get("kind") else (
        LetterKind(replaced.kind) if replaced and replaced.kind else None)
    specialty = ""
    if writer.person is not None and writer.person.faculty_profile is not None:
        specialty = writer.person.faculty_profile.specialty
    inferred = False
    if kind is None:
        kind = rules.infer_kind(
            program=program, portal=portal, writer_name=writer.name,
            writer_specialty=specialty,
            mentor_kinds=store.mentor_kinds(ctx.session, ctx.actor.id, writer.id),
            student_interests=(ctx.actor.student_profile.interests
                               if ctx.actor.student_profile else ()))
        inferred = kind is not None
    existing = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id),
                           tz=ctx.tz)
    warnings = rules.request_warnings(
        today=ctx.today, deadline=deadline, writer_name=writer.name,
        outside_writer=writer.outside,
        relationship_since=store.relationship_since(ctx.session, ctx.actor.id, writer.id,
                                                    ctx.tz),
        program=program, others=existing, writer_id=writer.id, portal=portal)
    letter = store.create_letter(ctx.session, ctx.actor, writer=writer, deadline=deadline,
                                 program=program, kind=kind, portal=portal, now=ctx.now,
                                 settings=ctx.settings)
    return messages.remind_reply(letter, outside=writer.outside, closest=writer.closest,
                                 warnings=warnings, inferred=inferred, tz=ctx.tz,
                                 today=ctx.today, replaced=replaced,
                                 where=portals.letter_portal(program, portal, deadline),
                                 specialty=read_program(program, portal).specialty,
                                 notes=_remind_notes(ctx, letter))


def _remind_notes(ctx: Context, letter: Letter) -> list[Section]:
    """What the new letter changes beyond itself: a program it puts over its portal's cap
    (which letters to keep), a portal the cycle data does not give its specialty."""
    notes: list[Section] = []
    everyone = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id),
                           tz=ctx.tz)
    crowded = mix.crowded_with(everyone, letter.id, portals.letter_cycle(letter.deadline))
    if crowded is not None:
        notes.append(Section(heading="Warning: over the cap",
                             text=plan_messages.crowded_text(crowded)))
    phrase = read_program(letter.program, letter.portal)
    other = portals.other_portal(phrase, letter.deadline)
    if other is not None and phrase.portal is not None and phrase.specialty is not None:
        notes.append(messages.portal_check_section(letter, phrase.portal, other,
                                                   phrase.specialty))
    return notes


@commands.handler(specs.KIND)
def set_kind(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx.session, ctx.actor, args["id"])
    store.set_kind(letter, LetterKind(args["kind"]), now=ctx.now)
    return messages.kind_set_reply(letter)


@commands.handler(specs.UPDATE)
def update(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx.session, ctx.actor, args["id"])
    wanted = LetterState(args["state"])
    reason = args.text("reason")
    store.transition(ctx.session, ctx.actor, letter, wanted, reason, now=ctx.now,
                     settings=ctx.settings)
    suggestions = None
    if wanted == LetterState.DECLINED:
        suggestions = messages.other_writers_section(
            letter, store.other_writers(ctx.session, letter, today=ctx.today, tz=ctx.tz))
    return messages.update_reply(letter, wanted, reason, suggestions, today=ctx.today,
                                 asked_on=store.asked_on(ctx.session, letter, ctx.tz))


@commands.handler(specs.CANCEL)
def cancel(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx.session, ctx.actor, args["id"])
    old, stopped = store.withdraw(ctx.session, letter, args.text("reason"), now=ctx.now)
    return messages.cancel_reply(letter, old, stopped)


# --- /letter packet ------------------------------------------------------------------------

_PACKET_ALIASES = {
    "personal-statement": "statement", "ps": "statement", "draft": "statement",
    "work": "summary", "work-summary": "summary", "strength": "strengths",
    "transcripts": "transcript", "submit": "portal", "how": "portal", "prompt": "prompts",
    "forms": "prompts", "personal-deadline": "deadline", "resume": "cv",
}


def _packet_key(word: str) -> str:
    key = word.strip().lower().replace(" ", "-")
    key = _PACKET_ALIASES.get(key, key)
    if key not in rules.PACKET_KEYS:
        raise UserError(f"“{word}” is not a packet item. Items: {', '.join(rules.PACKET_KEYS)}.")
    return key


@commands.handler(specs.PACKET)
def packet(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx.session, ctx.actor, args["id"])
    done = [_packet_key(w) for w in args.get("done", [])]
    undone: list[str] = []
    for item in rules.PACKET_ITEMS:
        if item.key in args:
            (done if args[item.key] else undone).append(item.key)
    if done or undone:
        store.mark_packet(ctx.session, letter, done, undone, now=ctx.now, settings=ctx.settings)
    return messages.packet_reply(letter, today=ctx.today,
                                 asked_on=store.asked_on(ctx.session, letter, ctx.tz))


# --- /letter plan --------------------------------------------------------------------------


@commands.handler(specs.PLAN)
def plan(ctx: Context, args: Args) -> Reply:
    track = Track(args["track"])
    specialty = args.text("specialty")
    defaulted = False
    profile = ctx.actor.student_profile
    if track == Track.RESIDENCY and not specialty and profile is not None:
        named = [s for interest in profile.interests for s in specialties_in(interest)]
        if named:
            specialty, defaulted = named[0], True
    letters = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id),
                          tz=ctx.tz)
    result = mix.evaluate_mix(track, letters, specialty=specialty)
    cycle = target_cycle(track, today=ctx.today, stage=profile.stage if profile else None,
                         deadlines=[x.deadline for x in result.counted])
    if track == Track.RESIDENCY:  # the caps and standardized letters of the cycle worked to
        result = mix.evaluate_mix(track, letters, specialty=specialty,
                                  cycle=portals.letter_cycle(cycle.needed))
    shown = mix.specialty_name(specialty) if specialty else ""
    return plan_messages.plan_reply(result, cycle, today=ctx.today, specialty=shown,
                                    defaulted=defaulted)


# --- /letter outcome -----------------------------------------------------------------------


@commands.handler(specs.OUTCOME)
def outcome(ctx: Context, args: Args) -> Reply:
    record, letters = store.record_outcome(ctx.session, ctx.actor, args.text("text"),
                                           now=ctx.now, settings=ctx.settings)
    due = rules.outcome_nudge_at(ctx.now, ctx.tz)
    told = {rules.writer_key(x.writer_id, x.writer_name) for x in letters}
    others = [x for x in store.one_per_writer(store.submitted_letters(ctx.session, ctx.actor.id))
              if rules.writer_key(x.writer_id, x.writer_name) not in told]
    return messages.outcome_recorded_reply(record, letters, local_day(due, ctx.tz), ctx.today,
                                           others)


# --- /letter draft -------------------------------------------------------------------------


@commands.handler(specs.DRAFT)
def draft(ctx: Context, args: Args) -> Reply:
    step = DraftStep(args["step"])
    letter = store.find_letter(ctx.session, ctx.actor, args["id"])
    if not rules.draft_fits(step, letter.state):
        raise UserError(draft_messages.draft_refused(step, letter), title="Not for this letter")
    phrase = read_program(letter.program, letter.portal)
    cycle = portals.letter_cycle(letter.deadline)
    facts = draft_messages.DraftFacts(
        letter=letter, student_name=ctx.actor.name,
        writer_on_roster=letter.writer_id is not None, today=ctx.today,
        asked_on=store.asked_on(ctx.session, letter, ctx.tz),
        news=store.news_for(ctx.session, letter) if step == DraftStep.OUTCOME else (),
        where=portals.portal_for(phrase, letter.deadline),
        standardized=portals.standardized(cycle, phrase.specialty or _student_specialty(ctx)),
        specialty=phrase.specialty)
    return draft_messages.draft_reply(step, facts)


def _student_specialty(ctx: Context) -> str:
    """The first specialty the student's interests name ("" when none): what a letter whose
    program names none is most likely for."""
    profile = ctx.actor.student_profile
    named = [s for i in (profile.interests if profile else ()) for s in specialties_in(i)]
    return named[0] if named else ""


# --- /letter list --------------------------------------------------------------------------


@commands.handler(specs.LIST)
def list_letters(ctx: Context, args: Args) -> Reply:
    """A student's own letters; a faculty member's letters to write; both for someone who is
    both. Nobody else's."""
    student = store.student_letters(ctx.session, ctx.actor.id) if ctx.actor.is_student \
        else None
    writing = store.writer_letters(ctx.session, ctx.actor,
                                   default_tz=ctx.settings.default_timezone, now=ctx.now) \
        if ctx.actor.is_faculty else None
    if not student and not writing:
        if writing is not None:
            return messages.list_reply(student=None, steps={}, writing=[], today=ctx.today)
        return messages.no_letters_reply()
    steps = store.next_steps(ctx.session, student, today=ctx.today, tz=ctx.tz) \
        if student else {}
    return messages.list_reply(student=student or None, steps=steps, writing=writing,
                               today=ctx.today)


# --- /letter calendar ----------------------------------------------------------------------


@commands.handler(specs.CALENDAR)
def calendar(ctx: Context, args: Args) -> Reply:
    letters = store.student_letters(ctx.session, ctx.actor.id)
    if not letters:
        raise UserError(f"There are no letters to put in a calendar yet: start with "
                        f"/{specs.REMIND.name}.")
    counts = change_counts(ctx.session, [x.id for x in letters])
    content = letters_calendar(letters, now=ctx.now, today=ctx.today,
                               asked=asked_days(ctx.session, letters, ctx.tz), sequences=counts)
    return messages.calendar_reply(
        Attachment(FILENAME, content, MIME_TYPE), events=event_count(letters),
        letters=len(letters), upcoming=sum(1 for x in letters if x.deadline >= ctx.today
                                           and x.state not in rules.GONE_STATES))

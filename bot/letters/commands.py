"""`/letter …`: tracking recommendation letters from the ask to the thank-you. The bot never
asks for, stores or shows a letter's text; it tracks dates, states and the packet. Handlers
parse, call the store and the rules with explicit values, and word the answer with
`bot.letters.messages`."""

from __future__ import annotations

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Attachment, Reply
from bot.infra.zones import local_day
from bot.letters import messages, rules, specs, store
from bot.letters.calendar import FILENAME, MIME_TYPE, event_count, letters_calendar
from bot.letters.history import change_counts
from bot.vocab.letters import LetterKind, LetterState, Portal, Track

commands = CommandSet()


@commands.handler(specs.REMIND)
def remind(ctx: Context, args: Args) -> Reply:
    writer = store.resolve_writer(ctx.session, args.text("writer"), student=ctx.actor,
                                  channel=ctx.channel)
    deadline = args["due"]
    program = args.text("program")
    portal = Portal(args["portal"]) if args.get("portal") else None
    kind = LetterKind(args["kind"]) if args.get("kind") else None
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
    existing = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id))
    warnings = rules.request_warnings(
        today=ctx.today, deadline=deadline, writer_name=writer.name,
        outside_writer=writer.outside,
        relationship_since=store.relationship_since(ctx.session, ctx.actor.id, writer.id,
                                                    ctx.tz),
        program=program, others=existing, writer_id=writer.id)
    letter = store.create_letter(ctx.session, ctx.actor, writer=writer, deadline=deadline,
                                 program=program, kind=kind, portal=portal, now=ctx.now,
                                 settings=ctx.settings)
    return messages.remind_reply(letter, outside=writer.outside, closest=writer.closest,
                                 warnings=warnings, inferred=inferred, tz=ctx.tz,
                                 today=ctx.today)


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
        declined = store.declined_writer_ids(ctx.session, ctx.actor.id)
        mentors = store.other_writers(ctx.session, ctx.actor.id, {letter.writer_id, *declined})
        suggestions = messages.other_writers_section(letter, mentors)
    return messages.update_reply(letter, wanted, reason, suggestions)


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
    return messages.packet_reply(letter)


# --- /letter plan --------------------------------------------------------------------------


@commands.handler(specs.PLAN)
def plan(ctx: Context, args: Args) -> Reply:
    track = Track(args["track"])
    specialty = args.text("specialty")
    defaulted = False
    profile = ctx.actor.student_profile
    if track == Track.RESIDENCY and not specialty and profile is not None and profile.interests:
        specialty, defaulted = profile.interests[0], True
    letters = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id))
    mix = rules.evaluate_mix(track, letters, specialty=specialty)
    return messages.plan_reply(mix, specialty=specialty, defaulted=defaulted)


# --- /letter outcome -----------------------------------------------------------------------


@commands.handler(specs.OUTCOME)
def outcome(ctx: Context, args: Args) -> Reply:
    record, letters = store.record_outcome(ctx.session, ctx.actor, args.text("text"),
                                           now=ctx.now, settings=ctx.settings)
    due = rules.outcome_nudge_at(ctx.now, ctx.tz)
    return messages.outcome_recorded_reply(record, sorted({x.writer_name for x in letters}),
                                           local_day(due, ctx.tz))


# --- /letter list --------------------------------------------------------------------------


@commands.handler(specs.LIST)
def list_letters(ctx: Context, args: Args) -> Reply:
    letters = store.student_letters(ctx.session, ctx.actor.id)
    if not letters:
        return messages.no_letters_reply()
    steps = store.next_steps(ctx.session, letters, today=ctx.today, tz=ctx.tz)
    return messages.list_reply(letters, steps, ctx.today)


# --- /letter calendar ----------------------------------------------------------------------


@commands.handler(specs.CALENDAR)
def calendar(ctx: Context, args: Args) -> Reply:
    letters = store.student_letters(ctx.session, ctx.actor.id)
    if not letters:
        raise UserError(f"There are no letters to put in a calendar yet: start with "
                        f"/{specs.REMIND.name}.")
    counts = change_counts(ctx.session, [x.id for x in letters])
    content = letters_calendar(letters, now=ctx.now, sequences=counts)
    return messages.calendar_reply(
        Attachment(FILENAME, content, MIME_TYPE), events=event_count(letters),
        letters=len(letters), upcoming=sum(1 for x in letters if x.deadline >= ctx.today))

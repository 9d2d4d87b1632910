"""`/letter …`: tracking recommendation letters from the ask to the thank-you. The bot never
asks for, stores or shows a letter's text; it tracks dates, states and the packet."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.framework.context import Context
from bot.framework.errors import UserError
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Action, Attachment, Field, Reply, Section
from bot.infra.models import Letter, LetterEvent, Outcome
from bot.infra.zones import format_day, to_local
from bot.letters import rules, specs, store
from bot.letters.calendar import FILENAME, MIME_TYPE, letters_calendar
from bot.matching import specs as matching_specs

commands = CommandSet()


NEUTRAL = "neutral letter"


def _id(letter: Letter) -> str:
    return str(letter.id)


def _update_action(letter: Letter, state: str, label: str | None = None,
                   reason: str | None = None) -> Action:
    args = {"id": _id(letter), "state": state}
    if reason:
        args["reason"] = reason
    style = "danger" if state == "declined" else "primary"
    return specs.UPDATE.action(label or state.capitalize(), args, style=style)


def _next_actions(letter: Letter) -> tuple[Action, ...]:
    actions: list[Action] = []
    for state in rules.next_states(letter.state):
        actions.append(_update_action(letter, state, _STATE_LABELS.get(state)))
        if state == "declined":
            actions.append(_update_action(letter, "declined", "Neutral letter only",
                                          reason=NEUTRAL))
    if letter.state in ("agreed", "planned", "asked"):
        actions.append(specs.PACKET.action("Packet checklist", {"id": _id(letter)}))
    return tuple(actions)


_STATE_LABELS = {
    "asked": "I asked", "agreed": "They agreed", "declined": "They declined",
    "packet-sent": "Packet sent", "submitted": "It's submitted", "thanked": "Thanked",
}


# --- /letter remind ------------------------------------------------------------------------


@commands.handler(specs.REMIND)
def remind(ctx: Context, args: Args) -> Reply:
    writer = store.resolve_writer(ctx, args.text("writer"))
    deadline = args["due"]
    program = args.text("program")
    portal = args.get("portal")
    kind = args.get("kind")
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
    letter = store.create_letter(ctx, writer=writer, deadline=deadline, program=program,
                                 kind=kind, portal=portal)
    store.replan(ctx.session, [letter], ctx.now, ctx.settings)

    notes: list[str] = []
    if writer.outside:
        note = (f"{writer.name} is not a faculty member I know, so I'm tracking them as an "
                "outside writer.")
        if writer.closest:
            note += f" If you meant {' or '.join(writer.closest)}, use their email instead."
        notes.append(note)
    sections = [Section(heading=f"Timeline (dates in {ctx.tz})",
                        text=_timeline_text(deadline, ctx.today))]
    for warning in warnings:
        sections.append(Section(heading=f"Warning: {warning.code.replace('-', ' ')}",
                                text=f"{warning.message}\nInstead: {warning.advice}"))
    if kind is None:
        sections.append(Section(
            heading="What kind of letter is this?",
            text="It decides how /letter plan counts it.",
            actions=tuple(specs.KIND.action(k, {"id": _id(letter), "kind": k})
                          for k in rules.LETTER_KINDS)))
    fields = [
        Field("Writer", writer.name + (" (outside writer)" if writer.outside else "")),
        Field("Program", program or "-"),
        Field("Kind", (kind or "not set") + (" (inferred)" if inferred else "")),
        Field("Portal", portal or "-"),
    ]
    return Reply(
        title=f"Tracking letter #{letter.id} from {writer.name}",
        text="\n".join(notes),
        fields=tuple(fields),
        sections=tuple(sections),
        actions=(_update_action(letter, "asked", "I asked"),
                 specs.PACKET.action("Packet checklist", {"id": _id(letter)})),
        footer="I'll remind you before each date. The letter itself stays between you and "
               "your writer: I never ask for or keep its text.",
    )


def _timeline_text(deadline: date, today: date) -> str:
    line = rules.timeline(deadline)
    rows = (
        ("Ask by", line.ask_by, "deadline − 6 weeks, the ideal time to ask"),
        ("Last call", line.last_call, "deadline − 4 weeks; later is a last-minute request"),
        ("Personal deadline for the writer", line.personal,
         "deadline − 14 days: the date you tell your writer"),
        ("Deadline", line.deadline, "the real deadline"),
    )
    out = []
    for label, day, why in rows:
        passed = " (passed)" if day < today else ""
        out.append(f"{label}: {format_day(day)}{passed} — {why}")
    return "\n".join(out)


@commands.handler(specs.KIND)
def set_kind(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx, args["id"])
    letter.kind = args["kind"]
    letter.updated_at = ctx.now
    return Reply(title=f"Letter #{letter.id} is a {letter.kind} letter",
                 text=f"From {letter.writer_name}{_for(letter)}.")


def _for(letter: Letter) -> str:
    return f" for {letter.program}" if letter.program else ""


# --- /letter update ------------------------------------------------------------------------


@commands.handler(specs.UPDATE)
def update(ctx: Context, args: Args) -> Reply:
    letter = store.find_letter(ctx, args["id"])
    wanted = args["state"]
    reason = args.text("reason")
    store.transition(ctx, letter, wanted, reason)
    title = f"Letter #{letter.id} from {letter.writer_name}: {wanted}"
    sections: list[Section] = []
    line = rules.timeline(letter.deadline)
    match wanted:
        case "asked":
            text = (f"Ask logged. If they agree, send your packet at once; your personal "
                    f"deadline for them is {format_day(line.personal)}.")
        case "agreed":
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            text = (f"Great. Now send {letter.writer_name} your packet"
                    + (f": {missing}." if missing else " (everything is checked off)."))
        case "declined":
            neutral = "neutral" in reason.lower() or "lukewarm" in reason.lower()
            text = ((f"{letter.writer_name} offered only a neutral letter. A neutral letter "
                     "hurts more than it helps: find another writer.") if neutral else
                    f"{letter.writer_name} declined. That is useful to know early: find "
                    "another writer.")
            sections.append(_suggestions(ctx, letter))
        case "packet-sent":
            text = (f"Packet sent. {letter.writer_name} should submit by "
                    f"{format_day(line.personal)}; I'll remind you to check in then.")
        case "submitted":
            text = "Submitted. Send a thank-you note within the next few days."
        case "thanked":
            text = ("Thanks sent. Share your outcomes (/letter outcome) as they come, and keep "
                    "in touch every few months.")
        case _:
            text = ""
    return Reply(title=title, text=text, sections=tuple(sections),
                 actions=_next_actions(letter))


def _suggestions(ctx: Context, letter: Letter) -> Section:
    declined = store.declined_writer_ids(ctx.session, ctx.actor.id)
    mentors = store.other_writers(ctx.session, ctx.actor.id, {letter.writer_id, *declined})
    actions: list[Action] = []
    for mentor in mentors[:5]:
        args = {"writer": f"person:{mentor.id}", "due": letter.deadline.isoformat()}
        if letter.program:
            args["program"] = letter.program
        action = specs.REMIND.action(f"Ask {mentor.name}"[:75], args)
        try:
            action.encode()
        except ValueError:
            args.pop("program", None)
            action = specs.REMIND.action(f"Ask {mentor.name}"[:75], args)
        actions.append(action)
    if mentors:
        names = ", ".join(m.name for m in mentors[:5])
        text = (f"Your mentors who could write instead: {names}. Or look for more with "
                "/mentor find.")
    else:
        text = ("None of your mentors is free to ask for this one; /mentor find suggests "
                "faculty who fit.")
    actions.append(matching_specs.FIND.action("Find mentors"))
    return Section(heading="Other writers", text=text, actions=tuple(actions))


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
    letter = store.find_letter(ctx, args["id"])
    done = [_packet_key(w) for w in args.get("done", [])]
    undone: list[str] = []
    for item in rules.PACKET_ITEMS:
        if item.key in args:
            (done if args[item.key] else undone).append(item.key)
    changed = bool(done or undone)
    if changed:
        if letter.state == "declined":
            raise UserError(f"Letter #{letter.id} was declined; its packet is closed.")
        store.mark_packet(ctx, letter, done, undone)
    state = letter.packet or {}
    line = rules.timeline(letter.deadline)
    details = {
        "portal": rules.PORTAL_HOWTO[letter.portal or "other"],
        "deadline": f"Tell {letter.writer_name} {format_day(line.personal)} (the real "
                    f"deadline is {format_day(letter.deadline)}).",
        "strengths": "Pick 4–6 strengths this writer saw first-hand, matched to what the "
                     "program values.",
        "summary": "What you did together, when, and what you contributed.",
        "transcript": "Optional; some writers like to see it.",
    }
    lines = []
    for item in rules.PACKET_ITEMS:
        mark = "[x]" if state.get(item.key) else "[ ]"
        optional = " (optional)" if item.optional else ""
        detail = f" — {details[item.key]}" if item.key in details else ""
        lines.append(f"{mark} {item.key}: {item.label}{optional}{detail}")
    missing = rules.packet_missing(state)
    actions = [specs.PACKET.action(f"{item.short} ✓",
                      {"id": _id(letter), "done": item.key})
               for item in rules.PACKET_ITEMS if not state.get(item.key)]
    if not missing and letter.state == "agreed":
        actions.append(_update_action(letter, "packet-sent", "Packet sent"))
    status = ("Everything is ready." if not missing else
              f"Missing: {', '.join(i.key for i in missing)}.")
    return Reply(
        title=f"Packet for {letter.writer_name}{_for(letter)} (letter #{letter.id})",
        text=status,
        sections=(Section(heading="Checklist", text="\n".join(lines)),),
        actions=tuple(actions),
        footer="Check items off with /letter packet ID cv:yes or done:cv;statement. Never send "
               "me the letter itself: I only track that the packet is ready.",
    )


# --- /letter plan --------------------------------------------------------------------------


@commands.handler(specs.PLAN)
def plan(ctx: Context, args: Args) -> Reply:
    track = args["track"]
    specialty = args.text("specialty")
    defaulted = False
    profile = ctx.actor.student_profile
    if track == "residency" and not specialty and profile is not None and profile.interests:
        specialty, defaulted = profile.interests[0], True
    letters = store.facts(ctx.session, store.student_letters(ctx.session, ctx.actor.id))
    result = rules.evaluate_mix(track, letters, specialty=specialty)
    sections = [
        Section(heading="Covered", text=_bullets(result.covered) or "Nothing yet."),
        Section(heading="Missing", text=_bullets(result.missing) or "Nothing: the mix is "
                "complete."),
    ]
    if result.over:
        sections.append(Section(heading="Over the limits", text=_bullets(result.over)))
    if result.notes:
        sections.append(Section(heading="Notes", text=_bullets(result.notes)))
    if result.not_counted:
        sections.append(Section(heading="Not counted (set their kind)" if track == "residency"
                                else "Not counted in this mix",
                                text=_bullets(result.not_counted)))
    if track == "med-school":
        expected = ("Medical school: 2–3 science faculty letters, 1 non-science or character "
                    "letter, and a committee letter where your school has one. AMCAS takes at "
                    "most 10 letter entries.")
    else:
        expected = ("Residency: 3–4 letters, at least 1 from the specialty you apply to, 1–2 "
                    "from core clerkships where you did well, 1 from research or a longitudinal "
                    "mentor where relevant. ERAS lets you assign at most 4 per program.")
        if specialty:
            expected += f" Specialty: {specialty}" + (" (from your profile)." if defaulted
                                                     else ".")
    return Reply(title=f"Letter plan: {track}", text=expected, sections=tuple(sections))


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


# --- /letter outcome -----------------------------------------------------------------------


@commands.handler(specs.OUTCOME)
def outcome(ctx: Context, args: Args) -> Reply:
    from bot.letters.planning import outcome_plans
    from bot.nudges.planning import store_plans

    text = " ".join(args.text("text").split())
    if not text:
        raise UserError("Say what happened, e.g. /letter outcome interview at State EM.")
    writers = ctx.session.scalars(
        select(Letter).where(Letter.student_id == ctx.actor.id,
                             Letter.state.in_(rules.DONE_STATES))
        .order_by(Letter.id)).all()
    if not writers:
        raise UserError("Outcomes are shared with writers who submitted a letter, and none "
                        "has yet. Mark a letter submitted first (/letter update ID submitted).")
    record = Outcome(student_id=ctx.actor.id, kind=rules.outcome_kind(text), text=text,
                     at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    plans = outcome_plans(ctx.session, [record], ctx.settings)
    store_plans(ctx.session, plans, now=ctx.now)
    names = sorted({x.writer_name for x in writers})
    due = rules.outcome_nudge_at(ctx.now, ctx.tz)
    return Reply(
        title=f"Outcome recorded: {record.kind}",
        text=f"“{text}”. Writers to tell: {', '.join(names)}. I'll remind you on "
             f"{format_day(to_local(due, ctx.tz).date())} to share the news with "
             "each of them.",
    )


# --- /letter list --------------------------------------------------------------------------


@commands.handler(specs.LIST)
def list_letters(ctx: Context, args: Args) -> Reply:
    letters = store.student_letters(ctx.session, ctx.actor.id)
    if not letters:
        return Reply(title="No letters tracked yet",
                     text="Start with /letter remind WRITER due:DATE, e.g. "
                          "/letter remind Dr. Smith due:\"in 10 weeks\".")
    steps = store.next_steps(ctx.session, letters, today=ctx.today, tz=ctx.tz)
    sections = []
    for letter in letters:
        step = steps[letter.id]
        when = f" — by {format_day(step.on)}" if step.on else ""
        when += " (overdue)" if step.on and step.on < ctx.today else ""
        sections.append(Section(
            heading=f"#{letter.id} {letter.writer_name}{_for(letter)}",
            fields=(
                Field("ID", _id(letter)),
                Field("State", letter.state),
                Field("Deadline", format_day(letter.deadline)),
                Field("Next step", f"{step.text}{when}"),
            ),
        ))
    return Reply(title=f"Your letters ({len(letters)})", sections=tuple(sections),
                 footer="Private to you. Move one along with /letter update ID STATE; "
                        "/letter packet ID shows its checklist.", ephemeral=True)


# --- /letter calendar ----------------------------------------------------------------------


@commands.handler(specs.CALENDAR)
def calendar(ctx: Context, args: Args) -> Reply:
    letters = store.student_letters(ctx.session, ctx.actor.id)
    if not letters:
        raise UserError("There are no letters to put in a calendar yet: start with "
                        "/letter remind.")
    counts = dict(ctx.session.execute(
        select(LetterEvent.letter_id, func.count())
        .where(LetterEvent.letter_id.in_([x.id for x in letters]))
        .group_by(LetterEvent.letter_id)).all())
    content = letters_calendar(letters, now=ctx.now, sequences=counts)
    upcoming = [x for x in letters if x.deadline >= ctx.today]
    return Reply(
        title="Your letter calendar",
        text=f"{len(letters) * 3} events for {len(letters)} letters "
             f"({len(upcoming)} with deadlines ahead). Import it again after changes: the "
             "events update in place.",
        attachment=Attachment(FILENAME, content, MIME_TYPE),
    )

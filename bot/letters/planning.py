"""Planning the letter-* nudges. Timing is `bot.rules.letters.letter_nudges`; this module
gathers the facts (the student's time zone, when the writer agreed or submitted) and words
each nudge with the action that answers it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.framework.replies import Action, Reply
from bot.infra.models import Letter, LetterEvent, Outcome, Person
from bot.infra.settings import Settings
from bot.infra.zones import format_day
from bot.letters import rules, specs
from bot.nudges.planning import Plan, PlannedNudge

ACTIVE_STATES = ("planned", "asked", "agreed", "packet-sent", "submitted")
"""Letters that can still owe a nudge. Letters that reach a final state are re-planned by the
change itself (`bot.letters.transition`), which cancels what they no longer owe."""
OUTCOME_WINDOW = timedelta(days=30)


def plan_letters(session: Session, now: datetime, settings: Settings) -> Iterable[Plan]:
    letters = session.scalars(select(Letter).where(Letter.state.in_(ACTIVE_STATES))).all()
    yield from letter_plans(session, letters, settings)
    outcomes = session.scalars(select(Outcome).where(Outcome.at >= now - OUTCOME_WINDOW)).all()
    yield from outcome_plans(session, outcomes, settings)


def letter_plans(session: Session, letters: Sequence[Letter], settings: Settings) -> list[Plan]:
    from bot.letters.store import state_moments

    if not letters:
        return []
    ids = [x.id for x in letters]
    agreed = state_moments(session, ids, "agreed")
    submitted = state_moments(session, ids, "submitted")
    zones = _zones(session, {x.student_id for x in letters}, settings)
    plans: list[Plan] = []
    for letter in letters:
        tz = zones[letter.student_id]
        plan = Plan("letter", letter.id)
        for due in rules.letter_nudges(
            state=letter.state, deadline=letter.deadline, tz=tz, created_at=letter.created_at,
            agreed_at=agreed.get(letter.id), submitted_at=submitted.get(letter.id),
            packet=letter.packet or {},
        ):
            plan.nudges.append(PlannedNudge(
                person_id=letter.student_id, kind=due.kind, due_at=due.due_at,
                subject_type="letter", subject_id=letter.id, occurrence=due.occurrence,
                reply=letter_nudge_reply(due.kind, letter),
            ))
        plans.append(plan)
    return plans


def outcome_plans(session: Session, outcomes: Sequence[Outcome],
                  settings: Settings) -> list[Plan]:
    """One letter-outcome nudge per writer whose letter was submitted by the time of the
    outcome: the student shares the news with each of them."""
    if not outcomes:
        return []
    zones = _zones(session, {o.student_id for o in outcomes}, settings)
    students = {o.student_id for o in outcomes}
    rows = session.execute(
        select(Letter, LetterEvent.at)
        .join(LetterEvent, LetterEvent.letter_id == Letter.id)
        .where(Letter.student_id.in_(students), LetterEvent.to_state == "submitted")
        .order_by(Letter.id)).all()
    plans: list[Plan] = []
    for outcome in outcomes:
        plan = Plan("outcome", outcome.id)
        seen: set[str] = set()
        for letter, submitted_at in rows:
            if letter.student_id != outcome.student_id or submitted_at > outcome.at:
                continue
            key = f"p{letter.writer_id}" if letter.writer_id else \
                "n" + "-".join(rules.normalize_text(letter.writer_name).split())
            if key in seen:
                continue
            seen.add(key)
            plan.nudges.append(PlannedNudge(
                person_id=outcome.student_id, kind="letter-outcome",
                due_at=rules.outcome_nudge_at(outcome.at, zones[outcome.student_id]),
                subject_type="outcome", subject_id=outcome.id, occurrence=key[:120],
                reply=outcome_reply(outcome, letter),
            ))
        plans.append(plan)
    return plans


def _zones(session: Session, person_ids: set[int], settings: Settings) -> dict[int, str]:
    rows = session.execute(select(Person.id, Person.timezone)
                           .where(Person.id.in_(person_ids))).all()
    return {pid: tz or settings.default_timezone for pid, tz in rows}


def _for(letter: Letter) -> str:
    return f" for {letter.program}" if letter.program else ""


def _update(label: str, letter: Letter, state: str, style: str = "primary") -> Action:
    return specs.UPDATE.action(label, {"id": letter.id, "state": state}, style=style)


def letter_nudge_reply(kind: str, letter: Letter) -> Reply:
    line = rules.timeline(letter.deadline)
    who = letter.writer_name
    ask_text = (
        "Ask in person or with a short email, and ask whether they can write you a strong "
        "letter: it gives them room to say no. Offer to send your CV, personal statement, a "
        "summary of your work together and the strengths you hope they can speak to. Tell "
        f"them your deadline for them: {format_day(line.personal)}."
    )
    match kind:
        case "letter-ask":
            return Reply(
                title=f"Time to ask {who} for a letter{_for(letter)}",
                text=f"Ask by {format_day(line.ask_by)} (6 weeks before the "
                     f"{format_day(letter.deadline)} deadline). {ask_text}",
                actions=(_update("I asked", letter, "asked"),))
        case "letter-ask-late":
            return Reply(
                title=f"Last call: ask {who} for a letter{_for(letter)}",
                text=f"The deadline is {format_day(letter.deadline)}, 4 weeks or less away. "
                     f"Ask today, and send the whole packet with your ask. {ask_text}",
                actions=(_update("I asked", letter, "asked"),))
        case "letter-packet":
            missing = ", ".join(i.label for i in rules.packet_missing(letter.packet or {}))
            return Reply(
                title=f"Send {who} your packet",
                text=f"{who} agreed to write{_for(letter)}. Still to send: {missing}.",
                actions=(specs.PACKET.action("Packet checklist", {"id": letter.id}),
                         _update("Packet sent", letter, "packet-sent", "default")))
        case "letter-checkin":
            return Reply(
                title=f"Check in with {who}",
                text=f"Today is the personal deadline you gave {who} "
                     f"({format_day(line.personal)}); the real deadline is "
                     f"{format_day(letter.deadline)}. A short, polite note helps: thank them, "
                     "ask whether they need anything more from you, and restate where and "
                     "how to submit.",
                actions=(_update("It's submitted", letter, "submitted"),))
        case "letter-deadline":
            return Reply(
                title=f"{who}'s letter{_for(letter)} is due in 3 days",
                text=f"The deadline is {format_day(letter.deadline)} and the letter is not "
                     "marked submitted. Check the portal; if it is not there, send a brief, "
                     "courteous reminder with the submission details.",
                actions=(_update("It's submitted", letter, "submitted"),))
        case "letter-thanks":
            return Reply(
                title=f"Thank {who}",
                text=f"{who} submitted your letter{_for(letter)}. Send a thank-you note in the "
                     "next few days (a handwritten card or a warm email), and promise to "
                     "share how your applications go.",
                actions=(_update("Thanked", letter, "thanked"),))
    raise ValueError(kind)


def outcome_reply(outcome: Outcome, letter: Letter) -> Reply:
    return Reply(
        title=f"Share your news with {letter.writer_name}",
        text=f"You recorded: {outcome.text}. {letter.writer_name} wrote a letter for you"
             f"{_for(letter)}; writers like to hear how it went. A short note with the news "
             "and your thanks keeps the relationship alive.",
    )

"""`/letter draft ask|packet|thanks|outcome ID`: the guide's messages for each step of a
letter, filled with the letter's facts (the writer addressed as "Dear Dr. Surname", the
program, the personal deadline, where and how to submit, what of the packet is ready), for
the student to adapt and send themselves. What the bot cannot know is a clear `[placeholder]`.
The bot never sends these for the student, and never writes, asks for or keeps a letter's
text: these are messages *to* the writer, never the letter.

A draft holds only what its recipient should read: the dates in it are plain dates, never
one already past, and why a date is what it is (the ideal personal deadline has passed; the
deadline itself has) is said in the reply around the draft, to the student. Where and how to
submit is said to the writer ("through the ERAS Letter of Recommendation Portal, with the
Letter ID on the form I'm attaching"), not as the student's to-do. A standardized letter
(`kind:sloe`) is asked for as what it is: the talking points say what a SLOE is, who writes
it, how many the specialty's programs expect and which portal it goes through, from the
cycle data (`bot.letters.portals`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.framework.replies import Reply, Section
from bot.framework.wording import count, range_text
from bot.infra.models import Letter
from bot.infra.zones import format_day
from bot.letters import rules, specs
from bot.letters.messages import day_text, writer_howto
from bot.letters.portals import PortalFor
from bot.people.names import salutation
from bot.vocab.cycles import Found, StandardizedLetter
from bot.vocab.letters import DraftStep, LetterKind, LetterState

PROGRAM_PLACEHOLDER = "[the program]"
WORK_PLACEHOLDER = "[what you did together, and when: the rotation, the project, the clinic]"
NEWS_PLACEHOLDER = "[your news: an interview, an acceptance, your match]"
SPECIFIC_PLACEHOLDER = "[one specific thing they did that helped you]"
NEXT_PLACEHOLDER = "[what comes next for you]"

STRONG_LETTER_WHY = (
    "Why “a strong letter”: it gives them room to say no. A writer who cannot write a "
    "strong letter can decline gracefully, and a lukewarm (“neutral”) letter hurts more than "
    "no letter at all. If they hesitate, thank them warmly and ask someone else.")

FOOTER = ("A draft for you to adapt and send yourself: I never send it for you, and I never "
          "ask for or keep a letter's text.")


@dataclass(frozen=True)
class DraftFacts:
    """What a draft is filled with: the letter, who writes and who asks, the day it is
    written (dates are said from it), the day the writer was asked, the student's news
    since the writer submitted that this letter had a part in (for the outcome update),
    where the letter goes (`where`, the student's portal or the one the cycle data gives
    its specialty) and, for a standardized letter, what the data says of it."""

    letter: Letter
    student_name: str
    writer_on_roster: bool
    today: date
    asked_on: date | None = None
    news: tuple[str, ...] = ()
    where: PortalFor = PortalFor(None)
    standardized: Found[StandardizedLetter] | None = None
    specialty: str | None = None

    @property
    def program(self) -> str:
        return self.letter.program or PROGRAM_PLACEHOLDER

    @property
    def deadline_passed(self) -> bool:
        return self.letter.deadline < self.today

    @property
    def sloe(self) -> bool:
        return self.letter.kind == LetterKind.SLOE

    @property
    def dear(self) -> str:
        return salutation(self.letter.writer_name, doctor=self.writer_on_roster)

    @property
    def personal(self) -> rules.Due:
        return rules.personal_deadline(self.letter.deadline, today=self.today,
                                       asked_on=self.asked_on)


def _strengths_placeholder() -> str:
    return (f"[{range_text(rules.STRENGTHS)} strengths they saw first-hand, matched to what "
            "the program values]")


_ITEM_TEXT = {
    "cv": "My CV",
    "statement": "My personal statement (or its current draft)",
    "summary": f"A summary of the work we did together: {WORK_PLACEHOLDER}",
    "transcript": "My transcript",
    "prompts": "The program's prompts or forms: [paste them, or say there are none]",
}


def _packet_lines(facts: DraftFacts, *, marked: bool) -> list[str]:
    """The packet as email lines: each item, with what is attached and, when `marked`, what
    is still to come. The deadline and the portal are said in the email itself."""
    done = facts.letter.packet or {}
    lines = []
    for item in rules.PACKET_ITEMS:
        if item.key in ("deadline", "portal"):
            continue
        if item.key == "strengths":
            text = f"The strengths I hope you can speak to: {_strengths_placeholder()}"
        else:
            text = _ITEM_TEXT[item.key]
        if item.optional and not done.get(item.key):
            continue
        if marked:
            text += " (attached)" if done.get(item.key) else " [still to send]"
        lines.append(f"- {text}")
    return lines


def told_date(facts: DraftFacts) -> str:
    """The personal deadline as the draft says it to the writer: a plain date (today or
    later), without the bot's reasoning."""
    return day_text(facts.personal.on, facts.today)


def _by_when(facts: DraftFacts) -> str:
    """When the draft asks the writer to submit: the personal deadline, leaving room before
    the program's; the program's own deadline when there is no room left; as soon as they
    can once it has passed (the reply around the draft says so)."""
    deadline = facts.letter.deadline
    if facts.deadline_passed:
        return ("Could you submit it as soon as you can? I'm checking with the program that "
                "it can still arrive.")
    if facts.personal.on >= deadline:
        return f"Could you submit it by {day_text(deadline, facts.today)}, the program's deadline?"
    return (f"Could you submit it by {told_date(facts)}? The program's own deadline is "
            f"{format_day(deadline)}, so this leaves a little room.")


def _submit_lines(facts: DraftFacts) -> list[str]:
    return [
        f"Where and how to submit: {writer_howto(facts.where.portal, facts.letter.kind)}",
        _by_when(facts),
    ]


def about_dates(facts: DraftFacts) -> str:
    """Why the dates in an ask or packet draft are what they are, for the student (never
    in the draft itself)."""
    deadline = facts.letter.deadline
    if facts.deadline_passed:
        return (f"The deadline, {format_day(deadline)}, has passed, so the draft names no "
                "date: ask the program whether a letter can still arrive before you send it.")
    due = facts.personal
    if due.late and due.on < deadline:
        return (f"About the date in the draft: the ideal personal deadline, "
                f"{format_day(due.ideal)} ({count(rules.PERSONAL_DEADLINE_DAYS, 'day')} before "
                f"the deadline), has passed; {format_day(due.on)} is the best date still "
                "possible.")
    if due.late:
        return (f"About the date in the draft: there is no room left before the deadline, "
                f"{format_day(deadline)}, so the draft asks for it by then.")
    return ""


def _deadline_point(facts: DraftFacts) -> str:
    if facts.deadline_passed:
        return ""
    return f" (deadline {format_day(facts.letter.deadline)})"


def _email(subject: str, body: Sequence[str], signoff: str, facts: DraftFacts) -> str:
    return "\n".join([f"Subject: {subject}", "", f"{facts.dear},", "", *body, "", signoff,
                      facts.student_name])


def _deadline_for_them(facts: DraftFacts) -> str:
    if facts.deadline_passed:
        return "that you will ask the program whether a letter can still arrive"
    return f"that your deadline for them is {told_date(facts)}"


def standardized_points(facts: DraftFacts) -> list[str]:
    """What a standardized letter is, from the cycle data: its name, who writes it, how
    many the specialty's programs expect, and the portal it goes through."""
    found = facts.standardized
    name = found.value.name if found is not None else "SLOE"
    lines = []
    if found is not None:
        letter = found.value
        full = f" ({letter.full_name})" if letter.full_name else ""
        by = f", written by {letter.written_by}" if letter.written_by else ""
        verb = "expect" if letter.required else "welcome"
        lines.append(f"- What you are asking for: a {name}{full}, the {letter.specialty} "
                     f"standardized letter{by}. {letter.specialty.capitalize()} programs "
                     f"{verb} {count(letter.wanted, name)} ({found.whose()}), each from a "
                     "different rotation: this is one of them.")
    where = facts.where
    if where.portal is not None:
        source = f" ({where.found.whose()})" if where.found is not None else ""
        lines.append(f"- It goes through {where.portal}{source}: "
                     f"{writer_howto(where.portal, LetterKind.SLOE)}.")
    lines.append(f"- Ask: “Would you be able to complete a {name} for me from my rotation "
                 f"with you?” Where the department writes a group {name}, ask who completes "
                 "it (often the clerkship director) and ask them.")
    return lines


def ask_draft(facts: DraftFacts) -> tuple[Section, ...]:
    """Talking points for asking in person, and the follow-up email once they agree. A
    standardized letter is asked for as what it is."""
    deadline = _deadline_point(facts)
    if facts.sloe:
        asking = standardized_points(facts)
        what = (f"the {facts.standardized.value.name if facts.standardized else 'SLOE'} from "
                "my rotation with you")
    else:
        asking = [f"- Ask: “Would you be able to write me a strong letter of recommendation "
                  f"for {facts.program}?”", f"- {STRONG_LETTER_WHY}"]
        what = "a letter of recommendation"
    points = "\n".join([
        f"- Greet them and recall your work together: {WORK_PLACEHOLDER}.",
        f"- Say what you are applying to: {facts.program}{deadline}.",
        *asking,
        "- If they agree: say you will email your packet right away, and "
        f"{_deadline_for_them(facts)}.",
        "- Thank them, whatever they answer.",
    ])
    thanks = (f"Thank you for agreeing to complete {what} for my application to "
              f"{facts.program}." if facts.sloe else
              f"Thank you for agreeing to write {what} for my application to {facts.program}.")
    email = _email(
        f"{'SLOE' if facts.sloe else 'Letter of recommendation'} for {facts.program}: "
        "materials and deadline",
        [f"{thanks} As promised, here is everything in one place:",
         *_packet_lines(facts, marked=False),
         "",
         *_submit_lines(facts),
         "",
         "Please let me know if anything else would help. I'll keep you posted on how my "
         "applications go."],
        "With thanks,", facts)
    return (Section(heading="Asking in person: talking points", text=points),
            Section(heading="Follow-up email, once they agree", text=email))


def packet_draft(facts: DraftFacts) -> tuple[Section, ...]:
    """The packet email: what is attached, what is still to come, where, how and by when."""
    packet = facts.letter.packet or {}
    missing = rules.packet_missing(packet)
    ready = [i for i in rules.PACKET_ITEMS if packet.get(i.key)]
    lines = (["Ready:", *(f"- {i.label}" for i in ready)] if ready else
             ["Nothing is checked off yet."])
    if missing:
        lines += ["Still to send:", *(f"- {i.label}" for i in missing),
                  f"Check items off with /{specs.PACKET.name} {facts.letter.id}."]
    else:
        lines.append("Everything is checked off: attach it all.")
    status = "\n".join(lines)
    email = _email(
        f"Materials for my letter of recommendation: {facts.program}",
        ["Thank you again for writing on my behalf. Here are the materials for my "
         f"application to {facts.program}:",
         *_packet_lines(facts, marked=True),
         "",
         *_submit_lines(facts),
         "",
         "If anything is missing or you would like more detail on any of it, I'm happy to "
         "send it."],
        "With thanks,", facts)
    return (Section(heading="What is ready", text=status),
            Section(heading="Packet email", text=email))


def thanks_draft(facts: DraftFacts) -> tuple[Section, ...]:
    """A thank-you note: for the letter, or, after a decline, for considering it."""
    if facts.letter.state == LetterState.DECLINED:
        body = [f"Thank you for considering my request for a letter for {facts.program}, and "
                "for being honest with me. I appreciate your time and your advice, and I hope "
                "to keep learning from you."]
        subject = "Thank you"
    else:
        body = [f"Thank you for writing my letter of recommendation for {facts.program}. "
                f"{SPECIFIC_PLACEHOLDER} I know how much time a thoughtful letter takes, and I "
                "am grateful for your support.",
                "",
                "I'll let you know how my applications go."]
        subject = "Thank you for my letter"
    note = _email(subject, body, "With gratitude,", facts)
    return (Section(heading="Thank-you note",
                    text=note + "\n\nSend it in the next few days; a handwritten card works "
                                "as well as an email."),)


def outcome_draft(facts: DraftFacts) -> tuple[Section, ...]:
    """An update on outcomes for a writer who wrote a letter."""
    if facts.news:
        news = "; ".join(facts.news)
        hint = ""
    else:
        news = NEWS_PLACEHOLDER
        hint = f"\n\nRecord news as it comes with /{specs.OUTCOME.name} TEXT."
    body = [f"I wanted to share some news: {news}. Your letter for {facts.program} was part "
            "of that, and I'm grateful.",
            "",
            f"{NEXT_PLACEHOLDER} I'll keep you posted, and I hope we can stay in touch."]
    note = _email("An update on my applications", body, "Thank you again,", facts)
    return (Section(heading="Update for your writer", text=note + hint),)


_DRAFTS = {DraftStep.ASK: ask_draft, DraftStep.PACKET: packet_draft,
           DraftStep.THANKS: thanks_draft, DraftStep.OUTCOME: outcome_draft}
_TITLES = {DraftStep.ASK: "Asking {who} for a letter", DraftStep.PACKET: "Packet email to {who}",
           DraftStep.THANKS: "Thank-you note to {who}",
           DraftStep.OUTCOME: "Outcome update for {who}"}


def draft_reply(step: DraftStep, facts: DraftFacts) -> Reply:
    """A draft as the student sees it: the reasoning about its dates (if any) around it,
    the draft itself in its sections."""
    letter = facts.letter
    about = about_dates(facts) if step in (DraftStep.ASK, DraftStep.PACKET) else ""
    return Reply(title=_TITLES[step].format(who=letter.writer_name)
                 + f" (letter #{letter.id})", text=about,
                 sections=_DRAFTS[step](facts), footer=FOOTER)


def draft_refused(step: DraftStep, letter: Letter) -> str:
    """Why this draft does not fit the letter now, and what would."""
    fits = ", ".join(rules.DRAFT_STATES[step])
    return (f"Letter #{letter.id} is {letter.state}; the {step} draft is for letters that "
            f"are {fits}.")

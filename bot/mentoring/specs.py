"""Command specs of mentoring: names, options, who may run them. Values only: wording that
states a rule is built from the rule's constant (the button labels and replies are in
`bot.mentoring.messages`, which builds its buttons from these specs)."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command
from bot.matching.rules import DEFAULT_REQUEST_KIND
from bot.mentoring.cadence import MAIN_MENTOR_RANGE_WEEKS
from bot.mentoring.rules import RATING_SCALE
from bot.mentoring.vocab import CHECKIN_ANSWERS
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.people import Role

_LOW_WEEKS, _HIGH_WEEKS = MAIN_MENTOR_RANGE_WEEKS
_LOW_RATING, _HIGH_RATING = RATING_SCALE

MENTOR_OPTION = Option("mentor", OptionType.PERSON, positional=True, required=True,
                       placeholder="MENTOR", role=Role.FACULTY,
                       description="your mentor (name, email or mention)")

CADENCE_OPTION = Option("cadence", description="how often to keep in touch with this mentor, "
                        "e.g. weekly, 4w, \"6 weeks\"")

LIST = command(
    "mentor",
    "list",
    summary="Your mentors (or mentees): kind, last contact, next follow-up, open action items.",
    examples=["/mentor list"],
)


LOG = command(
    "mentor",
    "log",
    summary="Record a contact with a mentor; restarts the follow-up clock.",
    options=[
        MENTOR_OPTION,
        Option("note", description="what you talked about (a few words)"),
        Option("on", OptionType.DATE, "when, if not today (never a future date)", when="past"),
        Option("ask", OptionType.BOOL, "yes if you asked for something (a letter, a favour)"),
        CADENCE_OPTION,
        Option("rating", OptionType.INT,
               f"after a meeting, how useful it was, {_LOW_RATING} (not) to {_HIGH_RATING} "
               "(very); never shown to the mentor",
               min_value=_LOW_RATING, max_value=_HIGH_RATING),
    ],
    who=Audience.STUDENT,
    examples=[
        '/mentor log "Dr. Rivera" note:"shared my step 1 plan"',
        "/mentor log rivera@example.edu on:2027-01-10 ask:yes note:\"asked about a letter\"",
        "/mentor log Dr. Chen cadence:weekly",
        '/mentor log "Dr. Rivera" note:"first meeting" rating:4',
    ],
)


CADENCE = command(
    "mentor",
    "cadence",
    summary="Set how often to keep in touch with a mentor.",
    options=[
        MENTOR_OPTION,
        Option("every", positional=True, required=True, greedy=True, placeholder="RHYTHM",
               description="weekly, 4w, \"6 weeks\"…"),
    ],
    who=Audience.STUDENT,
    examples=["/mentor cadence Dr. Chen weekly"],
    hidden=True,
)


GROUP_RHYTHM = command(
    "mentor",
    "group rhythm",
    summary="Set how often a group's students check in with their main mentor "
            f"({_LOW_WEEKS}–{_HIGH_WEEKS} weeks).",
    options=[
        Option("group", positional=True, required=True, placeholder="GROUP",
               description="the group's short name"),
        Option("weeks", OptionType.INT, "weeks between check-ins with a main mentor",
               positional=True, required=True, placeholder="WEEKS",
               min_value=_LOW_WEEKS, max_value=_HIGH_WEEKS),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group rhythm em-interest 8"],
)


TODO = command(
    "mentor",
    "todo",
    summary="Track something a mentor suggested you do.",
    options=[
        MENTOR_OPTION,
        Option("task", positional=True, required=True, greedy=True, placeholder="TASK",
               description="what they suggested", prose=True),
        Option("due", OptionType.DATE, "when you mean to have it done", when="future"),
    ],
    who=Audience.STUDENT,
    examples=['/mentor todo "Dr. Rivera" read the ACEP ultrasound guidelines due:"in 2 weeks"',
              "/mentor todo rivera@example.edu email Dr. Park about shadowing"],
)


DONE = command(
    "mentor",
    "done",
    summary="Close an action item; a note like \"decided not to, because…\" counts too.",
    options=[
        Option("id", OptionType.INT, "the item's number (see /mentor list)", positional=True,
               required=True, min_value=1, placeholder="ID"),
        Option("note", description="how it went, or why you decided not to"),
    ],
    who=Audience.STUDENT,
    examples=["/mentor done 12 note:\"read it; questions for our next meeting\"",
              "/mentor done 13 note:\"decided not to, because the deadline passed\""],
)


END = command(
    "mentor",
    "end",
    summary="End a mentorship kindly: both of you are told, its reminders stop, a place "
            "frees up.",
    options=[
        Option("person", OptionType.PERSON, positional=True, required=True,
               placeholder="MENTOR",
               description="your mentor (faculty: your mentee), by name, email or mention"),
        Option("note", description="a kind line for them, if you like"),
    ],
    examples=['/mentor end "Dr. Rivera" note:"Thank you — I am moving to surgery"',
              "/mentor end Ana Diaz"],
)


CHECKIN = command(
    "mentor",
    "checkin",
    summary="Answer \"Did you meet your new mentor yet?\" (the check-in's buttons).",
    options=[
        MENTOR_OPTION,
        Option("answer", OptionType.CHOICE, "met, not-yet or no (not going to happen)",
               positional=True, required=True, placeholder="ANSWER",
               choices=CHECKIN_ANSWERS),
    ],
    who=Audience.STUDENT,
    examples=['/mentor checkin "Dr. Rivera" met', '/mentor checkin "Dr. Rivera" not-yet'],
    hidden=True,
)


DRAFT_INTRO = command(
    "mentor",
    "draft intro",
    summary="A first email to a faculty member, to adapt and send yourself.",
    options=[
        Option("faculty", OptionType.PERSON, positional=True, required=True,
               placeholder="FACULTY", role=Role.FACULTY,
               description="the faculty member (name, email or mention)"),
        Option("kind", OptionType.CHOICE,
               f"the kind of mentor you're asking for (default {DEFAULT_REQUEST_KIND})",
               choices=MENTOR_KINDS),
        Option("note", description="one specific reason: a paper, talk or project of theirs"),
    ],
    who=Audience.STUDENT,
    examples=['/mentor draft intro "Dr. Rivera" note:"I loved your talk on POCUS in sepsis"'],
)


DRAFT_UPDATE = command(
    "mentor",
    "draft update",
    summary="A four-part update to a mentor, filled with what happened since you last wrote.",
    options=[MENTOR_OPTION],
    who=Audience.STUDENT,
    examples=['/mentor draft update "Dr. Rivera"'],
)


DRAFT_THANKS = command(
    "mentor",
    "draft thanks",
    summary="A thank-you note to someone who helped you (a mentor, a letter writer).",
    options=[
        Option("person", OptionType.PERSON, positional=True, required=True,
               placeholder="PERSON", description="whom to thank (name, email or mention)"),
    ],
    who=Audience.STUDENT,
    examples=['/mentor draft thanks "Dr. Rivera"'],
)

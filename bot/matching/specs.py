"""Command specs of matching: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command
from bot.matching.rules import DEFAULT_REQUEST_KIND, FIND_LIMIT, MAX_FIND_LIMIT
from bot.vocab.matching import StillMentoring
from bot.vocab.mentoring import MENTOR_KINDS
from bot.vocab.people import Role, Suggest

_KINDS = ", ".join(MENTOR_KINDS[:-1]) + " or " + MENTOR_KINDS[-1]  # research, clinical or career

KIND_OPTION = Option("kind", OptionType.CHOICE, f"{_KINDS} mentor", choices=MENTOR_KINDS)

STUDENT_OPTION = Option("student", OptionType.PERSON, positional=True, required=True,
                        placeholder="STUDENT", role=Role.STUDENT, suggest=Suggest.REQUESTER,
                        description="the student who asked (name, email or mention)")

FIND = command(
    "mentor",
    "find",
    summary="A ranked shortlist of faculty for you, with the reasons each one ranks there.",
    options=[
        Option("keywords", positional=True, greedy=True, placeholder="KEYWORDS",
               description="specialties or research topics, e.g. EM ultrasound sepsis"),
        Option("specialty", description="only this specialty (EM, peds, ortho… work too)"),
        KIND_OPTION,
        Option("limit", OptionType.INT, f"how many to show (default {FIND_LIMIT})",
               min_value=1, max_value=MAX_FIND_LIMIT),
    ],
    who=Audience.STUDENT,
    examples=["/mentor find", "/mentor find ultrasound sepsis", "/mentor find kind:research",
              "/mentor find specialty:peds limit:10"],
)


REQUEST = command(
    "mentor",
    "request",
    summary="Ask a faculty member to mentor you; you get a first message to adapt.",
    options=[
        Option("faculty", OptionType.PERSON, positional=True, required=True,
               placeholder="FACULTY", description="the faculty member (name, email or mention)"),
        Option("kind", OptionType.CHOICE, f"{_KINDS} (default {DEFAULT_REQUEST_KIND})",
               choices=MENTOR_KINDS),
        Option("note", description="a line for them: why you're asking"),
    ],
    who=Audience.STUDENT,
    examples=['/mentor request Dr. Maya Kim kind:research note:"I loved your POCUS talk"'],
)


ACCEPT = command(
    "mentor",
    "accept",
    summary="Accept a student's intro request.",
    options=[STUDENT_OPTION],
    who=Audience.FACULTY,
    examples=["/mentor accept Ana Diaz"],
)


DECLINE = command(
    "mentor",
    "decline",
    summary="Decline a student's intro request; they hear it kindly.",
    options=[STUDENT_OPTION],
    who=Audience.FACULTY,
    examples=["/mentor decline Ana Diaz"],
)


MATCH = command(
    "mentor",
    "match",
    summary="Match the group's students looking for a mentor to its faculty; stable. "
             "Looking means /mentor profile looking:yes or any /mentor request. A student's "
             "choices are their requests in the order sent, else their /mentor find order; "
             "faculty prefer higher fit. Everyone gets a DM; you get the summary.",
    options=[
        Option("group", description="the group's short name (default: this channel's group)"),
        Option("dry-run", OptionType.FLAG, "show the outcome without saving or telling anyone"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor match group:em-interest dry-run", "/mentor match group:em-interest"],
)


_ANSWERS: tuple[str, ...] = tuple(StillMentoring)

STILL_MENTORING = command(
    "mentor",
    "still-mentoring",
    summary="Answer \"are you still taking mentees?\": stay (keep accepting), away (pick the "
            "day you're back) or stop (no new mentees).",
    options=[
        Option("answer", OptionType.CHOICE, ", ".join(_ANSWERS), positional=True,
               required=True, placeholder="|".join(_ANSWERS).upper(), choices=_ANSWERS),
    ],
    who=Audience.FACULTY,
    hidden=True,
    examples=["/mentor still-mentoring stay"],
)

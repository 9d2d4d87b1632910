"""Command specs of people: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Option, OptionType, command
from bot.people.rules import MAX_CAPACITY
from bot.vocab.platforms import PLATFORMS
from bot.vocab.stages import STAGE_ALIASES, STAGES

NOTIFY_LAST = "last"
"""`notify:last`: no chosen platform; nudges go where the person used the bot last."""

PROFILE = command(
    "mentor",
    "profile",
    summary="Show your profile, or set parts of it.",
    options=[
        Option("stage", OptionType.CHOICE, "your stage of training", choices=STAGES,
               aliases=STAGE_ALIASES),
        Option("interests", OptionType.LIST, "specialties you are interested in, ; separated"),
        Option("research", OptionType.LIST, "research interests, ; separated"),
        Option("tz", description="your time zone, e.g. America/Chicago"),
        Option("quiet", description="hours with no nudges, e.g. 21:00-08:00"),
        Option("looking", OptionType.BOOL, "students: want a mentor in the next match round"),
        Option("specialty", description="faculty: your specialty"),
        Option("capacity", OptionType.INT, "faculty: how many mentees you can take",
               min_value=0, max_value=MAX_CAPACITY),
        Option("accepting", OptionType.BOOL, "faculty: accepting new mentees (yes/no)"),
        Option("office-hours", description="faculty: when and where students can find you"),
        Option("notify", OptionType.CHOICE, "where nudges go once Slack and Discord are "
               "linked (last: where you used me last)", choices=(*PLATFORMS, NOTIFY_LAST)),
        Option("away", description="faculty: away until a date (not offered to students "
                                   "until then), or no"),
    ],
    examples=[
        "/mentor profile",
        "/mentor profile stage:ms2 interests:\"emergency medicine; ultrasound\" tz:America/New_York",
        "/mentor profile quiet:22:00-07:30",
        "/mentor profile away:\"next friday\"",
    ],
)

PROFILE_COMMON = ("tz", "quiet", "notify")
"""`/mentor profile` options anyone may set."""
PROFILE_STUDENT = ("stage", "interests", "research", "looking")
"""`/mentor profile` options of a student's profile (refused for anyone else)."""
PROFILE_FACULTY = ("specialty", "capacity", "accepting", "office-hours", "away")
"""`/mentor profile` options of a faculty profile (refused for anyone else)."""

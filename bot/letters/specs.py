"""Command specs of letters: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command
from bot.letters import rules
from bot.vocab.letters import (
    DRAFT_STEPS,
    LETTER_KIND_ALIASES,
    LETTER_KINDS,
    LETTER_STATES,
    PORTALS,
    STANDARDIZED_LETTER_NAMES,
    TRACKS,
    DraftStep,
    LetterKind,
    LetterState,
    Track,
)
from bot.vocab.people import Suggest

KIND_DESCRIPTION = (f"the kind of letter ({LetterKind.SLOE}: a standardized letter: "
                    f"{', '.join(STANDARDIZED_LETTER_NAMES)})")


REMIND = command(
    "letter",
    "remind",
    summary="Start tracking a letter: shows the timeline the bot will follow and any warning.",
    options=[
        Option("writer", positional=True, greedy=True, required=True, placeholder="WRITER",
               description="a faculty member (name, email or mention), or an outside "
               "writer's name", suggest=Suggest.FACULTY),
        Option("due", OptionType.DATE, "the real deadline, e.g. 2027-03-01 or “in 10 weeks”",
               required=True),
        Option("program", description="the program or application, e.g. \"EM residency\""),
        Option("kind", OptionType.CHOICE, KIND_DESCRIPTION, choices=LETTER_KINDS,
               aliases=LETTER_KIND_ALIASES),
        Option("portal", OptionType.CHOICE, "where the letter is submitted",
               choices=PORTALS),
        Option("replaces", OptionType.INT, "a declined letter this one replaces: its program, "
               "portal and kind carry over", min_value=1),
    ],
    who=Audience.STUDENT,
    examples=[
        '/letter remind Dr. Jane Smith due:2027-09-01 program:"EM residency" kind:specialty '
        "portal:ERAS",
        "/letter remind jane.smith@example.edu due:\"in 10 weeks\" portal:AMCAS",
    ],
)


KIND = command(
    "letter",
    "kind",
    summary="Set the kind of a tracked letter.",
    options=[
        Option("id", OptionType.INT, "the letter's ID", required=True, positional=True,
               placeholder="ID", min_value=1),
        Option("kind", OptionType.CHOICE, KIND_DESCRIPTION, required=True, positional=True,
               choices=LETTER_KINDS, placeholder="KIND", aliases=LETTER_KIND_ALIASES),
    ],
    who=Audience.STUDENT,
    hidden=True,
)


def lifecycle_text() -> str:
    """The lifecycle as the help shows it, walked from `rules.TRANSITIONS` (the first legal
    move leads on): planned → asked → agreed | declined → packet-sent → …"""
    state = LetterState.PLANNED
    parts = [str(state)]
    while moves := rules.next_states(state):
        parts.append(" | ".join(moves))
        state = moves[0]
    return " → ".join(parts)


UPDATE = command(
    "letter",
    "update",
    summary=f"Move a letter along: {lifecycle_text()}.",
    options=[
        Option("id", OptionType.INT, "the letter's ID (see /letter list)", required=True,
               positional=True, placeholder="ID", min_value=1),
        Option("state", OptionType.CHOICE, "the new state", required=True, positional=True,
               choices=LETTER_STATES, placeholder="STATE"),
        Option("reason", description="why (for declined, e.g. \"neutral letter\")"),
    ],
    who=Audience.STUDENT,
    examples=["/letter update 12 asked", "/letter update 12 declined reason:\"neutral letter\""],
)


PACKET = command(
    "letter",
    "packet",
    summary="The packet checklist for a letter: what your writer needs and what is missing.",
    options=[
        Option("id", OptionType.INT, "the letter's ID (see /letter list)", required=True,
               positional=True, placeholder="ID", min_value=1),
        Option("done", OptionType.LIST, "items to check off, e.g. cv;statement"),
        *(Option(item.key, OptionType.BOOL, f"{item.label}: yes when done, no to uncheck")
          for item in rules.PACKET_ITEMS),
    ],
    who=Audience.STUDENT,
    examples=["/letter packet 12", "/letter packet 12 cv:yes statement:yes",
              "/letter packet 12 done:summary;strengths"],
)


PLAN = command(
    "letter",
    "plan",
    summary="Your letter mix against what schools or programs expect: covered and missing.",
    options=[
        Option("track", OptionType.CHOICE, f"{Track.MED_SCHOOL} or {Track.RESIDENCY}",
               required=True, positional=True, choices=TRACKS, placeholder="TRACK"),
        Option("specialty", description=f"{Track.RESIDENCY}: the specialty you apply to"),
    ],
    who=Audience.STUDENT,
    examples=["/letter plan med-school", "/letter plan residency specialty:\"emergency medicine\""],
)


OUTCOME = command(
    "letter",
    "outcome",
    summary="Record an outcome (interview, acceptance, match); one reminder lists the "
            "writers to tell.",
    options=[
        Option("text", positional=True, greedy=True, required=True, placeholder="TEXT",
               description="what happened, e.g. \"interview at State EM\"",
               prose=True),
    ],
    who=Audience.STUDENT,
    examples=["/letter outcome interview at Riverside EM", "/letter outcome matched at State EM!"],
)


LIST = command(
    "letter",
    "list",
    summary="Students: your letters, state, next step and its date. Faculty: the letters "
            "you are asked to write.",
    who=Audience.ALL,
    examples=["/letter list"],
)


CANCEL = command(
    "letter",
    "cancel",
    summary=f"Stop tracking a letter ({LetterState.WITHDRAWN}): its reminders stop; it stays "
            "in your history.",
    options=[
        Option("id", OptionType.INT, "the letter's ID (see /letter list)", required=True,
               positional=True, placeholder="ID", min_value=1),
        Option("reason", description="why, for your own record (e.g. \"tracked by mistake\")"),
    ],
    who=Audience.STUDENT,
    examples=["/letter cancel 12", "/letter cancel 12 reason:\"no longer applying there\""],
)


DRAFT = command(
    "letter",
    "draft",
    summary="A message draft for one step of a letter, with its facts filled in: "
            f"{', '.join(DRAFT_STEPS)}.",
    options=[
        Option("step", OptionType.CHOICE, "which message: "
               f"{DraftStep.ASK} (talking points and follow-up email), {DraftStep.PACKET}, "
               f"{DraftStep.THANKS}, {DraftStep.OUTCOME}", required=True, positional=True,
               choices=DRAFT_STEPS, placeholder="STEP"),
        Option("id", OptionType.INT, "the letter's ID (see /letter list)", required=True,
               positional=True, placeholder="ID", min_value=1),
    ],
    who=Audience.STUDENT,
    examples=["/letter draft ask 12", "/letter draft packet 12", "/letter draft thanks 12",
              "/letter draft outcome 12"],
)


CALENDAR = command(
    "letter",
    "calendar",
    summary="An iCalendar (.ics) file of your ask-by dates, personal deadlines and deadlines.",
    who=Audience.STUDENT,
    examples=["/letter calendar"],
)

"""Command specs of `/residency`: names, options, who may run them (SPEC, third round)."""

from __future__ import annotations

from bot.framework.registry import SUGGEST_PROGRAM, Audience, Option, OptionType, command
from bot.residency import rules
from bot.vocab.residency import (
    Applicant,
    ProgramType,
    Region,
    Result,
    SignalTier,
    Visa,
)

ROOT = "residency"
STEP2_LOW, STEP2_HIGH = rules.STEP2_RANGE


def _program(description: str, *, name: str = "program", required: bool = True) -> Option:
    return Option(name, positional=True, greedy=True, required=required, placeholder="PROGRAM",
                  description=description, suggest=SUGGEST_PROGRAM)


PROFILE = command(
    ROOT,
    "profile",
    summary="Show or set the facts your residency plan uses, each with what it changes.",
    options=[
        Option("specialty", description="the specialty you apply to, e.g. \"emergency "
               "medicine\" or EM"),
        Option("backup", description="a backup specialty (or none)"),
        Option("applicant", OptionType.CHOICE, "US MD, US DO or international graduate",
               choices=tuple(Applicant)),
        Option("visa", OptionType.CHOICE, "a visa you need to train in the US",
               choices=tuple(Visa)),
        Option("step2", OptionType.INT, f"your USMLE Step 2 CK score ({STEP2_LOW}–"
               f"{STEP2_HIGH})"),
        Option("home", description="your home program (a program of your groups' lists), "
               "or none", suggest=SUGGEST_PROGRAM),
        Option("aways", OptionType.LIST, "programs where you did away rotations, "
               "; separated (or none)"),
        Option("regions", OptionType.LIST, f"regions you prefer: {', '.join(Region)} "
               "(or none)"),
        Option("types", OptionType.LIST, f"program types you prefer: "
               f"{', '.join(ProgramType)} (or none)"),
        Option("couples", OptionType.BOOL, "matching as a couple: yes or no"),
        Option("cycle", description="the application cycle, e.g. 2026-27 (or auto: from "
               "your stage)"),
    ],
    who=Audience.STUDENT,
    examples=["/residency profile",
              "/residency profile specialty:EM applicant:md step2:248 regions:Northeast;West",
              '/residency profile visa:j1 home:"Riverside EM" types:academic'],
)


PROGRAMS = command(
    ROOT,
    "programs",
    summary="Your groups' program lists, filtered; group outcome counts where five or more "
            "people gave them.",
    options=[
        Option("specialty", description="a specialty, e.g. EM"),
        Option("region", OptionType.CHOICE, "a region", choices=tuple(Region)),
        Option("state", description="a US state code, e.g. MA"),
        Option("type", OptionType.CHOICE, "a program type", choices=tuple(ProgramType)),
        Option("visa", OptionType.CHOICE, "programs that sponsor this visa",
               choices=(Visa.J1, Visa.H1B)),
        Option("limit", OptionType.INT, "how many to show (1–100)", min_value=1,
               max_value=100),
    ],
    who=Audience.ALL,
    examples=["/residency programs specialty:EM", "/residency programs region:Northeast "
              "visa:j1 limit:10"],
)


PLAN = command(
    ROOT,
    "plan",
    summary="Your residency plan: how many programs, which (tiered), signals, letters per "
            "program, fee and dates, with the source of every figure.",
    options=[
        Option("count", OptionType.INT, f"how many programs to plan for (1–{rules.MAX_COUNT})",
               min_value=1, max_value=rules.MAX_COUNT),
        Option("web", OptionType.FLAG, "a link to the plan page"),
        Option("page", OptionType.INT, "which page of a long list", min_value=1,
               max_value=1000),
    ],
    who=Audience.STUDENT,
    examples=["/residency plan", "/residency plan count:40", "/residency plan web"],
)


ADD = command(
    ROOT,
    "add",
    summary="Keep a program on your list: the plan proposes, the list is yours.",
    options=[_program("a program of your groups' lists")],
    who=Audience.STUDENT,
    examples=['/residency add "Riverside EM"'],
)


DROP = command(
    ROOT,
    "drop",
    summary="Take a program off your list (the plan will not propose it again).",
    options=[_program("a program of your groups' lists")],
    who=Audience.STUDENT,
    examples=['/residency drop "Lakeside Community EM"'],
)


SIGNAL = command(
    ROOT,
    "signal",
    summary="Set a signal by hand, within your cycle's allotment (none: never signal it).",
    options=[
        _program("a program of your groups' lists"),
        Option("tier", OptionType.CHOICE, "gold, silver, or none", required=True,
               choices=tuple(SignalTier)),
    ],
    who=Audience.STUDENT,
    examples=['/residency signal "Riverside EM" tier:gold'],
)


LETTERS = command(
    ROOT,
    "letters",
    summary="Which of your tracked letters go to each program on your list.",
    who=Audience.STUDENT,
    examples=["/residency letters"],
)


OUTCOME = command(
    ROOT,
    "outcome",
    summary="Record what happened at a program; it feeds your groups' counts, never your "
            "name.",
    options=[
        _program("a program of your groups' lists"),
        Option("result", OptionType.CHOICE, "what happened", required=True,
               choices=tuple(Result)),
    ],
    who=Audience.STUDENT,
    examples=['/residency outcome "Riverside EM" result:interview'],
)


SHARE = command(
    ROOT,
    "share",
    summary="Share your list with a mentor, who can comment (scores only with scores:yes); "
            "remove:yes stops sharing.",
    options=[
        Option("mentor", OptionType.PERSON, "the mentor (name, email or mention)",
               required=True, positional=True, greedy=True, placeholder="MENTOR",
               role="faculty"),
        Option("scores", OptionType.BOOL, "also show your Step 2 CK and tiers: yes or no"),
        Option("remove", OptionType.BOOL, "stop sharing with them: yes"),
    ],
    who=Audience.STUDENT,
    examples=["/residency share Dr. Elena Ramirez", "/residency share Ramirez scores:yes",
              "/residency share Ramirez remove:yes"],
)


COMMENT = command(
    ROOT,
    "comment",
    summary="Comment on a program of a student's shared list; the student gets a message.",
    options=[
        Option("student", OptionType.PERSON, "the student who shared their list",
               required=True, positional=True, placeholder="STUDENT", role="student"),
        Option("program", description="a program of their list", required=True,
               positional=True, placeholder="PROGRAM"),
        Option("text", description="your comment", required=True, positional=True,
               greedy=True, placeholder="TEXT", prose=True),
    ],
    who=Audience.ALL,
    examples=['/residency comment "Maya Patel" "Riverside EM" Strong ultrasound fellowship '
              "there; ask about it."],
)


VIEW = command(
    ROOT,
    "view",
    summary="A student's shared list (a mentor's button).",
    options=[
        Option("student", OptionType.PERSON, "the student who shared their list",
               required=True, positional=True, greedy=True, placeholder="STUDENT",
               role="student"),
    ],
    who=Audience.ALL,
    hidden=True,
)


EXPORT = command(
    ROOT,
    "export",
    summary="Your list as CSV: program, state, tier, signal, letters, reasons, fee.",
    who=Audience.STUDENT,
    examples=["/residency export"],
)

"""`/mentor help`, `/letter help` and `/residency help`, generated from the registry so they
never drift."""

from __future__ import annotations

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import (
    Args,
    Audience,
    CommandSet,
    CommandSpec,
    Handler,
    Option,
    Registry,
    command,
)
from bot.framework.replies import Field, Reply, Section

_INTRO = {
    "mentor": (
        "Find mentors early, keep in touch at a steady rhythm, and follow through on what "
        "they suggest. Options are key:value; quote values with spaces (note:\"a few words\"). "
        "Name people by name, email or mention."
    ),
    "letter": (
        "Ask for recommendation letters early, send your writer everything they need, thank "
        "them and share how it went. The bot never asks for or stores a letter's text."
    ),
    "residency": (
        "Plan where to apply for residency: how many programs, which ones (tiered), signals, "
        "letters per program, the fee and the cycle's dates, from your group's program list "
        "and the cycle's published figures, each with its source. The list is yours."
    ),
}
HELP_EXAMPLE = {"mentor": "find", "letter": "remind", "residency": "plan"}
"""The command each root's help shows explaining (`/mentor help find`)."""


AUDIENCES = (
    (Audience.STUDENT, "For students"),
    (Audience.FACULTY, "For faculty"),
    (Audience.ORGANIZER, "For organizers"),
    (Audience.ADMIN_OR_ORGANIZER, "For organizers and workspace or server admins"),
    (Audience.ALL, "For everyone"),
)
"""The order help lists commands in: who uses them, students first."""


def _help(root: str) -> Handler:
    def handler(ctx: Context, args: Args) -> Reply:
        topic = " ".join(args.text("command").lower().split()).lstrip("/")
        if topic.startswith(root + " "):
            topic = topic[len(root) + 1 :]
        if topic:
            return _one(ctx.registry, root, topic)
        return Reply(title=f"/{root} — what I can do", text=_INTRO[root],
                     sections=_grouped(ctx.registry.specs(root, include_hidden=True)),
                     footer=f"More on one command: /{root} help COMMAND")

    return handler


def _grouped(specs: list[CommandSpec]) -> tuple[Section, ...]:
    """Every command, grouped by who uses it; each with its usage, summary and example."""
    sections = []
    for audience, heading in AUDIENCES:
        mine = sorted((s for s in specs if s.who == audience), key=lambda s: s.path)
        if mine:
            sections.append(Section(heading=heading,
                                    text="\n".join(_line(spec) for spec in mine)))
    return tuple(sections)


def _line(spec: CommandSpec) -> str:
    example = f" Example: {spec.examples[0]}" if spec.examples else ""
    return f"• {spec.usage()} — {spec.summary}{example}"


def _who(spec: CommandSpec) -> str:
    return {
        "all": "anyone",
        "student": "students",
        "faculty": "faculty",
        "organizer": "organizers",
        "admin-or-organizer": "organizers and admins",
    }[spec.who.value]


def _one(registry: Registry, root: str, topic: str) -> Reply:
    spec = registry.get(root, topic.split())
    if spec is None:
        family = registry.family(root, topic)
        if family:
            return Reply(title=f"/{root} {topic} — its commands",
                         sections=_grouped(family),
                         footer=f"More on one of them: /{root} help {topic} SUBCOMMAND")
        close = registry.closest(root, topic)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UserError(f"/{root} {topic} is not a command.{hint} Try /{root} help.")
    fields = tuple(Field(name=_option_label(o), value=o.description or "-", inline=False)
                   for o in spec.options)
    examples = "\n".join(spec.examples)
    return Reply(title=spec.usage(), text=f"{spec.summary} For {_who(spec)}.", fields=fields,
                 sections=(Section(heading="Examples", text=examples),) if examples else ())


def _option_label(option: Option) -> str:
    label = option.usage().strip("[]")
    if option.choices:
        label += f" ({' | '.join(option.choices)})"
    return label + ("" if option.required else " — optional")


def _help_spec(root: str) -> CommandSpec:
    return command(
        root, "help",
        summary="How to use these commands, with examples.",
        options=[Option("command", positional=True, greedy=True, placeholder="COMMAND",
                        description="a command to explain, e.g. find")],
        examples=[f"/{root} help", f"/{root} help {HELP_EXAMPLE[root]}"],
    )


MENTOR_HELP = _help_spec("mentor")
LETTER_HELP = _help_spec("letter")
RESIDENCY_HELP = _help_spec("residency")

commands = CommandSet()
commands.handler(MENTOR_HELP)(_help("mentor"))
commands.handler(LETTER_HELP)(_help("letter"))
commands.handler(RESIDENCY_HELP)(_help("residency"))

"""The `/mentor`, `/letter` and `/residency` app command groups, generated from the core's
registry.

Nothing here names a particular command: every non-hidden spec becomes a subcommand (a
two-word path such as "group create" becomes a nested subgroup) with one typed parameter per
option, so a command added to the core appears in Discord with no Discord code. The callbacks
only hand the typed values back to a `Dispatcher` (the client), which calls the core."""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.framework.registry import ROOTS, CommandSpec, Option, OptionType, Registry

NAME_LIMIT = 32
DESCRIPTION_LIMIT = 100
OPTION_LIMIT = 25
CHOICE_LIMIT = 25
SUBCOMMAND_LIMIT = 25
STRING_LENGTH_LIMIT = 6000
_NAME = re.compile(r"^[-_\w]{1,32}$")

ROOT_DESCRIPTIONS = {
    "mentor": "Find mentors, keep in touch, and follow through on what they suggest.",
    "letter": "Track recommendation letters: timelines, packets, thanks and outcomes.",
    "residency": "Plan residency applications: programs, signals, letters, fee and dates.",
}

AutocompleteCallback = Callable[
    [discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]
]


class Dispatcher(Protocol):
    """What the generated callbacks call: the adapter that defers, runs the core and answers."""

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec,
                          options: dict[str, Any]) -> None: ...

    def autocompleter(self, option: Option) -> AutocompleteCallback | None:
        """The autocomplete callback for `option` (PERSON options: the roster), if any."""
        ...


@dataclass(frozen=True)
class Param:
    """How one registry option appears in Discord."""

    option: Option
    python_name: str  # an identifier for the callback's signature
    discord_name: str  # what users see; may contain '-'


def clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Discord rejects descriptions over 100 characters (discord.py does not check)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def discord_name(name: str) -> str:
    lowered = name.strip().lower().replace(" ", "-")
    if not _NAME.match(lowered):
        raise ValueError(f"{name!r} cannot be a Discord command or option name")
    return lowered


def python_name(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    if not ident.isidentifier() or keyword.iskeyword(ident) or ident == "interaction":
        ident = f"opt_{ident}"
    return ident


def params_of(spec: CommandSpec) -> list[Param]:
    if len(spec.options) > OPTION_LIMIT:
        raise ValueError(f"/{spec.name} has {len(spec.options)} options; Discord allows 25")
    return [Param(o, python_name(o.name), discord_name(o.name)) for o in spec.options]


def annotation(option: Option) -> Any:
    """The parameter type discord.py turns into the option type (and its limits)."""
    match option.type:
        case OptionType.INT:
            if option.min_value is None and option.max_value is None:
                return int
            return app_commands.Range[int, option.min_value, option.max_value]
        case OptionType.BOOL | OptionType.FLAG:
            return bool
        case OptionType.TEXT | OptionType.LIST:
            return app_commands.Range[str, None, min(option.max_length, STRING_LENGTH_LIMIT)]
        case _:
            return str


def option_description(option: Option) -> str:
    text = option.description or option.name.replace("-", " ")
    if option.type == OptionType.DATE and "date" not in text.lower():
        text = f"{text} (a date: 2027-03-01, in 6 weeks, next friday)"
    return clip(text)


def make_command(spec: CommandSpec, dispatcher: Dispatcher, *, name: str,
                 parent: app_commands.Group) -> app_commands.Command[Any, ..., Any]:
    params = params_of(spec)
    by_python = {p.python_name: p.option.name for p in params}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        options = {by_python[k]: v for k, v in values.items() if v is not None}
        await dispatcher.run_command(interaction, spec, options)

    signature = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   annotation=discord.Interaction)]
    for p in params:
        signature.append(inspect.Parameter(
            p.python_name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation(p.option),
            default=inspect.Parameter.empty if p.option.required else None,
        ))
    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = "_".join(("cmd", spec.root, *spec.path))

    decorated: Any = app_commands.describe(
        **{p.python_name: option_description(p.option) for p in params})(callback)
    renames = {p.python_name: p.discord_name for p in params if p.python_name != p.discord_name}
    if renames:
        decorated = app_commands.rename(**renames)(decorated)
    choices = {
        p.python_name: [app_commands.Choice(name=c, value=c) for c in p.option.choices]
        for p in params
        if p.option.type == OptionType.CHOICE and 0 < len(p.option.choices) <= CHOICE_LIMIT
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    completers: dict[str, Any] = {}
    for p in params:
        if p.python_name in choices:
            continue
        completer = dispatcher.autocompleter(p.option)
        if completer is not None:
            completers[p.python_name] = completer
    if completers:
        decorated = app_commands.autocomplete(**completers)(decorated)
    command: app_commands.Command[Any, ..., Any] = app_commands.Command(
        name=name, description=clip(spec.summary), callback=decorated, parent=parent,
        extras={"spec": spec})
    parent.add_command(command)  # a Group adds itself to its parent; a Command does not
    return command


def build_groups(registry: Registry, dispatcher: Dispatcher) -> list[app_commands.Group]:
    """One top-level group per root, with every visible spec as a (nested) subcommand."""
    groups = []
    for root in ROOTS:
        specs = sorted(registry.specs(root), key=lambda s: s.path)
        if not specs:
            continue
        top = app_commands.Group(name=root, description=clip(ROOT_DESCRIPTIONS.get(root, root)))
        subgroups: dict[str, app_commands.Group] = {}
        nested = {s.path[0] for s in specs if len(s.path) > 1}
        for spec in specs:
            if len(spec.path) > 2:
                raise ValueError(f"/{spec.name}: Discord nests commands two levels deep at most")
            if len(spec.path) == 1:
                if spec.path[0] in nested:
                    raise ValueError(f"/{spec.name} is both a command and a group of commands")
                make_command(spec, dispatcher, name=discord_name(spec.path[0]), parent=top)
                continue
            head, tail = spec.path
            sub = subgroups.get(head)
            if sub is None:
                members = sorted(s.path[1] for s in specs if len(s.path) == 2 and s.path[0] == head)
                sub = app_commands.Group(
                    name=discord_name(head), parent=top,
                    description=clip(f"/{root} {head}: {', '.join(members)}"),
                )
                subgroups[head] = sub
            make_command(spec, dispatcher, name=discord_name(tail), parent=sub)
        groups.append(top)
    return groups


def build_tree(client: discord.Client, registry: Registry, dispatcher: Dispatcher,
               *, guild: discord.abc.Snowflake | None = None) -> app_commands.CommandTree:
    """The real CommandTree: what `sync` sends and what dispatches interactions."""
    tree = app_commands.CommandTree(client)
    for group in build_groups(registry, dispatcher):
        tree.add_command(group, guild=guild)
    return tree


def payload(tree: app_commands.CommandTree, *,
            guild: discord.abc.Snowflake | None = None) -> list[dict[str, Any]]:
    """The JSON body `tree.sync()` PUTs to Discord, built the same way."""
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]

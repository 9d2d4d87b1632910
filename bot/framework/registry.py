"""Command specs and the registry that runs them.

A `CommandSpec` is a plain value: a command's name, options, audience and examples. Each
feature declares its specs in its `specs` module and its handlers in `commands` (a
`CommandSet`); the program's assembly builds one `Registry` from them explicitly, so nothing
registers itself on import. The registry parses a Slack-style line or takes typed options
(what Discord and buttons hand over), binds and validates them through a `Binder` (who
resolves people and dates; the registry knows no request context), checks who may run the
command and calls its handler. Buttons are built from specs (`CommandSpec.action`), which
refuses an option the command does not have, so a button can never name a dead command.
Adapters generate their own command surfaces (Discord's tree, Slack's dialog) from specs."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol

from rapidfuzz import process

from bot.errors import NotAllowed, UserError
from bot.framework import text
from bot.framework.replies import Action, ActionStyle, Reply
from bot.framework.tokens import Token, tokenize
from bot.infra.dates import DateWhen

ROOTS = ("mentor", "letter", "residency")
SUGGEST_PROGRAM = "program"
"""`Option.suggest` for an option naming a residency program: adapters offer programs."""


class OptionType(StrEnum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    PERSON = "person"
    CHOICE = "choice"
    FLAG = "flag"  # a bare word such as `dry-run`; a boolean in Discord
    LIST = "list"  # `;`- or `,`-separated words


class Audience(StrEnum):
    ALL = "all"
    STUDENT = "student"
    FACULTY = "faculty"
    ORGANIZER = "organizer"
    ADMIN_OR_ORGANIZER = "admin-or-organizer"


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType = OptionType.TEXT
    description: str = ""
    required: bool = False
    positional: bool = False
    greedy: bool = False  # a positional that takes every remaining bare word
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    role: str | None = None  # PERSON: restrict candidates to "faculty" / "student"
    when: DateWhen = "future"  # DATE: which side of today is allowed
    placeholder: str = ""  # how usage shows a positional (FACULTY, TASK…)
    # Free prose (a task, an outcome): a `word:` in it is text unless the word is close to
    # one of the command's options (a typo of an option). Elsewhere (search keywords) any
    # `key:value` the command does not know is an error naming the closest option.
    prose: bool = False
    # Whom or what adapters suggest as it is typed, beyond `role` (`bot.people.directory`):
    # "faculty" for TEXT that usually names someone on the roster but may not (a letter
    # writer from outside); "requester" for the student who asked the member for an intro;
    # "program" (`SUGGEST_PROGRAM`) for a residency program of the member's groups.
    suggest: str | None = None
    # CHOICE: other words for a choice, as (word, choice) pairs ("slor" is "sloe"); the
    # handler always receives the choice itself.
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def text_rule(self) -> text.Field:
        """How much of this option is kept, and whether it may hold line breaks: the one
        table of them, by the option's name (`bot.framework.text.FIELDS`)."""
        return text.field(self.name)

    @property
    def max_length(self) -> int:
        return self.text_rule.limit

    def usage(self) -> str:
        if self.positional:
            label = self.placeholder or self.name.upper()
            label = f"{label}…" if self.greedy and self.type != OptionType.PERSON else label
            return label if self.required else f"[{label}]"
        if self.type == OptionType.FLAG:
            return f"[{self.name}]"
        return f"{self.name}:" if self.required else f"[{self.name}:]"


@dataclass(frozen=True)
class CommandSpec:
    root: str
    path: tuple[str, ...]
    summary: str
    options: tuple[Option, ...] = ()
    who: Audience = Audience.ALL
    examples: tuple[str, ...] = ()
    hidden: bool = False  # reachable by buttons only; not in Discord's command list

    def __post_init__(self) -> None:
        names = [o.name for o in self.options]
        if len(names) != len(set(names)):
            raise ValueError(f"/{self.name} repeats an option name")

    @cached_property
    def name(self) -> str:
        return " ".join((self.root, *self.path))

    @cached_property
    def _button_options(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The option names a button may set, and those it must: computed once, since a
        button is built for every nudge sent."""
        return (frozenset(o.name for o in self.options),
                tuple(o.name for o in self.options if o.required))

    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(o.usage() for o in self.options)])

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    @property
    def positionals(self) -> list[Option]:
        return [o for o in self.options if o.positional]

    def action(self, label: str, args: Mapping[str, object] | None = None, *,
               style: ActionStyle = "default") -> Action:
        """A button that runs this command with `args` as typed options. An option the
        command does not have, or a required one left out, is a programming error raised
        here, when the button is built, rather than a dead button in someone's DM."""
        values = {key: str(value) for key, value in (args or {}).items()}
        known, required = self._button_options
        unknown = [key for key in values if key not in known]
        if unknown:
            raise ValueError(f"/{self.name} has no option {unknown[0]}: for a button")
        missing = [name for name in required if name not in values]
        if missing:
            raise ValueError(f"a button for /{self.name} must set {missing[0]}:")
        return Action(label, self.name, values, style)


def command(root: str, path: str, *, summary: str, options: Iterable[Option] = (),
            who: Audience = Audience.ALL, examples: Iterable[str] = (),
            hidden: bool = False) -> CommandSpec:
    """A spec, with `path` written as typed after the root ("group create")."""
    return CommandSpec(root=root, path=tuple(path.split()), summary=summary,
                       options=tuple(options), who=who, examples=tuple(examples),
                       hidden=hidden)


class Args(dict[str, Any]):
    """Converted option values by option name; absent options are absent."""

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name)
        return default if value is None else str(value)


@dataclass
class Parsed:
    spec: CommandSpec
    bare: list[Token] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)
    typed: bool = False


class Binder(Protocol):
    """What binding needs from the request: turning a reference into a person, a typed date
    into a day, and how many leading words of free text name a person. The request context
    implements it; the registry never sees the context itself."""

    def resolve_person(self, ref: str, role: str | None = None) -> Any: ...

    def person_prefix_length(self, words: list[Token], role: str | None) -> int:
        """How many of the leading `words` name one person (at least 1)."""
        ...

    def parse_date(self, text: str, when: DateWhen = "future", what: str = "date") -> date: ...


class Gate(Protocol):
    """Who is asking, as far as the audience check needs to know."""

    def may_run(self, who: Audience) -> bool: ...


Handler = Callable[[Any, "Args"], Reply]
"""A command handler: (request context, bound arguments) -> reply."""


class CommandSet:
    """A feature's handlers, each tied to its spec. Collected where the handlers are
    defined; added to a registry only when the program is assembled."""

    def __init__(self) -> None:
        self.entries: list[tuple[CommandSpec, Handler]] = []

    def handler(self, spec: CommandSpec) -> Callable[[Handler], Handler]:
        def record(handler: Handler) -> Handler:
            self.entries.append((spec, handler))
            return handler

        return record


class Registry:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, ...], CommandSpec] = {}
        self._handlers: dict[tuple[str, ...], Handler] = {}

    def add(self, spec: CommandSpec, handler: Handler) -> CommandSpec:
        key = (spec.root, *spec.path)
        if key in self._specs:
            raise ValueError(f"command registered twice: /{spec.name}")
        self._specs[key] = spec
        self._handlers[key] = handler
        return spec

    def include(self, commands: CommandSet) -> None:
        for spec, handler in commands.entries:
            self.add(spec, handler)

    def handler(self, spec: CommandSpec) -> Handler:
        return self._handlers[(spec.root, *spec.path)]

    def __contains__(self, spec: object) -> bool:
        return (isinstance(spec, CommandSpec)
                and self._specs.get((spec.root, *spec.path)) == spec)

    def specs(self, root: str | None = None, *, include_hidden: bool = False) -> list[CommandSpec]:
        return [
            s
            for s in self._specs.values()
            if (root is None or s.root == root) and (include_hidden or not s.hidden)
        ]

    def get(self, root: str, path: Iterable[str]) -> CommandSpec | None:
        return self._specs.get((root, *path))

    # --- parsing ---------------------------------------------------------------------

    def parse_line(self, root: str, line: str) -> Parsed:
        """Split `line` (what follows `/root`) into a spec plus bare words and named values.
        A line holding a control character is refused before anything is read of it."""
        root = root.lstrip("/").lower()
        if root not in ROOTS:
            raise UserError(f"Unknown command /{root[:32]}. Try "
                            f"{' or '.join(f'/{name} help' for name in ROOTS)}.")
        problem = text.line_problem(line or "")
        if problem is not None:
            raise UserError(problem)
        tokens = tokenize(unicodedata.normalize("NFC", line or ""))
        spec, rest = self._match_path(root, tokens)
        parsed = Parsed(spec=spec)
        for token in rest:
            pair = token.as_option()
            flag = _flag_option(spec, token)
            if flag is not None:
                parsed.named[flag.name] = True
            elif pair is not None and spec.option(pair[0]) is not None:
                key, value = pair
                if key in parsed.named:
                    raise UserError(f"The option {key}: is given twice.")
                parsed.named[key] = value
            elif pair is not None and _is_option_typo(spec, pair[0]):
                raise UserError(_unknown_option_message(spec, pair[0]))
            else:
                parsed.bare.append(token)
        return parsed

    def parse_typed(self, root: str, path: Iterable[str], options: Mapping[str, Any]) -> Parsed:
        spec = self.get(root, tuple(path))
        if spec is None:
            raise UserError(f"Unknown command /{root} {' '.join(path)}.")
        unknown = [k for k in options if spec.option(k) is None]
        if unknown:
            raise UserError(_unknown_option_message(spec, unknown[0]))
        named = {k: v for k, v in options.items() if v is not None and v != ""}
        return Parsed(spec=spec, named=named, typed=True)

    def family(self, root: str, first: str) -> list[CommandSpec]:
        """The subcommands under `/root first` ("group" → group create, group bind…)."""
        return sorted((s for s in self._specs.values()
                       if s.root == root and len(s.path) > 1 and s.path[0] == first),
                      key=lambda s: s.path)

    def closest(self, root: str, typed: str) -> list[str]:
        """The commands nearest to what was typed, as `/root path`."""
        names = {" ".join(s.path): s for s in self._specs.values() if s.root == root}
        found = process.extract(typed, list(names), limit=2, score_cutoff=60)
        return [f"/{root} {name}" for name, _score, _ in found]

    def _match_path(self, root: str, tokens: list[Token]) -> tuple[CommandSpec, list[Token]]:
        words = [t.text.lower() for t in tokens]
        for length in (2, 1):
            if len(words) >= length and not any(t.quoted for t in tokens[:length]):
                spec = self._specs.get((root, *words[:length]))
                if spec is not None:
                    return spec, tokens[length:]
        help_spec = self._specs.get((root, "help"))
        if not words and help_spec is not None:
            return help_spec, []
        if words and self.family(root, words[0]) and help_spec is not None and \
                (len(words) == 1 or not tokens[0].quoted):
            if len(words) > 1:
                wanted = " ".join(words[:2])
                close = self.closest(root, wanted)
                hint = f" Did you mean {' or '.join(close)}?" if close else ""
                raise UserError(f"/{root} {wanted} is not a command.{hint} "
                                f"/{root} {words[0]} lists its commands.")
            return help_spec, [Token(words[0])]  # `/mentor group` alone: its commands
        wanted = words[0] if words else ""
        close = self.closest(root, wanted)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UserError(
            f"/{root} {wanted} is not a command.{hint} Try /{root} help for the list."
        )

    # --- binding and conversion -------------------------------------------------------

    def bind(self, binder: Binder, parsed: Parsed) -> Args:
        """Assign bare words to positionals, convert every value, and check required ones."""
        spec = parsed.spec
        raw: dict[str, Any] = dict(parsed.named)
        if not parsed.typed:
            raw.update(_assign_positionals(binder, spec, parsed.bare, set(raw)))
        args = Args()
        for option in spec.options:
            if option.name in raw:
                args[option.name] = convert(binder, option, raw[option.name])
                if option.required and args[option.name] in ("", []):
                    raise UserError(
                        f"{option.name}: is empty; /{spec.name} needs it "
                        f"({option.description or option.name}). Usage: {spec.usage()}")
            elif option.required:
                raise UserError(
                    f"/{spec.name} needs {option.usage().strip('[]')} "
                    f"({option.description or option.name}). Usage: {spec.usage()}"
                )
        return args

    def check_permission(self, gate: Gate, spec: CommandSpec) -> None:
        if gate.may_run(spec.who):
            return
        audience = {Audience.STUDENT: "students", Audience.FACULTY: "faculty"}
        raise NotAllowed(f"/{spec.name} is for {audience.get(spec.who, 'group organizers')}.")


def _flag_option(spec: CommandSpec, token: Token) -> Option | None:
    if token.quoted:
        return None
    option = spec.option(token.text.lower())
    return option if option is not None and option.type == OptionType.FLAG else None


OPTION_TYPO = 75
"""How close (rapidfuzz ratio, 0–100) a `word:` in prose must be to an option's name to be
taken as a mistyped option ("limt:" for "limit:") rather than text ("re: the talk")."""


def _named_options(spec: CommandSpec) -> list[str]:
    return [o.name for o in spec.options if not o.positional]


def _is_option_typo(spec: CommandSpec, key: str) -> bool:
    """A `key:value` the command has no option for: an error, except inside prose where
    only a near-miss of an option's name is (the rest is the person's own words)."""
    if not any(o.prose for o in spec.options):
        return True
    return bool(process.extract(key, _named_options(spec), limit=1, score_cutoff=OPTION_TYPO))


def _unknown_option_message(spec: CommandSpec, key: str) -> str:
    names = _named_options(spec)
    close = [m[0] for m in process.extract(key, names, limit=1, score_cutoff=60)]
    hint = f" Did you mean {close[0]}:?" if close else ""
    known = ", ".join(f"{n}:" for n in names) or "none"
    return f"/{spec.name} has no option {key}:.{hint} Its options: {known}. Usage: {spec.usage()}"


def _assign_positionals(
    binder: Binder, spec: CommandSpec, bare: list[Token], given: set[str]
) -> dict[str, Any]:
    slots = [o for o in spec.positionals if o.name not in given]
    out: dict[str, Any] = {}
    words = list(bare)
    for index, option in enumerate(slots):
        if not words:
            break
        is_last = index == len(slots) - 1
        if option.greedy and is_last:
            out[option.name] = _joined(words)
            words = []
        elif option.type == OptionType.PERSON:
            take = len(words) if is_last else binder.person_prefix_length(words, option.role)
            out[option.name] = _joined(words[:max(take, 1)])
            words = words[max(take, 1):]
        else:
            out[option.name] = words.pop(0).text
    if words:
        raise UserError(
            f"I don't know what to do with “{_joined(words)}”. Usage: {spec.usage()}"
        )
    return out


def _joined(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


_TRUE = {"yes", "y", "true", "on", "1"}
_FALSE = {"no", "n", "false", "off", "0"}


def convert(binder: Binder, option: Option, value: Any) -> Any:
    """`value` as the option's type. Text of every kind (a name, a date, a choice, a list)
    first goes through the text policy (`bot.framework.text`): normalized, no control
    character, a line break only where the field allows one, within its field's limit."""
    label = f"{option.name}:"
    if isinstance(value, str):
        value = text.clean(option.name, value, option.text_rule)
    match option.type:
        case OptionType.FLAG | OptionType.BOOL:
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise UserError(f"{label} takes yes or no, not “{value}”.")
        case OptionType.INT:
            try:
                number = int(str(value).strip())
            except ValueError:
                raise UserError(f"{label} takes a whole number, not “{value}”.") from None
            if option.min_value is not None and number < option.min_value:
                raise UserError(f"{label} must be at least {option.min_value}.")
            if option.max_value is not None and number > option.max_value:
                raise UserError(f"{label} must be at most {option.max_value}.")
            return number
        case OptionType.CHOICE:
            return choose(option, str(value))
        case OptionType.DATE:
            if isinstance(value, date):
                return value
            return binder.parse_date(str(value), when=option.when, what=label)
        case OptionType.PERSON:
            return binder.resolve_person(str(value), role=option.role)
        case OptionType.LIST:
            items = value if isinstance(value, list) else split_list(str(value))
            return [_list_item(option, str(item)) for item in items]
        case _:
            return str(value)


def _list_item(option: Option, value: str) -> str:
    item = text.clean(option.name, value, option.text_rule)
    problem = text.item_refusal(option.name, item, option.text_rule)
    if problem is not None:
        raise UserError(problem)
    return item


def choose(option: Option, value: str) -> str:
    wanted = value.strip().lower()
    for choice in option.choices:
        if choice.lower() == wanted:
            return choice
    for word, choice in option.aliases:
        if word.lower() == wanted and choice in option.choices:
            return choice
    listed = ", ".join(option.choices)
    raise UserError(f"{option.name}: must be one of {listed} (not “{value}”).")


def split_list(value: str) -> list[str]:
    """A list as typed: `;`-separated (or `,` when there is no `;`), or one item a line."""
    separator = ";" if ";" in value else ","
    return [item.strip() for line in value.split("\n") for item in line.split(separator)
            if item.strip()]


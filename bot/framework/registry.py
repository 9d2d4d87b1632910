"""One registry of command specs. It parses a Slack-style line or takes typed options (what
Discord hands over), binds and validates them, checks who may run the command, and calls the
handler. Adapters generate their own command surfaces from these specs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from rapidfuzz import process

from bot.framework.errors import NotAllowed, UserError
from bot.framework.tokens import Token, tokenize

if TYPE_CHECKING:
    from bot.framework.context import Context
    from bot.framework.replies import Reply
    from bot.infra.models import Person

ROOTS = ("mentor", "letter")
MAX_TEXT = 2000


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


DateWhen = Literal["future", "past", "any"]


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
    max_length: int = 500
    role: str | None = None  # PERSON: restrict candidates to "faculty" / "student"
    when: DateWhen = "future"  # DATE: which side of today is allowed
    placeholder: str = ""  # how usage shows a positional (FACULTY, TASK…)
    # TEXT that usually names someone on the roster but may not (a letter writer from
    # outside): adapters suggest people with this role as it is typed ("faculty").
    suggest: str | None = None

    def usage(self) -> str:
        if self.positional:
            label = self.placeholder or self.name.upper()
            label = f"{label}…" if self.greedy and self.type != OptionType.PERSON else label
            return label if self.required else f"[{label}]"
        if self.type == OptionType.FLAG:
            return f"[{self.name}]"
        return f"{self.name}:" if self.required else f"[{self.name}:]"


Handler = Callable[["Context", "Args"], "Reply"]


@dataclass(frozen=True)
class CommandSpec:
    root: str
    path: tuple[str, ...]
    summary: str
    handler: Handler
    options: tuple[Option, ...] = ()
    who: Audience = Audience.ALL
    examples: tuple[str, ...] = ()
    hidden: bool = False  # reachable by buttons only; not in help or Discord

    @property
    def name(self) -> str:
        return " ".join((self.root, *self.path))

    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(o.usage() for o in self.options)])

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    @property
    def positionals(self) -> list[Option]:
        return [o for o in self.options if o.positional]


class Args(dict[str, Any]):
    """Converted option values by option name; absent options are absent."""

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name)
        return default if value is None else str(value)


@dataclass
class Parsed:
    spec: CommandSpec
    bare: list[str] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)
    typed: bool = False


class Registry:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, ...], CommandSpec] = {}

    def add(self, spec: CommandSpec) -> CommandSpec:
        key = (spec.root, *spec.path)
        if key in self._specs:
            raise ValueError(f"command registered twice: /{spec.name}")
        names = [o.name for o in spec.options]
        if len(names) != len(set(names)):
            raise ValueError(f"/{spec.name} repeats an option name")
        self._specs[key] = spec
        return spec

    def command(
        self,
        root: str,
        path: str,
        *,
        summary: str,
        options: Iterable[Option] = (),
        who: Audience = Audience.ALL,
        examples: Iterable[str] = (),
        hidden: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(
                CommandSpec(
                    root=root,
                    path=tuple(path.split()),
                    summary=summary,
                    handler=handler,
                    options=tuple(options),
                    who=who,
                    examples=tuple(examples),
                    hidden=hidden,
                )
            )
            return handler

        return register

    def specs(self, root: str | None = None, *, include_hidden: bool = False) -> list[CommandSpec]:
        return [
            s
            for s in self._specs.values()
            if (root is None or s.root == root) and (include_hidden or not s.hidden)
        ]

    def get(self, root: str, path: Iterable[str]) -> CommandSpec | None:
        return self._specs.get((root, *path))

    # --- parsing ---------------------------------------------------------------------

    def parse_line(self, root: str, text: str) -> Parsed:
        """Split `text` (what follows `/root`) into a spec plus bare words and named values."""
        root = root.lstrip("/").lower()
        if root not in ROOTS:
            raise UserError(f"Unknown command /{root}. Try /mentor help or /letter help.")
        tokens = tokenize(text or "")
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
            elif pair is not None and not _takes_free_text(spec):
                raise UserError(_unknown_option_message(spec, pair[0]))
            else:
                parsed.bare.append(token.text)
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

    def _match_path(self, root: str, tokens: list[Token]) -> tuple[CommandSpec, list[Token]]:
        words = [t.text.lower() for t in tokens]
        for length in (2, 1):
            if len(words) >= length and not any(t.quoted for t in tokens[:length]):
                spec = self._specs.get((root, *words[:length]))
                if spec is not None:
                    return spec, tokens[length:]
        if not words:
            help_spec = self._specs.get((root, "help"))
            if help_spec is not None:
                return help_spec, []
        wanted = words[0] if words else ""
        known = sorted({s.path[0] for s in self.specs(root)})
        close = [m[0] for m in process.extract(wanted, known, limit=2, score_cutoff=60)]
        hint = f" Did you mean {' or '.join(f'/{root} {c}' for c in close)}?" if close else ""
        raise UserError(
            f"/{root} {wanted} is not a command.{hint} Try /{root} help for the list."
        )

    # --- binding and conversion -------------------------------------------------------

    def bind(self, ctx: Context, parsed: Parsed) -> Args:
        """Assign bare words to positionals, convert every value, and check required ones."""
        spec = parsed.spec
        raw: dict[str, Any] = dict(parsed.named)
        if not parsed.typed:
            raw.update(_assign_positionals(ctx, spec, parsed.bare, set(raw)))
        args = Args()
        for option in spec.options:
            if option.name in raw:
                args[option.name] = convert(ctx, spec, option, raw[option.name])
            elif option.required:
                raise UserError(
                    f"/{spec.name} needs {option.usage().strip('[]')} "
                    f"({option.description or option.name}). Usage: {spec.usage()}"
                )
        return args

    def check_permission(self, ctx: Context, spec: CommandSpec) -> None:
        actor: Person = ctx.actor
        if spec.who == Audience.STUDENT and not actor.is_student:
            raise NotAllowed(f"/{spec.name} is for students.")
        if spec.who == Audience.FACULTY and not actor.is_faculty:
            raise NotAllowed(f"/{spec.name} is for faculty.")
        if spec.who in (Audience.ORGANIZER, Audience.ADMIN_OR_ORGANIZER) and not (
            ctx.is_admin or actor.has_role("organizer")
        ):
            raise NotAllowed(f"/{spec.name} is for group organizers.")


def _flag_option(spec: CommandSpec, token: Token) -> Option | None:
    if token.quoted:
        return None
    option = spec.option(token.text.lower())
    return option if option is not None and option.type == OptionType.FLAG else None


def _takes_free_text(spec: CommandSpec) -> bool:
    return any(o.greedy and o.type == OptionType.TEXT for o in spec.options)


def _unknown_option_message(spec: CommandSpec, key: str) -> str:
    names = [o.name for o in spec.options if not o.positional]
    close = [m[0] for m in process.extract(key, names, limit=1, score_cutoff=60)]
    hint = f" Did you mean {close[0]}:?" if close else ""
    known = ", ".join(f"{n}:" for n in names) or "none"
    return f"/{spec.name} has no option {key}:.{hint} Its options: {known}. Usage: {spec.usage()}"


def _assign_positionals(
    ctx: Context, spec: CommandSpec, bare: list[str], given: set[str]
) -> dict[str, Any]:
    slots = [o for o in spec.positionals if o.name not in given]
    out: dict[str, Any] = {}
    words = list(bare)
    for index, option in enumerate(slots):
        if not words:
            break
        is_last = index == len(slots) - 1
        if option.greedy and is_last:
            out[option.name] = " ".join(words)
            words = []
        elif option.type == OptionType.PERSON:
            take = len(words) if is_last else ctx.person_prefix_length(words, option.role)
            out[option.name] = " ".join(words[:take])
            words = words[take:]
        else:
            out[option.name] = words.pop(0)
    if words:
        raise UserError(
            f"I don't know what to do with “{' '.join(words)}”. Usage: {spec.usage()}"
        )
    return out


_TRUE = {"yes", "y", "true", "on", "1"}
_FALSE = {"no", "n", "false", "off", "0"}


def convert(ctx: Context, spec: CommandSpec, option: Option, value: Any) -> Any:
    label = f"{option.name}:"
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
            return ctx.parse_date(str(value), when=option.when, what=label)
        case OptionType.PERSON:
            return ctx.resolve_person(str(value), role=option.role)
        case OptionType.LIST:
            items = value if isinstance(value, list) else split_list(str(value))
            return [_checked_text(option, item) for item in items]
        case _:
            return _checked_text(option, str(value))


def _checked_text(option: Option, value: str) -> str:
    text = value.strip()
    if len(text) > option.max_length:
        raise UserError(
            f"{option.name}: is too long ({len(text)} characters; at most {option.max_length})."
        )
    return text


def choose(option: Option, value: str) -> str:
    wanted = value.strip().lower()
    for choice in option.choices:
        if choice.lower() == wanted:
            return choice
    listed = ", ".join(option.choices)
    raise UserError(f"{option.name}: must be one of {listed} (not “{value}”).")


def split_list(value: str) -> list[str]:
    separator = ";" if ";" in value else ","
    return [item.strip() for item in value.split(separator) if item.strip()]


registry = Registry()
"""The process-wide registry every command module registers into."""

"""Platform-neutral reply values. Adapters render them (Block Kit, embeds, plain text);
`as_text()` is always a valid rendering. All strings here are plain text: adapters escape
them for their markup, so user-supplied text can never become markup or a mention."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ActionStyle = Literal["default", "primary", "danger"]
Ping = Literal["channel", "here", "everyone"]

ACTION_PREFIX = "mb"
CUSTOM_ID_LIMIT = 100


@dataclass(frozen=True)
class Action:
    """A button: pressing it runs `command` (e.g. "mentor accept") with `args` as typed
    options, as the person who pressed it. The same permission checks apply as if typed."""

    label: str
    command: str
    args: dict[str, str] = field(default_factory=dict)
    style: ActionStyle = "default"

    def encode(self) -> str:
        """A compact id (<= 100 characters, Discord's custom_id limit) naming the action."""
        parts = [ACTION_PREFIX, self.command.replace(" ", ".")]
        parts += [f"{k}={v}" for k, v in self.args.items()]
        encoded = "|".join(parts)
        if len(encoded) > CUSTOM_ID_LIMIT:
            raise ValueError(f"action id too long: {encoded!r}")
        return encoded

    @staticmethod
    def decode(encoded: str) -> tuple[str, dict[str, str]]:
        parts = encoded.split("|")
        if len(parts) < 2 or parts[0] != ACTION_PREFIX:
            raise ValueError(f"not a mentorbot action: {encoded!r}")
        args: dict[str, str] = {}
        for part in parts[2:]:
            key, _, value = part.partition("=")
            args[key] = value
        return parts[1].replace(".", " "), args

    def command_line(self) -> str:
        """What a person would type to do the same thing (shown by the console)."""
        words = [f"/{self.command}"]
        for key, value in self.args.items():
            shown = f'"{value}"' if " " in value else value
            words.append(f"{key}:{shown}")
        return " ".join(words)


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Section:
    """One block of a reply: a heading, text, fields and its own buttons (a search result)."""

    heading: str = ""
    text: str = ""
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    alt_text: str = ""  # what an image shows, for anyone who cannot see it


@dataclass(frozen=True)
class Link:
    """An address offered to the person (a one-time web page link). Adapters show it as a
    link and never let the platform preview it: a preview bot fetching a one-time link would
    spend it, and a preview would show the page's address to whoever sees the message
    (Slack: unfurl_links and unfurl_media off; Discord: embeds suppressed)."""

    url: str
    label: str


@dataclass(frozen=True)
class Reply:
    title: str = ""
    text: str = ""
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    ephemeral: bool = True
    attachment: Attachment | None = None
    error: bool = False
    # Only an organizer's announcement may set this; everything else can never ping.
    ping: Ping | None = None
    footer: str = ""
    link: Link | None = None

    def as_text(self) -> str:
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
            lines.append("=" * min(len(self.title), 60))
        if self.text:
            lines.append(self.text)
        lines += _fields_text(self.fields)
        for section in self.sections:
            lines.append("")
            if section.heading:
                lines.append(section.heading)
            if section.text:
                lines.append(section.text)
            lines += _fields_text(section.fields)
            lines += _actions_text(section.actions)
        if self.actions:
            lines.append("")
            lines += _actions_text(self.actions)
        if self.attachment is not None:
            lines.append(f"[file: {self.attachment.filename}]")
        if self.link is not None:
            lines.append("")
            lines.append(f"{self.link.label}: {self.link.url}")
        if self.footer:
            lines.append("")
            lines.append(self.footer)
        return "\n".join(lines).strip("\n")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for storing a reply in a nudge row (attachments are not stored).
        Built by hand rather than with `dataclasses.asdict`, whose deep copies dominate the
        cost of planning nudges in bulk (tests/test_reply_dict.py checks the two agree)."""
        return {
            "title": self.title,
            "text": self.text,
            "sections": tuple(
                {"heading": s.heading, "text": s.text, "fields": _fields_dicts(s.fields),
                 "actions": _actions_dicts(s.actions)}
                for s in self.sections
            ),
            "fields": _fields_dicts(self.fields),
            "actions": _actions_dicts(self.actions),
            "ephemeral": self.ephemeral,
            "error": self.error,
            "ping": self.ping,
            "footer": self.footer,
            "link": None if self.link is None else {"url": self.link.url,
                                                     "label": self.link.label},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        def actions(items: list[dict[str, Any]]) -> tuple[Action, ...]:
            return tuple(Action(**item) for item in items)

        def fields(items: list[dict[str, Any]]) -> tuple[Field, ...]:
            return tuple(Field(**item) for item in items)

        return cls(
            title=data.get("title", ""),
            text=data.get("text", ""),
            sections=tuple(
                Section(
                    heading=s.get("heading", ""),
                    text=s.get("text", ""),
                    fields=fields(s.get("fields", [])),
                    actions=actions(s.get("actions", [])),
                )
                for s in data.get("sections", [])
            ),
            fields=fields(data.get("fields", [])),
            actions=actions(data.get("actions", [])),
            ephemeral=data.get("ephemeral", True),
            error=data.get("error", False),
            ping=data.get("ping"),
            footer=data.get("footer", ""),
            link=Link(**data["link"]) if data.get("link") else None,
        )


def _fields_dicts(fields: tuple[Field, ...]) -> tuple[dict[str, Any], ...]:
    return tuple({"name": f.name, "value": f.value, "inline": f.inline} for f in fields)


def _actions_dicts(actions: tuple[Action, ...]) -> tuple[dict[str, Any], ...]:
    return tuple({"label": a.label, "command": a.command, "args": dict(a.args),
                  "style": a.style} for a in actions)


def _fields_text(fields: tuple[Field, ...]) -> list[str]:
    return [f"{f.name}: {f.value}" for f in fields]


def _actions_text(actions: tuple[Action, ...]) -> list[str]:
    return [f"  [{a.label}]  {a.command_line()}" for a in actions]


def error_reply(message: str, *, title: str = "That didn't work") -> Reply:
    return Reply(title=title, text=message, error=True)

"""A form as plain values, for adapters that edit things in a dialog (Slack's profile
modal): which fields, of what kind, with their current values. Each feature derives its
forms from the command they submit to (`bot.people.forms`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # text | choice
    value: str = ""
    choices: tuple[str, ...] = ()
    multiline: bool = False
    max_length: int = 200


@dataclass(frozen=True)
class Form:
    command: str  # e.g. "mentor profile"
    title: str
    fields: tuple[FormField, ...]

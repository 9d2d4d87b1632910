"""One policy for every field people type: a command's options (typed on Slack, Discord or
the console, or sent by a dialog), a form's fields and a roster's CSV cells.

What is stored is what the person meant, and nothing that can act on whoever reads it
later: text is NFC-normalized (so "é" typed two ways is one "é"), trimmed, holds no control
character (C0 and C1: NUL, SOH, ESC and the terminal escapes it starts, DEL…) and no line
break except in a field that allows several lines, and is at most its field's length. Each
field's limit lives in `FIELDS`, the one table of them; a command's option, a form's field
and a CSV column of the same name share it, and every message that states a limit reads it
from there. A refusal names the field and what is wrong, and nothing is changed.

Pure functions of strings: the registry (`bot.framework.registry.convert`), forms
(`bot.people.forms`) and the roster (`bot.groups.roster`) call them where text enters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import UserError


@dataclass(frozen=True)
class Field:
    """How long a field may be (characters, once normalized), whether it may hold line
    breaks, and for a list (`;`-separated words) how long each item may be."""

    limit: int
    lines: bool = False
    item: int | None = None


LIST = Field(1000, item=100)
"""A list of words (interests, research, stages, packet items): the whole, and each item."""
PERSON_REF = Field(200)
"""A reference to a person: a name (the `people.name` column), an email or a mention."""
DATE_TEXT = Field(100)
"""A date as typed ("in 6 weeks", "March 1")."""
SPAN = Field(40)
"""A rhythm or a weekly slot ("6 weeks", "monday 09:00", "off")."""
GROUP_SLUG = Field(64)
"""A group's short name (`interest_groups.slug`)."""
ZONE = Field(64)
"""An IANA time zone name."""

FIELDS: Mapping[str, Field] = {
    # what people write in their own words
    "note": Field(500, lines=True),
    "text": Field(2000, lines=True),  # an announcement, an outcome
    "task": Field(500),
    "reason": Field(300),
    "keywords": Field(300),
    "office-hours": Field(300),
    "program": Field(200),
    "writer": Field(200),
    "name": Field(200),  # a person's or a group's name
    "title": Field(100),
    "specialty": Field(100),
    "interests": LIST,
    "research": LIST,
    "stages": LIST,
    "done": LIST,
    # references and short values
    "faculty": PERSON_REF,
    "mentor": PERSON_REF,
    "person": PERSON_REF,
    "student": PERSON_REF,
    "email": Field(320),
    "due": DATE_TEXT,
    "on": DATE_TEXT,
    "away": Field(64),
    "cadence": SPAN,
    "every": SPAN,
    "digest": SPAN,
    "quiet": Field(20),
    "tz": ZONE,
    "timezone": ZONE,
    "group": GROUP_SLUG,
    "slug": GROUP_SLUG,
    "code": Field(40),
    "command": Field(100),
    "slack_id": Field(64),
    "discord_id": Field(64),
    "stage": Field(32),
    "capacity": Field(10),
    "accepting": Field(10),
    # the residency plan (`/residency`)
    "home": Field(220),  # a program's name, or "name (city, ST)" when several share it
    "aways": Field(1000, item=220),
    "backup": Field(100),
    "regions": Field(200),
    "types": Field(200),
    "cycle": Field(10),
    "state": Field(20),
}
"""Every field people type, by the name they type it under (an option, a form field, a
CSV column), and how much of it is kept."""

DEFAULT = Field(100)
"""A field the table does not name (a choice, a number, a yes or no): short."""

LINE_BREAKS = ("\r\n", "\r", "\u0085", "\u2028", "\u2029")
"""What is read as a line break, and stored as "\\n" where a field allows one."""


def field(name: str) -> Field:
    return FIELDS.get(name, DEFAULT)


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Unicode's control characters (category Cc: U+0000–U+001F and U+007F–U+009F, the line
feed aside) and lone surrogates (Cs, which no database can store), as one character class:
a roster checks millions of characters."""


def _control(text: str) -> tuple[int, str] | None:
    """The first control or unstorable character of `text` with its position, if any."""
    found = _CONTROL.search(text)
    return None if found is None else (found.start(), found.group())


_CONTROL_NAMES = {"\x00": "NULL", "\x01": "START OF HEADING", "\x07": "BELL",
                  "\x08": "BACKSPACE", "\x09": "TAB", "\x1b": "ESCAPE", "\x7f": "DELETE",
                  "\x9b": "CONTROL SEQUENCE INTRODUCER"}
"""Names of the control characters people meet (Unicode gives control characters none)."""


def _char(char: str) -> str:
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def normalized(text: str, rule: Field) -> str:
    """`text` as it would be stored (NFC, line breaks as "\\n" where allowed, trimmed),
    before any check."""
    value = unicodedata.normalize("NFC", text)
    if rule.lines or rule.item is not None:
        for mark in LINE_BREAKS:
            value = value.replace(mark, "\n")
    return value.strip()


def refusal(name: str, value: str, rule: Field) -> str | None:
    """Why `value` (normalized) cannot be stored in field `name`, or None. The message
    names the field and, for a length, the limit."""
    found = _control(value)
    if found is not None:
        index, char = found
        return (f"{name}: holds a control character ({_char(char)}, at character "
                f"{index + 1}); type plain text.")
    if "\n" in value and not rule.lines and rule.item is None:
        return f"{name}: must be one line (it holds a line break)."
    if len(value) > rule.limit:
        return (f"{name}: is too long ({len(value):,} characters; at most "
                f"{rule.limit:,}).")
    return None


def item_refusal(name: str, item: str, rule: Field) -> str | None:
    """Why one item of list field `name` cannot be stored, or None."""
    if rule.item is not None and len(item) > rule.item:
        return (f"{name}: “{item[:40]}…” is too long for one item ({len(item):,} "
                f"characters; at most {rule.item:,} each).")
    return None


def clean(name: str, value: str, rule: Field | None = None) -> str:
    """`value` normalized for field `name`, or a `UserError` saying why it cannot be."""
    rule = rule or field(name)
    text = normalized(value, rule)
    problem = refusal(name, text, rule)
    if problem is not None:
        raise UserError(problem)
    return text


def line_problem(text: str) -> str | None:
    """Why a whole command line cannot be read, or None: a control character (a line break
    or a tab only separates words there)."""
    found = _control(text.replace("\t", " ").replace("\r", " "))
    if found is None:
        return None
    index, char = found
    return (f"That command holds a control character ({_char(char)}, at character "
            f"{index + 1}); type plain text.")

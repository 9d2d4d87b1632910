"""Splitting a Slack-style command line into bare words and `key:value` options."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserError

_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_KEY_PREFIX = re.compile(r"[a-z][a-z0-9_-]{0,31}:", re.IGNORECASE)
_KEY = re.compile(r"^([a-z][a-z0-9_-]{0,31}):(.*)$", re.IGNORECASE | re.DOTALL)
_REFERENCE = re.compile(r"^(?:[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|<[@#!][^>]+>|person:\d+)$")


def is_reference(word: str) -> bool:
    """An email, a platform mention or an internal `person:ID`: a whole reference to one
    person in a single word."""
    return _REFERENCE.match(word) is not None


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False

    def as_option(self) -> tuple[str, str] | None:
        """(`key`, `value`) when the token is written `key:value` (and not quoted whole)."""
        if self.quoted or is_reference(self.text):
            return None  # `person:12` names someone; it is not an option
        match = _KEY.match(self.text)
        if not match or match.group(2).startswith("//"):
            return None  # a bare URL is not an option
        return match.group(1).lower(), match.group(2)


def tokenize(line: str) -> list[Token]:
    """Split on whitespace; `"..."` or `'...'` quote a whole word or an option's value
    (`program:"EM residency"`). Slack's curly quotes count as straight ones."""
    text = line.translate(_SMART_QUOTES)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        quoted_whole = text[i] in "\"'"
        buf: list[str] = []
        while i < n and not text[i].isspace():
            ch = text[i]
            # A quote opens only at the start of a word or right after `key:`, so an
            # apostrophe inside a word ("don't") stays a letter.
            opens = ch in "\"'" and (i == start or _KEY_PREFIX.fullmatch("".join(buf)) is not None)
            if opens:
                end = text.find(ch, i + 1)
                if end == -1:
                    raise UserError(
                        f"A quote ({ch}) is not closed. Quote values with spaces: "
                        'program:"EM residency"'
                    )
                buf.append(text[i + 1 : end])
                i = end + 1
            else:
                buf.append(ch)
                i += 1
        tokens.append(Token("".join(buf), quoted=quoted_whole))
    return tokens

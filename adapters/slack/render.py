"""Core replies as Slack messages: Block Kit as plain JSON-ready dicts, plus the plain-text
fallback every message needs.

The blocks are written as the dicts Slack takes, not built from `slack_sdk.models.blocks`
objects and converted: a nudge is rendered once per send, and the objects' `to_dict` (with
its validation) cost more than the whole HTTP call. The shapes are exactly those objects'
output: `tests/test_slack_render.py` parses every kind of block rendered here back into
slack_sdk's models, validates it and checks it comes out the same (App Home still goes
through `slack_sdk.models.views.View`).

Everything in a reply is plain text, so every string is escaped here (`&`, `<`, `>`): a note
containing `<!channel>`, `<@U123>` or `<https://evil|click>` shows up as typed and pings or
links nobody. `Reply.ping` (an organizer's announcement) is the only way a broadcast mention
is emitted. Slack's limits are enforced here, not discovered in production: a message holds
at most 50 blocks and a section 3,000 characters, so long replies become several messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.views import View

from bot.framework.replies import Action, Field, Reply, Section

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_ACTIONS = 25
MAX_CONTEXT_TEXT = 2000
MAX_FALLBACK = 3000
PINGS = {"channel": "<!channel>", "here": "<!here>", "everyone": "<!everyone>"}


def escape(text: str) -> str:
    """Slack's three control characters; after this no user text can form `<…>` markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_escaped(text: str, limit: int) -> str:
    """Escape, then cut to `limit` without leaving half an entity (`&am`) at the end."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def chunks(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Escaped text in pieces of at most `limit` characters, split at line breaks where
    possible (a long list stays readable), else hard at the limit."""
    pieces: list[str] = []
    current = ""
    for line in escape(text).split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line[:limit]
            amp = cut.rfind("&")
            if amp > 0 and ";" not in cut[amp:]:
                cut = cut[:amp]
            pieces.append(cut)
            line = line[len(cut):]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


Block = dict[str, Any]
"""One Block Kit block, as Slack takes it."""


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": False}


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn words into links or mentions on its own either.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def button(action: Action) -> dict[str, Any]:
    encoded = action.encode()
    element = {"type": "button", "text": _plain(_clip(action.label, MAX_BUTTON_TEXT)),
               "action_id": encoded, "value": encoded}
    if action.style in {"primary", "danger"}:
        element["style"] = action.style
    return element


def owned_block_id(name: str, owner: str | None) -> str:
    """Buttons meant for one person carry that person's Slack id in their block id, so a
    press by anyone else (a forwarded message, a shared screen) is refused."""
    return f"for={owner}|{name}" if owner else name


def owner_of(block_id: str | None) -> str | None:
    if block_id and block_id.startswith("for="):
        return block_id[len("for="):].split("|", 1)[0] or None
    return None


def _actions_blocks(actions: tuple[Action, ...], block_id: str,
                    owner: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    for start in range(0, len(actions), MAX_ACTIONS):
        part = actions[start:start + MAX_ACTIONS]
        # action_id must be unique within a block: skip an exact duplicate button.
        seen: set[str] = set()
        elements = []
        for action in part:
            encoded = action.encode()
            if encoded not in seen:
                seen.add(encoded)
                elements.append(button(action))
        blocks.append({"type": "actions", "elements": elements,
                       "block_id": owned_block_id(f"{block_id}-{start}", owner)})
    return blocks


def _fields_blocks(fields: tuple[Field, ...]) -> list[Block]:
    if not fields:
        return []
    objects = [
        _mrkdwn(_clip_escaped(f.name, 200).join(("*", "*")) + "\n"
                + _clip_escaped(f.value or "-", MAX_FIELD_TEXT - 210))
        for f in fields
    ]
    return [{"type": "section", "fields": objects[i:i + MAX_FIELDS]}
            for i in range(0, len(objects), MAX_FIELDS)]


def _text_blocks(text: str) -> list[Block]:
    return [_section(piece) for piece in chunks(text)]


def _section_blocks(section: Section, index: int, owner: str | None) -> list[Block]:
    blocks: list[Block] = []
    heading = f"*{_clip_escaped(section.heading, 500)}*" if section.heading else ""
    body = chunks(section.text, MAX_SECTION_TEXT - len(heading) - 1) if section.text else []
    if heading and body:
        blocks.append(_section(f"{heading}\n{body[0]}"))
        blocks += [_section(piece) for piece in body[1:]]
    elif heading:
        blocks.append(_section(heading))
    else:
        blocks += [_section(piece) for piece in body]
    blocks += _fields_blocks(section.fields)
    blocks += _actions_blocks(section.actions, f"s{index}", owner)
    return blocks


def reply_blocks(reply: Reply, owner: str | None = None) -> list[Block]:
    """Every block of a reply, in order, with no regard yet for the per-message limit.
    `owner`: the Slack user the reply is for, when it is for one person only."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append({"type": "header",
                       "text": _plain(_clip(escape(reply.title), MAX_HEADER))})
    ping = PINGS.get(reply.ping or "")
    if ping:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": ping}})
    if reply.text:
        blocks += _text_blocks(reply.text)
    if reply.link is not None:  # never unfurled: every message goes with unfurling off
        blocks.append(_section(
            f"*<{escape(reply.link.url)}|{_clip_escaped(reply.link.label, 200)}>*"))
    blocks += _fields_blocks(reply.fields)
    for index, section in enumerate(reply.sections):
        if index and (section.heading or section.fields):
            blocks.append({"type": "divider"})
        blocks += _section_blocks(section, index, owner)
    if reply.actions:
        blocks += _actions_blocks(reply.actions, "main", owner)
    notes = []
    if reply.attachment is not None:
        notes.append(f"Attached: {reply.attachment.filename}")
    if reply.footer:
        notes.append(reply.footer)
    for note in notes:
        blocks.append({"type": "context",
                       "elements": [_mrkdwn(_clip_escaped(note, MAX_CONTEXT_TEXT))]})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text: escaped, short, with the ping if any."""
    text = _clip_escaped(reply.as_text(), MAX_FALLBACK)
    ping = PINGS.get(reply.ping or "")
    return f"{ping} {text}" if ping else text


@dataclass(frozen=True)
class Message:
    """One Slack message: the fallback `text` and its blocks as JSON-ready dicts."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        # parse=none and no link_names: Slack must not find mentions in our text.
        return {"text": self.text, "blocks": self.blocks, "parse": "none",
                "link_names": False, "unfurl_links": False, "unfurl_media": False}


def render(reply: Reply, *, owner: str | None = None,
           max_blocks: int = MAX_BLOCKS) -> list[Message]:
    """A reply as one or more messages of at most `max_blocks` blocks. Action rows are never
    separated from the section just before them (a result keeps its button)."""
    blocks = reply_blocks(reply, owner)
    text = fallback_text(reply)
    if len(blocks) <= max_blocks:
        return [Message(text=text, blocks=blocks)]
    messages: list[list[dict[str, Any]]] = [[]]
    for block in blocks:
        current = messages[-1]
        if len(current) >= max_blocks:
            carry: list[dict[str, Any]] = []
            # keep a section and its buttons together across the split
            if block["type"] == "actions" and current and current[-1]["type"] != "actions":
                carry = [current.pop()]
            messages.append(carry)
            current = messages[-1]
        current.append(block)
    total = len(messages)
    title = _clip_escaped(reply.title or "mentorbot", 200)
    return [
        Message(text=text if number == 1 else f"{title} ({number}/{total})", blocks=part)
        for number, part in enumerate(messages, start=1)
        if part
    ]


def home_view(reply: Reply, owner: str | None = None) -> View:
    """The App Home tab (up to 100 blocks; the rest is summarized in a last line)."""
    blocks = reply_blocks(reply, owner)
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = blocks[: MAX_HOME_BLOCKS - 1] + [{"type": "context", "elements": [_mrkdwn(
            "More than fits here: use /mentor list and /letter list.")]}]
    return View(type="home", blocks=blocks)

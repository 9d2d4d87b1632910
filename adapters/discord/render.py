"""A core `Reply` as Discord messages: embeds within Discord's limits (split over several
embeds and messages when long) and a persistent view of buttons.

Every string from the core is plain text, so it is escaped here: user-supplied text can
never become markdown or a mention. No message can ping @everyone, @here or a role unless
the reply is an organizer's announcement (`Reply.ping`)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.framework.replies import Action, Reply

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
EMBED_TOTAL_LIMIT = 6000  # per message, over all its embeds
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_MESSAGE = 25
BUTTON_LABEL_LIMIT = 80
BLANK = "\u200b"

COLOR_OK = discord.Colour(0x2E86AB)
COLOR_ERROR = discord.Colour(0xC0392B)

ACTION_TEMPLATE = re.compile(r"mb\|[^|]+(?:\|.*)?")
"""Matches every custom_id `Action.encode()` produces, so one persistent item handles all."""

NO_PINGS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=False)


def escape(text: str) -> str:
    """Plain text → Discord markdown that shows exactly that text and mentions nobody."""
    escaped = discord.utils.escape_markdown(text, ignore_links=False)
    return discord.utils.escape_mentions(escaped)


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    if reply.ping is not None:
        return discord.AllowedMentions(everyone=True, users=False, roles=False,
                                       replied_user=False)
    return NO_PINGS


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph, line or word boundaries where
    possible and never between a markdown escape and the character it escapes."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
            while cut > 1 and window[cut - 1] == "\\":
                cut -= 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [""]


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return text[:cut] + "…"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ACTION_TEMPLATE):
    """A button whose custom_id is an encoded core action. Registered with the client at
    start-up, so a press on any message, however old, reaches the core after a restart."""

    def __init__(self, custom_id: str, label: str = "Go",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=custom_id, style=style))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction,
                             item: discord.ui.Item[Any], match: re.Match[str],
                             /) -> ActionButton:
        button: Any = item
        return cls(match.string, label=button.label or "Go", style=button.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        dispatcher = getattr(interaction.client, "mentorbot", None)
        if dispatcher is not None:
            await dispatcher.run_action(interaction, self.custom_id)


class ActionView(discord.ui.View):
    """The buttons of one message. Presses are handled by the registered `ActionButton`
    template, never by this instance: reporting "not dispatchable" keeps discord.py from
    storing every sent view in memory (and from dispatching a press twice)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False


_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}


def button(action: Action, *, context: str = "") -> ActionButton:
    label = f"{action.label}: {context}" if context else action.label
    return ActionButton(action.encode(), label=truncate(label, BUTTON_LABEL_LIMIT),
                        style=_STYLES.get(action.style, discord.ButtonStyle.secondary))


def buttons(reply: Reply) -> list[ActionButton]:
    """The reply's buttons, then each section's (labelled with the section's heading when
    several sections offer the same action). Discord needs custom_ids unique per message."""
    seen: set[str] = set()
    out: list[ActionButton] = []
    labels = [a.label for s in reply.sections for a in s.actions]
    for action in reply.actions:
        if action.encode() not in seen:
            seen.add(action.encode())
            out.append(button(action))
    for section in reply.sections:
        for action in section.actions:
            if action.encode() in seen:
                continue
            seen.add(action.encode())
            repeated = labels.count(action.label) > 1
            out.append(button(action, context=section.heading if repeated else ""))
    return out


@dataclass
class Message:
    """One message to send: keyword arguments for `send` / `followup.send`."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    file: discord.File | None = None
    allowed_mentions: discord.AllowedMentions = NO_PINGS
    # No preview of the links in it (Discord would fetch them: a one-time link is spent).
    suppress_embeds: bool = False

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": self.allowed_mentions}
        if self.content:
            out["content"] = self.content
        if self.suppress_embeds:
            out["suppress_embeds"] = True
        if self.view is not None:
            out["view"] = self.view
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass
class _Packer:
    colour: discord.Colour
    messages: list[list[discord.Embed]] = field(default_factory=lambda: [[]])

    @property
    def embed(self) -> discord.Embed | None:
        return self.messages[-1][-1] if self.messages[-1] else None

    def _message_total(self) -> int:
        return sum(len(e) for e in self.messages[-1])

    def new_embed(self, size: int, title: str = "") -> discord.Embed:
        current = self.messages[-1]
        if len(current) >= EMBEDS_PER_MESSAGE or self._message_total() + size + len(title) \
                > EMBED_TOTAL_LIMIT:
            self.messages.append([])
        embed = discord.Embed(colour=self.colour, title=title or None)
        self.messages[-1].append(embed)
        return embed

    def description(self, text: str, title: str = "") -> None:
        for index, piece in enumerate(split_text(text, DESCRIPTION_LIMIT)):
            embed = self.new_embed(len(piece), title if index == 0 else "")
            embed.description = piece or None

    def add_field(self, name: str, value: str, inline: bool) -> None:
        name = truncate(name, FIELD_NAME_LIMIT) or BLANK
        for index, piece in enumerate(split_text(value or "-", FIELD_VALUE_LIMIT)):
            label = name if index == 0 else BLANK
            size = len(label) + len(piece)
            embed = self.embed
            if (embed is None or len(embed.fields) >= FIELD_LIMIT
                    or self._message_total() + size > EMBED_TOTAL_LIMIT):
                embed = self.new_embed(size)
            embed.add_field(name=label, value=piece, inline=inline)

    def footer(self, text: str) -> None:
        text = truncate(text, FOOTER_LIMIT)
        embed = self.embed
        if embed is None or self._message_total() + len(text) > EMBED_TOTAL_LIMIT:
            embed = self.new_embed(len(text))
        embed.set_footer(text=text)


def link_message(reply: Reply) -> Message:
    """A reply offering a link (`Reply.link`): plain text with the address in `<…>` and
    embeds suppressed, so Discord neither previews the address nor fetches it, and a link
    button to open it."""
    assert reply.link is not None
    lines = [f"**{escape(reply.title)}**" if reply.title else "", escape(reply.text),
             f"<{reply.link.url}>"]
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(style=discord.ButtonStyle.link, url=reply.link.url,
                                    label=truncate(reply.link.label, BUTTON_LABEL_LIMIT)))
    return Message(content=truncate("\n\n".join(line for line in lines if line),
                                    CONTENT_LIMIT),
                   view=view, allowed_mentions=NO_PINGS, suppress_embeds=True)


def render(reply: Reply) -> list[Message]:
    """The messages that show `reply`; the buttons ride on the last one (or, past 25, on
    the messages after it)."""
    if reply.link is not None:
        return [link_message(reply)]
    packer = _Packer(COLOR_ERROR if reply.error else COLOR_OK)
    title = truncate(escape(reply.title), TITLE_LIMIT)
    if reply.text or title:
        packer.description(escape(reply.text), title)
    for f in reply.fields:
        packer.add_field(escape(f.name), escape(f.value), f.inline)
    for section in reply.sections:
        lines = [escape(section.text)] if section.text else []
        lines += [f"**{escape(f.name)}:** {escape(f.value)}" for f in section.fields]
        packer.add_field(escape(section.heading), "\n".join(lines), False)
    if reply.footer:
        packer.footer(escape(reply.footer))
    mentions = allowed_mentions(reply)
    messages = [Message(embeds=embeds, allowed_mentions=mentions)
                for embeds in packer.messages if embeds]
    if not messages:
        messages = [Message(content=BLANK, allowed_mentions=mentions)]
    items = buttons(reply)
    for start in range(0, len(items), BUTTONS_PER_MESSAGE):
        view = ActionView()
        for item in items[start:start + BUTTONS_PER_MESSAGE]:
            view.add_item(item)
        if start == 0:
            messages[-1].view = view
        else:
            messages.append(Message(content="More actions:", view=view,
                                    allowed_mentions=mentions))
    if reply.ping is not None:
        target = "@here" if reply.ping == "here" else "@everyone"
        messages[0].content = target
    if reply.attachment is not None:
        messages[0].file = discord.File(io.BytesIO(reply.attachment.content),
                                        filename=reply.attachment.filename,
                                        description=reply.attachment.alt_text or None)
    return messages


def check_limits(message: Message) -> list[str]:
    """What in `message` Discord would reject (empty when it fits)."""
    problems = []
    if len(message.embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(message.embeds)} embeds")
    if sum(len(e) for e in message.embeds) > EMBED_TOTAL_LIMIT:
        problems.append("over 6,000 characters of embeds")
    for embed in message.embeds:
        if embed.title and len(embed.title) > TITLE_LIMIT:
            problems.append("title over 256")
        if embed.description and len(embed.description) > DESCRIPTION_LIMIT:
            problems.append("description over 4,096")
        if len(embed.fields) > FIELD_LIMIT:
            problems.append("over 25 fields")
        for f in embed.fields:
            if not f.name or len(f.name) > FIELD_NAME_LIMIT:
                problems.append(f"field name {f.name!r}")
            if not f.value or len(f.value) > FIELD_VALUE_LIMIT:
                problems.append("field value empty or over 1,024")
        if embed.footer.text and len(embed.footer.text) > FOOTER_LIMIT:
            problems.append("footer over 2,048")
    if message.view is not None and len(message.view.children) > BUTTONS_PER_MESSAGE:
        problems.append("over 25 buttons")
    return problems

"""Interaction stand-ins for calling the generated command callbacks and button handlers
directly, without a gateway: they record what the adapter did with `response` and
`followup`, and hold real discord.py objects (embeds, views, AllowedMentions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

GUILD_ID = 500000000000000001
CHANNEL_ID = 500000000000000002


@dataclass
class Call:
    name: str
    kwargs: dict[str, Any]

    @property
    def embeds(self) -> list[discord.Embed]:
        return list(self.kwargs.get("embeds") or [])

    @property
    def view(self) -> discord.ui.View | None:
        return self.kwargs.get("view")

    @property
    def ephemeral(self) -> bool:
        return bool(self.kwargs.get("ephemeral"))

    def text(self) -> str:
        parts = [self.kwargs.get("content") or ""]
        for embed in self.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name} {f.value}" for f in embed.fields]
            parts.append(embed.footer.text or "")
        return "\n".join(p for p in parts if p)


@dataclass
class StubUser:
    id: int
    display_name: str = "Student"


@dataclass
class StubResponse:
    calls: list[Call]
    done: bool = False

    async def defer(self, **kwargs: Any) -> None:
        assert not self.done, "an interaction can be answered once"
        self.done = True
        self.calls.append(Call("defer", kwargs))

    async def send_message(self, **kwargs: Any) -> None:
        assert not self.done, "an interaction can be answered once"
        self.done = True
        self.calls.append(Call("send_message", kwargs))

    def is_done(self) -> bool:
        return self.done


@dataclass
class StubFollowup:
    calls: list[Call]

    async def send(self, **kwargs: Any) -> None:
        self.calls.append(Call("followup", kwargs))


@dataclass
class StubInteraction:
    user: StubUser
    guild_id: int | None = GUILD_ID
    channel_id: int | None = CHANNEL_ID
    permissions: discord.Permissions = field(default_factory=discord.Permissions.none)
    id: int = 1
    client: Any = None  # what a button's handler reaches the adapter through
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.response = StubResponse(self.calls)
        self.followup = StubFollowup(self.calls)

    @property
    def followups(self) -> list[Call]:
        return [c for c in self.calls if c.name == "followup"]


def find_command(tree: app_commands.CommandTree, line: str) -> app_commands.Command[Any, ..., Any]:
    """`"mentor group create"` → the generated Command."""
    root, *path = line.split()
    node: Any = tree.get_command(root)
    for word in path:
        assert isinstance(node, app_commands.Group), line
        node = node.get_command(word)
    assert isinstance(node, app_commands.Command), line
    return node


async def invoke(tree: app_commands.CommandTree, line: str, interaction: StubInteraction,
                 **options: Any) -> StubInteraction:
    """Call the generated callback as discord.py would, with options by their Discord names."""
    command = find_command(tree, line)
    by_display = {p.display_name: p.name for p in command.parameters}
    await command.callback(interaction, **{by_display[k]: v for k, v in options.items()})  # type: ignore[call-arg,arg-type]
    return interaction

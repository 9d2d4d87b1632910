"""The discord.py client: app commands generated from the registry, persistent buttons, and
the translation of interactions into core requests.

Every interaction is deferred at once (the core is synchronous and may take longer than
Discord's 3 seconds), then the core runs in a worker thread and the answer goes out as
follow-ups. Private answers are ephemeral; a public one (a group created or bound) is posted for
the channel after a short private note replaces the "thinking…" message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands

from adapters.discord import people
from adapters.discord.autocomplete import RosterIndex, Scopes
from adapters.discord.commands import AutocompleteCallback, build_tree
from adapters.discord.render import ActionButton, render
from bot.framework.channels import ChannelRef
from bot.framework.ports import CorePort, Request
from bot.framework.registry import SUGGEST_PROGRAM, CommandSpec, Option, OptionType, Registry
from bot.framework.replies import Reply, error_reply

log = logging.getLogger(__name__)

POSTED = Reply(text="Posted for everyone in this channel.")
ROSTER_REFRESH_SECONDS = 300.0


def intents() -> discord.Intents:
    """Slash commands and buttons need no privileged intent; `guilds` keeps channels known."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    return chosen


def channel_ref(interaction: discord.Interaction) -> ChannelRef:
    return ChannelRef(
        platform=people.PLATFORM,
        workspace=str(interaction.guild_id or ""),
        channel_id=str(interaction.channel_id or ""),
        is_dm=interaction.guild_id is None,
    )


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server in the server the interaction comes from: the spec's "server admin",
    who may create groups here and act as an organizer of groups bound to a channel of this
    server (the core checks that against the group; `channel_ref` names the server)."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


class DiscordBot:
    """The `Dispatcher` the generated commands call, and the button handler."""

    def __init__(self, core: CorePort, *, registry: Registry | None = None,
                 roster: RosterIndex | None = None) -> None:
        self.core = core
        self.registry = registry or core.registry
        self.roster = roster if roster is not None else RosterIndex(core.directory,
                                                                   ROSTER_REFRESH_SECONDS)
        self.scopes = Scopes(core, people.PLATFORM, people.WORKSPACE)

    # --- entry points --------------------------------------------------------------------

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec,
                          options: dict[str, Any]) -> None:
        await self._defer(interaction)
        request = Request(root=spec.root, actor_id=0, path=spec.path, options=options,
                          channel=channel_ref(interaction), is_admin=is_admin(interaction),
                          account=people.platform_user(interaction.user.id, ""))
        await self._run(interaction, lambda actor_id: self.core.handle(
            replace(request, actor_id=actor_id)))

    async def run_action(self, interaction: discord.Interaction, custom_id: str) -> None:
        await self._defer(interaction)
        ref, admin = channel_ref(interaction), is_admin(interaction)
        account = people.platform_user(interaction.user.id, "")
        await self._run(interaction, lambda actor_id: self.core.handle_action(
            actor_id, custom_id, channel=ref, is_admin=admin, account=account))

    def autocompleter(self, option: Option) -> AutocompleteCallback | None:
        if option.suggest == SUGGEST_PROGRAM:
            return self._program_completer()
        if option.type == OptionType.PERSON or option.suggest is not None:
            return self._person_completer(option)
        if option.type == OptionType.CHOICE and option.choices:
            return _choice_completer(option.choices)  # over 25 choices: filter as they type
        return None

    # --- the work ------------------------------------------------------------------------

    @staticmethod
    async def _defer(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

    async def _run(self, interaction: discord.Interaction,
                   call: Callable[[int], Reply]) -> None:
        user = interaction.user

        def work() -> tuple[Reply, list[Reply]]:
            who = people.identify(self.core, user.id, user.display_name)
            return call(who.person_id), who.notices()

        try:
            reply, notices = await asyncio.to_thread(work)
        except Exception:
            log.exception("interaction %s failed", interaction.id)
            reply, notices = error_reply("Something went wrong on our side; nothing was "
                                         "changed."), []
        await self.answer(interaction, reply, notices)

    async def answer(self, interaction: discord.Interaction, reply: Reply,
                     notices: list[Reply] | None = None) -> None:
        """Follow-ups after a deferral: the first replaces the (private) "thinking…"
        message; later ones are their own messages, public when the reply is."""
        public = not reply.ephemeral and interaction.guild_id is not None
        private = list(notices or [])
        if public:
            first = private or [POSTED]
            sequence = [(r, True) for r in first] + [(reply, False)]
        else:
            sequence = [(reply, True)] + [(r, True) for r in private]
        for value, ephemeral in sequence:
            for message in render(value):
                try:
                    await interaction.followup.send(ephemeral=ephemeral, **message.kwargs())
                except discord.HTTPException:
                    log.exception("could not answer interaction %s", interaction.id)
                    return

    def _program_completer(self) -> AutocompleteCallback:
        """Suggestions for a program option: the programs of the member's groups, from the
        core (`Core.program_choices`), whose values name one program exactly."""
        return _program_completer_for(self.core)

    def _person_completer(self, option: Option) -> AutocompleteCallback:
        """Suggestions for a person option: only whom the option may offer the member
        typing (the core's rule: `CorePort.suggestion_scope`), found by their Discord
        account."""
        roster, scopes = self.roster, self.scopes

        async def complete(interaction: discord.Interaction,
                           current: str) -> list[app_commands.Choice[str]]:
            if roster.claim_refresh():
                asyncio.get_running_loop().run_in_executor(None, roster.refresh_claimed)
            user_id = str(interaction.user.id) if interaction is not None else ""
            scope = scopes.cached(user_id, option) \
                or await asyncio.to_thread(scopes.get, user_id, option)
            return [app_commands.Choice(name=e.label(), value=e.value)
                    for e in roster.search(current, scope=scope)]

        return complete


def _program_completer_for(core: CorePort) -> AutocompleteCallback:
    async def complete(interaction: discord.Interaction,
                       current: str) -> list[app_commands.Choice[str]]:
        account = people.platform_user(interaction.user.id, "")
        found = await asyncio.to_thread(core.program_choices, account, current)
        return [app_commands.Choice(name=label, value=value) for label, value in found]

    return complete


def _choice_completer(choices: tuple[str, ...]) -> AutocompleteCallback:
    async def complete(interaction: discord.Interaction,
                       current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().lower()
        hits = [c for c in choices if wanted in c.lower()] if wanted else list(choices)
        return [app_commands.Choice(name=c, value=c) for c in hits[:25]]

    return complete


class MentorClient(discord.Client):
    """discord.Client with the generated command tree and the persistent button template."""

    def __init__(self, bot: DiscordBot, *, load_roster: bool = True, **options: Any) -> None:
        # We never join voice channels; without this discord.py warns about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options.setdefault("intents", intents())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.mentorbot = bot
        self.load_roster = load_roster  # off for `discord sync`, which needs no database
        self.tree = build_tree(self, bot.registry, bot)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        # Buttons on any message ever sent match this template, so they keep working after a
        # restart; there is nothing per message to re-register.
        self.add_dynamic_items(ActionButton)
        if self.load_roster:
            try:
                await asyncio.to_thread(self.mentorbot.roster.refresh)
            except Exception:  # autocomplete retries on its next use; commands still work
                log.exception("could not load the roster for autocomplete")

    async def _on_tree_error(self, interaction: discord.Interaction,
                             error: app_commands.AppCommandError) -> None:
        log.error("app command failed", exc_info=error)
        message = render(error_reply("Something went wrong on our side; nothing was changed."))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=True, **message[0].kwargs())
            else:
                await interaction.response.send_message(ephemeral=True, **message[0].kwargs())
        except discord.HTTPException:
            log.exception("could not report the failure of interaction %s", interaction.id)

"""The generated CommandTree: every registered command, within Discord's limits, built by
the real discord.py from the registry (no Discord connection)."""

from __future__ import annotations

import json
import re
from typing import Any

import discord
import pytest
from discord import app_commands

from adapters.discord.client import DiscordBot, MentorClient
from adapters.discord.commands import build_groups, build_tree, payload
from bot.app.commands import default_registry
from bot.framework.registry import Option, OptionType, Registry
from bot.framework.registry import command as make_command
from bot.framework.replies import Reply
from tests.support.cli import Mentorbot
from tests.support.clocks import DAY
from tests.support.discord_stubs import find_command

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
SUBCOMMAND, GROUP = 1, 2


class Recorder:
    """A dispatcher that records what the generated callbacks hand over."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def run_command(self, interaction: Any, spec: Any, options: dict[str, Any]) -> None:
        self.calls.append((spec.name, options))

    def autocompleter(self, option: Option) -> Any:
        if option.type != OptionType.PERSON:
            return None

        async def complete(interaction: discord.Interaction, current: str) -> list[Any]:
            return []

        return complete


@pytest.fixture(scope="module")
def client() -> MentorClient:
    from bot.app.core import Core
    from bot.infra.clock import FixedClock
    from bot.infra.db import Database

    return MentorClient(DiscordBot(Core(db=Database("sqlite://"), clock=FixedClock(DAY))))


@pytest.fixture(scope="module")
def commands(client: MentorClient) -> list[dict[str, Any]]:
    return payload(client.tree)


def _walk(options: list[dict[str, Any]], path: tuple[str, ...]) -> Any:
    for option in options:
        yield path, option
        if option["type"] in (SUBCOMMAND, GROUP):
            yield from _walk(option.get("options", []), (*path, option["name"]))


def _characters(node: dict[str, Any]) -> int:
    total = len(node["name"]) + len(node.get("description", ""))
    for choice in node.get("choices") or []:
        total += len(choice["name"]) + len(str(choice["value"]))
    return total + sum(_characters(o) for o in node.get("options") or [])


def test_payload_is_within_discord_limits(commands: list[dict[str, Any]]) -> None:
    assert [c["name"] for c in commands] == ["mentor", "letter", "residency"]
    for command in commands:
        assert NAME.match(command["name"])
        assert 1 <= len(command["description"]) <= 100
        assert len(command["options"]) <= 25
        # Discord: name, description and choice text of one command, 8,000 in all.
        assert _characters(command) <= 8000
        for path, option in _walk(command["options"], (command["name"],)):
            where = " ".join((*path, option["name"]))
            assert NAME.match(option["name"]), where
            assert 1 <= len(option["description"]) <= 100, where
            assert len(option.get("options") or []) <= 25, where
            assert len(option.get("choices") or []) <= 25, where
            for choice in option.get("choices") or []:
                assert 1 <= len(choice["name"]) <= 100 and len(str(choice["value"])) <= 100
            if option["type"] == SUBCOMMAND:
                required = [o.get("required", False) for o in option.get("options", [])]
                assert required == sorted(required, reverse=True), f"{where}: required first"
                assert not any(o.get("choices") and o.get("autocomplete")
                               for o in option.get("options", [])), where


def test_every_visible_command_is_there_with_its_options(client: MentorClient) -> None:
    for spec in default_registry().specs():
        command = find_command(client.tree, spec.name)
        assert command.extras["spec"] is spec
        assert {p.display_name for p in command.parameters} == {o.name for o in spec.options}
        for parameter in command.parameters:
            option = spec.option(parameter.display_name)
            assert option is not None
            assert parameter.required == option.required
    hidden = [s for s in default_registry().specs(include_hidden=True) if s.hidden]
    for spec in hidden:
        with pytest.raises(AssertionError):
            find_command(client.tree, spec.name)


def test_option_types_follow_the_registry(client: MentorClient) -> None:
    profile = {p.display_name: p for p in find_command(client.tree, "mentor profile").parameters}
    assert profile["capacity"].type is discord.AppCommandOptionType.integer
    assert (profile["capacity"].min_value, profile["capacity"].max_value) == (0, 50)
    assert profile["looking"].type is discord.AppCommandOptionType.boolean
    assert [c.value for c in profile["stage"].choices] == [
        "premed", "ms1", "ms2", "ms3", "ms4", "resident"]
    assert profile["tz"].max_value == 64  # a string: its max_length
    organizer = find_command(client.tree, "mentor group organizer")
    person = next(p for p in organizer.parameters if p.display_name == "person")
    assert person.autocomplete and person.type is discord.AppCommandOptionType.string
    # The writer may be outside the roster (free text) but faculty are suggested.
    remind = find_command(client.tree, "letter remind")
    writer = next(p for p in remind.parameters if p.display_name == "writer")
    assert writer.autocomplete and writer.required
    kinds = {p.display_name: p for p in remind.parameters}
    assert kinds["portal"].choices and kinds["kind"].choices
    update = {p.display_name: p for p in find_command(client.tree, "letter update").parameters}
    assert [c.value for c in update["state"].choices][:2] == ["planned", "asked"]


def test_a_new_core_command_appears_with_no_discord_code() -> None:
    fresh = Registry()
    options = [
        Option("who", OptionType.PERSON, "someone", required=True, positional=True,
               role="faculty"),
        Option("office-hours", description="x" * 300),
        Option("dry-run", OptionType.FLAG, "only show what would happen"),
        Option("limit", OptionType.INT, "how many", min_value=1, max_value=25),
        Option("on", OptionType.DATE, "when", when="past"),
        Option("tags", OptionType.LIST, "tags, ; separated"),
        Option("kind", OptionType.CHOICE, "which kind", choices=("research", "clinical")),
        Option("portal", OptionType.CHOICE, "many choices",
               choices=tuple(f"portal-{i}" for i in range(30))),
        Option("class", description="a Python keyword as an option name"),
    ]
    fresh.add(make_command("letter", "frobnicate", summary="S" * 150, options=options),
              lambda ctx, args: Reply())
    fresh.add(make_command("letter", "batch run", summary="A nested command."),
              lambda ctx, args: Reply())
    recorder = Recorder()
    tree = build_tree(discord.Client(intents=discord.Intents.none()), fresh, recorder)
    (letter,) = payload(tree)
    frob = next(o for o in letter["options"] if o["name"] == "frobnicate")
    assert len(frob["description"]) == 100 and frob["description"].endswith("…")
    by_name = {o["name"]: o for o in frob["options"]}
    assert list(by_name)[0] == "who" and by_name["who"]["autocomplete"] is True
    assert len(by_name["office-hours"]["description"]) == 100
    assert by_name["dry-run"]["type"] == 5
    assert (by_name["limit"]["min_value"], by_name["limit"]["max_value"]) == (1, 25)
    assert "2027-03-01" in by_name["on"]["description"]
    assert [c["value"] for c in by_name["kind"]["choices"]] == ["research", "clinical"]
    assert "choices" not in by_name["portal"]  # over 25: autocomplete from the list instead
    batch = next(o for o in letter["options"] if o["name"] == "batch")
    assert batch["type"] == GROUP and batch["options"][0]["name"] == "run"

    import asyncio

    command = find_command(tree, "letter frobnicate")
    asyncio.run(command.callback(None, who="person:3", office_hours="Tue 2pm",  # type: ignore[arg-type,call-arg]
                                 dry_run=True, opt_class="x", limit=None))
    assert recorder.calls == [("letter frobnicate", {
        "who": "person:3", "office-hours": "Tue 2pm", "dry-run": True, "class": "x"})]


def test_what_discord_would_reject_fails_at_build_time() -> None:
    too_many = Registry()
    too_many.add(make_command("mentor", "wide", summary="w",
                              options=[Option(f"o{i}") for i in range(26)]),
                 lambda c, a: Reply())
    with pytest.raises(ValueError, match="25"):
        build_groups(too_many, Recorder())
    clash = Registry()
    clash.add(make_command("mentor", "group", summary="a command"), lambda c, a: Reply())
    clash.add(make_command("mentor", "group create", summary="and a group"),
              lambda c, a: Reply())
    with pytest.raises(ValueError, match="both"):
        build_groups(clash, Recorder())


def test_sync_dry_run_prints_the_tree_payload(tmp_path, repo_root, commands,
                                              mentorbot: Mentorbot) -> None:
    result = mentorbot("discord", "sync", "--dry-run", url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(commands))
    assert not (tmp_path / "x.sqlite3").exists()  # a dry run touches no database


def test_group_payload_is_what_app_commands_would_sync(client: MentorClient) -> None:
    guild = discord.Object(id=123)
    client.tree.copy_global_to(guild=guild)
    try:
        assert payload(client.tree, guild=guild) == payload(client.tree)
        assert all(isinstance(c, app_commands.Group) for c in client.tree.get_commands())
    finally:
        client.tree.clear_commands(guild=guild)

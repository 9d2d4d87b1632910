"""The adapter between discord.py and the core, driven through the generated command
callbacks and the persistent button template with interaction stand-ins (no gateway)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import discord
import pytest

from adapters.discord.autocomplete import Entry, RosterIndex, Scope
from adapters.discord.client import POSTED, DiscordBot, MentorClient
from adapters.discord.people import WELCOME
from adapters.discord.render import ACTION_TEMPLATE, ActionButton, render
from bot.app.core import Core
from bot.framework.registry import Option, OptionType
from bot.framework.replies import Action, Reply, Section
from bot.infra.db import Database
from bot.infra.models import ChannelBinding, Identity, InterestGroup, Person
from bot.infra.settings import Settings
from tests.support.discord_stubs import (
    CHANNEL_ID,
    GUILD_ID,
    Call,
    StubInteraction,
    StubUser,
    invoke,
)
from tests.support.factories import add_faculty, add_student

MAYA = 610000000000000001


@pytest.fixture
def core(sqlite_url: str, clock: Any) -> Iterator[Core]:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    db = Database(sqlite_url)
    yield Core(db=db, clock=clock, settings=settings)
    db.dispose()


@pytest.fixture
def client(core: Core) -> MentorClient:
    return MentorClient(DiscordBot(core))


@pytest.fixture
def maya(core: Core) -> int:
    with core.db.session() as session:
        person = add_student(session, "Maya Patel")
        person.identities.append(Identity(platform="discord", workspace="",
                                          external_id=str(MAYA)))
        session.flush()
        return person.id


def _no_pings(call: Call) -> bool:
    rule: discord.AllowedMentions = call.kwargs["allowed_mentions"]
    return not rule.everyone and not rule.roles


def test_command_defers_then_follows_up_privately(client: MentorClient, core: Core,
                                                  maya: int) -> None:
    stub = StubInteraction(StubUser(MAYA, "Maya"))
    asyncio.run(invoke(client.tree, "mentor profile", stub, stage="ms3",
                       tz="America/Denver"))
    assert stub.calls[0].name == "defer"
    assert stub.calls[0].kwargs == {"ephemeral": True, "thinking": True}
    (answer,) = stub.followups
    assert answer.ephemeral and _no_pings(answer)
    assert answer.embeds[0].title == "Profile updated"
    fields = {f.name: f.value for f in answer.embeds[0].fields}
    assert fields["Stage"] == "ms3" and fields["Time zone"] == "America/Denver"
    with core.db.session() as session:
        assert session.get_one(Person, maya).timezone == "America/Denver"


def test_core_errors_come_back_as_a_private_red_embed(client: MentorClient, maya: int) -> None:
    stub = StubInteraction(StubUser(MAYA))
    asyncio.run(invoke(client.tree, "mentor profile", stub, tz="Mars/Olympus_Mons"))
    (answer,) = stub.followups
    assert answer.ephemeral and answer.embeds[0].colour == discord.Colour(0xC0392B)
    assert "tz:" in answer.text()


def test_a_stranger_becomes_a_student_and_is_asked_for_a_time_zone(
        client: MentorClient, core: Core) -> None:
    stub = StubInteraction(StubUser(620000000000000009, "New Person"))
    asyncio.run(invoke(client.tree, "mentor profile", stub))
    titles = [c.embeds[0].title for c in stub.followups]
    assert titles == ["Your profile", WELCOME.title]
    assert "/mentor profile tz:" in stub.followups[1].text().replace("\\", "")
    with core.db.session() as session:
        identity = session.query(Identity).filter_by(external_id="620000000000000009").one()
        assert identity.person.name == "New Person" and identity.person.is_student
    again = StubInteraction(StubUser(620000000000000009, "New Person"))
    asyncio.run(invoke(client.tree, "mentor profile", again))
    assert len(again.followups) == 1  # welcomed once


def test_group_create_binds_the_channel_and_posts_publicly(client: MentorClient, core: Core,
                                                           maya: int) -> None:
    admin = StubInteraction(StubUser(MAYA), permissions=discord.Permissions(manage_guild=True))
    asyncio.run(invoke(client.tree, "mentor group create", admin, slug="em-interest",
                       name="EM @everyone Group", specialty="emergency medicine"))
    first, public = admin.followups
    assert first.ephemeral and first.embeds[0].description == POSTED.text
    assert not public.ephemeral and _no_pings(public)
    assert public.embeds[0].title.startswith("Created EM @\u200beveryone Group")
    with core.db.session() as session:
        binding = session.query(ChannelBinding).one()
        assert (binding.platform, binding.workspace, binding.channel_id) == (
            "discord", str(GUILD_ID), str(CHANNEL_ID))
        assert session.query(InterestGroup).one().slug == "em-interest"
    # Without Manage Server (and not an organizer) the same command is refused.
    member = StubInteraction(StubUser(630000000000000003), channel_id=CHANNEL_ID + 1)
    asyncio.run(invoke(client.tree, "mentor group create", member, slug="peds",
                       name="Peds", specialty="pediatrics"))
    assert member.followups[0].ephemeral and "organizers" in member.followups[0].text()
    with core.db.session() as session:
        assert session.query(InterestGroup).count() == 1


def test_buttons_parse_back_to_the_same_action_after_a_restart(core: Core, maya: int) -> None:
    action = Action("Use Lisbon time", "mentor profile", {"tz": "Europe/Lisbon"}, "primary")
    reply = Reply(title="Nudge", actions=(action,),
                  sections=(Section(heading="Dr. A", actions=(Action("Request intro",
                                    "mentor profile", {"stage": "ms1"}),)),))

    async def scenario() -> StubInteraction:
        (message,) = render(reply)
        assert message.view is not None
        ids = [item.custom_id for item in message.view.children]  # type: ignore[attr-defined]
        assert ids[0] == action.encode() and all(ACTION_TEMPLATE.fullmatch(i) for i in ids)
        assert Action.decode(ids[0]) == ("mentor profile", {"tz": "Europe/Lisbon"})
        assert Action.decode(ids[1]) == ("mentor profile", {"stage": "ms1"})
        # "Restart": a brand-new client knows nothing of the message, only the template it
        # registers at start-up.
        restarted = MentorClient(DiscordBot(core))
        await restarted.setup_hook()
        stub = StubInteraction(StubUser(MAYA), client=restarted, guild_id=None)
        registered = restarted._connection._view_store._dynamic_items  # what discord.py matches
        matches = [(p.fullmatch(ids[0]), f) for p, f in registered.items()]
        match, factory = next((m, f) for m, f in matches if m is not None)
        assert factory is ActionButton
        base = discord.ui.Button(label="Use Lisbon time", custom_id=ids[0])
        item = await factory.from_custom_id(stub, base, match)  # type: ignore[arg-type]
        assert item.custom_id == action.encode()
        await item.callback(stub)  # type: ignore[arg-type]
        return stub

    stub = asyncio.run(scenario())
    assert stub.calls[0].name == "defer"
    assert stub.followups[0].embeds[0].title == "Profile updated"
    with core.db.session() as session:
        assert session.get_one(Person, maya).timezone == "Europe/Lisbon"


def test_person_autocomplete_forgives_typos_and_filters_by_role(core: Core) -> None:
    with core.db.session() as session:
        smith = add_faculty(session, "Dr. Jane Smith", specialty="Emergency Medicine")
        add_faculty(session, "Dr. John Smithers", specialty="Surgery")
        add_faculty(session, "Dr. Ana Núñez", specialty="Pediatrics")
        add_student(session, "Jane Smithson")
        smith_id = smith.id
    bot = DiscordBot(core)
    bot.roster.refresh()
    complete = bot.autocompleter(Option("mentor", OptionType.PERSON, role="faculty"))
    assert complete is not None

    def names(text: str) -> list[str]:
        return [c.name for c in asyncio.run(complete(None, text))]  # type: ignore[arg-type]

    assert names("Jane Smiht")[0] == "Dr. Jane Smith — Emergency Medicine"
    assert names("smith") == ["Dr. Jane Smith — Emergency Medicine",
                              "Dr. John Smithers — Surgery"]  # no students
    assert names("nunez") == ["Dr. Ana Núñez — Pediatrics"]
    assert names("dr anna nunes") == ["Dr. Ana Núñez — Pediatrics"]
    assert names("jane.smith@") == ["Dr. Jane Smith — Emergency Medicine"]
    assert len(names("")) == 3
    assert names("zzzz") == []
    first = asyncio.run(complete(None, "jane smiht"))[0]  # type: ignore[arg-type]
    assert first.value == f"person:{smith_id}"
    anyone = bot.autocompleter(Option("person", OptionType.PERSON))
    assert anyone is not None
    # Any role: faculty, and the students this member deals with (none here, for someone
    # not on the roster) — never the student "Jane Smithson".
    assert [c.name for c in asyncio.run(anyone(None, "smith"))] == [  # type: ignore[arg-type]
        "Dr. Jane Smith — Emergency Medicine", "Dr. John Smithers — Surgery"]


def test_an_autocompleted_value_resolves_to_exactly_that_person(client: MentorClient,
                                                              core: Core) -> None:
    with core.db.session() as session:
        organizer = add_faculty(session, "Dr. Lee Organizer")
        organizer.identities.append(Identity(platform="discord", external_id=str(MAYA)))
        twin_a = add_faculty(session, "Dr. Sam Twin", email="sam.twin.a@example.edu")
        add_faculty(session, "Dr. Sam Twin", email="sam.twin.b@example.edu")
        from tests.support.factories import add_group
        add_group(session, "em", organizers=[organizer])
        twin_id = twin_a.id
    stub = StubInteraction(StubUser(MAYA))
    asyncio.run(invoke(client.tree, "mentor group organizer", stub, group="em",
                       person=f"person:{twin_id}"))
    assert "is now an organizer" in stub.followups[0].embeds[0].title
    with core.db.session() as session:
        assert session.get_one(Person, twin_id).has_role("organizer")


def test_roster_index_entries_fit_discord_choice_limits() -> None:
    index = RosterIndex()
    index.load([Entry(1, "Dr. " + "Very Long Name " * 10, "x@example.edu",
                      frozenset({"faculty"}), "Emergency Medicine " * 5)])
    (entry,) = index.search("very long", "faculty")
    assert len(entry.label()) <= 100 and len(entry.value) <= 100


def test_roster_search_keeps_to_the_members_scope() -> None:
    index = RosterIndex()
    index.load([Entry(1, "Dr. Jo Faculty", "f@example.edu", frozenset({"faculty"}), "EM"),
                Entry(2, "Jo Asked", "asked@example.edu", frozenset({"student"}), ""),
                Entry(3, "Jo Stranger", "stranger@example.edu", frozenset({"student"}), ""),
                Entry(4, "Jo Organizer", "org@example.edu",
                      frozenset({"student", "organizer"}), "")])
    asked = Scope(people=frozenset({2}))
    circle = Scope(faculty=True, people=frozenset({2}))

    def names(text: str, scope: Scope) -> list[str]:
        return sorted(e.name for e in index.search(text, scope=scope))

    assert names("jo", asked) == names("", asked) == names("asked@", asked) == ["Jo Asked"]
    assert names("stranger@", asked) == [] and names("strngr", asked) == []
    assert names("jo", circle) == names("", circle) == ["Dr. Jo Faculty", "Jo Asked"]
    assert names("stranger", circle) == []
    assert names("jo", Scope(faculty=True)) == ["Dr. Jo Faculty"]
    assert names("jo", Scope()) == []


def test_every_message_sent_for_a_long_reply_fits(client: MentorClient, core: Core,
                                                  maya: int) -> None:
    stub = StubInteraction(StubUser(MAYA))
    asyncio.run(invoke(client.tree, "mentor help", stub))
    assert stub.followups
    for call in stub.followups:
        assert _no_pings(call) and call.ephemeral
        assert sum(len(e) for e in call.embeds) <= 6000 and len(call.embeds) <= 10
    text = "\n".join(c.text() for c in stub.followups)
    assert "/mentor profile" in text.replace("\\", "")


def test_letter_writer_picked_from_autocomplete_is_tracked(client: MentorClient, core: Core,
                                                          maya: int) -> None:
    with core.db.session() as session:
        writer = add_faculty(session, "Dr. Ines Okafor", specialty="Emergency Medicine")
        writer_id = writer.id
    bot = client.mentorbot
    bot.roster.refresh()
    spec = core.registry.get("letter", ["remind"])
    assert spec is not None
    complete = bot.autocompleter(spec.option("writer"))  # type: ignore[arg-type]
    assert complete is not None
    (choice,) = asyncio.run(complete(None, "okafr"))  # type: ignore[arg-type]
    assert choice.value == f"person:{writer_id}"
    stub = StubInteraction(StubUser(MAYA))
    asyncio.run(invoke(client.tree, "letter remind", stub, writer=choice.value,
                       due="in 10 weeks", kind="specialty", portal="ERAS"))
    answer = stub.followups[0]
    assert answer.ephemeral and "Dr. Ines Okafor" in answer.embeds[0].title

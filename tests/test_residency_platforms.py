"""`/residency` on Slack and Discord, through the real slack-bolt app and discord.py client
against the fakes in tests/support: the plan comes back within each platform's limits (a
long list in pages of at most 50 Block Kit blocks), and Discord offers the member's groups'
programs as they type a program, whose value names exactly one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.discord.client import DiscordBot, MentorClient
from adapters.slack.render import MAX_BLOCKS, render
from bot.app.core import Core
from bot.app.demo import email_of, load
from bot.infra.models import Identity, InterestGroup, Person
from bot.residency import messages
from bot.residency import store as residency_store
from tests.support.discord_e2e import TIMEOUT, connected, fake_discord, sqlite_core
from tests.support.discord_fake import APP_ID, FakeDiscord
from tests.support.discord_stubs import StubInteraction, StubUser, invoke
from tests.support.factories import add_group, add_student
from tests.support.residency import em_rows, import_rows
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness

STUDENT = "U1MAYA"
MAYA_DISCORD = 620000000000000001


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user(STUDENT, "Maya Patel", email=email_of("Maya Patel"))
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with core.db.session() as session:
        load(session, core.clock)
        group = session.query(InterestGroup).filter_by(slug="em-interest").one()
        import_rows(session, group, em_rows(70, state="NY"), now=core.clock.now())
    with slack_harness(core, api) as harness:
        yield harness


def test_a_long_plan_reaches_slack_in_pages_within_block_kit_limits(slack: SlackHarness,
                                                                    core: Core) -> None:
    reply = slack.run(STUDENT, "/residency plan count:80")
    blocks = reply.get("blocks") or []
    assert 0 < len(blocks) <= MAX_BLOCKS
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "Residency plan: emergency medicine, 2027–28 (page 1 " \
                                        "of 4)"
    dumped = json.dumps(reply.params)
    assert "not found" in dumped and "Next page" in dumped
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    (next_page,) = [b for b in buttons if b["text"]["text"] == "Next page"]
    answer, name = slack.press(STUDENT, next_page["action_id"],
                               block_id=next(b["block_id"] for b in blocks
                                             if b["type"] == "actions"))
    assert answer.status == 200
    (second, *_) = slack.api.wait_responses(name)
    assert second.get("blocks")[0]["text"]["text"].endswith("(page 2 of 4)")
    assert len(second.get("blocks")) <= MAX_BLOCKS
    # every page, rendered, is one message within the limit
    with core.db.session() as session:
        maya = session.query(Person).filter_by(email=email_of("Maya Patel")).one()
        profile = residency_store.profile_of(session, maya.id)
        assert profile is not None
        plan, inputs = residency_store.plan_for(session, maya, profile,
                                                today=core.clock.now().date(), count=80)
    letters = {x.id: x for x in inputs.letters}
    for page in range(1, 5):
        sent = render(messages.plan_reply(plan, letters=letters, page=page))
        assert len(sent) == 1 and len(sent[0].blocks) <= MAX_BLOCKS, page


def _discord_student(core: Core) -> int:
    with core.db.session() as session:
        maya = add_student(session, "Maya Patel", stage="ms4")
        maya.identities.append(Identity(platform="discord", workspace="",
                                        external_id=str(MAYA_DISCORD)))
        group = add_group(session, "em-interest", members=[maya])
        import_rows(session, group, em_rows(12) + [
            {"name": "Riverside EM", "specialty": "EM", "state": "RI", "step2_mean": 247,
             "portal": "ERAS"},
            {"name": "Riverside Health EM", "specialty": "EM", "state": "TX",
             "step2_mean": 240, "portal": "ERAS"}], now=core.clock.now())
        add_group(session, "other")  # a group she is not in: none of its programs
        return maya.id


def test_discord_offers_the_members_programs_and_the_value_names_one(sqlite_url: str,
                                                                    clock: Any) -> None:
    core = sqlite_core(sqlite_url, clock)
    _discord_student(core)
    client = MentorClient(DiscordBot(core))
    spec = core.registry.get("residency", ["add"])
    assert spec is not None
    complete = client.mentorbot.autocompleter(spec.option("program"))  # type: ignore[arg-type]
    assert complete is not None
    stub = StubInteraction(StubUser(MAYA_DISCORD))
    found = asyncio.run(complete(stub, "riverside"))  # type: ignore[arg-type]
    assert [c.name for c in found] == ["Riverside EM (RI) — emergency medicine",
                                       "Riverside Health EM (TX) — emergency medicine"]
    stranger = asyncio.run(complete(StubInteraction(StubUser(1)), "riverside"))  # type: ignore[arg-type]
    assert stranger == []
    asyncio.run(invoke(client.tree, "residency profile", stub, specialty="EM"))
    added = StubInteraction(StubUser(MAYA_DISCORD))
    asyncio.run(invoke(client.tree, "residency add", added, program=found[1].value))
    assert added.followups[0].embeds[0].title == "Kept Riverside Health EM (TX)"


def _slash(fake: FakeDiscord, sub: str, options: dict[str, object]) -> dict[str, Any]:
    types = {str: 3, int: 4, bool: 5}
    data = {"id": "900000000000000002", "name": "residency", "type": 1,
            "options": [{"name": sub, "type": 1, "options": [
                {"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]}]}
    return fake.interaction(kind=2, data=data, user_id=MAYA_DISCORD, user_name="Maya Patel")


def test_a_discord_slash_command_gets_the_plan_within_embed_limits(sqlite_url: str,
                                                                  clock: Any) -> None:
    core = sqlite_core(sqlite_url, clock)
    _discord_student(core)

    async def scenario() -> None:
        client = MentorClient(DiscordBot(core), guild_ready_timeout=0.05)
        async with fake_discord() as fake, connected(client, fake):
            profile = _slash(fake, "profile", {"specialty": "EM", "step2": 246})
            await fake.dispatch("INTERACTION_CREATE", profile)
            await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{profile['token']}")
            plan = _slash(fake, "plan", {"count": 10})
            await fake.dispatch("INTERACTION_CREATE", plan)
            sent = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{plan['token']}")
        body = sent[0].body
        assert body["flags"] & 64 and sent[0].pings_nobody()
        assert body["embeds"][0]["title"] == "Residency plan: emergency medicine, 2026–27"
        total = sum(len(json.dumps(e)) for e in body["embeds"])
        assert len(body["embeds"]) <= 10 and total < 12000
        text = json.dumps(body)
        assert "How many: 10 programs" in text and "You set count:10." in text

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))

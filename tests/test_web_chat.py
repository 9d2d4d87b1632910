"""`/mentor report web` from Slack, Discord and the console: a private answer with the link,
shown so that no platform previews (and so spends) it. Slack: a link in the blocks, with
unfurl_links and unfurl_media off; Discord: the address in <…> with embeds suppressed and a
link button; the console: the address printed."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.console.shell import Shell
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.core import Core
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity
from bot.infra.settings import Settings
from tests.support.databases import SqliteFactory
from tests.support.discord_e2e import TIMEOUT, connected, fake_discord
from tests.support.discord_fake import APP_ID
from tests.support.report_data import NOW, ReportData, build
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness

PUBLIC = "https://mentor.example.edu"
ORGANIZER = "U1OLGA"
ORGANIZER_DISCORD_ID = 600000000000000077
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6



@pytest.fixture
def db_url(sqlite_factory: SqliteFactory) -> str:
    """SQLite only: what is tested here is HTTP and its rules, the same on either database
    (the web tables and the report on PostgreSQL: tests/test_web_links.py and
    tests/test_web_dashboard.py)."""
    return sqlite_factory.new_url()

@pytest.fixture
def data(core: Core) -> ReportData:
    core.clock.set(NOW)  # type: ignore[attr-defined]
    core.settings = core.settings.model_copy(update={"public_url": PUBLIC})
    with core.db.session() as session:
        return build(session)


@pytest.fixture
def slack(core: Core, data: ReportData) -> Iterator[SlackHarness]:
    with FakeSlackApi() as api:
        api.add_user(ORGANIZER, "Olga Ward", email="olga.ward@example.edu")
        with slack_harness(core, api, public_url=PUBLIC) as harness:
            yield harness


def test_slack_answers_privately_with_a_link_it_does_not_unfurl(slack: SlackHarness) -> None:
    reply = slack.run(ORGANIZER, "/mentor report group:em web")
    assert reply.get("response_type") == "ephemeral"
    assert reply.get("unfurl_links") is False and reply.get("unfurl_media") is False
    blocks = reply.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    links = [b["text"]["text"] for b in blocks
             if b["type"] == "section" and f"<{PUBLIC}/web/open/" in b["text"]["text"]]
    assert len(links) == 1 and links[0].endswith("|Open the dashboard>*")
    assert "It works once, within 15 minutes" in json.dumps(blocks)
    assert slack.api.calls("files.getUploadURLExternal") == []  # no chart: the page has it


def _discord_core(sqlite_url: str) -> tuple[Core, ReportData]:
    settings = Settings(database_url=sqlite_url, public_url=PUBLIC,  # type: ignore[call-arg]
                        _env_file=None)
    core = Core(db=Database(sqlite_url), clock=FixedClock(NOW), settings=settings)
    with core.db.session() as session:
        built = build(session)
        session.add(Identity(person_id=built.organizer_id, platform="discord", workspace="",
                             external_id=str(ORGANIZER_DISCORD_ID)))
    return core, built


def test_discord_answers_privately_with_embeds_suppressed(sqlite_url: str) -> None:
    core, _data = _discord_core(sqlite_url)
    got: dict[str, Any] = {}

    async def scenario() -> None:
        async with fake_discord() as fake, connected(
                MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake):
            data = {"id": "900000000000000001", "name": "mentor", "type": 1,
                    "options": [{"name": "report", "type": 1, "options": [
                        {"name": "group", "type": 3, "value": "em"},
                        {"name": "web", "type": 5, "value": True}]}]}
            payload = fake.interaction(kind=2, data=data, user_id=ORGANIZER_DISCORD_ID,
                                       user_name="Olga Ward")
            await fake.dispatch("INTERACTION_CREATE", payload)
            (first, *_rest) = await fake.wait_for("POST",
                                                  rf"/webhooks/{APP_ID}/{payload['token']}")
            got["body"] = first.body
            got["quiet"] = first.pings_nobody()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))
    body = got["body"]
    assert body["flags"] & EPHEMERAL and body["flags"] & SUPPRESS_EMBEDS and got["quiet"]
    assert not body.get("embeds")
    content = body["content"]
    assert content.startswith("**Open the dashboard in your browser**")
    assert f"<{PUBLIC}/web/open/" in content
    (row,) = body["components"]
    (button,) = row["components"]
    assert button["style"] == 5 and button["label"] == "Open the dashboard"  # a link button
    assert button["url"].startswith(f"{PUBLIC}/web/open/") and button["url"] in content


def test_the_console_prints_the_link(core: Core, data: ReportData) -> None:
    out = io.StringIO()
    shell = Shell(core, data.organizer_id, "Olga Ward",
                  stdin=io.StringIO("/mentor report web\n"), stdout=out)
    assert shell.run() == 0
    printed = out.getvalue()
    assert "Open the dashboard in your browser" in printed
    assert f"Open the dashboard: {PUBLIC}/web/open/" in printed

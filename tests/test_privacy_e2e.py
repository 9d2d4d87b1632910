"""Export, delete and link end to end: the real Slack app over signed HTTP against the fake
Web API, the real discord.py client against the fake Discord, and the console shell."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.console import Shell
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.core import Core, PlatformUser, Request
from bot.framework.channels import Router
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import (
    Base,
    DeletionRecord,
    Identity,
    LinkRequest,
    Mentorship,
    Nudge,
    Person,
)
from bot.infra.settings import Settings
from tests.support.discord_e2e import TIMEOUT, connected, fake_discord
from tests.support.discord_fake import APP_ID, CHANNEL_ID, FakeDiscord
from tests.support.factories import add_faculty, add_student
from tests.support.privacy_world import mentions
from tests.support.slack_api import TEAM_ID, Call, FakeSlackApi
from tests.support.slack_app import SlackHarness, dm_buttons, slack_harness
from tests.support.snapshots import snapshot

# What each platform shows; export, erasure and linking run on both databases in
# test_privacy_export, test_privacy_delete and test_privacy_link.
pytestmark = pytest.mark.backends("sqlite")

MAYA, ELENA = "U1MAYA", "U2ELENA"
MAYA_EMAIL = "maya.patel@example.edu"
MAYA_DISCORD = 600000000000000001


def _dump(call: Call) -> str:
    return json.dumps(call.params)


def _people(core: Core) -> tuple[int, int]:
    """Maya (a student on the roster, with Elena as her mentor) and Elena, each with a
    Slack account."""
    with core.db.session() as session:
        maya = add_student(session, "Maya Patel", email=MAYA_EMAIL, interests=["EM"])
        elena = add_faculty(session, "Dr. Elena Ramirez", email="elena.ramirez@example.edu")
        maya.identities.append(Identity(platform="slack", workspace=TEAM_ID, external_id=MAYA))
        elena.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                         external_id=ELENA))
        session.add(Mentorship(student_id=maya.id, mentor_id=elena.id, kind="career",
                               started_at=core.clock.now()))
        session.flush()
        return maya.id, elena.id


# --- Slack ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user(MAYA, "Maya Patel", email=MAYA_EMAIL)
        server.add_user(ELENA, "Elena Ramirez", email="elena.ramirez@example.edu")
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with slack_harness(core, api) as harness:
        yield harness


def test_slack_export_arrives_as_a_file_in_the_dm(slack: SlackHarness, core: Core) -> None:
    maya_id, _ = _people(core)
    reply = slack.run(MAYA, "/mentor privacy export")
    assert "Your data, as one file" in _dump(reply)
    (done,) = slack.api.wait_for("files.completeUploadExternal")
    assert done.get("channel_id") == "D1MAYA"
    (upload,) = slack.api.calls("upload")
    document = json.loads(slack.api.uploaded(upload.get("file_id")))
    assert document["person"]["id"] == maya_id and document["person"]["email"] == MAYA_EMAIL
    assert {i["external_id"] for i in document["tables"]["identities"]["rows"]} == {MAYA}
    assert document["tables"]["mentorships"]["rows"][0]["kind"] == "career"


def test_slack_delete_with_the_button(slack: SlackHarness, core: Core,
                                      database: Database) -> None:
    maya_id, elena_id = _people(core)
    asked = slack.run(MAYA, "/mentor privacy delete")
    assert "Delete everything I store about you?" in _dump(asked)
    block_id, action_id = dm_buttons(asked)["Delete my data"]
    assert block_id.startswith(f"for={MAYA}|")
    with core.db.session() as session:
        assert session.get(Person, maya_id) is not None  # asking deleted nothing
    # someone else pressing Maya's button is refused
    answer, name = slack.press(ELENA, action_id, block_id=block_id)
    assert "sent to someone else" in _dump(slack.api.wait_responses(name)[0])
    answer, name = slack.press(MAYA, action_id, block_id=block_id)
    assert answer.status == 200
    done = slack.api.wait_responses(name)[0]
    assert "Your data is deleted" in _dump(done)
    # Elena hears it kindly, by DM, without Maya's name
    dm = next(c for c in slack.api.wait_for("chat.postMessage")
              if c.get("channel") == ELENA)
    assert "Your career mentee since" in _dump(dm) and "Maya" not in _dump(dm)
    assert mentions(database.engine, ("Maya Patel", MAYA_EMAIL, MAYA)) == []
    with core.db.session() as session:
        assert session.get(Person, elena_id) is not None
        (record,) = session.scalars(select(DeletionRecord))
        assert record.requested_by == "self"
    # Slack remembered her id; her next command starts afresh, as a new student
    again = slack.run(MAYA, "/mentor list")
    assert "went wrong" not in _dump(again) and "know you yet" not in _dump(again)
    with core.db.session() as session:
        fresh = session.scalar(select(Person).where(Person.email == MAYA_EMAIL))
        assert fresh is not None and fresh.id != maya_id
        assert session.scalar(select(func.count()).select_from(Mentorship)) == 0


# --- Discord -------------------------------------------------------------------------------


def _core(sqlite_url: str, clock: FixedClock) -> Core:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    return Core(db=Database(sqlite_url), clock=clock, settings=settings)


def _discord_student(core: Core) -> int:
    with core.db.session() as session:
        maya = add_student(session, "Maya Patel", email=MAYA_EMAIL)
        maya.identities.append(Identity(platform="discord", workspace="",
                                        external_id=str(MAYA_DISCORD)))
        session.flush()
        return maya.id


def _slash(fake: FakeDiscord, sub: str, options: dict[str, Any],
           user_id: int = MAYA_DISCORD, user_name: str = "Maya Patel") -> dict[str, Any]:
    data = {"id": "900000000000000001", "name": "mentor", "type": 1,
            "options": [{"name": sub, "type": 1, "options": [
                {"name": k, "type": 3, "value": v} for k, v in options.items() if v]}]}
    return fake.interaction(kind=2, data=data, user_id=user_id, user_name=user_name)


async def _answers(fake: FakeDiscord, payload: dict[str, Any], count: int = 1) -> Any:
    token = payload["token"]
    await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
    return await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{token}", count)


def _connected(core: Core, fake: FakeDiscord) -> Any:
    return connected(MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake)


def test_discord_export_and_delete(sqlite_url: str, clock: FixedClock) -> None:
    core = _core(sqlite_url, clock)
    maya_id = _discord_student(core)

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake):
            export = _slash(fake, "privacy", {"action": "export"})
            await fake.dispatch("INTERACTION_CREATE", export)
            (sent,) = await _answers(fake, export)
            body = sent.body
            assert body["flags"] & 64 and sent.pings_nobody()
            assert body["_files"] == ["mentorbot-my-data-2027-01-04.json"]
            document = json.loads(body["_file_data"][0])
            assert document["person"]["id"] == maya_id

            ask = _slash(fake, "privacy", {"action": "delete"})
            await fake.dispatch("INTERACTION_CREATE", ask)
            (asked,) = await _answers(fake, ask)
            assert asked.body["embeds"][0]["title"] == "Delete everything I store about you?"
            (erase,) = [i for i in asked.custom_ids if i.startswith("mb|mentor.privacy.erase")]
            press = fake.interaction(kind=3, user_id=MAYA_DISCORD,
                                     data={"custom_id": erase, "component_type": 2},
                                     message=fake.message(CHANNEL_ID, asked.body, flags=64))
            await fake.dispatch("INTERACTION_CREATE", press)
            (done,) = await _answers(fake, press)
            assert done.body["embeds"][0]["title"] == "Your data is deleted"

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))
    with core.db.session() as session:
        assert session.get(Person, maya_id) is None
    assert mentions(core.db.engine, ("Maya Patel", MAYA_EMAIL, str(MAYA_DISCORD))) == []


# --- one person across Slack and Discord ---------------------------------------------------


BOB_DISCORD = 600000000000000002
LINK_TABLES = ("link_codes", "link_attempts", "link_requests", "nudges", "seen_events",
               "send_budgets")
"""What asking for, typing and refusing a code writes: the code, the attempt, the request,
the messages about it (and the signed Slack requests the edge remembers against replays,
and the send budget those messages were sent within). Nothing else may change before the
owner says Link."""
IN_USE = {"people": ("last_platform",), "identities": ("dm_channel_id",)}
"""What using the bot writes of any record: the platform used last, a DM channel found."""


def _records(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the link's own, without what mere use changes."""
    rows = snapshot(session, skip=LINK_TABLES)
    for name, columns in IN_USE.items():
        table = Base.metadata.tables[name]
        at = [i for i, c in enumerate(table.columns) if c.name in columns]
        rows[name] = [tuple(None if i in at else v for i, v in enumerate(row))
                      for row in rows[name]]
    return rows


def _discord_record(core: Core, name: str, discord_id: int) -> int:
    """The record a first Discord command made: a display name, no email."""
    with core.db.session() as session:
        person = Person(name=name)
        person.identities.append(Identity(platform="discord", workspace="",
                                          external_id=str(discord_id)))
        session.add(person)
        session.flush()
        return person.id


def _type_code(core: Core, code: str, user_id: int, user_name: str) -> dict[str, Any]:
    """`/mentor link CODE` typed on Discord by `user_id`; the embed it answered."""
    answered: dict[str, Any] = {}

    async def scenario() -> None:
        async with fake_discord() as fake, _connected(core, fake):
            typed = _slash(fake, "link", {"code": code}, user_id=user_id, user_name=user_name)
            await fake.dispatch("INTERACTION_CREATE", typed)
            (answer,) = await _answers(fake, typed)
            answered.update(answer.body["embeds"][0])

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))
    return answered


def _question(api: FakeSlackApi) -> Call:
    """The newest DM on Slack asking Maya to confirm a link."""
    asked = [c for c in api.wait_for("chat.postMessage")
             if c.get("channel") == MAYA  # a DM is posted to the user id
             and "Link an account to you?" in _dump(c)]
    assert asked, "Maya was not asked on Slack"
    return asked[-1]


def test_a_second_student_typing_her_code_gets_nothing_of_hers(
        sqlite_url: str, clock: FixedClock, api: FakeSlackApi) -> None:
    """Bob saw Maya's code and typed it from his own Discord account: she is asked on
    Slack, "Not me" leaves every table as it was, and Bob is told plainly."""
    core = _core(sqlite_url, clock)
    maya_id, _ = _people(core)
    bob_id = _discord_record(core, "Bob Stone", BOB_DISCORD)
    with slack_harness(core, api) as slack:
        code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", _dump(slack.run(MAYA, "/mentor link")))
        assert code is not None
        with core.db.session() as session:
            before = _records(session)

        answer = _type_code(core, code.group(0), BOB_DISCORD, "Bob Stone")
        assert answer["title"] == "Waiting for a confirmation"
        assert "I've asked there whether this account is theirs; nothing is joined" in \
            answer["description"]
        with core.db.session() as session:
            assert _records(session) == before  # nothing moved
        question = _question(slack.api)
        assert ("Link the Discord account “Bob Stone” (id 600000000000000002) to you?"
                in str(question.get("text")))
        buttons = dm_buttons(question)
        assert set(buttons) == {"Link", "Not me"}

        # Bob cannot press Maya's Link button, on Slack or by its command
        block_id, action_id = buttons["Link"]
        assert block_id.startswith(f"for={MAYA}|")
        answer_, name = slack.press(ELENA, action_id, block_id=block_id)
        assert "sent to someone else" in _dump(slack.api.wait_responses(name)[0])
        request_id = int(re.search(r"request=(\d+)", action_id).group(1))  # type: ignore[union-attr]
        forged = core.handle(Request(root="mentor", actor_id=bob_id,
                                     text=f"link confirm request:{request_id}",
                                     account=PlatformUser("discord", str(BOB_DISCORD))))
        assert forged.error and "isn't there" in forged.text

        block_id, action_id = buttons["Not me"]
        answer_, name = slack.press(MAYA, action_id, block_id=block_id)
        assert answer_.status == 200
        assert "Nothing linked" in _dump(slack.api.wait_responses(name)[0])
        with core.db.session() as session:
            assert _records(session) == before  # both records as they were
            (told,) = session.scalars(select(Nudge).where(Nudge.person_id == bob_id))
            assert told.text.startswith("Not linked\n==========\nThe person whose link code "
                                        "you typed said this "
                                        "Discord account is not theirs, so nothing was linked.")
            request = session.scalars(select(LinkRequest)).one()
            assert (request.owner_id, request.typer_id, request.state) == (
                maya_id, bob_id, "refused")
            maya = session.get_one(Person, maya_id)
            assert {i.external_id for i in maya.identities} == {MAYA}
            assert maya.email == MAYA_EMAIL

        # the refused code is spent; pressing Link afterwards links nothing either
        block_id, action_id = buttons["Link"]
        answer_, name = slack.press(MAYA, action_id, block_id=block_id)
        assert "answered already: you said Not me" in _dump(slack.api.wait_responses(name)[0])
        assert _type_code(core, code.group(0), BOB_DISCORD, "Bob Stone")["title"] == \
            "Not linked"
        with core.db.session() as session:
            assert _records(session) == before


def test_link_a_slack_account_and_a_discord_account(sqlite_url: str, clock: FixedClock,
                                                    api: FakeSlackApi) -> None:
    """Maya's own two accounts: a code asked for on Slack, typed on Discord, confirmed on
    Slack. Her Slack record (the code's owner) is the one kept."""
    core = _core(sqlite_url, clock)
    maya_id, _ = _people(core)
    discord_id = _discord_record(core, "maya_p", MAYA_DISCORD)

    with slack_harness(core, api) as slack:
        asked = slack.run(MAYA, "/mentor link")
        code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", _dump(asked))
        assert code is not None
        assert _type_code(core, code.group(0), MAYA_DISCORD, "maya_p")["title"] == \
            "Waiting for a confirmation"
        with core.db.session() as session:
            assert session.get(Person, discord_id) is not None  # nothing joined yet
        block_id, action_id = dm_buttons(_question(slack.api))["Link"]
        answer, name = slack.press(MAYA, action_id, block_id=block_id)
        assert answer.status == 200
        linked = _dump(slack.api.wait_responses(name)[0])
        assert "Accounts linked" in linked
        assert "Your Slack and Discord accounts are one person now." in linked
        with core.db.session() as session:
            assert session.get(Person, discord_id) is None
            maya = session.get_one(Person, maya_id)
            assert (maya.name, maya.email, maya.last_platform) == (
                "Maya Patel", MAYA_EMAIL, "slack")
            assert {i.platform for i in maya.identities} == {"slack", "discord"}
            assert session.scalar(select(func.count()).select_from(Mentorship).where(
                Mentorship.student_id == maya_id)) == 1
        # Discord still knows her, though it had cached her other record's id
        answer_embed = _type_code(core, "", MAYA_DISCORD, "maya_p")
        assert answer_embed["title"] == "Your link code"
        with core.db.session() as session:
            assert session.get_one(Person, maya_id).last_platform == "discord"


# --- the console ---------------------------------------------------------------------------


def _shell(core: Core, person_id: int, lines: list[str]) -> str:
    out = io.StringIO()
    shell = Shell(core, person_id, "Maya", stdin=io.StringIO("\n".join(lines) + "\n"),
                  stdout=out)
    assert shell.run() == 0
    return out.getvalue()


def test_console_export_link_and_delete(core: Core, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    maya_id, elena_id = _people(core)
    out = _shell(core, maya_id, ["/mentor privacy export", "/mentor link",
                                 "/mentor privacy delete"])
    written = tmp_path / "mentorbot-my-data-2027-01-04.json"
    assert f"Wrote {written}" in out
    assert json.loads(written.read_text())["person"]["email"] == MAYA_EMAIL
    assert re.search(r"Your link code\n=+\n[A-Z2-9]{4}-[A-Z2-9]{4}\n", out)
    button = re.search(r"\[Delete my data\]  (/mentor privacy erase issued:\d+)", out)
    assert button is not None
    out = _shell(core, maya_id, [button.group(1)])
    assert "Your data is deleted" in out
    # Elena is on Slack: the console leaves her message to the Slack worker, and says so
    assert ("(A direct message to Dr. Elena Ramirez <elena.ramirez@example.edu> waits for "
            "their Slack or Discord account.)") in out
    assert "--- direct message to Dr. Elena Ramirez" not in out
    with core.db.session() as session:
        (told,) = session.scalars(select(Nudge).where(Nudge.person_id == elena_id))
        assert told.state == "pending" and "Your career mentee since" in told.text
    with core.db.session() as session:
        assert session.get(Person, maya_id) is None
        assert session.get(Person, elena_id) is not None
    assert mentions(core.db.engine, ("Maya Patel", MAYA_EMAIL, MAYA)) == []


def test_console_router_delivers_to_everyone(core: Core) -> None:
    """The console reaches everyone whatever platform they chose (it is the only one)."""
    from adapters.console import ConsoleChannel
    from bot.framework.channels import Address

    channel = ConsoleChannel(io.StringIO())
    assert Router([channel]).channel_for(
        Address(1, "M", None, (), notify_platform="discord", last_platform="slack")) is channel

"""Every command reachable through Slack, files, the profile modal, Home refresh, OAuth."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text

from bot.app.commands import default_registry
from bot.app.core import Core
from bot.app.demo import email_of, load
from bot.framework.registry import Audience
from bot.infra.models import Person
from tests.support.slack_api import TEAM_ID, Call, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import block_actions, view_submission

# What Slack shows, through the real app; the commands' SQL runs on both databases in the core's
# tests (the OAuth installation store, slack-sdk's own SQL, runs on both here).
pytestmark = pytest.mark.backends("sqlite")

STUDENT, FACULTY, ADMIN = "U1MAYA", "U2ELENA", "U3ADMIN"


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user(STUDENT, "Maya Patel", email=email_of("Maya Patel"))
        server.add_user(FACULTY, "Elena Ramirez", email=email_of("Dr. Elena Ramirez"))
        server.add_user(ADMIN, "Admin", email="it-admin@example.edu", is_owner=True)
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with core.db.session() as session:
        load(session, core.clock)
    with slack_harness(core, api) as harness:
        yield harness


def _dump(call: Call) -> str:
    return json.dumps(call.params)


def _view(call: Call) -> dict:
    view = call.get("view")
    return json.loads(view) if isinstance(view, str) else view


def test_every_command_reachable(slack: SlackHarness) -> None:
    """Each registered command's first example, typed in Slack, comes back as a rendered
    reply (a result or a clear refusal, never an internal error). One harness for all of
    them keeps this quick; the examples run in registration order on the demo data."""
    specs = [spec for spec in default_registry().specs() if spec.examples]
    assert len(specs) >= 10
    problems = []
    for spec in specs:
        who = {Audience.FACULTY: FACULTY, Audience.ORGANIZER: ADMIN,
               Audience.ADMIN_OR_ORGANIZER: ADMIN}.get(spec.who, STUDENT)
        reply = slack.run(who, spec.examples[0])
        blocks = reply.get("blocks") or []
        if not blocks or blocks[0]["type"] != "header" or not reply.get("text"):
            problems.append(f"{spec.name}: not rendered: {_dump(reply)[:200]}")
        elif "went wrong" in _dump(reply):
            problems.append(f"{spec.name}: internal error")
    assert problems == []


def test_list_commands_show_demo_data(slack: SlackHarness) -> None:
    mentors = slack.run(STUDENT, "/mentor list")
    assert "Ramirez" in _dump(mentors) or "Okafor" in _dump(mentors) or "mentor" in _dump(
        mentors).lower()
    letters = slack.run(STUDENT, "/letter list")
    assert "letter" in _dump(letters).lower()


def test_calendar_arrives_as_file(slack: SlackHarness) -> None:
    slack.run(STUDENT, "/letter calendar")
    (done,) = slack.api.wait_for("files.completeUploadExternal")
    (upload,) = slack.api.calls("upload")
    content = slack.api.uploaded(upload.get("file_id")).decode()
    assert content.startswith("BEGIN:VCALENDAR")
    assert done.get("channel_id") == "D1MAYA"


def test_home_republished_after_command(slack: SlackHarness) -> None:
    slack.run(STUDENT, "/mentor profile stage:ms4")
    (publish,) = slack.api.wait_for("views.publish")
    view = _view(publish)
    assert publish.get("user_id") == STUDENT
    dumped = json.dumps(view)
    assert "Mentors" in dumped or "Letters" in dumped
    assert "profile_edit_open" in dumped


def test_profile_modal_round_trip(slack: SlackHarness, core: Core) -> None:
    answer = slack.http.post(block_actions("profile_edit_open", user_id=STUDENT,
                                           response_url=None, block_id="home-tools",
                                           container="view"))
    assert answer.status == 200
    (opened,) = slack.api.wait_for("views.open")
    modal = _view(opened)
    assert modal["callback_id"] == "profile_edit"
    stage = next(b for b in modal["blocks"] if b["block_id"] == "stage")
    assert stage["element"]["initial_option"]["value"] == "ms3"
    submit = view_submission("profile_edit", {
        "stage": {"value": {"type": "static_select", "selected_option": {"value": "ms4"}}},
        "quiet": {"value": {"type": "plain_text_input", "value": "22:00-07:00"}},
        "tz": {"value": {"type": "plain_text_input", "value": None}},
    }, user_id=STUDENT, private_metadata=TEAM_ID)
    assert slack.http.post(submit).status == 200
    posts = slack.api.wait_for("chat.postMessage")
    assert "Profile updated" in _dump(posts[-1])
    with core.db.session() as session:
        maya = session.scalar(select(Person).where(Person.email == email_of("Maya Patel")))
        assert maya is not None and maya.student_profile is not None
        assert maya.student_profile.stage == "ms4"
        assert maya.quiet_hours == "22:00-07:00"


def test_invalid_modal_value_changes_nothing(slack: SlackHarness, core: Core) -> None:
    submit = view_submission("profile_edit", {
        "stage": {"value": {"type": "static_select", "selected_option": {"value": "ms1"}}},
        "tz": {"value": {"type": "plain_text_input", "value": "Mars/Olympus"}},
    }, user_id=STUDENT, private_metadata=TEAM_ID)
    assert slack.http.post(submit).status == 200
    posts = slack.api.wait_for("chat.postMessage")
    assert "tz:" in _dump(posts[-1])
    with core.db.session() as session:
        maya = session.scalar(select(Person).where(Person.email == email_of("Maya Patel")))
        assert maya is not None and maya.student_profile is not None
        assert maya.student_profile.stage == "ms3"


@pytest.mark.backends("sqlite", "postgres")
def test_oauth_install_stores_workspace_token(core: Core, api: FakeSlackApi) -> None:
    with slack_harness(core, api, slack_client_id="111.222",
                       slack_client_secret="oauth-secret", slack_bot_token=None) as slack:
        page = slack.http.request("GET", "/slack/install")
        assert page.status == 200
        assert "slack.com/oauth/v2/authorize" in page.body
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body)
        assert link is not None
        state = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["state"][0]
        api.add_oauth_code("code-1", team_id="T0SECOND", bot_token="xoxb-second")
        cookie = SimpleCookie()
        cookie["slack-app-oauth-state"] = state
        done = slack.http.request(
            "GET", f"/slack/oauth_redirect?code=code-1&state={state}",
            headers={"Cookie": cookie.output(header="", attrs=[]).strip()})
        assert done.status == 200, done.body
        assert api.calls("oauth.v2.access")
        with core.db.engine.connect() as conn:
            tokens = conn.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
        assert [tuple(t) for t in tokens] == [("T0SECOND", "xoxb-second")]
        # the delivery channel finds the workspace's token
        channel = slack.service.channel()
        client = channel.client_for("T0SECOND")
        assert client.token == "xoxb-second"
        from bot.framework.channels import ChannelTarget

        assert channel.can_post(ChannelTarget("slack", "T0SECOND", "C1"))
        assert not channel.can_post(ChannelTarget("slack", "T0OTHER", "C1"))
        # a roster account with no workspace yet: the only installation's token
        assert channel.client_for("").token == "xoxb-second"


def test_manifest_matches_the_app(repo_root: object) -> None:
    """The manifest a workspace admin pastes declares what the app actually serves."""
    from pathlib import Path

    import yaml

    from adapters.slack.app import COMMANDS
    from adapters.slack.oauth import BOT_SCOPES

    manifest = yaml.safe_load((Path(str(repo_root)) / "adapters/slack/manifest.yml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(COMMANDS)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert {"app_home_opened", "member_joined_channel"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    for command in manifest["features"]["slash_commands"]:
        assert command["url"].endswith("/slack/events")

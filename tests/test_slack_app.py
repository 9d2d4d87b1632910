"""The real Bolt app over HTTP, with the fake Web API: commands, signatures, buttons,
events, Home, people."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.app.core import Core
from bot.framework.replies import Action, Reply
from bot.infra.models import Identity, InterestGroup, Membership, Person, SeenEvent
from tests.support.factories import add_faculty, add_student
from tests.support.slack_api import TEAM_ID, Call, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import event, slack_timestamp, slash_command

# What Slack shows, through the real app, on SQLite; one command and one button round trip also on
# PostgreSQL (the commands' SQL runs on both databases in the core's tests).
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        server.add_user("U1STUDENT", "Ada Student", email="ada.student@example.edu",
                        tz="America/Chicago")
        server.add_user("U2FACULTY", "Dr. Grey", email="meredith.grey@example.edu",
                        tz="America/New_York")
        server.add_user("U3ADMIN", "Workspace Admin", email="admin@example.edu", is_admin=True)
        yield server


@pytest.fixture
def slack(core: Core, api: FakeSlackApi) -> Iterator[SlackHarness]:
    with core.db.session() as session:
        add_student(session, "Ada Student", email="ada.student@example.edu")
        add_faculty(session, "Meredith Grey", email="meredith.grey@example.edu")
    with slack_harness(core, api) as harness:
        yield harness


def _text(call: Call) -> str:
    return json.dumps(call.params)


def _people(core: Core) -> int:
    with core.db.session() as session:
        return session.scalar(select(func.count(Person.id))) or 0


@pytest.mark.backends("sqlite", "postgres")
def test_help_command_end_to_end(slack: SlackHarness) -> None:
    reply = slack.run("U1STUDENT", "/mentor help")
    assert reply.get("response_type") == "ephemeral"
    assert reply.get("blocks")[0]["type"] == "header"
    assert "/mentor profile" in _text(reply)
    letter = slack.run("U1STUDENT", "/letter help")
    assert letter.get("blocks")


def test_profile_set_and_show(slack: SlackHarness, core: Core) -> None:
    reply = slack.run("U1STUDENT", "/mentor profile stage:ms3 interests:\"emergency medicine\"")
    assert "Profile updated" in _text(reply)
    shown = slack.run("U1STUDENT", "/mentor profile")
    text = _text(shown)
    assert "ms3" in text and "emergency medicine" in text
    # the Slack user was matched to the roster by email and took users.info's time zone
    with core.db.session() as session:
        ada = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert ada is not None and ada.timezone == "America/Chicago"
        assert [(i.platform, i.external_id) for i in ada.identities] == [("slack", "U1STUDENT")]


def test_unknown_user_becomes_student(slack: SlackHarness, api: FakeSlackApi,
                                      core: Core) -> None:
    api.add_user("U9NEW", "New Person", email="new.person@example.edu", tz="Europe/Berlin")
    before = _people(core)
    reply = slack.run("U9NEW", "/mentor profile")
    assert "student" in _text(reply)
    assert _people(core) == before + 1
    slack.run("U9NEW", "/mentor profile")  # a second command: same person, cached lookup
    assert _people(core) == before + 1
    assert len([c for c in api.calls("users.info") if c.get("user") == "U9NEW"]) == 1


def test_roster_account_learns_its_workspace(slack: SlackHarness, core: Core) -> None:
    with core.db.session() as session:
        ada = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert ada is not None
        ada.identities.append(Identity(platform="slack", workspace="", external_id="U1STUDENT"))
    slack.run("U1STUDENT", "/mentor profile")
    with core.db.session() as session:
        assert session.scalars(select(Identity.workspace)).all() == [TEAM_ID]


def test_join_leave_and_group_create_by_admin(slack: SlackHarness, core: Core) -> None:
    refused = slack.run("U1STUDENT", '/mentor group create em-interest name:"EM" '
                                     'specialty:"emergency medicine"', channel_id="C0EM",
                        channel_name="em-interest")
    assert "Not allowed" in _text(refused) or "organizer" in _text(refused).lower()
    created = slack.run("U3ADMIN", '/mentor group create em-interest name:"EM Interest" '
                                   'specialty:"emergency medicine"', channel_id="C0EM",
                        channel_name="em-interest")
    assert "Created EM Interest" in _text(created)
    joined = slack.run("U1STUDENT", "/mentor join em-interest")
    assert "Welcome to EM Interest" in _text(joined)
    left = slack.run("U1STUDENT", "/mentor leave em-interest")
    assert "You left EM Interest" in _text(left)


def test_ack_is_fast_while_core_is_slow(slack: SlackHarness, core: Core,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    original = core.handle

    def slow(request: object) -> Reply:
        release.wait(10)
        return original(request)  # type: ignore[arg-type]

    monkeypatch.setattr(core, "handle", slow)
    # More stuck commands than the app has worker threads: acknowledgements must not queue
    # behind them.
    sent = [slack.command("U1STUDENT", "/mentor help") for _ in range(20)]
    for answer, _name in sent:
        assert answer.status == 200
        assert answer.seconds < 1.0
    assert all(slack.api.responses(name) == [] for _a, name in sent)  # the core is stuck
    release.set()
    for _answer, name in sent:
        assert slack.api.wait_responses(name)


@pytest.mark.parametrize("case", ["forged", "stale", "missing"])
def test_bad_signatures_rejected(slack: SlackHarness, core: Core, case: str) -> None:
    body = slash_command("/mentor", "profile stage:ms4", user_id="U1STUDENT",
                         response_url=slack.api.response_url("bad"))
    if case == "forged":
        answer = slack.http.post(body, secret="not-the-secret")
    elif case == "stale":
        answer = slack.http.post(body, timestamp=slack_timestamp(seconds_ago=6 * 60))
    else:
        answer = slack.http.post(body, sign=False)
    assert answer.status == 401
    slack.settle()
    assert slack.api.calls("users.info") == []
    assert slack.api.responses("bad") == []
    with core.db.session() as session:
        assert session.scalar(select(func.count(Identity.id))) == 0


def test_injection_arrives_escaped(slack: SlackHarness) -> None:
    reply = slack.run("U1STUDENT", "/mentor profile research:\"<!channel> <@U2FACULTY> "
                                   "<https://evil.example|win>\"")
    raw = _text(reply)
    assert "<!channel>" not in raw and "<@U2FACULTY>" not in raw and "<https://" not in raw
    assert "&lt;!channel&gt;" in raw


def test_button_pressed_by_wrong_person_refused(slack: SlackHarness, core: Core) -> None:
    with core.db.session() as session:
        student = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert student is not None
        student_id = student.id
    accept = Action("Accept", "mentor profile", {"stage": "ms1"}).encode()
    # A button that was sent to the faculty member, pressed by the student
    answer, name = slack.press("U1STUDENT", accept, block_id="for=U2FACULTY|main-0")
    assert answer.status == 200
    (reply,) = slack.api.wait_responses(name)
    assert "sent to someone else" in _text(reply)
    with core.db.session() as session:
        person = session.get_one(Person, student_id)
        assert person.student_profile is not None and person.student_profile.stage == "ms2"


@pytest.mark.backends("sqlite", "postgres")
def test_button_round_trips_to_core(slack: SlackHarness, core: Core) -> None:
    press = Action("Set stage", "mentor profile", {"stage": "ms1"}).encode()
    answer, name = slack.press("U1STUDENT", press, block_id="for=U1STUDENT|main-0")
    assert answer.status == 200
    (reply,) = slack.api.wait_responses(name)
    assert "Profile updated" in _text(reply)
    with core.db.session() as session:
        ada = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert ada is not None and ada.student_profile is not None
        assert ada.student_profile.stage == "ms1"


def test_retried_event_processed_once(slack: SlackHarness, core: Core) -> None:
    with core.db.session() as session:
        from bot.infra.models import ChannelBinding

        group = InterestGroup(slug="peds", name="Peds")
        session.add(group)
        session.flush()
        session.add(ChannelBinding(group_id=group.id, platform="slack", workspace=TEAM_ID,
                                   channel_id="C0PEDS"))
    body = event({"type": "member_joined_channel", "user": "U1STUDENT", "channel": "C0PEDS",
                  "channel_type": "C", "team": TEAM_ID, "event_ts": "1700000000.1"},
                 event_id="Ev0RETRY")
    # Slack signs a retry anew (a retry comes seconds to minutes later, with its own time).
    now = slack_timestamp()
    first = slack.http.event(body, timestamp=now - 3)
    retry = slack.http.event(body, timestamp=now, headers={
        "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status == 200 and retry.status == 200
    slack.api.wait_for("chat.postEphemeral")
    slack.settle()
    assert len(slack.api.calls("chat.postEphemeral")) == 1
    with core.db.session() as session:
        assert session.scalar(select(func.count(SeenEvent.id))) == 1
        assert session.scalar(select(func.count(Membership.id))) == 1


def test_home_tab_published(slack: SlackHarness) -> None:
    body = event({"type": "app_home_opened", "user": "U1STUDENT", "channel": "D0DM",
                  "tab": "home", "event_ts": "1700000000.2"})
    assert slack.http.event(body).status == 200
    (call,) = slack.api.wait_for("views.publish")
    view = json.loads(call.get("view")) if isinstance(call.get("view"), str) else call.get("view")
    assert view["type"] == "home"
    assert call.get("user_id") == "U1STUDENT"
    assert "dashboard" in json.dumps(view)


def test_dm_delivered_after_429(slack: SlackHarness, core: Core) -> None:
    slack.api.fail_next("chat.postMessage", retry_after=0)
    with core.db.session() as session:
        ada = session.scalar(select(Person).where(Person.email == "ada.student@example.edu"))
        assert ada is not None
        ada.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                       external_id="U1STUDENT"))
    client = slack.service.bot.app.client
    slack.service.bot.dms.send_to_user(client, TEAM_ID, "U1STUDENT", Reply(text="hello"))
    posts = slack.api.calls("chat.postMessage")
    assert len(posts) == 2 and posts[-1].get("channel") == "U1STUDENT"


def test_intro_request_accept_round_trip(slack: SlackHarness, core: Core) -> None:
    """A student's request reaches the faculty member as a DM whose Accept button only the
    faculty member can use; the student hears back by DM; both Homes are refreshed."""
    with core.db.session() as session:
        for email, user_id in (("ada.student@example.edu", "U1STUDENT"),
                               ("meredith.grey@example.edu", "U2FACULTY")):
            person = session.scalar(select(Person).where(Person.email == email))
            assert person is not None
            person.identities.append(Identity(platform="slack", workspace=TEAM_ID,
                                              external_id=user_id))
    sent = slack.run("U1STUDENT", '/mentor request "Meredith Grey" kind:clinical '
                                  'note:"<!here> I loved your talk"')
    assert "went wrong" not in _text(sent) and "didn't work" not in _text(sent)
    dm = next(c for c in slack.api.wait_for("chat.postMessage")
              if c.get("channel") == "U2FACULTY")
    assert "&lt;!here&gt;" in _text(dm) and "<!here>" not in _text(dm)
    buttons = {e["text"]["text"]: (b["block_id"], e["action_id"])
               for b in dm.get("blocks") if b["type"] == "actions" for e in b["elements"]}
    block_id, accept = buttons["Accept"]
    assert block_id.startswith("for=U2FACULTY|")
    # the student presses the faculty member's Accept: refused, nothing changes
    answer, name = slack.press("U1STUDENT", accept, block_id=block_id)
    assert answer.status == 200
    assert "sent to someone else" in _text(slack.api.wait_responses(name)[0])
    # the faculty member presses it
    answer, name = slack.press("U2FACULTY", accept, block_id=block_id)
    assert answer.status == 200
    accepted = _text(slack.api.wait_responses(name)[0])
    assert "Ada Student" in accepted and "didn't work" not in accepted
    slack.settle()
    to_student = [c for c in slack.api.calls("chat.postMessage")
                  if c.get("channel") == "U1STUDENT"]
    assert len(to_student) == 1, "the student is told by DM, once"
    published = {c.get("user_id") for c in slack.api.wait_for("views.publish", 2)}
    assert {"U1STUDENT", "U2FACULTY"} <= published


def test_socket_mode_command(core: Core, api: FakeSlackApi) -> None:
    """With SLACK_APP_TOKEN the same app runs over Socket Mode: a slash command envelope is
    acknowledged on the socket and answered through response_url."""
    from urllib.parse import parse_qsl

    from tests.support.slack_requests import slash_command
    from tests.support.slack_socket import FakeSocketMode

    socket = FakeSocketMode().start()
    api.set_socket_url(socket.url)
    try:
        with core.db.session() as session:
            add_student(session, "Ada Student", email="ada.student@example.edu")
        with slack_harness(core, api, slack_app_token="xapp-test") as slack:
            assert slack.service._socket is not None and slack.service._http is None
            assert socket.connected.wait(10)
            payload = dict(parse_qsl(slash_command(
                "/mentor", "profile", user_id="U1STUDENT",
                response_url=api.response_url("socket"))))
            envelope = socket.push("slash_commands", payload)
            assert socket.wait_ack(envelope)
            (reply,) = api.wait_responses("socket")
            assert "Your profile" in _text(reply)
            connection = api.calls("apps.connections.open")[0]
            assert connection.token == "xapp-test"
    finally:
        socket.stop()

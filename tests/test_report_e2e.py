"""`/mentor report` end to end: through the real Slack app against the fake Web API (the
chart uploaded as a file with files.getUploadURLExternal / completeUploadExternal, the App
Home's headline and its button), the real discord.py client against the fake Discord (the
chart attached), the console and the command line; and what it refuses."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.console.shell import Shell
from adapters.discord.client import DiscordBot, MentorClient
from bot.app.cli import main
from bot.app.core import Core
from bot.framework.replies import Action
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Identity, InterestGroup, Nudge, Role
from bot.infra.settings import Settings, get_settings
from bot.reports import specs
from tests.support.cli import Mentorbot, Ran
from tests.support.discord_e2e import TIMEOUT, connected, fake_discord
from tests.support.discord_fake import APP_ID, FakeDiscord
from tests.support.factories import Driver
from tests.support.report_data import NOW, ReportData, build
from tests.support.slack_api import Call, FakeSlackApi
from tests.support.slack_app import SlackHarness, slack_harness
from tests.support.slack_requests import block_actions, event

# What each platform shows of the report; its figures' SQL runs on both databases in
# test_report_figures, test_report_health and test_report_privacy.
pytestmark = pytest.mark.backends("sqlite")

ORGANIZER, STUDENT = "U1OLGA", "U2ANA"
PNG = b"\x89PNG\r\n\x1a\n"
REPORT_BUTTON = specs.REPORT.action("Full report", {"group": "em"}).encode()


@pytest.fixture
def data(core: Core) -> ReportData:
    core.clock.set(NOW)  # type: ignore[attr-defined]
    with core.db.session() as session:
        return build(session)


def _nothing_written(core: Core) -> tuple[int, int]:
    with core.db.session() as session:
        return session.query(Nudge).count(), session.query(InterestGroup).count()


# --- Slack -----------------------------------------------------------------------------------


@pytest.fixture
def slack(core: Core, data: ReportData) -> Iterator[SlackHarness]:
    with FakeSlackApi() as api:
        api.add_user(ORGANIZER, "Olga Ward", email="olga.ward@example.edu")
        api.add_user(STUDENT, "Ana Lima", email="s1@example.edu")
        with slack_harness(core, api) as harness:
            yield harness


def _text(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def _upload(slack: SlackHarness) -> tuple[Call, Call, bytes]:
    (done,) = slack.api.wait_for("files.completeUploadExternal")
    (asked,) = slack.api.calls("files.getUploadURLExternal")
    (upload,) = slack.api.calls("upload")
    return asked, done, slack.api.uploaded(upload.get("file_id"))


def test_slack_report_answers_privately_and_uploads_the_chart(slack: SlackHarness) -> None:
    before = _nothing_written(slack.core)
    reply = slack.run(ORGANIZER, "/mentor report group:em")
    assert reply.get("response_type") == "ephemeral"
    blocks = reply.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                                    "text": "Program health: EM Interest Group"}}
    shown = _text(reply)
    assert "Match rate: 60% (6 of 10 students) · target 70%" in shown
    assert "run /mentor match group:em dry-run" in shown
    assert "• Fay Nguyen" in shown
    asked, done, content = _upload(slack)
    assert content.startswith(PNG)
    assert asked.get("filename") == "report-em-2027-01-04.png"
    assert int(asked.get("length")) == len(content)
    assert asked.get("alt_txt", "").startswith("Chart for EM Interest Group over 12 weeks")
    assert "match rate went from 50% to 60% (target 70%)" in asked.get("alt_txt")
    assert done.get("channel_id") == "D1OLGA"  # the organizer's DM: private
    assert _nothing_written(slack.core) == before


def test_slack_report_refuses_a_student_and_uploads_nothing(slack: SlackHarness) -> None:
    reply = slack.run(STUDENT, "/mentor report group:em")
    assert "/mentor report is for group organizers." in _text(reply)
    reply = slack.run(STUDENT, "/mentor report")
    assert "group organizers" in _text(reply)
    assert slack.api.calls("files.getUploadURLExternal") == []


def test_slack_home_shows_the_headline_and_its_button_sends_the_report(
        slack: SlackHarness) -> None:
    answer = slack.http.event(event({"type": "app_home_opened", "user": ORGANIZER,
                                     "channel": "D1OLGA", "tab": "home"}))
    assert answer.status == 200
    (publish,) = slack.api.wait_for("views.publish")
    view = publish.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    dumped = json.dumps(view, ensure_ascii=False)
    assert "EM Interest Group: program health" in dumped
    assert ("Match rate 60% (target 70%) · 2 relationships need a check-in · 2 letters at risk"
            in dumped)
    buttons = [element for block in view["blocks"] if block["type"] == "actions"
               for element in block["elements"]]
    report_button = next(b for b in buttons if b["action_id"] == REPORT_BUTTON)
    assert report_button["text"]["text"] == "Full report"

    block_id = next(block["block_id"] for block in view["blocks"] if block["type"] == "actions"
                    and report_button in block["elements"])
    answer = slack.http.post(block_actions(REPORT_BUTTON, user_id=ORGANIZER,
                                           response_url=None, block_id=block_id,
                                           container="view"))
    assert answer.status == 200
    posted = slack.api.wait_for("chat.postMessage")
    assert posted[0].get("channel") == ORGANIZER  # a DM posted to the user id
    assert "Program health: EM Interest Group" in _text(posted[0])
    _asked, done, content = _upload(slack)
    assert content.startswith(PNG) and done.get("channel_id") == "D1OLGA"


def test_a_student_home_has_no_headline(slack: SlackHarness) -> None:
    slack.http.event(event({"type": "app_home_opened", "user": STUDENT, "channel": "D2ANA",
                            "tab": "home"}))
    (publish,) = slack.api.wait_for("views.publish")
    assert "program health" not in _text(publish)


# --- Discord ---------------------------------------------------------------------------------

ORGANIZER_DISCORD_ID = 600000000000000077


def _discord_core(sqlite_url: str) -> tuple[Core, ReportData]:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    core = Core(db=Database(sqlite_url), clock=FixedClock(NOW), settings=settings)
    with core.db.session() as session:
        built = build(session)
        session.add(Identity(person_id=built.organizer_id, platform="discord", workspace="",
                             external_id=str(ORGANIZER_DISCORD_ID)))
    return core, built


def _slash(fake: FakeDiscord, options: dict[str, Any]) -> dict[str, Any]:
    data = {"id": "900000000000000001", "name": "mentor", "type": 1,
            "options": [{"name": "report", "type": 1, "options": [
                {"name": k, "type": 3 if isinstance(v, str) else 4, "value": v}
                for k, v in options.items()]}]}
    return fake.interaction(kind=2, data=data, user_id=ORGANIZER_DISCORD_ID,
                            user_name="Olga Ward")


def test_discord_report_is_private_with_the_chart_attached(sqlite_url: str) -> None:
    core, _data = _discord_core(sqlite_url)

    async def scenario() -> None:
        async with fake_discord() as fake, connected(
                MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake):
            payload = _slash(fake, {"group": "em", "weeks": 12})
            await fake.dispatch("INTERACTION_CREATE", payload)
            token = payload["token"]
            callback = await fake.wait_for("POST", rf"/interactions/\d+/{token}/callback")
            assert callback[0].body["data"]["flags"] & 64  # thinking… privately
            (first, *_rest) = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{token}")
        body = first.body
        assert body["flags"] & 64 and first.pings_nobody()
        assert body["embeds"][0]["title"] == "Program health: EM Interest Group"
        text = json.dumps(body["embeds"], ensure_ascii=False)
        assert "Match rate: 60% (6 of 10 students) · target 70%" in text
        assert body["_files"] == ["report-em-2027-01-04.png"]
        assert body["_file_data"][0].startswith(PNG)
        (attachment,) = body["attachments"]
        assert attachment["filename"] == "report-em-2027-01-04.png"
        assert attachment["description"].startswith("Chart for EM Interest Group")

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))


def test_discord_report_for_an_unknown_group_names_the_closest(sqlite_url: str) -> None:
    core, _data = _discord_core(sqlite_url)

    async def scenario() -> None:
        async with fake_discord() as fake, connected(
                MentorClient(DiscordBot(core), guild_ready_timeout=0.05), fake):
            payload = _slash(fake, {"group": "emm"})
            await fake.dispatch("INTERACTION_CREATE", payload)
            (first, *_rest) = await fake.wait_for("POST",
                                                  rf"/webhooks/{APP_ID}/{payload['token']}")
        assert first.body["embeds"][0]["title"] == "Unknown group"
        assert "Did you mean em?" in first.body["embeds"][0]["description"]
        assert "_files" not in first.body

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT * 2))


# --- the console and the command line ----------------------------------------------------------


def test_console_prints_the_report_and_writes_the_chart(core: Core, data: ReportData,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    shell = Shell(core, data.organizer_id, "Olga Ward",
                  stdin=io.StringIO("/mentor report weeks:4\n/mentor report weeks:0\n"),
                  stdout=out)
    assert shell.run() == 0
    printed = out.getvalue()
    assert "Program health: EM Interest Group" in printed
    assert "em · the last 4 weeks (Mon 07 Dec 2026 – Mon 04 Jan 2027)" in printed
    assert f"Wrote {tmp_path / 'report-em-2027-01-04.png'}" in printed
    assert (tmp_path / "report-em-2027-01-04.png").read_bytes().startswith(PNG)
    assert "weeks: must be at least 1." in printed


def test_choosing_the_group(core: Core, data: ReportData) -> None:
    driver = Driver(core)
    # The organizer's only group is the default.
    assert driver.run(data.organizer_id, "/mentor report").title == \
        "Program health: EM Interest Group"
    with core.db.session() as session:
        other = InterestGroup(slug="peds", name="Peds Group", timezone="UTC")
        session.add(other)
        session.flush()
        session.add(Role(person_id=data.organizer_id, role="organizer", group_id=other.id))
    refused = driver.run(data.organizer_id, "/mentor report")
    assert refused.error and refused.text == (
        "You run several groups (em, peds): name one with group:SLUG, or run this in the "
        "group's channel.")
    # Not an organizer of that group: refused, even as an organizer elsewhere.
    faculty = driver.run(data.people["F1"], "/mentor report group:em")
    assert faculty.error and faculty.text == "/mentor report is for group organizers."
    with core.db.session() as session:
        session.add(Role(person_id=data.people["F1"], role="organizer", group_id=other.id))
    elsewhere = driver.run(data.people["F1"], "/mentor report group:em")
    assert elsewhere.error and elsewhere.text == "Only organizers of EM Interest Group can do that."
    bad = driver.run(data.organizer_id, "/mentor report group:em weeks:53")
    assert bad.error and bad.text == "weeks: must be at most 52."
    typo = driver.run(data.organizer_id, "/mentor report group:em weks:3")
    assert typo.error and "Did you mean weeks:?" in typo.text


def test_command_line_text_json_csv_and_chart(core: Core, data: ReportData, db_url: str,
                                              tmp_path: Path, repo_root: Path,
                                              mentorbot: Mentorbot) -> None:
    def _cli(*args: str, db_url: str, cwd: Path) -> Ran:
        return mentorbot("report", *args, url=db_url, cwd=cwd)

    at = "--at=2027-01-04T15:00"
    shown = _cli("em", at, "--csv", str(tmp_path / "em.csv"), "--chart",
                 str(tmp_path / "em.png"), db_url=db_url, cwd=repo_root)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Program health: EM Interest Group\n")
    assert "Match rate: 60% (6 of 10 students) · target 70%" in shown.stdout
    assert f"Wrote the chart to {tmp_path / 'em.png'}" in shown.stdout
    assert (tmp_path / "em.png").read_bytes().startswith(PNG)
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(
        (tmp_path / "em.csv").read_text(encoding="utf-8")))}
    assert rows["health.needs_checkin"]["value"] == "2"

    as_json = _cli("em", at, "--json", "--weeks", "4", db_url=db_url, cwd=repo_root)
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["period"] == {"weeks": 4, "first_day": "2026-12-07",
                                  "last_day": "2027-01-04",
                                  "as_of": "2027-01-04T15:00:00+00:00"}
    assert {f["key"]: f["value"] for f in document["figures"]}["matching.match_rate"] == 0.6

    to_stdout = _cli("em", at, "--csv", "-", db_url=db_url, cwd=repo_root)
    assert to_stdout.stdout.startswith("section,figure,key,value,shown,how counted,what to do")


@pytest.mark.parametrize(("args", "message"), [
    (("emm",), "There is no group “emm”. Did you mean em?"),
    (("em", "--weeks", "0"), "--weeks must be between 1 and 52"),
    (("em", "--weeks", "x"), "not a whole number of weeks: 'x'"),
    (("em", "--chart", "chart.jpg"), "--chart takes a .png file name, not chart.jpg."),
    (("em", "--csv", "/no/such/dir/f.csv"), "--csv: there is no directory /no/such/dir."),
    (("em", "--json", "--csv", "-"), "--json and --csv - both print to standard output"),
])
def test_command_line_refusals(data: ReportData, db_url: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                               message: str) -> None:
    # Refusals happen before anything is written, and a file named relatively would land
    # in tmp_path.
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        try:
            code = main(["report", *args])
        except SystemExit as exc:  # argparse refuses a bad option value this way
            code = exc.code
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert code not in (0, None)
    assert message in out.err
    assert out.out == ""
    assert list(tmp_path.iterdir()) == []


def test_the_report_button_is_built_from_its_spec() -> None:
    assert Action.decode(REPORT_BUTTON) == ("mentor report", {"group": "em"})

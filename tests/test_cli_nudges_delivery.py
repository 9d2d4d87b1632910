"""`mentorbot nudges run` and `mentorbot nudges failed`, through the real command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.cli import main
from bot.infra.db import Database
from bot.infra.models import Nudge
from bot.infra.settings import get_settings
from tests.support.factories import add_student
from tests.support.nudges import add_nudge


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                 "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DEFAULT_TIMEZONE", "UTC")
    get_settings.cache_clear()
    db = Database(sqlite_url)
    yield db
    db.dispose()
    get_settings.cache_clear()


def test_nudges_run_prints_due_messages_on_the_console(cli_db: Database,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    now = datetime.now(UTC)
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")
        ana.quiet_hours = "00:00-00:00"  # whenever the test runs, not quiet
        add_nudge(session, ana, due_at=now - timedelta(minutes=1), text="say hello")
        add_nudge(session, ana, due_at=now + timedelta(days=3), text="not yet")
    assert main(["nudges", "run"]) == 0
    out = capsys.readouterr().out
    assert "direct message to Ana Lopez" in out and "say hello" in out
    assert "/mentor nudge snooze id:" in out  # the buttons, as the console shows them
    assert "not yet" not in out
    assert "sent 1" in out
    assert main(["nudges", "run"]) == 0
    assert "say hello" not in capsys.readouterr().out


def test_nudges_failed_lists_and_requeues(cli_db: Database,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")
        nudge = add_nudge(session, ana, due_at=datetime(2027, 1, 4, tzinfo=UTC),
                          kind="letter-ask")
        nudge.state, nudge.attempts, nudge.last_error = "failed", 8, "HTTP 503"
        add_nudge(session, ana, due_at=datetime(2027, 1, 4, tzinfo=UTC))
    assert main(["nudges", "failed"]) == 0
    out = capsys.readouterr().out
    assert f"#{nudge.id} letter-ask for ana.lopez@example.edu" in out
    assert "8 attempt(s): HTTP 503" in out
    assert main(["nudges", "failed", "--json"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert (item["person"], item["kind"], item["error"], item["attempts"]) == \
        ("ana.lopez@example.edu", "letter-ask", "HTTP 503", 8)
    assert main(["nudges", "failed", "--retry"]) == 0
    assert "Queued 1 again." in capsys.readouterr().out
    with cli_db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and (row.state, row.attempts) == ("pending", 0)
    assert main(["nudges", "failed"]) == 0
    assert "No failed nudges." in capsys.readouterr().out


def test_nudges_run_delivers_through_slack_when_it_is_configured(
        cli_db: Database, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.infra.models import Identity
    from tests.support.slack_api import FakeSlackApi

    now = datetime.now(UTC)
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")
        ana.quiet_hours = "00:00-00:00"
        ana.identities.append(Identity(platform="slack", workspace="T0MENTOR",
                                       external_id="U0ANA"))
        nudge = add_nudge(session, ana, due_at=now - timedelta(minutes=1), text="say hello")
    with FakeSlackApi() as api:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
        monkeypatch.setenv("SLACK_API_URL", api.url)
        get_settings.cache_clear()
        assert main(["nudges", "run"]) == 0
        (post,) = api.calls("chat.postMessage")
    assert post.get("channel") == "D0ANA"
    assert "say hello" in str(post.get("text")) + str(post.get("blocks"))
    assert "sent 1" in capsys.readouterr().out
    with cli_db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and (row.state, row.delivered_via) == ("sent", "slack")

"""`mentorbot nudges run` and `mentorbot nudges failed`, through the real command line, on
the test's clock (by day and at night: the default quiet hours hold reminders till 08:00)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import demo
from bot.app.cli import main
from bot.app.cli.nudges import due_nudges
from bot.app.cli.nudges_delivery import deliver_due
from bot.app.core import Core
from bot.framework.channels import Router
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import Nudge
from bot.infra.settings import get_settings
from bot.vocab.nudges import Subject
from tests.support.channels import RecordingChannel
from tests.support.clocks import AT_DAY_AND_NIGHT, MORNING, NIGHT
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


@AT_DAY_AND_NIGHT
def test_nudges_run_prints_due_messages_on_the_console(cli_db: Database, clock: FixedClock,
                                                       start: datetime,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    clock.set(start)
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")  # on UTC, default quiet hours 21:00-08:00
        # Attached to no subject: planning first (as `nudges run` does) leaves them alone.
        add_nudge(session, ana, due_at=start - timedelta(minutes=1), text="say hello",
                  subject_type=Subject.NONE)
        add_nudge(session, ana, due_at=start + timedelta(days=3), text="not yet",
                  subject_type=Subject.NONE)
    if start == NIGHT:
        assert main(["nudges", "run"]) == 0
        out = capsys.readouterr().out
        assert "say hello" not in out and "direct message" not in out
        assert "sent 0, deferred to after quiet hours 1" in out
        clock.set(MORNING)
    assert main(["nudges", "run"]) == 0
    out = capsys.readouterr().out
    assert out.count("direct message to Ana Lopez") == 1 and out.count("say hello") == 1
    assert "/mentor nudge snooze id:" in out  # the buttons, as the console shows them
    assert "not yet" not in out
    assert "sent 1," in out
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


@AT_DAY_AND_NIGHT
def test_nudges_run_delivers_through_slack_when_it_is_configured(
        cli_db: Database, clock: FixedClock, start: datetime,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.infra.models import Identity
    from tests.support.slack_api import FakeSlackApi

    clock.set(start)
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")
        ana.identities.append(Identity(platform="slack", workspace="T0MENTOR",
                                       external_id="U0ANA"))
        nudge = add_nudge(session, ana, due_at=start - timedelta(minutes=1), text="say hello",
                          subject_type=Subject.NONE)
    with FakeSlackApi(clock=lambda: clock.now().timestamp()) as api:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
        monkeypatch.setenv("SLACK_API_URL", api.url)
        get_settings.cache_clear()
        if start == NIGHT:
            assert main(["nudges", "run"]) == 0
            assert "sent 0, deferred to after quiet hours 1" in capsys.readouterr().out
            assert api.calls("chat.postMessage") == []
            clock.set(MORNING)
        assert main(["nudges", "run"]) == 0
        (post,) = api.calls("chat.postMessage")
    assert post.get("channel") == "U0ANA"  # posted to the user id: no conversations.open
    assert "say hello" in str(post.get("text")) + str(post.get("blocks"))
    assert "sent 1," in capsys.readouterr().out
    with cli_db.session() as session:
        row = session.get(Nudge, nudge.id)
        assert row is not None and (row.state, row.delivered_via) == ("sent", "slack")


# --- `nudges run` plans first: what `nudges due` lists, one run claims -----------------------


def _preview(core: Core) -> list[dict[str, object]]:
    """`nudges due` at the core's now: planned in a transaction that is rolled back."""
    session = core.db.sessions()
    try:
        return due_nudges(session, core.clock.now())
    finally:
        session.rollback()
        session.close()


def test_one_nudges_run_claims_everything_nudges_due_lists(core: Core,
                                                           clock: FixedClock) -> None:
    """The demo data at a fixed moment: before this change `nudges due` listed the nudges
    only the scheduler's planner would store, and `nudges run` claimed none of them."""
    clock.set(datetime(2027, 1, 5, 16, 0, tzinfo=UTC))  # 11:00 in New York, 08:00 in LA
    with core.db.session() as session:
        demo.load(session, clock)
    listed = _preview(core)
    assert len(listed) >= 10
    channel = RecordingChannel()
    planned, result = deliver_due(core, Router([channel]))
    assert planned >= len(listed)
    keys = [str(item["dedup_key"]) for item in listed]
    with core.db.session() as session:
        rows = {r.dedup_key: r for r in session.execute(
            select(Nudge.dedup_key, Nudge.state, Nudge.due_at, Nudge.claimed_by,
                   Nudge.delivered_via).where(Nudge.dedup_key.in_(keys)))}
    assert set(rows) == set(keys)
    sent = [k for k in keys if rows[k].state == "sent"]
    deferred = [k for k in keys if rows[k].state == "pending"]
    assert len(sent) + len(deferred) == len(keys)  # each one claimed: sent or deferred
    assert all(rows[k].delivered_via == "recording" for k in sent)
    assert all(rows[k].due_at > clock.now() and rows[k].claimed_by is None for k in deferred)
    assert result.sent >= len(sent) and result.deferred == len(deferred)
    texts = {str(item["text"]).splitlines()[0] for item in listed
             if rows[str(item["dedup_key"])].state == "sent"}
    assert texts <= {s.reply.as_text().splitlines()[0] for s in channel.sent}
    # Nothing listed for now any more, and a second run finds nothing to send.
    assert [i for i in _preview(core) if rows.get(str(i["dedup_key"])) is None] == []
    assert deliver_due(core, Router([channel]))[1].sent == 0


# --- read-only verbs --------------------------------------------------------------------------


def _everything(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        return [tuple(r) for r in session.execute(
            select(Nudge.id, Nudge.state, Nudge.due_at, Nudge.attempts, Nudge.claimed_by)
            .order_by(Nudge.id))]


def test_due_and_failed_write_nothing_and_failed_lists_the_unreachable_apart(
        cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with cli_db.session() as session:
        ana = add_student(session, "Ana Lopez")
        failed = add_nudge(session, ana, due_at=datetime(2027, 1, 4, tzinfo=UTC),
                           kind="letter-ask", subject_type=Subject.NONE)
        failed.state, failed.attempts, failed.last_error = "failed", 8, "HTTP 503"
        ben = add_student(session, "Ben Okafor")
        waiting = add_nudge(session, ben, due_at=datetime(2027, 1, 4, tzinfo=UTC),
                            subject_type=Subject.NONE)
        waiting.state = "unreachable"
        waiting.last_error = ("no Slack account linked; no Slack user has the email "
                              "ben.okafor@example.edu")
    before = _everything(cli_db)
    assert main(["nudges", "failed"]) == 0
    out = capsys.readouterr().out
    failed_part, _, waiting_part = out.partition("Unreachable:")
    assert f"#{failed.id} letter-ask for ana.lopez@example.edu" in failed_part
    assert f"#{waiting.id}" not in failed_part
    assert waiting_part.startswith(" 1 waiting for an account")
    assert (f"#{waiting.id} action-item for ben.okafor@example.edu: no Slack account linked; "
            "no Slack user has the email ben.okafor@example.edu") in waiting_part
    assert main(["nudges", "failed", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["state"]) for i in items] == [(failed.id, "failed"),
                                                       (waiting.id, "unreachable")]
    assert main(["nudges", "due", "--json"]) == 0
    capsys.readouterr()
    assert _everything(cli_db) == before  # listing wrote nothing
    assert main(["nudges", "failed", "--retry"]) == 0
    assert "Queued 1 again." in capsys.readouterr().out
    states = {r[0]: r[1] for r in _everything(cli_db)}
    assert states == {failed.id: "pending", waiting.id: "unreachable"}  # waits by itself

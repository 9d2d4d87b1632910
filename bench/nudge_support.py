"""What the nudge benchmarks share: a scratch database, people with Slack accounts, due
nudges in bulk, and the Slack Web API stand-in in a process of its own."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.datagen import sqlite_database
from bot.framework.replies import Reply
from bot.infra.db import Database
from bot.infra.models import Identity, Person, Role
from bot.mentoring import specs as mentoring_specs
from bot.nudges import store
from bot.nudges.plans import PlannedNudge
from bot.nudges.vocab import NudgeKind, Subject

ROOT = Path(__file__).resolve().parent.parent


scratch_sqlite = sqlite_database
"""A migrated SQLite file in a temporary directory, shared with the matching benchmarks."""


@contextlib.contextmanager
def postgres_factory() -> Iterator[Any]:
    """A throwaway PostgreSQL server (the one the test suite uses) and the factory of fresh
    migrated databases on it (`new_url()`)."""
    sys.path.insert(0, str(ROOT))
    from tests.support import postgres  # here: importable once the root is on the path
    from tests.support.databases import PostgresFactory  # here: as above

    server = postgres.start()
    factory = PostgresFactory(server.url)
    try:
        yield factory
    finally:
        factory.close()
        server.stop()


@contextlib.contextmanager
def scratch_postgres() -> Iterator[Database]:
    """A fresh migrated database on a throwaway PostgreSQL server."""
    with postgres_factory() as factory:
        db = Database(factory.new_url())
        try:
            yield db
        finally:
            db.dispose()


def add_people(db: Database, count: int, *, slack: bool = True) -> list[int]:
    with db.session() as session:
        session.execute(insert(Person), [
            {"name": f"Student {i}", "email": f"student{i}@example.edu",
             "timezone": "UTC", "quiet_hours": "00:00-00:00"}
            for i in range(count)
        ])
        ids = [p for (p,) in session.query(Person.id).order_by(Person.id)]
        session.execute(insert(Role), [{"person_id": p, "role": "student"} for p in ids])
        if slack:
            session.execute(insert(Identity), [
                {"person_id": p, "platform": "slack", "workspace": "T0MENTOR",
                 "external_id": f"U{p:08d}"}
                for p in ids
            ])
    return ids


def nudge_reply(text: str) -> Reply:
    log = mentoring_specs.LOG.action("Log contact", {"mentor": "7"}, style="primary")
    return Reply(title="Time to check in with Dr. Rivera", text=text, actions=(log,))


def add_due_nudges(db: Database, people: list[int], count: int, due_at: datetime,
                   prefix: str = "msg") -> list[str]:
    """`count` follow-ups due at `due_at`, through the outbox's bulk path; returns their
    texts, each starting with its own number (msg-0000042)."""
    texts = [f"{prefix}-{i:07d} write to your mentor" for i in range(count)]
    nudges = [PlannedNudge(people[i % len(people)], NudgeKind.FOLLOWUP, due_at, Subject.NONE,
                           i, prefix, nudge_reply(t))
              for i, t in enumerate(texts)]
    with db.session() as session:
        store.insert_bulk(session, nudges, now=due_at)
    return texts


class StandIn:
    """The Slack Web API stand-in (tests/support/slack_api.py) in another process."""

    def __init__(self, *, channel_rate_limit: float | None = None,
                 threaded: bool = False) -> None:
        # The same fake either way; `threaded` serves it with the test suite's thread-per-
        # connection server, otherwise aiohttp serves it (bench/slack_standin.py).
        argv = ([sys.executable, "-m", "tests.support.slack_api", "--port", "0"] if threaded
                else [sys.executable, "-m", "bench.slack_standin"])
        if channel_rate_limit:
            argv += ["--channel-rate-limit", str(channel_rate_limit)]
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()  # http://127.0.0.1:PORT/api
        self.root = self.url.rsplit("/api", 1)[0]

    def calls(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.root + "/_calls", timeout=60) as response:
            return list(json.load(response))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def slack_channel(url: str, db: Database, *, dm_interval: float) -> Any:
    from slack_sdk import WebClient  # here: a platform library, for the Slack benchmarks only

    from adapters.slack.channel import SlackChannel  # here: loads slack_sdk (as above)
    from bot.app.core import Core  # here: the channel reports DM channels to the core

    client = WebClient(token="xoxb-bench", base_url=url + "/")
    channel = SlackChannel.single(client, Core(db=db))
    channel.dm_interval = dm_interval
    return channel

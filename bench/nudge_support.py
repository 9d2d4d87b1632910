"""What the nudge benchmarks share: a scratch database, people with Slack accounts, due
nudges in bulk, and the Slack Web API stand-in in a process of its own."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.datagen import sqlite_database
from bot.app.planning import plan_all
from bot.infra.db import Database
from bot.infra.models import ActionItem, Identity, Letter, Mentorship, Nudge, Person, Role
from bot.infra.settings import Settings

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


MIX = ("mentorship", "action item", "letter")
"""What the due nudges are about, in turn: a follow-up of a mentorship, an overdue action
item, and a letter two days from its deadline (which owes both its check-in and its
deadline reminder). Each is worded from its subject when it is sent, as in production."""


def add_due_nudges(db: Database, people: list[int], count: int, due_at: datetime, *,
                   mix: tuple[str, ...] = MIX) -> list[int]:
    """About `count` nudges due by `due_at`, planned by the real planners from subjects made
    for them (`mix`, in turn, spread over the people); returns the due nudges' ids. A
    message is told apart from the others by the nudge id it carries (Slack's metadata),
    never by its words."""
    slots: list[tuple[int, str]] = []
    made = 0
    while made < count:
        kind = mix[len(slots) % len(mix)]
        slots.append((len(slots), kind))
        made += 2 if kind == "letter" else 1
    long_ago = due_at - timedelta(days=50)
    with db.session() as session:
        mentors = _mentors(session, -(-len(slots) // len(people)))

        def pair(i: int) -> dict[str, int]:  # each slot its own (student, mentor)
            return {"student_id": people[i % len(people)], "mentor_id": mentors[i // len(people)]}

        def rows(model: Any, values: list[dict[str, Any]]) -> None:
            if values:  # (an empty list would insert one row of defaults)
                session.execute(insert(model), values)

        rows(Mentorship, [
            {**pair(i), "kind": "career", "cadence_days": 42, "started_at": long_ago,
             "source": "import"}
            for i, kind in slots if kind == "mentorship"])
        rows(ActionItem, [
            {**pair(i), "task": f"read paper {i}", "due_at": due_at - timedelta(days=3),
             "created_at": long_ago}
            for i, kind in slots if kind == "action item"])
        rows(Letter, [
            {"student_id": people[i % len(people)], "writer_name": f"Dr. Writer {i}",
             "program": "EM residency", "deadline": (due_at + timedelta(days=2)).date(),
             "state": "asked", "packet": {}, "created_at": long_ago, "updated_at": long_ago}
            for i, kind in slots if kind == "letter"])
        plan_all(session, due_at, Settings(default_timezone="UTC", _env_file=None))  # type: ignore[call-arg]
        return list(session.scalars(select(Nudge.id).where(Nudge.due_at <= due_at)
                                    .order_by(Nudge.id)))


def _mentors(session: Any, count: int) -> list[int]:
    session.execute(insert(Person), [
        {"name": f"Dr. Mentor {i}", "email": f"mentor{i}@example.edu", "timezone": "UTC"}
        for i in range(count)])
    ids = list(session.scalars(select(Person.id).where(Person.email.like("mentor%"))
                               .order_by(Person.id)))
    session.execute(insert(Role), [{"person_id": p, "role": "faculty"} for p in ids])
    return ids


def nudge_id(params: object) -> int | None:
    """The nudge a Slack message is the first part of, from its metadata (what the stand-in
    received); None for anything else."""
    if not isinstance(params, dict):
        return None
    meta = params.get("metadata") or {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    payload = (meta.get("event_payload") or {}) if isinstance(meta, dict) else {}
    found = payload.get("nudge_id")
    return int(found) if found is not None and payload.get("part", 0) == 0 else None


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


def slack_channel(url: str, db: Database, *, dm_interval: float,
                  send_rate: float | None = None, kept_alive: bool = True) -> Any:
    """The Slack delivery channel as `mentorbot run` builds it (a kept-alive client, the
    process's send budget at `send_rate` a second; None: no budget), on `url`."""
    from slack_sdk import WebClient  # here: a platform library, for the Slack benchmarks only

    from adapters.slack.channel import SlackChannel  # here: loads slack_sdk (as above)
    from adapters.slack.transport import KeptAliveClient  # here: as above
    from bot.app.core import Core  # here: the channel reports DM channels to the core

    client = (KeptAliveClient if kept_alive else WebClient)(token="xoxb-bench",
                                                            base_url=url + "/")
    core = Core(db=db)
    channel = SlackChannel.single(client, core)
    channel.dm_interval = dm_interval
    if send_rate is not None:
        channel.budget, channel.send_rate = core.send_budget(), send_rate
    return channel

"""Fixtures: every database test runs on a fresh SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.cli import common as cli_common
from bot.app.core import Core
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.settings import Settings, get_settings
from bot.matching import finder
from tests.support import postgres
from tests.support.cli import Mentorbot
from tests.support.clocks import DAY
from tests.support.databases import (
    BACKENDS,
    PostgresFactory,
    SqliteFactory,
    shared_database,
    worker_id,
)
from tests.support.factories import Driver
from tests.support.properties import register_profiles

register_profiles()


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.backends("sqlite")`: the database tests it marks run on those backends
    only (of the ones MENTORBOT_TEST_BACKENDS selects). For tests of what a platform shows,
    whose SQL the same commands' core tests already run on both databases."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "db_url" in metafunc.fixturenames:
        wanted = [b for b in BACKENDS if b in marker.args]
        metafunc.definition.add_marker(pytest.mark.parametrize("db_url", wanted, indirect=True))


STARTS_EARLY = (
    "tests/test_lint.py",  # mypy from a cold cache: 10-20 s
    "tests/test_runner_stop.py",  # real processes, each waited for
    "tests/test_delivery_slack.py::test_two_sweepers",  # storms that last seconds
    "tests/test_architecture.py::test_importing_the_core",  # a clean interpreter
)
"""The longest tests, run first: the workers share the rest out as they finish (xdist's
worksteal), rather than one waiting alone on a long test at the end of the run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(STARTS_EARLY))  # stable


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteFactory]:
    """This worker's SQLite files, in memory-backed storage (/dev/shm) where the machine
    has it: a commit or a close there costs no flush to disk, which on these machines' disks
    was about 35 ms a test (2 ms in memory). What the tests check is SQL, not durability."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield SqliteFactory(tmp_path_factory.mktemp("sqlite"))
        return
    workdir = Path(tempfile.mkdtemp(prefix=f"mentorbot-tests-{worker_id()}-", dir=shm))
    try:
        yield SqliteFactory(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory]:
    """One PostgreSQL server per test process (each xdist worker starts its own, unless
    TEST_POSTGRES_URL names a server they share), and this worker's databases on it."""
    if "postgres" not in BACKENDS:
        pytest.skip(f"PostgreSQL left out (MENTORBOT_TEST_BACKENDS={','.join(BACKENDS)})")
    try:
        server = postgres.start()
    except postgres.PostgresUnavailable as exc:
        if os.environ.get("MENTORBOT_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL not available: {exc}")
    factory = PostgresFactory(server.url)
    yield factory
    factory.close()
    server.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_factory").clean_url()
        return
    factory: PostgresFactory = request.getfixturevalue("postgres_factory")
    yield factory.clean_url()


@pytest.fixture(params=BACKENDS)
def own_db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of the test's own, on each backend: for a test that changes the
    schema (drops a column, adds one), which would otherwise leave the worker's reused
    database (`db_url`) broken for every test after it."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_factory").new_url())
    factory: PostgresFactory = request.getfixturevalue("postgres_factory")
    return factory.new_url()


@pytest.fixture
def sqlite_url(sqlite_factory: SqliteFactory) -> str:
    return sqlite_factory.new_url()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """The worker's `Database` on `db_url` (its engine outlives the test, its connections
    do not: tests/support/databases.py)."""
    db = shared_database(db_url)
    # The database was emptied and its ids restart: the search index this process keeps
    # per database URL would still list the last test's faculty.
    finder.invalidate_all()
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    # A Monday afternoon in January, far from any DST change; tests that need DST set it.
    return FixedClock(DAY)


@pytest.fixture(autouse=True)
def cli_clock(clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    """Every verb of the command line run in-process reads the test's clock."""
    monkeypatch.setattr(cli_common, "clock_factory", lambda: clock)
    return clock


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, default_timezone="UTC", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def core(database: Database, clock: FixedClock, settings: Settings) -> Core:
    return Core(db=database, clock=clock, settings=settings)


@pytest.fixture
def driver(core: Core) -> Driver:
    return Driver(core)


@pytest.fixture
def cli(core: Core, monkeypatch: pytest.MonkeyPatch) -> Iterator[Core]:
    """`core`, with the command line (`bot.app.cli.main`) pointed at its database: the
    settings are read again from the environment before and after the test."""
    monkeypatch.setenv("DATABASE_URL", core.db.url)
    get_settings.cache_clear()
    yield core
    get_settings.cache_clear()


@pytest.fixture
def mentorbot(monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Mentorbot:
    """The command line in this process (tests/support/cli.py): `mentorbot(*args, url=…,
    cwd=…)` returns its exit status and what it printed."""
    return Mentorbot(monkeypatch, capsys)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent

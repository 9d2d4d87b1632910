"""A throwaway PostgreSQL server on loopback for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
user in a temporary data directory that user owns. `TEST_POSTGRES_URL` (an admin URL to an
existing server) skips all of this."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import wait_until


class PostgresUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _find(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / tool).exists():
            return str(base / tool)
    raise PostgresUnavailable(f"{tool} not found (install PostgreSQL 15, e.g. postgresql-15)")


@dataclass
class PostgresServer:
    url: str  # admin URL, database "postgres"
    data_dir: Path | None = None
    user: str | None = None

    def stop(self) -> None:
        if self.data_dir is None:
            return
        _run_as(self.user, [_find("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                            "-w", "stop"], check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)
        self.data_dir = None


def _run_as(user: str | None, argv: list[str], check: bool = True) -> None:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(argv)} failed: {result.stderr or result.stdout}")


def start() -> PostgresServer:
    existing = os.environ.get("TEST_POSTGRES_URL")
    if existing:
        return PostgresServer(url=existing)
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", user], check=True)
    base = Path(tempfile.mkdtemp(prefix="mentorbot-pg-"))
    data = base / "data"
    data.mkdir()
    if user:
        shutil.chown(base, user)
        shutil.chown(data, user)
        os.chmod(base, 0o755)
    _run_as(user, [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--no-sync"])
    port = _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _run_as(user, [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
                   "-t", "60", "start"])
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    try:
        wait_until(lambda: _accepts(port), timeout=30, what=f"PostgreSQL on port {port}")
    except AssertionError as exc:
        raise PostgresUnavailable(str(exc)) from None
    return PostgresServer(url=url, data_dir=data, user=user)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    """`python -m tests.support.postgres` starts a server, prints its URL and waits, so a
    shell script can start one and hand the URL on (`stop` with the data directory ends it)."""
    server = start()
    print(server.url, server.data_dir or "", flush=True)
    if len(sys.argv) > 1 and sys.argv[1] == "--foreground":
        try:
            signal.pause()  # until a signal ends the process
        finally:
            server.stop()


if __name__ == "__main__":
    main()

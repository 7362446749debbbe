"""A real PostgreSQL server for the tests: ``initdb`` + ``pg_ctl`` on a free loopback port in a temporary
directory (Debian's ``postgresql`` package; ``scripts/ensure-postgres.sh`` installs it where missing).

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` user (``runuser``).
Nothing is skipped: a machine without PostgreSQL fails the tests with what to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

INSTALL = (
    "PostgreSQL is needed for the shared-state tests: install Debian's postgresql package "
    "(`apt-get install postgresql`, or run scripts/ensure-postgres.sh), then run the tests again"
)


def binaries() -> Path:
    """The directory with ``initdb`` and ``pg_ctl`` (PATH first, then Debian's /usr/lib/postgresql/*/bin)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail(INSTALL)
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """One throwaway server; :attr:`url` is what ``pulumi login`` takes, :meth:`connect` what psycopg does."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="instantly-pg-"))
        self.port = _free_port()
        self.user = "pulumi"
        self.database = "state"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail(f"running as root needs the `postgres` user to run the server: {INSTALL}")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        """The Pulumi backend URL (the DIY PostgreSQL backend)."""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}?sslmode=disable"

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"`{' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{tail}")

    def start(self) -> PostgresServer:
        """initdb (trust on loopback: a test server), start, create the state database."""
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -F"  # -F: no fsync, a throwaway server
        log = str(self.dir / "server.log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.database}")
        return self

    def dsn(self, database: str | None = None) -> str:
        """A libpq connection string for psycopg."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database or self.database}"

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """A connection to the state database."""
        return psycopg.connect(self.dsn(), autocommit=True)

    def stop(self) -> None:
        """Stop the server and delete its files."""
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*self._as, str(self.bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)

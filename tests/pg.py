"""A throwaway PostgreSQL cluster for the test suite (Debian's binaries, loopback, temp folder)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.browser.server import free_port


def pg_bin_dir() -> Path | None:
    """Return the folder of Debian's PostgreSQL server binaries, newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; run them as Debian's postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PgCluster:
    """initdb + pg_ctl in a temporary folder, trust auth on 127.0.0.1 only.

    Given a root folder, the cluster is kept there instead: start() reuses a data folder that is
    already initialised, and stop() shuts it down cleanly and leaves it (the benchmark keeps its
    20,000-staff organisation this way, which takes many minutes to seed)."""

    def __init__(self, root: Path | None = None) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError(
                "PostgreSQL server binaries are missing: run `make test` (it installs Debian's "
                "postgresql package) or apt-get install postgresql"
            )
        self.bin = bin_dir
        self.port = free_port()
        self.keep = root is not None
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        self.root = root or Path(tempfile.mkdtemp(prefix="training-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.started = False

    def start(self) -> PgCluster:
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        self._start()
        return self

    def _initdb(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F "
            "-c max_connections=200 -c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.root / "log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )
        self.started = True

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        for _ in range(20):
            try:
                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                    autocommit=True,
                ) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except psycopg.OperationalError:
                time.sleep(0.3)
        raise RuntimeError("could not create a test database")

    def stop(self) -> None:
        mode = "fast" if self.keep else "immediate"  # a kept cluster must come back intact
        if self.started:
            subprocess.run(
                _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"]),
                capture_output=True,
                timeout=120,
            )
            self.started = False
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

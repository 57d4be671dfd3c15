"""Start and stop a real `streamlit run app.py` for the browser journeys."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A streamlit server process on a loopback port, with its output collected."""

    def __init__(
        self,
        database_url: str,
        *,
        port: int | None = None,
        env: dict | None = None,
        root: Path | None = None,
    ):
        self.database_url = database_url
        self.root = root or ROOT  # another checkout of the app, for before/after benchmarks
        self.port = port or free_port()
        self.extra_env = env or {}
        self.output: list[str] = []
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        env = dict(os.environ)
        env.update(
            TRAINING_DATABASE_URL=self.database_url,
            TRAINING_FAST_HASH="1",
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        self.output = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("streamlit exited early:\n" + "".join(self.output))
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("streamlit did not start:\n" + "".join(self.output))

    def _collect(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            self.output.append(line)

    def setup_code(self, timeout: float = 10) -> str:
        """Return the first-run setup code the server printed."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = re.findall(r"\b([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})\b", "".join(self.output))
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError("no setup code printed:\n" + "".join(self.output))

    def stop(self, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

"""Start and stop the real OpenID provider (tests/oidc/provider.js) on a loopback port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "training-app"
CLIENT_SECRET = "test-only-client-secret"
MAX_SECONDS = 600  # the provider exits by itself after this, whatever happens to the tests


class OidcProvider:
    """The `oidc-provider` package serving provider.js's accounts on 127.0.0.1:port."""

    def __init__(self, port: int, redirect_uris: list[str]):
        self.port = port
        self.redirect_uris = redirect_uris
        self.output: list[str] = []
        self.proc: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def app_env(self) -> dict[str, str]:
        """Return the environment that points the app at this provider."""
        return {
            "TRAINING_SSO_METADATA_URL": self.metadata_url,
            "TRAINING_SSO_CLIENT_ID": CLIENT_ID,
            "TRAINING_SSO_CLIENT_SECRET": CLIENT_SECRET,
            "TRAINING_SSO_PROVIDER_NAME": "Test Provider",
        }

    def start(self, timeout: float = 30) -> OidcProvider:
        node = shutil.which("node")
        if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(
                "node or tests/oidc/node_modules is missing: run `make oidc-provider`"
            )
        env = dict(os.environ)
        env.update(
            OIDC_PORT=str(self.port),
            OIDC_REDIRECT_URIS=",".join(self.redirect_uris),
            OIDC_MAX_SECONDS=str(MAX_SECONDS),
        )
        self.proc = subprocess.Popen(
            [node, "provider.js"],
            cwd=OIDC_DIR,
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
                raise RuntimeError("oidc-provider exited early:\n" + "".join(self.output))
            try:
                with urllib.request.urlopen(self.metadata_url, timeout=2) as r:
                    if json.load(r).get("issuer") == self.issuer:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("oidc-provider did not start:\n" + "".join(self.output))

    def _collect(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

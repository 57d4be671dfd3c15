"""Backup and restore while the app is running, through the CLI, checked in the browser."""

from __future__ import annotations

import os
import subprocess
import sys

from playwright.sync_api import expect

from tests.browser.helpers import TIMEOUT, sign_in
from tests.conftest import PASSWORD, ROOT, make_user


def store_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TRAINING_DATABASE_URL=url)
    return subprocess.run(
        [sys.executable, "-m", "store", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_and_restore_round_trip_while_the_app_runs(server, context, tmp_path):
    make_user("eve", name="Eve Example")
    backup = tmp_path / "backup.db"
    result = store_cli(server.database_url, "backup", str(backup))
    assert result.returncode == 0, result.stderr

    make_user("late", name="Late Person")  # added after the backup
    page = context.new_page()
    sign_in(page, server.url, "late", PASSWORD)

    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    refused = store_cli(server.database_url, "restore", str(junk))
    assert refused.returncode == 1 and "not a backup" in refused.stderr

    result = store_cli(server.database_url, "restore", str(backup))
    assert result.returncode == 0, result.stderr

    # the running app now serves the restored data: "late" is gone, "eve" still signs in
    other = context.browser.new_context().new_page()
    other.goto(server.url + "/")
    other.get_by_label("Username").fill("late")
    other.get_by_label("Password", exact=True).fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_text("Wrong username or password.")).to_be_visible(timeout=TIMEOUT)
    sign_in(other, server.url, "eve", PASSWORD)

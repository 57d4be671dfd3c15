"""Backup while the app runs; restore refused until it is stopped, and it ends every sign-in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from store import db
from tests.browser.helpers import TIMEOUT, sign_in, sign_out, wait_ready
from tests.factories import PASSWORD, ROOT, make_user
from ui.server import COOKIE_NAME

pytestmark = pytest.mark.usefixtures("fresh_db")


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


def test_restore_is_refused_while_the_app_runs_and_old_cookies_die_with_it(
    server, context, tmp_path
):
    make_user("eve", name="Eve Example")
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)

    backup = tmp_path / "backup.db"
    result = store_cli(server.database_url, "backup", str(backup))  # while the app runs
    assert result.returncode == 0, result.stderr
    sign_out(page)  # the backup still holds this session's row
    make_user("late", name="Late Person")  # added after the backup

    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    refused = store_cli(server.database_url, "restore", str(junk))
    assert refused.returncode == 1 and "not a backup" in refused.stderr

    db.dispose_engines()  # this test process lets go; the server still has the database open
    refused = store_cli(server.database_url, "restore", str(backup))
    assert refused.returncode == 1, refused.stdout
    assert "is in use" in refused.stderr and "Stop every app process first" in refused.stderr
    sign_in(page, server.url, "late", PASSWORD)  # nothing was restored

    server.stop()
    result = store_cli(server.database_url, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "Ended 1 sign-in session: everyone signs in again." in result.stdout
    server.start()

    # The cookie signed out before the restore was in the backup; it opens nothing now.
    fresh = context.browser.new_context()
    fresh.add_cookies([cookie])
    other = fresh.new_page()
    other.goto(server.url + "/")
    wait_ready(other)
    expect(other.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
    expect(other.get_by_role("button", name="Sign out")).to_have_count(0)
    # The restored data: "late" is gone, "eve" still signs in.
    other.get_by_label("Username").fill("late")
    other.get_by_label("Password", exact=True).fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_text("Wrong username or password.")).to_be_visible(timeout=TIMEOUT)
    sign_in(other, server.url, "eve", PASSWORD)
    fresh.close()

"""Foundation journeys in a real browser: first run, people, persistent sign-in, backoff."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from store import accounts, throttle
from store.db import session_scope
from store.models import SignInThrottle
from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, choose, sign_in, sign_out, wait_ready
from tests.browser.server import Server
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

PAGE_PATHS = [
    "/",
    "/module?id=empathy",
    "/progress",
    "/account",
    "/team",
    "/assign",
    "/studio",
    "/item-analysis",
    "/people",
]


def test_every_url_before_sign_in_shows_only_sign_in(server, context):
    make_user("admin1", "admin", name="Secret Admin")
    page = context.new_page()
    for path in PAGE_PATHS:
        page.goto(server.url + path)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
        wait_ready(page)
        body = page.inner_text("body")
        assert "Secret Admin" not in body, path
        assert "People and teams" not in body, path
    shot(page, "signed-out")


def test_first_run_people_and_persistent_sign_in(server, context, browser):
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.get_by_text("set up your training app")).to_be_visible(timeout=TIMEOUT)
    shot(page, "first-run")
    page.get_by_label("Setup code").fill(server.setup_code())
    page.get_by_label("Your name").fill("Ada Admin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)

    # the admin creates a team, a manager and an employee
    page.goto(server.url + "/people")
    wait_ready(page)
    page.get_by_role("tab", name="Teams").click()
    page.get_by_label("New team name").fill("Front desk")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_text("Created team Front desk")).to_be_visible(timeout=TIMEOUT)
    passwords = {}
    for username, name, role in [
        ("mia", "Mia Manager", "Manager"),
        ("eve", "Eve Example", "Employee"),
    ]:
        page.get_by_role("tab", name="People").click()
        form = page.locator("[data-testid='stForm']").filter(
            has=page.get_by_role("button", name="Add person")
        )
        if not form.get_by_label("Username").is_visible():
            page.get_by_text("Add a person").click()
        form.get_by_label("Username").fill(username)
        form.get_by_label("Name", exact=True).fill(name)
        choose(page, form.get_by_label("Role"), role)
        choose(page, form.get_by_label("Team"), "Front desk")
        form.get_by_role("button", name="Add person").click()
        message = page.get_by_text(f"Added {name} (").last
        expect(message).to_be_visible(timeout=TIMEOUT)
        passwords[username] = message.inner_text().split("Temporary password: ")[1].split()[0]
        wait_ready(page)
    shot(page, "people")
    assert accounts.get_user_by_username("eve").team_id is not None
    sign_out(page)

    # the employee signs in with the temporary password and chooses their own
    page.get_by_label("Username").fill("eve")
    page.get_by_label("Password", exact=True).fill(passwords["eve"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Choose a new password")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("textbox", name="Current password").fill(passwords["eve"])
    page.get_by_role("textbox", name="New password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)

    cookie = next(c for c in context.cookies() if c["name"] == "training_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # refresh and a new tab keep the sign-in
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    tab = context.new_page()
    tab.goto(server.url + "/account")
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    expect(tab.get_by_text("Signed in as Eve Example")).to_be_visible(timeout=TIMEOUT)
    tab.close()

    # the employee cannot see people data at /people
    page.goto(server.url + "/people")
    wait_ready(page)
    body = page.inner_text("body")
    assert "Mia Manager" not in body and "Add a person" not in body

    # sign out, refresh: signed out, and the old cookie no longer works
    old_cookie = dict(cookie)
    page.goto(server.url + "/")
    wait_ready(page)
    sign_out(page)
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
    replay = browser.new_context()
    replay.add_cookies([{k: old_cookie[k] for k in ("name", "value", "domain", "path")}])
    replayed = replay.new_page()
    replayed.goto(server.url + "/account")
    expect(replayed.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
    replay.close()


def test_a_sign_in_wait_survives_a_restart_and_the_console_clears_it(fresh_db, context):
    make_user("eve", name="Eve Example")
    server = Server(fresh_db).start()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        for _ in range(7):  # five free tries, then a wait that grows with each failure
            page.get_by_label("Username").fill("eve")
            page.get_by_label("Password", exact=True).fill("not my password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator("[data-testid='stAlertContentError']")).to_be_visible(
                timeout=TIMEOUT
            )
            wait_ready(page)
        shot(page, "sign-in-wait")
    finally:
        server.stop()
    with session_scope() as s:  # as if someone kept guessing: a long wait is running
        row = s.get(SignInThrottle, throttle.account_key("eve"))
        row.failures, row.blocked_until = 20, accounts.now_utc() + timedelta(minutes=5)
        s.add(row)
    server = Server(fresh_db, port=server.port).start()
    try:
        page.goto(server.url + "/")
        page.get_by_label("Username").fill("eve")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Too many sign-in attempts. Try again in")).to_be_visible(
            timeout=TIMEOUT
        )
        assert page.get_by_role("button", name="Sign out").count() == 0
        done = subprocess.run(
            [sys.executable, "-m", "store", "unlock", "eve"],
            env={**os.environ, "TRAINING_DATABASE_URL": fresh_db},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    finally:
        server.stop()


def test_a_new_session_signs_in_after_sign_out(server, context):
    make_user("eve", name="Eve Example")
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    wait_ready(page)
    sign_out(page)
    sign_in(page, server.url, "eve", PASSWORD)

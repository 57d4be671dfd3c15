"""Forgot password: ask on the sign-in page, read the mail, open the link, set it, sign in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from store import accounts, contact
from tests.browser.helpers import TIMEOUT, sign_in, wait_ready
from tests.browser.server import Server, free_port
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "plum orbit lantern seven"


def test_a_person_resets_a_forgotten_password_through_the_mailed_link(
    fresh_db, smtp_server, context
):
    user = make_user("jo", name="Jo Tester")
    contact.set_email(user_id=user.id, actor_id=None, email="jo@example.com")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server(
        fresh_db,
        port=port,
        env={
            "TRAINING_SMTP_URL": smtp_server.url(),
            "TRAINING_MAIL_FROM": "training@example.com",
            "TRAINING_BASE_URL": base,
        },
    ).start()
    try:
        page = context.new_page()
        page.goto(base + "/")
        wait_ready(page)
        page.get_by_text("Forgot your password?").click()
        page.get_by_label("Username or email").fill("jo@example.com")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_text("a link to choose a new password is on its way")).to_be_visible(
            timeout=TIMEOUT
        )

        mail = smtp_server.wait_for(1, timeout=20)[0]
        assert mail.recipients == ["jo@example.com"]
        text = mail.message.get_body(("plain",)).get_content()
        link = re.search(re.escape(base) + r"/\?reset=[A-Za-z0-9_-]+", text).group(0)

        page.goto(link)
        wait_ready(page)
        expect(page.get_by_text("Choose a new password")).to_be_visible(timeout=TIMEOUT)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set new password").click()
        expect(page.get_by_text("Your password is changed")).to_be_visible(timeout=TIMEOUT)

        sign_in(page, base, "jo", NEW_PASSWORD)
        assert accounts.authenticate(username="jo", password=PASSWORD).user is None

        page.goto(link)  # used up: signed in, the app shows the home page, not the form
        wait_ready(page)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Choose a new password")).to_have_count(0)
    finally:
        server.stop()

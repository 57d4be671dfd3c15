"""app.py: first run, sign-in form, forced password change, navigation by role."""

import re

import pytest

from store import accounts
from tests.factories import PASSWORD, make_user, page_test

pytestmark = pytest.mark.usefixtures("fresh_db")


def sign_in(at, username, password=PASSWORD):
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return at.run()


def test_first_run_page_creates_the_admin_with_the_setup_code(capsys):
    at = page_test("app.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("Welcome")
    assert accounts.setup_code_exists()
    (code,) = re.findall(r"\b[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}\b", capsys.readouterr().out)
    at.run()  # a second run (or process) neither prints nor replaces the code
    assert code not in capsys.readouterr().out
    at.text_input(key="first_run_code").input("WRONG-CODE")
    at.text_input(key="first_run_name").input("Ada Admin")
    at.text_input(key="first_run_password").input(PASSWORD)
    at.text_input(key="first_run_confirm").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert "setup code is not right" in at.error[0].value
    assert accounts.count_users() == 0
    at.text_input(key="first_run_code").input(code)
    at.button[0].click()
    at.run()
    assert not at.exception
    admin = accounts.get_user_by_username("admin")
    assert admin is not None and admin.role == "admin"


def test_sign_in_form_signs_in_and_wrong_password_is_refused():
    make_user("eve", name="Eve Example")
    at = page_test("app.py").run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    sign_in(at, "eve", "wrong password")
    assert at.error[0].value == accounts.WRONG_CREDENTIALS
    sign_in(at, "eve")  # no browser cookie here: the sign-in holds for this tab
    assert not at.exception
    assert "session_token" in at.session_state
    assert any(b.label == "Sign out" for b in at.sidebar.button)


def test_employee_navigation_has_no_admin_pages():
    eve = make_user("eve")
    at = page_test("app.py", eve).run()
    assert not at.exception
    labels = str(at)
    assert "People and teams" not in labels


def test_sign_out_ends_the_session():
    eve = make_user("eve")
    at = page_test("app.py", eve).run()
    token = at.session_state["session_token"]
    at.sidebar.button(key="sign_out").click()
    at.run()
    assert accounts.user_for_token(token) is None


def test_temporary_password_must_be_changed_first():
    admin = make_user("boss", "admin")
    eve = make_user("eve")
    accounts.reset_password(user_id=eve.id, new_password="temporary pass 1", actor_id=admin.id)
    eve = accounts.get_user(eve.id)
    at = page_test("app.py", eve).run()
    assert at.title[0].value == "Choose a new password"
    at.text_input(key="forced_change_current").input("temporary pass 1")
    at.text_input(key="forced_change_new").input("my own password")
    at.text_input(key="forced_change_again").input("my own password")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert not accounts.get_user(eve.id).must_change_password

"""The Sign-in links page (QR code), the People page's sign-in column and the sign-in form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from store import accounts, sign_in_links, sso
from tests.factories import make_user, page_test, page_text

PAGE = "pages/sign_in_links.py"


@pytest.fixture
def org(fresh_db):
    a = accounts.create_team(name="Counter A", actor_id=None)
    b = accounts.create_team(name="Counter B", actor_id=None)
    manager = make_user("mia", "manager")
    accounts.set_team_managers(team_id=a.id, user_ids=[manager.id], actor_id=None)
    return {
        "admin": make_user("boss", "admin", name="Boss Admin"),
        "manager": manager,
        "mine": make_user("ali", team_id=a.id, name="Ali Counter"),
        "theirs": make_user("bo", team_id=b.id, name="Bo Elsewhere"),
    }


def test_a_manager_shows_a_qr_code_for_an_employee_of_their_team_only(org):
    at = page_test(PAGE, org["manager"]).run()
    assert not at.exception
    assert at.selectbox(key="sign_in_links_person").options == ["Ali Counter (ali)"]
    at.button[0].click()
    at.run()
    assert not at.exception
    assert len(at.get("image")) == 1  # the QR code
    url = at.code[0].value
    token = parse_qs(urlsplit(url).query)["token"][0]
    assert urlsplit(url).path == "/api/sign-in-link"
    assert sign_in_links.person_for_link(token).id == org["mine"].id
    assert "Bo Elsewhere" not in page_text(at)


def test_an_admin_reaches_everyone_and_an_employee_is_refused(org):
    at = page_test(PAGE, org["admin"]).run()
    options = at.selectbox(key="sign_in_links_person").options
    assert "Bo Elsewhere (bo)" in options and "Ali Counter (ali)" in options
    refused = page_test(PAGE, org["mine"]).run()
    assert not refused.exception
    assert [e.value for e in refused.error] == ["You do not have access to this page."]
    assert not refused.get("image") and not refused.selectbox


def test_the_people_page_says_how_each_person_signs_in(org):
    sign_in_links.issue_link(actor_id=org["admin"].id, user_id=org["mine"].id)
    at = page_test("pages/people.py", org["admin"]).run()
    frame = at.dataframe[0].value
    ways = dict(zip(frame["Username"], frame["Signs in with"], strict=True))
    assert ways["ali"] == "password, sign-in link" and ways["bo"] == "password"


def test_the_sign_in_form_offers_single_sign_on_and_explains_a_refusal(fresh_db, monkeypatch):
    make_user("boss", "admin")
    monkeypatch.setenv("TRAINING_SSO_METADATA_URL", "http://127.0.0.1:9/.well-known/x")
    monkeypatch.setenv("TRAINING_SSO_CLIENT_ID", "app")
    monkeypatch.setenv("TRAINING_SSO_PROVIDER_NAME", "Contoso")
    at = page_test("app.py")
    at.query_params["sign_in_error"] = "deactivated"
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == [
        "Sign in with Contoso",
        "Sign in",
        "Forgot your password?",
    ]
    assert at.error[0].value == sso.REFUSALS["deactivated"]
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "off")
    at = page_test("app.py").run()
    assert [b.label for b in at.button] == ["Sign in with Contoso"]
    assert not at.text_input
    monkeypatch.setenv("TRAINING_PASSWORD_SIGN_IN", "admins")
    at = page_test("app.py").run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert "administrators only" in page_text(at)


def test_the_account_page_offers_no_password_change_to_someone_without_a_password(org):
    with_password = page_test("pages/account.py", org["mine"]).run()
    assert "Current password" in [t.label for t in with_password.text_input]
    newcomer = make_user("nina", must_change_password=True)
    token = sign_in_links.issue_link(actor_id=org["admin"].id, user_id=newcomer.id)
    sign_in_links.redeem_link(token, browser_secret="tablet")  # voids the temporary password
    at = page_test("pages/account.py", accounts.get_user(newcomer.id)).run()
    assert not at.exception
    assert not at.text_input
    assert "You have no password here" in page_text(at)

"""Single sign-on and sign-in links in a real browser, against the real `oidc-provider`."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from store import accounts, sign_in_links, sso
from store.db import session_scope
from store.models import AuditLog, AuthSession, Team, User
from tests.browser.conftest import shot
from tests.browser.helpers import TIMEOUT, choose, sign_in, wait_ready
from tests.browser.server import Server, free_port
from tests.factories import PASSWORD, make_user
from tests.oidc_provider import OidcProvider


def _with_email(user, email: str, *, active: bool = True) -> None:
    with session_scope() as s:
        row = s.get(User, user.id)
        row.email, row.active = email, active
        s.add(row)


def _loopback_only(context) -> None:
    # The provider's development pages ask for a web font; nothing leaves this machine.
    def handle(route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", handle)


def _new_page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    _loopback_only(context)
    return context.new_page()


def _start_sso(page: Page, base: str, screenshot: str | None = None) -> None:
    page.goto(base + "/")
    button = page.get_by_role("button", name="Sign in with Test Provider")
    if screenshot:
        expect(button).to_be_visible(timeout=TIMEOUT)
        shot(page, screenshot)
    button.click()
    page.wait_for_selector("input[name=login]", timeout=TIMEOUT)


def _provider_sign_in(page: Page, login: str) -> None:
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.get_by_role("button", name="Sign-in").click()  # no consent screen: first-party app


def _signed_in(page: Page) -> None:
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)


def _refused(page: Page, code: str) -> None:
    expect(page.get_by_text(sso.REFUSALS[code])).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def _sessions(user_id: int) -> int:
    with session_scope(write=False) as s:
        return len(list(s.exec(select(AuthSession).where(AuthSession.user_id == user_id))))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _authorization_request(base: str) -> str:
    """Return where /api/sso/start sends a browser (its pre-sign-in cookie set by hand)."""
    request = urllib.request.Request(
        base + "/api/sso/start", headers={"Cookie": "training_presign=test-browser"}
    )
    opener = urllib.request.build_opener(_NoRedirects)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=10)
    assert answer.value.code == 303
    return answer.value.headers["location"]


def _tamper(param: str):
    """Return a route handler that changes one parameter of the redirect to the provider."""

    def handle(route):
        answer = route.fetch(max_redirects=0)
        parts = urlsplit(answer.headers["location"])
        query = dict(parse_qsl(parts.query))
        value = query[param]
        query[param] = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
        tampered = urlunsplit(parts._replace(query=urlencode(query)))
        route.fulfill(status=303, headers={"location": tampered})

    return handle


@pytest.fixture
def sso_app(fresh_db, tmp_path):
    """The app and a real OpenID provider that knows the app's callback, both on loopback."""
    port = free_port()
    provider = OidcProvider(free_port(), [f"http://127.0.0.1:{port}/api/sso/callback"]).start()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[sso]\nunknown_people = "refuse"\n')
    env = provider.app_env() | {"TRAINING_SECRETS_FILE": str(secrets)}
    server = Server(fresh_db, port=port, env=env).start()
    yield server, provider, secrets
    server.stop()
    provider.stop()


def test_single_sign_on_matches_verified_email_and_refuses_the_rest(sso_app, browser):
    server, provider, secrets = sso_app
    base = server.url
    make_user("boss", "admin")
    known = make_user("known", name="Known Person")
    _with_email(known, "known.person@example.com")  # the provider says Known.Person@Example.COM
    gone = make_user("gone", name="Gone Person")
    _with_email(gone, "gone@example.com", active=False)

    # A known person: matched by verified email (any case), signed in with an HttpOnly cookie.
    page = _new_page(browser)
    _start_sso(page, base, screenshot="sso-sign-in-page")
    _provider_sign_in(page, "known")
    _signed_in(page)
    assert page.get_by_text("Known Person").first.is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "training_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert _sessions(known.id) == 1
    # Sign-out ends the session on the server, and a reload stays signed out.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Test Provider")).to_be_visible(
        timeout=TIMEOUT
    )
    assert _sessions(known.id) == 0
    page.reload()
    expect(page.get_by_role("button", name="Sign in with Test Provider")).to_be_visible(
        timeout=TIMEOUT
    )
    page.context.close()

    # A tampered state: the state sent to the provider (and so the one that comes back) is
    # not the one the app recorded, and the answer is refused. So is a tampered nonce (the
    # ID token then carries another one) and a tampered PKCE challenge (the code is refused).
    for param, code in (("state", "state"), ("nonce", "provider"), ("code_challenge", "provider")):
        page = _new_page(browser)
        page.route("**/api/sso/start*", _tamper(param))
        _start_sso(page, base)
        _provider_sign_in(page, "known")
        _refused(page, code)
        page.context.close()
    assert _sessions(known.id) == 0

    # Someone the app does not know is refused with a clear message.
    page = _new_page(browser)
    _start_sso(page, base)
    _provider_sign_in(page, "newcomer")
    _refused(page, "unknown")
    page.context.close()
    assert accounts.get_user_by_username("newcomer") is None

    # A deactivated person is refused whatever the provider says.
    page = _new_page(browser)
    _start_sso(page, base)
    _provider_sign_in(page, "gone")
    _refused(page, "deactivated")
    page.context.close()
    assert _sessions(gone.id) == 0

    # With unknown_people = "create", the newcomer arrives as an employee of the default team.
    secrets.write_text('[sso]\nunknown_people = "create"\ndefault_team = "Front desk"\n')
    page = _new_page(browser)
    _start_sso(page, base)
    _provider_sign_in(page, "newcomer")
    _signed_in(page)
    page.context.close()
    newcomer = accounts.get_user_by_username("newcomer")
    assert newcomer is not None and newcomer.role == "employee"
    with session_scope(write=False) as s:
        assert s.get(Team, newcomer.team_id).name == "Front desk"
        rows = list(s.exec(select(AuditLog).order_by(AuditLog.id)))
    assert [a.action for a in rows].count("sso_sign_in") == 2
    assert [a.detail for a in rows if a.action == "sso_sign_in_refused"] == [
        "state",
        "provider: token checks",  # the nonce
        "provider: token checks",  # the PKCE challenge
        "unknown",
        "deactivated",
    ]
    assert "nonce" in "".join(server.output) and "invalid_grant" in "".join(server.output)

    # On shared computers the provider can be told to ask every time.
    secrets.write_text('[sso]\nprompt = "login"\n')
    location = _authorization_request(base)
    assert location.startswith(provider.issuer + "/auth?")
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["prompt"] == "login" and query["code_challenge_method"] == "S256"
    assert query["nonce"] and query["state"] and query["redirect_uri"].startswith(base)


def test_a_sign_in_link_signs_in_once(server, browser):
    make_user("boss", "admin")
    make_user("counter", name="Counter Person")

    # An administrator shows the QR code and link on the Sign-in links page.
    page = _new_page(browser)
    sign_in(page, server.url, "boss", PASSWORD)
    page.goto(server.url + "/sign-in-links")
    wait_ready(page)
    choose(page, page.get_by_label("Person"), "Counter Person")
    page.get_by_role("button", name="Show sign-in link").click()
    expect(page.get_by_role("img").first).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    shot(page, "sign-in-link-qr")
    url = page.locator("[data-testid='stCode'] code").inner_text().strip()
    assert url.startswith(server.url + "/api/sign-in-link?token=")
    page.context.close()

    # A form on another site cannot spend it (nor sign a browser in as that person).
    token = parse_qs(urlsplit(url).query)["token"][0]
    request = urllib.request.Request(
        server.url + "/api/sign-in-link",
        data=urlencode({"token": token}).encode(),
        headers={"Origin": "http://evil.example", "Cookie": "training_presign=x"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert sign_in_links.person_for_link(token) is not None

    # The shared device opens it and signs the person in.
    page = _new_page(browser)
    page.goto(url)
    page.get_by_role("button", name="Sign in as Counter Person").click()
    _signed_in(page)
    assert page.get_by_text("Counter Person").first.is_visible()
    page.context.close()

    # A second use is refused.
    again = _new_page(browser)
    again.goto(url)
    expect(again.get_by_text(sign_in_links.USED_OR_EXPIRED)).to_be_visible(timeout=TIMEOUT)
    again.goto(server.url + "/")
    expect(again.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
    again.context.close()

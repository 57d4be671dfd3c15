"""The HTTP layer against a real server: websocket origins, clear-cache, login CSRF, sign-out,
headers, error messages."""

from __future__ import annotations

import base64
import os
import re
import socket
import time
import tomllib

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from store import accounts, db, roster, throttle
from tests.browser.helpers import TIMEOUT, go_to, sign_in, wait_ready
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, Server, free_port
from tests.factories import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")


def handshake(server: Server, origin: str | None, cookie: str = "", host: str = "") -> int:
    """Open /_stcore/stream with a real websocket handshake; return the HTTP status."""
    lines = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {host or f'127.0.0.1:{server.port}'}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: streamlit",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def admin_cookie() -> str:
    admin = make_user("boss", "admin", name="Secret Admin")
    token, ticket = accounts.create_session(user_id=admin.id, browser_secret="b")
    token, _ = accounts.redeem_ticket(ticket, browser_secret="b")
    return f"training_session={token}"


def test_a_websocket_from_another_origin_is_refused(server):
    cookie = admin_cookie()
    own = f"http://127.0.0.1:{server.port}"
    assert handshake(server, own, cookie) == 101
    # another port of the same host (Streamlit itself lets localhost origins in), other
    # sites and sandboxed frames
    for origin in (
        f"http://127.0.0.1:{free_port()}",
        f"http://localhost:{server.port}",
        f"https://127.0.0.1:{server.port}",
        "http://evil.example",
        "null",
    ):
        assert handshake(server, origin, cookie) == 403, origin
    # a program, not a browser (browsers always send Origin), holding its own cookie
    assert handshake(server, None, cookie) == 101
    assert any("Refused a websocket" in line for line in server.output)


def test_with_a_public_url_only_that_origin_may_open_the_websocket(fresh_db):
    server = Server(fresh_db, env={"TRAINING_BASE_URL": "https://training.example.com/"})
    server.start()
    try:
        # behind the proxy, which passes the public Host on
        proxied = {"host": "training.example.com"}
        assert handshake(server, "https://training.example.com", **proxied) == 101
        assert handshake(server, "http://training.example.com", **proxied) == 403
        assert handshake(server, "https://other.example.com", **proxied) == 403
        assert handshake(server, f"http://127.0.0.1:{server.port}") == 403
    finally:
        server.stop()


def test_security_headers_are_on_every_response(server, context):
    response = context.request.get(server.url + "/")
    for path in ("/", "/people", "/_stcore/health", "/api/session/end"):
        response = context.request.get(server.url + path, max_redirects=0)
        headers = response.headers
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["referrer-policy"] == "same-origin", path


def _strip_presign_cookie(route):
    response = route.fetch()
    dropped = {"set-cookie", "content-encoding", "content-length"}
    headers = {k: v for k, v in response.headers.items() if k.lower() not in dropped}
    route.fulfill(status=response.status, headers=headers, body=response.body())


# Keep a handle on the page's own websocket, as anyone can from the browser's console.
KEEP_WEBSOCKET = """
(() => {
  const Original = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Original(...args);
    window.__streamlitSocket = ws;
    return ws;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, Original);
})();
"""


@pytest.fixture
def page_without_presign(server, browser):
    """A page whose HTML responses lose their Set-Cookie (as if cookies were blocked)."""
    # A document fulfilled by Playwright counts as "public" to Chromium's local network
    # access checks, which would then refuse its websocket to 127.0.0.1.
    own = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    page = own.new_page()
    page.route(server.url + "/", _strip_presign_cookie)
    yield page
    own.close()


def test_the_browser_cannot_clear_every_cache(server, page_without_presign):
    make_user("eve", name="Eve Example")
    page = page_without_presign
    # Without the pre-sign-in cookie the sign-in lives in this tab's session state, which
    # Streamlit's clear_cache command also empties: a clean way to see whether it ran.
    page.add_init_script(KEEP_WEBSOCKET)
    page.goto(server.url + "/")
    page.get_by_label("Username").fill("eve")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    wait_ready(page)
    clear = list(BackMsg(clear_cache=True).SerializeToString())
    page.evaluate("(b) => window.__streamlitSocket.send(new Uint8Array(b))", clear)
    page.wait_for_timeout(500)
    go_to(page, "My progress")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    assert page.get_by_role("button", name="Sign in").count() == 0
    assert any("Ignored a clear_cache request" in line for line in server.output)


def test_an_attackers_sign_in_ticket_does_not_sign_a_victim_in(server, browser):
    make_user("mallory", name="Mallory Attacker")
    attacker = browser.new_context()
    page = attacker.new_page()
    tickets = []

    def keep_ticket(route):
        tickets.append(route.request.url)
        route.abort()

    page.route("**/api/session/complete*", keep_ticket)
    page.goto(server.url + "/")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_timeout(3000)
    attacker.close()
    assert tickets, "the sign-in never asked for its cookie"

    victim = browser.new_context()
    try:
        tab = victim.new_page()
        tab.goto(server.url + "/")  # the victim has been on the site: has its own cookie
        wait_ready(tab)
        tab.goto(tickets[0])  # a link on the attacker's page
        expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)
        assert "training_session" not in {c["name"] for c in victim.cookies()}
        assert "Mallory" not in tab.inner_text("body")
    finally:
        victim.close()


def test_sign_out_needs_a_post_from_this_site(server, context):
    make_user("eve", name="Eve Example")
    page = context.new_page()
    sign_in(page, server.url, "eve", PASSWORD)
    token = next(c["value"] for c in context.cookies() if c["name"] == "training_session")
    # a link or an image on another site
    page.goto(server.url + "/api/session/end")
    wait_ready(page)
    assert accounts.user_for_token(token) is not None
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT)
    # a form on another site
    refused = context.request.post(
        server.url + "/api/session/end", headers={"Origin": "http://evil.example"}
    )
    assert refused.status == 403
    assert accounts.user_for_token(token) is not None
    done = context.request.post(
        server.url + "/api/session/end", headers={"Origin": server.url}, max_redirects=0
    )
    assert done.status == 303
    assert accounts.user_for_token(token) is None


def test_an_error_shows_a_plain_message_and_no_traceback(server, context):
    make_user("eve", name="Eve Example")
    with db.get_engine(server.database_url).begin() as conn:  # break the app underneath
        conn.exec_driver_sql("DROP TABLE signinthrottle")
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Username").fill("eve")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Something went wrong on this page")).to_be_visible(timeout=TIMEOUT)
    body = page.inner_text("body")
    for leak in ("Traceback", "signinthrottle", "sqlalchemy", "OperationalError", ".py"):
        assert leak not in body, leak
    reference = body.split("reference ")[1].split(".")[0].strip("* ")
    assert any(reference in line for line in server.output)  # the details are in the log


def test_the_config_hides_error_details_and_caps_uploads():
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["server"]["maxUploadSize"] * 1024 * 1024 >= roster.MAX_BYTES
    assert settings["server"]["maxUploadSize"] <= 10


def test_backoff_counts_the_address_the_local_proxy_reports(server, browser):
    make_user("eve", name="Eve Example")
    proxied = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.5"})
    try:
        page = proxied.new_page()
        page.goto(server.url + "/")
        page.get_by_label("Username").fill("eve")
        page.get_by_label("Password", exact=True).fill("not my password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(accounts.WRONG_CREDENTIALS)).to_be_visible(timeout=TIMEOUT)
    finally:
        proxied.close()
    attempts = {(r.kind, r.name): r.failures for r in throttle.under_attack(min_failures=1)}
    assert attempts == {("account", "eve"): 1, ("address", "203.0.113.5"): 1}


def test_a_second_server_on_the_same_database_keeps_the_first_ones_setup_code(fresh_db):
    first = Server(fresh_db).start()
    try:
        code = first.setup_code()
        second = Server(fresh_db).start()
        try:
            wait = time.time() + 5
            while time.time() < wait and "printed by the server process" not in "".join(
                second.output
            ):
                time.sleep(0.2)
            out = "".join(second.output)
            assert "printed by the server process that made it" in out
            assert re.search(r"\b[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}\b", out) is None
        finally:
            second.stop()
    finally:
        first.stop()
    admin = accounts.create_first_admin(
        setup_code=code, username="root", name="Root", password=PASSWORD
    )
    assert admin.role == "admin"

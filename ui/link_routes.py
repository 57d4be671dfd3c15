"""The route a one-time sign-in link (or its QR code) opens on a shared device.

GET shows whom the link is for and a "Sign in as ..." button, and uses nothing up: a chat
app's link preview or a mail scanner that fetches the link must not spend it. The button
POSTs back from this site's own page; that uses the link up and sets the session cookie.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from store import sign_in_links

LINK_PATH = "/api/sign-in-link"
MAX_BODY = 4096

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Service Quality Training</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem;
       color: #262730; }}
button {{ font-size: 1.1rem; padding: .7rem 1.2rem; border-radius: .5rem; border: 0;
          background: #0072B2; color: white; cursor: pointer; width: 100%; }}
a {{ color: #0072B2; }}
</style></head>
<body><h1>Service Quality Training</h1>{body}</body></html>"""


def link_url(base: str, token: str) -> str:
    """Return the address a sign-in link opens (base: the app's own origin)."""
    return f"{base.rstrip('/')}{LINK_PATH}?token={token}"


def _page(body: str, status: int = 200) -> Response:
    response = HTMLResponse(_PAGE.format(body=body), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused() -> Response:
    message = html.escape(sign_in_links.USED_OR_EXPIRED)
    return _page(f'<p role="alert">{message}</p><p><a href="/">Go to the sign-in page</a></p>', 410)


async def open_link(request: Request) -> Response:
    """Show the confirmation (GET), or use the link up and sign in (POST from this site)."""
    from ui.server import PRESIGN_COOKIE, same_origin, set_session_cookie

    if request.method == "GET":
        token = request.query_params.get("token", "")
        person = sign_in_links.person_for_link(token)
        if person is None:
            return _refused()
        name = html.escape(person.name)
        return _page(
            f"<p>This link signs <strong>{name}</strong> in on this device for one shift.</p>"
            f'<form method="post" action="{LINK_PATH}">'
            f'<input type="hidden" name="token" value="{html.escape(token)}">'
            f'<button type="submit">Sign in as {name}</button></form>'
        )
    if not same_origin(request.headers, request.url.scheme):
        return _page('<p role="alert">Sign-in refused: not from this site.</p>', 403)
    body = (await request.body())[:MAX_BODY].decode("utf-8", "replace")
    token = (parse_qs(body).get("token") or [""])[0]
    redeemed = sign_in_links.redeem_link(token, browser_secret=request.cookies.get(PRESIGN_COOKIE))
    if redeemed is None:
        return _refused()
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, *redeemed)
    response.headers["Cache-Control"] = "no-store"
    return response

"""The HTTP layer beside Streamlit (st.App): cookie routes, origin checks and security headers.

- `/api/session/complete` trades a one-time sign-in ticket for the HttpOnly session cookie, but
  only in the browser that asked for it (the ticket is bound to its pre-sign-in cookie).
- `/api/session/end` signs out on POST from the app's own origin; a GET (a link or an image on
  another site) ends nothing and only clears a cookie whose session is already gone.
- `/api/sso/start` and `/api/sso/callback`: single sign-on (ui/oidc.py); `/api/sign-in-link`: a
  one-time sign-in link for a shared device (ui/link_routes.py). Both end in the same cookie.
- `SecurityMiddleware` refuses a websocket (`/_stcore/stream`) whose Origin is not the app's
  own, drops the browser's "clear cache" command (it empties every user's caches), sets the
  pre-sign-in cookie on page loads and adds anti-framing and referrer headers to every response.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import streamlit as st
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from streamlit.proto.BackMsg_pb2 import BackMsg

from store import accounts, config, db
from ui import feedback_api

log = logging.getLogger("training.server")

COOKIE_NAME = "training_session"
PRESIGN_COOKIE = "training_presign"
# Renewed on every page load. Streamlit navigates without loading pages, so a tab open all
# morning still holds the value its websocket saw; a working day covers that.
PRESIGN_MAX_AGE = 12 * 3600
COMPLETE_PATH = "/api/session/complete"
END_PATH = "/api/session/end"
STREAM_PATH = "/_stcore/stream"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# BackMsg types a browser may send. "clear_cache" empties every shared cache for all users;
# the rest are what the Streamlit frontend needs.
REFUSED_BACKMSGS = frozenset({"clear_cache"})


def safe_next(target: str | None) -> str:
    """Return target if it is a path on this site, else '/' (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _scheme(headers: Headers, default: str) -> str:
    return headers.get("x-forwarded-proto", default).split(",")[0].strip().lower()


def same_origin(headers: Headers, scheme: str) -> bool:
    """Return True when the request's Origin is the app's own.

    The app's origin is TRAINING_BASE_URL's when it is set, else the scheme and Host the
    request came to. A request without Origin (or with "null") is not same-origin.
    """
    origin = headers.get("origin")
    if not origin or origin == "null":
        return False
    given = urlsplit(origin)
    base = config.base_url()
    if base:
        wanted = urlsplit(base)
        return (given.scheme, given.netloc.lower()) == (wanted.scheme, wanted.netloc.lower())
    host = (headers.get("host") or "").lower()
    return bool(host) and given.netloc.lower() == host and given.scheme == _scheme(headers, scheme)


def _secure(request: Request) -> bool:
    return _scheme(request.headers, request.url.scheme) == "https"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


async def complete_sign_in(request: Request) -> Response:
    """Set the session cookie for a fresh one-time ticket, then go to the page asked for."""
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    redeemed = accounts.redeem_ticket(
        request.query_params.get("ticket", ""),
        browser_secret=request.cookies.get(PRESIGN_COOKIE),
    )
    if redeemed is not None:
        set_session_cookie(response, request, *redeemed)
    return _no_store(response)


def set_session_cookie(response: Response, request: Request, token: str, expires_at) -> None:
    """Put the HttpOnly session cookie on response, lasting as long as the session."""
    max_age = int((expires_at - accounts.now_utc()).total_seconds())
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max(max_age, 0),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")


async def end_session(request: Request) -> Response:
    """Sign out (POST from this site), or tidy away a dead cookie (GET)."""
    token = request.cookies.get(COOKIE_NAME)
    if request.method == "POST":
        if not same_origin(request.headers, request.url.scheme):
            return _no_store(PlainTextResponse("Sign-out refused: not from this site.", 403))
        accounts.end_session(token=token)
        response = RedirectResponse("/", status_code=303)
        _clear_cookie(response)
        return _no_store(response)
    # GET: the app's Sign out button has already ended the session over its websocket; a GET
    # from anywhere else must not sign anyone out, so a live session's cookie stays.
    response = RedirectResponse("/", status_code=303)
    if token and not accounts.session_exists(token):
        _clear_cookie(response)
    return _no_store(response)


def _routes() -> list[Route]:
    # Imported here: those modules use this one's cookie helpers.
    from ui import link_routes, oidc

    return [
        Route(COMPLETE_PATH, complete_sign_in, methods=["GET"]),
        Route(END_PATH, end_session, methods=["GET", "POST"]),
        Route(oidc.START_PATH, oidc.sso_start, methods=["GET"]),
        Route(oidc.CALLBACK_PATH, oidc.sso_callback, methods=["GET"]),
        Route(link_routes.LINK_PATH, link_routes.open_link, methods=["GET", "POST"]),
        feedback_api.ROUTE,  # POST /api/feedback for survey tools (ui/feedback_api.py)
    ]


ROUTES = _routes()


def _refused_backmsg(data: bytes | None) -> str | None:
    if not data:
        return None
    try:
        kind = BackMsg.FromString(data).WhichOneof("type")
    except Exception:  # not ours to judge: Streamlit reports malformed messages itself
        return None
    return kind if kind in REFUSED_BACKMSGS else None


class SecurityMiddleware:
    """ASGI middleware: websocket origin check, refused commands, cookies and headers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and scope["path"].endswith(STREAM_PATH):
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _websocket(self, scope, receive, send) -> None:
        headers = Headers(scope=scope)
        scheme = "https" if scope.get("scheme") == "wss" else "http"
        # Every browser sends Origin on a websocket handshake, so a page elsewhere can never
        # leave it out; only programs do (the benchmarks), and they hold their own cookies.
        if "origin" in headers and not same_origin(headers, scheme):
            log.warning("Refused a websocket from origin %r", headers.get("origin"))
            await send({"type": "websocket.close", "code": 1008})
            return

        async def guarded_receive():
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    kind = _refused_backmsg(message.get("bytes"))
                    if kind:
                        log.warning("Ignored a %s request from a browser", kind)
                        continue
                return message

        await self.app(scope, guarded_receive, send)

    async def _http(self, scope, receive, send) -> None:
        request_headers = Headers(scope=scope)
        presign = Request(scope).cookies.get(PRESIGN_COOKIE) or secrets.token_urlsafe(32)
        secure = _scheme(request_headers, scope.get("scheme", "http")) == "https"
        # A page load, even one answered "304 Not Modified" (which has no content type).
        page_load = scope.get("method") == "GET" and (
            request_headers.get("sec-fetch-dest") == "document"
            or "text/html" in request_headers.get("accept", "")
        )

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if page_load or headers.get("content-type", "").startswith("text/html"):
                    cookie = (
                        f"{PRESIGN_COOKIE}={presign}; Max-Age={PRESIGN_MAX_AGE}; Path=/; "
                        "HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                    )
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def on_script_error(exc: BaseException) -> bool:
    """Show a plain message instead of a traceback; log the details with a reference."""
    reference = uuid.uuid4().hex[:8]
    log.error("Page error %s", reference, exc_info=exc)
    st.error(
        "Something went wrong on this page; nothing you entered was lost. Reload the page to "
        f"try again. If it keeps happening, tell your administrator the reference **{reference}**."
    )
    return True


@asynccontextmanager
async def lifespan(_app):
    """Upgrade the schema at start, purge dead sessions, print the setup code if we made it."""
    db.upgrade()
    accounts.purge_expired_sessions()
    if accounts.count_users() == 0:
        code = accounts.new_setup_code()
        if code:
            print(
                "\n"
                "  No administrator exists yet. Open the app and create one with this setup "
                f"code:\n\n      {code}\n",
                flush=True,
            )
        else:
            print(
                "\n  No administrator exists yet. The setup code was printed by the server "
                "process that made it;\n  if it is lost, `python -m store new-setup-code` "
                "makes a new one.\n",
                flush=True,
            )
    yield

"""HTTP routes beside Streamlit: trade a sign-in ticket for an HttpOnly cookie, and clear it."""

from __future__ import annotations

from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from store import accounts, db

COOKIE_NAME = "training_session"
COMPLETE_PATH = "/api/session/complete"
END_PATH = "/api/session/end"


def safe_next(target: str | None) -> str:
    """Return target if it is a path on this site, else '/' (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto == "https"


async def complete_sign_in(request: Request) -> RedirectResponse:
    """Set the session cookie for a fresh one-time ticket, then go to the page asked for."""
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    redeemed = accounts.redeem_ticket(request.query_params.get("ticket", ""))
    if redeemed is not None:
        token, expires_at = redeemed
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
    response.headers["Cache-Control"] = "no-store"
    return response


async def end_session(request: Request) -> RedirectResponse:
    """Delete the server-side session of the cookie and the cookie itself."""
    accounts.end_session(token=request.cookies.get(COOKIE_NAME))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


ROUTES = [
    Route(COMPLETE_PATH, complete_sign_in, methods=["GET"]),
    Route(END_PATH, end_session, methods=["GET", "POST"]),
]


@asynccontextmanager
async def lifespan(_app):
    """Upgrade the schema at start and print the first-run setup code when nobody exists yet."""
    db.upgrade()
    if accounts.count_users() == 0:
        code = accounts.new_setup_code()
        print(
            "\n"
            "  No administrator exists yet. Open the app and create one with this setup code:\n"
            f"\n      {code}\n",
            flush=True,
        )
    yield

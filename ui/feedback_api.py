"""`POST /api/feedback`: survey tools and point-of-sale systems send feedback rows with a token.

Answers, as JSON: 200 with what was imported; 400 when the body is not JSON; 401 without a live
token (`Authorization: Bearer TOKEN`); 413 over MAX_BYTES (Content-Length is checked first, and
the bytes are counted while reading, so a body without one cannot grow past it either); 422 with
every bad row and nothing written; 429 with Retry-After when the token is over its rate
(counted in the database, so it holds across app processes). The work runs in a thread, off
the server's event loop.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from store import feedback

PATH = "/api/feedback"
MAX_BYTES = 1024 * 1024
TOO_BIG = {"error": f"the body is larger than {MAX_BYTES // 1024} kB; send fewer rows at a time"}


def _answer(body: dict, status: int, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **headers})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def post_feedback(request: Request) -> JSONResponse:
    """Check the token and its rate, read at most MAX_BYTES, then import all rows or none."""
    admission = await run_in_threadpool(feedback.admit, _bearer(request))
    if admission.token is None:
        return _answer(
            {"error": "a valid token is needed: Authorization: Bearer TOKEN"},
            401,
            **{"WWW-Authenticate": "Bearer"},
        )
    if admission.retry_after:
        return _answer(
            {"error": f"too many requests with this token; try again in {admission.retry_after} s"},
            429,
            **{"Retry-After": str(admission.retry_after)},
        )
    length = request.headers.get("content-length", "")
    if length and (not length.isdigit() or int(length) > MAX_BYTES):
        return _answer(TOO_BIG, 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            return _answer(TOO_BIG, 413)
    status, answer = await run_in_threadpool(feedback.import_from_api, bytes(body), admission.token)
    return _answer(answer, status)


ROUTE = Route(PATH, post_feedback, methods=["POST"])

"""POST /api/feedback over real HTTP against `streamlit run`: tokens, rows, size and rate."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from sqlmodel import func, select

from store import accounts, feedback
from store.db import session_scope
from store.models import Feedback
from tests.browser.server import Server

RATE = 6
GOOD = {
    "rows": [
        {"date": "2026-01-05", "team": "spa", "responses": 12, "csat_mean": 4.25},
        {"date": "2026-01-05", "team": "Spa", "kind": "nps", "score": 9, "source_id": "r-1"},
    ]
}


def _stored() -> int:
    with session_scope(write=False) as s:
        return s.exec(select(func.count()).select_from(Feedback)).one()


@pytest.fixture
def api(fresh_db):
    accounts.create_team(name="Spa", actor_id=None)
    srv = Server(fresh_db, env={"TRAINING_API_RATE_PER_MINUTE": str(RATE)}).start()
    yield srv
    srv.stop()


def _post(server: Server, body: bytes, token: str | None, **headers: str):
    conn = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=30)
    sent = {"Content-Type": "application/json", **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    conn.request("POST", "/api/feedback", body=body, headers=sent)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, (json.loads(data) if data else None), response


def _post_chunked(server: Server, size: int, token: str) -> int:
    conn = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=30)
    conn.putrequest("POST", "/api/feedback")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    chunk = b" " * 65536
    try:
        for _ in range(size // len(chunk) + 1):
            conn.send(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed early: that is the point
    status = conn.getresponse().status
    conn.close()
    return status


def test_the_feedback_api_over_http(api):
    admin = accounts.create_user(
        actor_id=None, username="root", name="Root", role="admin", password="x" * 12 + "Qz7!"
    )
    info, token = feedback.create_token(actor_id=admin.id, name="Survey tool")
    body = json.dumps(GOOD).encode()

    status, answer, _ = _post(api, body, token)  # 1
    assert (status, answer) == (200, {"rows": 2, "added": 2, "already": 0})
    status, answer, _ = _post(api, body, token)  # 2: the same rows again change nothing
    assert (status, answer["added"], answer["already"]) == (200, 0, 2)

    assert _post(api, body, None)[0] == 401
    status, answer, response = _post(api, body, "not-a-token")
    assert status == 401 and response.getheader("WWW-Authenticate") == "Bearer"

    bad = {"rows": [GOOD["rows"][0], {"date": "2026-13-01", "team": "Nowhere", "kind": "csat"}]}
    status, answer, _ = _post(api, json.dumps(bad).encode(), token)  # 3
    assert status == 422 and _stored() == 2
    messages = [e["message"] for e in answer["errors"] if e["row"] == "row 2"]
    assert any("YYYY-MM-DD" in m for m in messages) and any("Nowhere" in m for m in messages)

    big = json.dumps({"rows": [GOOD["rows"][0]] * 30000}).encode()
    assert len(big) > 1024 * 1024
    assert _post(api, big, token)[0] == 413  # 4: by Content-Length
    assert _post_chunked(api, 1024 * 1024 + 10, token) == 413  # 5: counted while reading
    assert _stored() == 2

    feedback.revoke_token(actor_id=admin.id, token_id=info.id)
    assert _post(api, body, token)[0] == 401

    _, other = feedback.create_token(actor_id=admin.id, name="Till")
    statuses = [_post(api, body, other)[0] for _ in range(RATE)]
    assert statuses == [200] * RATE
    status, answer, response = _post(api, body, other)
    assert status == 429 and 0 < int(response.getheader("Retry-After")) <= 60

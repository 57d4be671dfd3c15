"""Shared fixtures: a fresh database per test, cleared Streamlit caches, quick sign-ins."""

from __future__ import annotations

import os
from pathlib import Path

# Cheap argon2 parameters for the suite only; set before store.security is imported.
os.environ["TRAINING_FAST_HASH"] = "1"
os.environ.pop("TRAINING_DEMO", None)

import pytest  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from store import accounts, db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_dbs: run the test on SQLite and on a throwaway PostgreSQL server"
    )


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_dbs"):
        metafunc.parametrize("db_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def db_backend(request) -> str:
    """Which database the test runs on (SQLite unless the test is marked both_dbs)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_cluster():
    """Start one PostgreSQL cluster for the whole run, on demand."""
    from tests.pg import PgCluster

    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


_pg_counter = iter(range(1, 1_000_000))


@pytest.fixture(autouse=True)
def fresh_db(tmp_path, monkeypatch, db_backend, request) -> str:
    """Point the app at a new, migrated database (SQLite file or PostgreSQL); clear caches."""
    if db_backend == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"t{os.getpid()}_{next(_pg_counter)}")
    else:
        url = f"sqlite:///{tmp_path / 'training.db'}"
    monkeypatch.setenv("TRAINING_DATABASE_URL", url)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    # Never a developer's own sign-in settings (single sign-on in .streamlit/secrets.toml).
    monkeypatch.setenv("TRAINING_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    for name in [n for n in os.environ if n.startswith(("TRAINING_SSO_", "TRAINING_PASSWORD_"))]:
        monkeypatch.delenv(name)
    db.dispose_engines()
    st.cache_resource.clear()
    st.cache_data.clear()
    db.upgrade(url)
    yield url
    db.dispose_engines()


def make_user(
    username: str,
    role: str = "employee",
    *,
    team_id: int | None = None,
    name=None,
    must_change_password: bool = False,
):
    """Create an account with the shared test password."""
    return accounts.create_user(
        actor_id=None,
        username=username,
        name=name or username.title() + " Tester",
        role=role,
        password=PASSWORD,
        team_id=team_id,
        must_change_password=must_change_password,
    )


def add_certificates(user_id: int, module_id: str, issued) -> None:
    """Store certificates (id, score, passed_at) for one person and module, valid a year."""
    from datetime import timedelta

    from store.db import session_scope
    from store.models import Certificate

    with session_scope() as s:
        for cert, score, when in issued:
            s.add(
                Certificate(
                    certificate_id=cert,
                    user_id=user_id,
                    module_id=module_id,
                    score=score,
                    passed_at=when,
                    expires_at=when + timedelta(days=365),
                )
            )


def page_test(page: str, user=None, **session) -> AppTest:
    """Return an AppTest for a page file (or app.py), signed in as user when given."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    if user is not None:
        token, _ticket = accounts.create_session(user_id=user.id)
        at.session_state["session_token"] = token
    for key, value in session.items():
        at.session_state[key] = value
    return at


def page_text(at: AppTest) -> str:
    """Return every text an AppTest run shows (values, labels, progress texts), one per line."""
    out: list[str] = []

    def walk(node) -> None:
        for attr in ("value", "label", "body"):
            try:
                v = getattr(node, attr, None)
            except Exception:
                v = None
            if isinstance(v, str):
                out.append(v)
        proto = getattr(node, "proto", None)
        text = getattr(proto, "text", None) if proto is not None else None
        if isinstance(text, str) and text:
            out.append(text)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(out)


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on a loopback port, set as TRAINING_SMTP_URL; stopped after."""
    from tests.mailbox import Mailbox

    box = Mailbox().start()
    monkeypatch.setenv("TRAINING_SMTP_URL", box.url())
    monkeypatch.setenv("TRAINING_MAIL_FROM", "training@example.com")
    monkeypatch.setenv("TRAINING_BASE_URL", "https://training.example.com")
    yield box
    box.stop()

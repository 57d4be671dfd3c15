"""Shared fixtures: a fresh database for the tests that ask for it, cleared Streamlit caches.

`fresh_db` is not autouse: a test that needs a database asks for it (an argument, or
`pytestmark = pytest.mark.usefixtures("fresh_db")` in a module where every test does).
Factories (people, teams, certificates, attempts, page runs) live in tests/factories.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys

# pytest's own __main__, for `spawn` below (AppTest replaces sys.modules["__main__"]).
_PYTEST_MAIN = sys.modules["__main__"]

# Cheap argon2 parameters for the suite only; set before store.security is imported.
os.environ["TRAINING_FAST_HASH"] = "1"
os.environ.pop("TRAINING_DEMO", None)

import pytest  # noqa: E402
import streamlit as st  # noqa: E402

from store import db  # noqa: E402

# The factories were defined here before tests/factories.py; older imports keep working.
from tests.factories import (  # noqa: E402, F401
    PASSWORD,
    ROOT,
    add_certificates,
    make_team,
    make_user,
    page_test,
    page_text,
    two_teams,
)


@pytest.fixture
def spawn(monkeypatch):
    """Return a multiprocessing "spawn" context whose children start clean.

    Streamlit's AppTest leaves the last page it ran as sys.modules["__main__"], and a spawned
    child re-runs __main__ from its file: after any AppTest in the same pytest process the
    child would run that page and die before doing its work. This puts pytest's __main__ back.
    """
    monkeypatch.setitem(sys.modules, "__main__", _PYTEST_MAIN)
    return mp.get_context("spawn")


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


@pytest.fixture
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


@pytest.fixture
def small_content(fresh_db, monkeypatch):
    """Point the app at three tiny modules (empathy, sincerity, timely-service), not content/."""
    folder = ROOT / "tests" / "fixtures" / "content" / "small"
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(folder))
    return folder


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

"""Settings read from the environment, with working defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///data/training.db"


def database_url() -> str:
    """Return the SQLAlchemy URL of the database (TRAINING_DATABASE_URL)."""
    return os.environ.get("TRAINING_DATABASE_URL") or DEFAULT_DATABASE_URL


def content_dir() -> Path:
    """Return the folder of module YAML files (TRAINING_CONTENT_DIR)."""
    return Path(os.environ.get("TRAINING_CONTENT_DIR") or PROJECT_ROOT / "content")


def is_demo() -> bool:
    """Return True when the app runs on demo data (TRAINING_DEMO=1)."""
    return os.environ.get("TRAINING_DEMO", "") not in ("", "0", "false")


DEFAULT_IDLE_TIMEOUT_MINUTES = 120


def idle_timeout_minutes() -> int:
    """Return after how many idle minutes a session ends (TRAINING_IDLE_TIMEOUT_MINUTES)."""
    return _positive_int("TRAINING_IDLE_TIMEOUT_MINUTES", DEFAULT_IDLE_TIMEOUT_MINUTES)


def base_url() -> str | None:
    """Return the app's public URL (TRAINING_BASE_URL), without a trailing slash, or None."""
    url = os.environ.get("TRAINING_BASE_URL", "").strip().rstrip("/")
    return url or None


def smtp_url() -> str | None:
    """Return the mail server URL (TRAINING_SMTP_URL), or None: then no mail is sent."""
    return os.environ.get("TRAINING_SMTP_URL", "").strip() or None


DEFAULT_MAIL_FROM = "training@localhost"


def mail_from() -> str:
    """Return the sender address of every mail (TRAINING_MAIL_FROM)."""
    return os.environ.get("TRAINING_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM


DEFAULT_LINK_BASE = "http://localhost:8501"


def link_base() -> str:
    """Return the base of links in mails: TRAINING_BASE_URL, else the local default."""
    return base_url() or DEFAULT_LINK_BASE


DEFAULT_API_RATE_PER_MINUTE = 60


def api_rate_per_minute() -> int:
    """Return how many POST /api/feedback requests a token may make a minute."""
    return _positive_int("TRAINING_API_RATE_PER_MINUTE", DEFAULT_API_RATE_PER_MINUTE)


def _positive_int(variable: str, default: int) -> int:
    """Return the whole number above 0 in an environment variable, else default."""
    raw = os.environ.get(variable, "").strip()
    try:
        number = int(raw) if raw else default
    except ValueError:
        number = default
    return number if number > 0 else default

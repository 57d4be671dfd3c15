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

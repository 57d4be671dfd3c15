"""The Moodle reference data in ../shared/reference/moodle/ (GPL: read in place, never copied here).

Its README asks a test to skip with a clear reason when the folder is absent. CI always has shared/
beside the clone, so there a missing file fails the test instead: those tests can never skip in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MOODLE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "moodle"


def moodle_file(name: str) -> Path:
    path = MOODLE_DIR / name
    if not path.is_file():
        reason = f"Moodle reference data not found at {path} (../shared/reference/moodle/)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI always has shared/ beside the clone")
        pytest.skip(reason)
    return path

"""`make demo` works on its own copy of the curriculum, never on the tracked content/ folder."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.factories import ROOT

pytestmark = pytest.mark.usefixtures("fresh_db")

MAKE = shutil.which("make")


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MAKE, "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def test_demo_content_is_copied_once_and_later_edits_are_kept(tmp_path):
    target = tmp_path / "data" / "demo-content"
    _make("demo-content", f"DEMO_CONTENT={target}")
    tracked = sorted(p.name for p in (ROOT / "content").iterdir())
    assert sorted(p.name for p in target.iterdir()) == tracked
    copy = target / "empathy.yaml"
    assert copy.read_text() == (ROOT / "content" / "empathy.yaml").read_text()
    copy.write_text(copy.read_text() + "\n# edited in the demo studio\n")
    _make("demo-content", f"DEMO_CONTENT={target}")  # a second `make demo` copies nothing
    assert copy.read_text().endswith("# edited in the demo studio\n")


def test_demo_server_and_seed_read_the_copy_not_content():
    plan = _make("-n", "demo").stdout
    run = next(line for line in plan.splitlines() if "streamlit run app.py" in line)
    assert "TRAINING_CONTENT_DIR=data/demo-content" in run
    assert "--content-dir data/demo-content" in plan  # the seeded history matches the copy

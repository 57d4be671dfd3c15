"""Crash safety of a studio save: kill -9 mid-save leaves a whole file and no half-made row."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from store.db import session_scope
from store.models import ContentRevision
from tests.factories import ROOT, make_user
from training.loader import load_content_dir

pytestmark = pytest.mark.usefixtures("fresh_db")

SAMPLE = ROOT / "tests" / "fixtures" / "content" / "valid"

# The child saves an edited module, but blocks (as if the disk were slow) at one point of the
# save and tells the parent, which then kills it with SIGKILL.
CHILD = """
import os, sys, time
from pathlib import Path
os.environ["TRAINING_FAST_HASH"] = "1"
from store import accounts, content_store
where, folder, flag = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
def block(*_a, **_k):
    flag.write_text("blocked")
    time.sleep(60)
if where == "before_rename":
    real = os.replace
    def slow_replace(src, dst):
        block()
        real(src, dst)
    os.replace = slow_replace
else:  # after the rename, before the revision row is committed
    real_write = content_store._atomic_write
    def write_then_block(path, text):
        real_write(path, text)
        block()
    content_store._atomic_write = write_then_block
trainer = accounts.get_user_by_username("tina")
opened = content_store.read_module_file(directory=folder, module_id="sample-basics")
text = opened.text.replace("title: Sample basics", "title: Sample basics, edited")
content_store.save_module_text(directory=folder, module_id="sample-basics", text=text,
                               expected_sha=opened.sha, actor=trainer)
"""


@pytest.mark.both_dbs
@pytest.mark.parametrize("where", ["before_rename", "after_rename"])
def test_kill_during_a_studio_save(fresh_db, tmp_path, where):
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE, folder)
    before = (folder / "sample-basics.yaml").read_bytes()
    make_user("tina", "trainer")
    flag = tmp_path / "flag"
    env = dict(os.environ, TRAINING_DATABASE_URL=fresh_db)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, where, str(folder), str(flag)], cwd=ROOT, env=env
    )
    try:
        deadline = time.time() + 60
        while not flag.exists():
            assert child.poll() is None, "the save finished or failed before the crash point"
            assert time.time() < deadline, "the child never reached the crash point"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    after = (folder / "sample-basics.yaml").read_bytes()
    loaded = load_content_dir(folder)
    assert loaded.problems == [] and "sample-basics" in loaded.modules
    assert [p.name for p in folder.iterdir() if p.suffix == ".yaml"] == ["sample-basics.yaml"]
    with session_scope() as s:
        saved = [r.text for r in s.exec(select(ContentRevision))]
    if where == "before_rename":
        assert after == before  # the old file, whole
    else:
        # the new file, whole; its revision row was never committed, and the studio records
        # the file as edited outside it on the next save
        assert b"Sample basics, edited" in after
    assert not any("Sample basics, edited" in text for text in saved)
    assert all(
        not Path(p).name.endswith(".yaml") or not Path(p).name.startswith(".")
        for p in folder.iterdir()
    )

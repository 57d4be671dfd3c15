"""The one atomic file writer: the old file or the new one, never half, no leftovers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from training.files import DEFAULT_MODE, replacing, write_atomically


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_text_and_bytes_are_written_and_a_new_file_gets_the_default_mode(tmp_path):
    target = tmp_path / "sub" / "m.yaml"
    write_atomically(target, "id: m\ntitle: Zoë\n")
    assert target.read_bytes() == "id: m\ntitle: Zoë\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == DEFAULT_MODE
    write_atomically(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert _leftovers(target.parent) == []


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "m.yaml"
    target.write_text("old")
    os.chmod(target, 0o600)
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "backup.db"
    target.write_bytes(b"the old backup")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_bytes(b"half a back")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"the old backup"
    assert _leftovers(tmp_path) == []


def test_replacing_hands_a_writer_a_file_name_in_the_same_folder(tmp_path):
    target = tmp_path / "copy.db"
    with replacing(target) as partial:
        assert partial.parent == tmp_path and partial != target
        assert not target.exists()  # nothing is visible under the name until the end
        partial.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"

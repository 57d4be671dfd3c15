"""The content folder as the app reads it: a change on disk shows on the very next read.

Real files in a temporary folder, written the ways a trainer's tools write them (the studio's
atomic replace, an editor writing in place, a new file, a deleted one), then read back through
ui.content as a page would, with no wait in between.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from training.files import write_atomically
from ui import content

pytestmark = pytest.mark.usefixtures("fresh_db")

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "small"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A copy of the three small modules, as the app's content folder."""
    target = tmp_path / "content"
    target.mkdir()
    for name in ("empathy.yaml", "sincerity.yaml", "timely-service.yaml"):
        shutil.copy(SMALL / name, target / name)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(target))
    return target


def _titles() -> dict[str, str]:
    return {mid: lm.module.title for mid, lm in content.modules().items()}


def _retitle(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert f"title: {old}\n" in text
    return text.replace(f"title: {old}\n", f"title: {new}\n", 1)


def test_an_edit_an_added_file_and_a_removed_one_show_on_the_next_read(folder):
    assert _titles() == {
        "empathy": "Empathy",
        "sincerity": "Sincerity",
        "timely-service": "Timely service",
    }
    # The studio's save: a temporary file, then a rename into place.
    write_atomically(folder / "empathy.yaml", _retitle(folder / "empathy.yaml", "Empathy", "Care"))
    assert _titles()["empathy"] == "Care"
    # An editor writing the file in place.
    path = folder / "sincerity.yaml"
    path.write_text(_retitle(path, "Sincerity", "Meaning it"), encoding="utf-8")
    assert _titles()["sincerity"] == "Meaning it"
    # A new module, then one removed.
    text = (SMALL / "empathy.yaml").read_text(encoding="utf-8")
    (folder / "warmth.yaml").write_text(
        text.replace("id: empathy\n", "id: warmth\n").replace(
            "title: Empathy\n", "title: Warmth\n"
        ),
        encoding="utf-8",
    )
    assert _titles()["warmth"] == "Warmth"
    (folder / "timely-service.yaml").unlink()
    assert set(_titles()) == {"empathy", "sincerity", "warmth"}


def test_an_edit_that_keeps_the_size_and_the_time_still_shows(folder):
    """A file's name, time and size cannot tell this edit apart; the folder's events can."""
    path = folder / "empathy.yaml"
    assert _titles()["empathy"] == "Empathy"
    before = path.stat()
    path.write_text(_retitle(path, "Empathy", "EMPATHY"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert _titles()["empathy"] == "EMPATHY"


def test_between_changes_nothing_in_the_folder_is_read_or_scanned(folder, monkeypatch):
    assert content._watched_version(str(folder)) is not None  # inotify watches it here
    first = content.content()
    scans = []
    monkeypatch.setattr(content, "_signature", lambda d: scans.append(d) or ())
    assert all(content.content() is first for _ in range(3))
    assert scans == []


def test_a_module_file_linked_from_elsewhere_is_checked_by_its_time_and_size(folder, tmp_path):
    """A change to a linked file's target is no event in the folder: its stat is read again."""
    elsewhere = tmp_path / "elsewhere.yaml"
    shutil.move(folder / "sincerity.yaml", elsewhere)
    (folder / "sincerity.yaml").symlink_to(elsewhere)
    assert _titles()["sincerity"] == "Sincerity"
    elsewhere.write_text(_retitle(elsewhere, "Sincerity", "Honest words"), encoding="utf-8")
    assert _titles()["sincerity"] == "Honest words"


def test_a_content_folder_link_pointed_at_another_folder_shows_that_folder(
    folder, tmp_path, monkeypatch
):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(SMALL / "empathy.yaml", other / "empathy.yaml")
    link = tmp_path / "current"
    link.symlink_to(folder)
    monkeypatch.setenv("TRAINING_CONTENT_DIR", str(link))
    assert set(_titles()) == {"empathy", "sincerity", "timely-service"}
    swap = tmp_path / "swap"
    swap.symlink_to(other)
    os.replace(swap, link)  # a release switched in the usual way
    assert set(_titles()) == {"empathy"}


def test_a_folder_removed_and_made_again_is_watched_again(folder):
    assert "timely-service" in _titles()
    kept = folder.parent / "kept"
    shutil.move(folder, kept)
    assert _titles() == {}
    folder.mkdir()
    shutil.copy(kept / "empathy.yaml", folder / "empathy.yaml")
    assert set(_titles()) == {"empathy"}
    (folder / "sincerity.yaml").write_bytes((kept / "sincerity.yaml").read_bytes())
    assert set(_titles()) == {"empathy", "sincerity"}


def test_a_folder_on_a_filesystem_inotify_cannot_vouch_for_is_scanned(folder, monkeypatch):
    """On a network filesystem inotify misses other machines' saves: the scan decides there."""
    assert content._filesystem(str(folder)) in content._LOCAL_FILESYSTEMS  # this machine
    monkeypatch.setattr(content, "_LOCAL_FILESYSTEMS", frozenset())  # as on an NFS share
    assert content._watched_version(str(folder)) is None
    assert _titles()["empathy"] == "Empathy"
    path = folder / "empathy.yaml"
    path.write_text(_retitle(path, "Empathy", "Care for them"), encoding="utf-8")
    assert _titles()["empathy"] == "Care for them"


def test_an_editors_swap_file_beside_the_modules_loads_nothing_again(folder):
    first = content.content()
    (folder / ".empathy.yaml.swp").write_bytes(b"vim swap")
    (folder / "notes.txt").write_text("draft", encoding="utf-8")
    assert content.content() is first
    (folder / "notes.txt").unlink()
    assert content.content() is first

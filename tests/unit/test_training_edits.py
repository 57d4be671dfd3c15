"""Edited outside the studio: the pure rules on fingerprints and file times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from training.edits import CLOCK_SLACK, OUTSIDE, changed_since_opened, edited_outside, last_edit

SAVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_file_changed_since_it_was_opened():
    assert not changed_since_opened("abc", "abc")
    assert changed_since_opened("abc", "def")  # another trainer saved, or a git pull
    assert changed_since_opened("abc", None)  # deleted since it was opened
    assert changed_since_opened(None, "abc")  # a new module's file appeared meanwhile
    assert not changed_since_opened(None, None)


def test_a_file_never_saved_in_the_studio_was_edited_outside():
    assert edited_outside(SAVED, None)
    assert edited_outside(None, None)


def test_a_file_newer_than_its_last_save_beyond_the_slack_was_edited_outside():
    assert not edited_outside(SAVED, SAVED)
    assert not edited_outside(SAVED + CLOCK_SLACK, SAVED)  # the save's own write
    assert edited_outside(SAVED + CLOCK_SLACK + timedelta(seconds=1), SAVED)
    assert not edited_outside(SAVED - timedelta(days=1), SAVED)  # restored from an old copy
    assert not edited_outside(None, SAVED)  # the file's time is unknown: trust the save


def test_the_last_edit_names_the_trainer_or_outside():
    assert last_edit(SAVED, SAVED, "Tina") == last_edit(SAVED, SAVED, "Tina")
    inside = last_edit(SAVED + timedelta(seconds=2), SAVED, "Tina")
    assert (inside.at, inside.by, inside.outside) == (SAVED, "Tina", False)
    later = SAVED + timedelta(hours=1)
    outside = last_edit(later, SAVED, "Tina")
    assert (outside.at, outside.by, outside.outside) == (later, OUTSIDE, True)
    assert last_edit(SAVED, SAVED, None).by == OUTSIDE  # a revision recorded from the disk

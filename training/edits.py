"""Whether a module file was edited outside the studio: pure rules on fingerprints and times.

Two questions, asked by the content studio and answered here once:
* has the file changed on disk since the editor opened it (another trainer, a git pull)?
  Then a save would overwrite someone else's change, so it is refused;
* was the file last changed outside the studio? Then its last edit is the file's own time,
  by "outside the studio", not the last save recorded in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A save writes the file and records the revision a moment apart; within this slack the file's
# time still belongs to the recorded save.
CLOCK_SLACK = timedelta(seconds=5)
OUTSIDE = "outside the studio"


def changed_since_opened(opened_sha: str | None, current_sha: str | None) -> bool:
    """Return True when the file's fingerprint now is not the one it had when opened.

    None stands for "no file": a file deleted since it was opened has changed, and a new
    module (opened without a file) has changed once a file of its name appears.
    """
    return current_sha != opened_sha


def edited_outside(modified: datetime | None, last_saved: datetime | None) -> bool:
    """Return True when the file was never saved in the studio or is newer than its last save."""
    if last_saved is None:
        return True
    return modified is not None and modified - last_saved > CLOCK_SLACK


@dataclass(frozen=True)
class LastEdit:
    """When a module file was last changed, and by whom (a name, or OUTSIDE)."""

    at: datetime | None
    by: str
    outside: bool


def last_edit(
    modified: datetime | None, last_saved: datetime | None, saved_by: str | None
) -> LastEdit:
    """Return the last edit of a file from its modification time and its last recorded save."""
    if edited_outside(modified, last_saved):
        return LastEdit(at=modified, by=OUTSIDE, outside=True)
    return LastEdit(at=last_saved, by=saved_by or OUTSIDE, outside=False)

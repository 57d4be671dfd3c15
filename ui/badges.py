"""Status badges: one colour and icon per training status, wherever a status is shown."""

from __future__ import annotations

from training.status import Status

BADGE = {
    Status.OVERDUE: ("red", ":material/error:"),
    Status.DUE_AGAIN: ("orange", ":material/update:"),
    Status.FAILED: ("orange", ":material/replay:"),
    Status.IN_PROGRESS: ("blue", ":material/play_circle:"),
    Status.NOT_STARTED: ("gray", ":material/radio_button_unchecked:"),
    Status.EXPIRING: ("orange", ":material/schedule:"),
    Status.PASSED: ("green", ":material/check_circle:"),
}


def status_badge(status: Status, text: str | None = None) -> str:
    """Return Markdown for a coloured badge of status (its label, or text)."""
    colour, icon = BADGE[status]
    return f":{colour}-badge[{icon} {text or status.label}]"

"""Assignments (managers and administrators): modules with due dates for a team or chosen people."""

from ui.auth import require_role

user = require_role("manager")

from ui import assign_view  # noqa: E402  (only after the guard)

assign_view.render(user)

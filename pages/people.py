"""People and teams (admin): accounts, roles, teams, managers, password resets, roster import."""

from ui.auth import require_role

user = require_role("admin")

from ui import people_view  # noqa: E402  (only after the guard)

people_view.render(user)

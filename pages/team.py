"""Team progress (managers and administrators): who is behind, on what, and are they improving."""

from ui.auth import require_role

user = require_role("manager")

from ui import team_view  # noqa: E402  (only after the guard)

team_view.render(user)

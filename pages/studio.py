"""Content studio (trainers): edit modules with live checks, preview, history; GIFT import."""

from ui.auth import require_role

user = require_role("trainer")

from ui import studio_view  # noqa: E402  (only after the guard)

studio_view.render(user)

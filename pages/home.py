"""My training: what is assigned to me, with due dates and status."""

from ui.auth import require_user

user = require_user()

from ui import home_view  # noqa: E402  (only after the guard)

home_view.render(user)

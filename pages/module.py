"""A module (/module?id=ID): lessons, then the quiz and its results."""

from ui.auth import require_user

user = require_user()

from ui import module_view  # noqa: E402  (only after the guard)

module_view.render(user)

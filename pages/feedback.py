"""Customer feedback: administrators upload it and manage API tokens; managers read theirs."""

from ui.auth import require_role

user = require_role("manager")

from ui import feedback_view  # noqa: E402  (only after the guard)

feedback_view.render(user)

"""Sign-in links for shared devices (managers for their teams' employees, administrators)."""

from ui.auth import require_role

user = require_role("manager")

from ui import sign_in_link_view  # noqa: E402  (only after the guard)

sign_in_link_view.render(user)

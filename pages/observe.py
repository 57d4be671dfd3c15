"""Observe (managers and administrators): rate what a person does against a checklist."""

from ui.auth import require_role

user = require_role("manager")

from ui import observe_view  # noqa: E402  (only after the guard)

observe_view.render(user)

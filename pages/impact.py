"""Impact (managers and administrators): training beside customer measures, with statistics."""

from ui.auth import require_role

user = require_role("manager")

from ui import impact_view  # noqa: E402  (only after the guard)

impact_view.render(user)

"""Question statistics (trainers): Moodle's item analysis per module and content version."""

from ui.auth import require_role

user = require_role("trainer")

from ui import item_analysis_view  # noqa: E402  (only after the guard)

item_analysis_view.render(user)

"""My progress: results, competency profile, certificates and the refresher."""

from ui.auth import require_user

user = require_user()

from ui import progress_view  # noqa: E402  (only after the guard)

progress_view.render(user)

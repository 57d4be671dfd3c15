"""Retake the README screenshots from a running demo (`make demo`), at 1280 px.

    .venv/bin/python docs/screenshots/take.py http://localhost:8501

Uses Debian's chromium, as the browser tests do. Look at each picture before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from store.demo import DEMO_PASSWORD  # noqa: E402
from tests.browser.helpers import sign_in, wait_ready  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = Path(__file__).resolve().parent
# (file name, demo sign-in, path, heading to scroll to or None, seconds to let charts paint)
SHOTS = [
    ("home.png", "employee", "/", None, 1),
    ("progress.png", "employee", "/progress", None, 2),
    ("studio.png", "trainer", "/studio?module=empathy", None, 2),
    ("team.png", "manager", "/team", "Where the team stands", 4),
]


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name, username, path, heading, settle in SHOTS:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            sign_in(page, base, username, DEMO_PASSWORD)
            page.goto(base + path)
            wait_ready(page)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000
            )
            if heading:
                page.get_by_role("heading", name=heading).evaluate(
                    "h => h.scrollIntoView({block: 'start'})"
                )
            page.wait_for_timeout(1000 * settle)
            page.screenshot(path=str(OUT / name))
            context.close()
            print(f"wrote {OUT / name}")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501")

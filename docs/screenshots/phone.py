"""Take the 390 px (phone) screenshots for the README: My training, daily practice, a quiz
question and the results. Run by hand, not by `make test`:

    .venv/bin/python docs/screenshots/phone.py [WIDTH OUTDIR]

(WIDTH and OUTDIR take the same pictures at another width into another folder, to check.)

It seeds a small demo organisation into a throwaway SQLite file, starts its own server on a
loopback port (tests/browser/server.py) and uses Debian's chromium. Look at each picture before
committing it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from store.demo import DEMO_PASSWORD  # noqa: E402
from tests.browser.helpers import OPTION, OPTIONS, sign_in, wait_styled  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

OUT = Path(__file__).resolve().parent
PHONE = {"width": 390, "height": 844}
MODULE = "empathy"


def _seed(url: str) -> None:
    env = {"TRAINING_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    for args in (["init"], ["seed-demo", "--staff", "12", "--teams", "2", "--attempts", "40"]):
        subprocess.run([sys.executable, "-m", "store", *args], cwd=ROOT, env=env, check=True)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(OUT / name))
    print(f"wrote {OUT / name}")


if len(sys.argv) == 3:
    PHONE = {"width": int(sys.argv[1]), "height": 900}
    OUT = Path(sys.argv[2])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/phone.db"
        _seed(url)
        server = Server(url, env={"TRAINING_DEMO": "1"}).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                page = browser.new_page(viewport=PHONE)
                sign_in(page, server.url, "employee", DEMO_PASSWORD)
                page.get_by_role("heading", name="My training").wait_for()
                page.locator("[class*='st-key-training_card_']").first.wait_for()
                wait_styled(page)
                _shot(page, "phone-home.png")
                practice = page.get_by_text("Daily practice: about three minutes")
                practice.click()
                wait_styled(page)
                practice.evaluate("e => e.scrollIntoView({block: 'center'})")
                page.wait_for_timeout(500)
                _shot(page, "phone-practice.png")

                page.goto(f"{server.url}/module?id={MODULE}")
                wait_styled(page)
                page.get_by_role("radio", name="Quiz", exact=True).click()
                wait_styled(page)
                start = page.get_by_role("button", name="Start quiz")
                again = page.get_by_role("button", name="Start a new attempt")
                for button in (start, again):
                    if button.count():
                        button.click()
                        wait_styled(page)
                        break
                page.locator(OPTION).first.click()
                wait_styled(page)
                page.locator(OPTIONS).scroll_into_view_if_needed()
                _shot(page, "phone-question.png")
                while page.get_by_role("button", name="Next", exact=True).count():
                    page.get_by_role("button", name="Next", exact=True).click()
                    wait_styled(page)
                    page.locator(OPTION).first.click()
                    wait_styled(page)
                page.get_by_role("button", name="Submit quiz").click()
                wait_styled(page)
                page.get_by_text("Your score").scroll_into_view_if_needed()
                _shot(page, "phone-results.png")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()

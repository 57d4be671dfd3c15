"""What a newcomer sees: nothing fetched from outside hosts, and the pages work as the
README describes them."""

from __future__ import annotations

from urllib.parse import urlsplit

from store import demo
from store.config import PROJECT_ROOT
from tests.browser.helpers import sign_in, wait_ready

MAIN_PAGES = {
    "employee": ["/", "/module?id=empathy", "/progress", "/account"],
    "manager": ["/team", "/assign"],
    "trainer": ["/studio", "/item-analysis"],
    "admin": ["/people"],
}


def _seed_demo() -> None:
    demo.seed_demo(staff=12, teams=2, attempts=120, seed=1, content_dir=PROJECT_ROOT / "content")


def test_no_page_load_requests_anything_from_an_outside_host(server, browser):
    """An intranet install has no internet: favicon, icons and fonts come from the app."""
    _seed_demo()
    own = urlsplit(server.url).netloc
    outside: list[str] = []
    seen = 0
    for role, paths in MAIN_PAGES.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()

        def record(request, role=role, page=page) -> None:
            nonlocal seen
            seen += 1
            parts = urlsplit(request.url)
            if parts.scheme in ("data", "blob", "about"):
                return
            if parts.netloc != own:
                outside.append(f"{role} {page.url}: {request.url}")

        page.on("request", record)
        sign_in(page, server.url, role, demo.DEMO_PASSWORD)
        for path in paths:
            page.goto(server.url + path)
            wait_ready(page)
            page.wait_for_timeout(800)  # late requests: favicon, lazily loaded fonts
        context.close()
    assert seen > 20  # the listener saw the app's own requests
    assert outside == []

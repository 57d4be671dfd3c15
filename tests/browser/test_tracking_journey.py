"""No page makes the browser fetch from an outside host through a name, a title or a lesson.

Two loopback servers stand in for the outside world: a "tracker" on 127.0.0.1, named in every
person's and team's name, the module and lesson titles and an image in a lesson, and an image
host the lesson may use, allowed through TRAINING_IMAGE_HOSTS as `localhost`. The allowed one
must be asked for its image (so the browser does load images here); the tracker never.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from store import accounts, learning
from tests.browser.helpers import sign_in, sign_out, wait_ready
from tests.browser.server import Server
from tests.factories import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")

SAMPLE = ROOT / "tests" / "fixtures" / "content" / "valid" / "sample-basics.yaml"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that answers every GET with a 1x1 PNG and remembers the path."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                recorder.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *_args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


def test_names_titles_and_lessons_fetch_nothing_from_an_outside_host(fresh_db, context, tmp_path):
    tracker, images = Recorder(), Recorder()
    pixel = f"http://127.0.0.1:{tracker.port}"
    markup = f"![px]({pixel}/name.gif) [link]({pixel}/go)"
    folder = tmp_path / "content"
    folder.mkdir()
    data = yaml.safe_load(SAMPLE.read_text())
    data["title"] = f"Sample {markup}"
    data["lessons"][0]["title"] = f"Greeting {markup}"
    data["lessons"][0]["body"] += (
        f"\n\nOutside: ![px]({pixel}/lesson.gif)\n\n"
        f"Allowed: ![chart](http://localhost:{images.port}/chart.png)\n"
    )
    (folder / "sample-basics.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    admin = make_user("boss", "admin", name=f"Boss {markup}")
    team = accounts.create_team(name=f"Desk {markup}", actor_id=None)
    make_user("ann", team_id=team.id, name=f"Ann {markup}")
    mia = make_user("mia", "manager", team_id=team.id, name=f"Mia {markup}")
    accounts.set_team_managers(team_id=team.id, user_ids=[mia.id], actor_id=None)
    make_user("tina", "trainer", name=f"Tina {markup}")
    learning.create_assignments(
        actor=admin,
        module_ids=["sample-basics"],
        team_id=team.id,
        due_date=date.today() + timedelta(days=3),
    )
    env = {"TRAINING_CONTENT_DIR": str(folder), "TRAINING_IMAGE_HOSTS": "localhost"}
    server = Server(fresh_db, env=env).start()
    try:
        page = context.new_page()
        visits = {
            "ann": ["/", "/module?id=sample-basics", "/progress"],
            "mia": ["/team", "/assign"],
            "boss": ["/people"],
            "tina": ["/studio", "/item-analysis"],
        }
        for username, paths in visits.items():
            sign_in(page, server.url, username, PASSWORD)
            for path in paths:
                page.goto(server.url + path)
                wait_ready(page)
                page.wait_for_timeout(500)
            sign_out(page)
        sign_in(page, server.url, "tina", PASSWORD)  # the studio's learner's-eye preview
        page.goto(server.url + "/studio")
        wait_ready(page)
        page.get_by_role("tab", name="Preview").click()
        wait_ready(page)
        page.wait_for_timeout(500)
    finally:
        server.stop()
        tracker.shutdown()
        images.shutdown()
    assert tracker.paths == []
    assert "/chart.png" in images.paths  # the control: this browser does load lesson images

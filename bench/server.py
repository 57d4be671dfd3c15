"""The real server: cold start to the first rendered sign-in page, and memory with 20 sessions.

Both start `streamlit run app.py` (tests/browser/server.Server) on a loopback port against a
seeded database and drive it with headless Chromium through Playwright.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402

TIMEOUT = 60_000  # ms, for any one browser wait
DEMO_PASSWORD = "demo-password-1"  # store.demo.DEMO_PASSWORD


@dataclass
class ColdStart:
    backend: str
    runs: list[float]  # launch -> "Sign in" button visible
    health: list[float]  # launch -> /_stcore/health answers

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def cold_start(url: str, *, backend: str, runs: int = 3) -> ColdStart:
    """Median time from launching the server to a visible "Sign in" button in Chromium."""
    from playwright.sync_api import expect, sync_playwright

    totals, healths = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(runs):
                server = Server(url)
                context = browser.new_context()
                page = context.new_page()
                try:
                    started = time.perf_counter()
                    server.start(timeout=120)
                    healths.append(time.perf_counter() - started)
                    page.goto(server.url + "/", timeout=TIMEOUT)
                    expect(page.get_by_role("button", name="Sign in")).to_be_visible(
                        timeout=TIMEOUT
                    )
                    totals.append(time.perf_counter() - started)
                finally:
                    context.close()
                    server.stop()
        finally:
            browser.close()
    return ColdStart(backend=backend, runs=totals, health=healths)


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])  # kB
    return values


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    todo.append(child)
    return found


@dataclass
class Memory:
    backend: str
    sessions: int
    signed_in: int
    idle_rss_mb: float
    rss_mb: float
    hwm_mb: float
    children: int
    children_rss_mb: float
    seconds: float


def memory(url: str, *, backend: str, usernames: list[str], sessions: int = 20) -> Memory:
    """Server RSS / peak RSS with `sessions` browser contexts signed in and on the home page."""
    from playwright.sync_api import expect, sync_playwright

    server = Server(url).start(timeout=120)
    pid = server.proc.pid
    contexts = []
    signed = 0
    started = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                warm = browser.new_context()  # one page load so the idle figure is realistic
                warm.new_page().goto(server.url + "/", timeout=TIMEOUT)
                expect(warm.pages[0].get_by_role("button", name="Sign in")).to_be_visible(
                    timeout=TIMEOUT
                )
                warm.close()
                idle = _status(pid)["VmRSS"]
                for username in usernames[:sessions]:
                    context = browser.new_context()
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(server.url + "/", timeout=TIMEOUT)
                    page.get_by_label("Username").fill(username)
                    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    expect(page.get_by_role("button", name="Sign out")).to_be_visible(
                        timeout=TIMEOUT
                    )
                    signed += 1
                time.sleep(2)  # let the last reruns finish
                status = _status(pid)
                kids = _descendants(pid)
                kids_rss = 0
                for kid in kids:
                    with contextlib.suppress(OSError, KeyError):
                        kids_rss += _status(kid)["VmRSS"]
                for context in contexts:
                    context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    return Memory(
        backend=backend,
        sessions=sessions,
        signed_in=signed,
        idle_rss_mb=idle / 1024,
        rss_mb=status["VmRSS"] / 1024,
        hwm_mb=status["VmHWM"] / 1024,
        children=len(kids),
        children_rss_mb=kids_rss / 1024,
        seconds=time.perf_counter() - started,
    )


def employee_usernames(url: str, count: int) -> list[str]:
    """Return count seeded employees' usernames (spread over the organisation)."""
    from sqlalchemy import text

    from store import db

    with db.get_engine(url).connect() as conn:
        names = list(
            conn.execute(
                text("SELECT username FROM \"user\" WHERE role = 'employee' ORDER BY id")
            ).scalars()
        )
    step = max(1, len(names) // count)
    return names[::step][:count]


def cold_start_table(rows: list[ColdStart]) -> str:
    lines = [
        '| Database | Launch → "Sign in" visible (median of runs) | Runs | '
        "Launch → health check answers (median) |",
        "| --- | ---: | --- | ---: |",
    ]
    for r in rows:
        runs = ", ".join(f"{x:.2f}" for x in r.runs)
        lines.append(
            f"| {r.backend} | {r.median:.2f} s | {runs} s | {statistics.median(r.health):.2f} s |"
        )
    return "\n".join(lines)


def memory_table(rows: list[Memory]) -> str:
    lines = [
        "| Database | Sessions signed in | Server RSS idle (after 1 page) | "
        "Server RSS with sessions | Server peak RSS (VmHWM) | Child processes (RSS) | "
        "Time to sign all in |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.signed_in} / {r.sessions} | {r.idle_rss_mb:.0f} MB | "
            f"{r.rss_mb:.0f} MB | {r.hwm_mb:.0f} MB | {r.children} ({r.children_rss_mb:.0f} MB) | "
            f"{r.seconds:.0f} s |"
        )
    return "\n".join(lines)

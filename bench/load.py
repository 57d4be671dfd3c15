"""Many people at once: websocket clients speaking Streamlit's protocol against `streamlit run`.

Each simulated person is one browser tab: a websocket to /_stcore/stream carrying the HttpOnly
session cookie the app set through its own cookie route (ui/server.py), sending a BackMsg
`rerun_script` for their page and reading ForwardMsgs until `script_finished`, then thinking
(a random 0.5x-1.5x of the think time, so the sessions do not march in step) and rerunning.

Measured per level (sessions x think time): the wall time of every rerun (send to
script_finished) as the person would feel it, p50/p95, and the server's CPU time per rerun from
/proc/<pid>/stat (user + system of the server process over the window, divided by the reruns
finished in it), which is what a loaded machine distorts least. Everything is loopback, every
loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import random
import secrets
import statistics
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

COOKIE_NAME = "training_session"  # ui.server.COOKIE_NAME (not imported: it pulls in the store)
RERUN_TIMEOUT = 60.0  # seconds: a rerun slower than this counts as an error
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Person:
    """One simulated tab: who is signed in and which page they rerun."""

    username: str
    cookie: str  # value of the session cookie
    page: str  # "" for My training, "module" for the quiz page
    query: str = ""  # e.g. "id=empathy"
    source: str | None = None  # loopback address to connect from (127.0.N.1), for ip_hash

    @property
    def expected(self) -> str:
        """Text the first rerun must show, so a sign-in page is never timed by mistake."""
        return "Question " if self.page == "module" else "My training"


def cookie_for(base_url: str, ticket: str, browser_secret: str) -> str:
    """Trade a sign-in ticket for the session cookie through the app's cookie route.

    The route hands the cookie only to the browser holding the pre-sign-in secret the ticket
    was made for (ui/server.py), so that cookie goes along, as a browser's would.
    """
    from ui.server import PRESIGN_COOKIE

    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "GET",
            "/api/session/complete?" + urlencode({"ticket": ticket, "next": "/"}),
            headers={"Cookie": f"{PRESIGN_COOKIE}={browser_secret}"},
        )
        response = conn.getresponse()
        response.read()
        header = response.getheader("set-cookie") or ""
    finally:
        conn.close()
    jar = SimpleCookie()
    jar.load(header)
    if COOKIE_NAME not in jar:
        raise RuntimeError(f"the cookie route set no session cookie ({response.status})")
    return jar[COOKIE_NAME].value


def _rerun_message(base_url: str, person: Person) -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = person.query
    state.page_name = person.page
    query = f"?{person.query}" if person.query else ""
    state.context_info.url = f"{base_url}/{person.page}{query}"
    state.context_info.timezone = "UTC"
    state.context_info.locale = "en-GB"
    state.widget_states.SetInParent()
    return msg.SerializeToString()


@dataclass
class Tally:
    """What all sessions of one level recorded."""

    latencies: list[float] = field(default_factory=list)  # reruns finished inside the window
    messages: list[int] = field(default_factory=list)  # ForwardMsgs of each of those reruns
    errors: list[str] = field(default_factory=list)
    connected: int = 0


def _texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind in ("heading", "markdown"):
        return [getattr(element, kind).body]
    if kind == "progress":
        return [element.progress.text]
    return []


async def _rerun(
    ws, payload: bytes, seen: list[str] | None = None, counted: list[int] | None = None
) -> tuple[float, str | None]:
    """Send one rerun and wait for script_finished; return (seconds, error or None).

    Texts of headings, Markdown and progress bars are added to seen when it is given; the
    number of ForwardMsgs the rerun brought (script_finished included) to counted.
    """
    started = time.perf_counter()
    await ws.send(payload)
    deadline = started + RERUN_TIMEOUT
    if counted is not None:
        counted.append(0)
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return time.perf_counter() - started, "rerun timed out"
        data = await asyncio.wait_for(ws.recv(), timeout=left)
        if counted is not None:
            counted[-1] += 1
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                return time.perf_counter() - started, "exception: " + element.exception.message
            if seen is not None:
                seen.extend(_texts(element))
        elif kind == "auth_redirect":
            return time.perf_counter() - started, "sent to sign-in: " + msg.auth_redirect.url
        elif kind == "script_finished":
            # 0 = FINISHED_SUCCESSFULLY; a rerun superseded by the next one also lands here.
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - started, None
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                return time.perf_counter() - started, "compile error"


async def _session(
    base_url: str,
    person: Person,
    think: float,
    window: tuple[float, float],
    stop_at: float,
    stagger: float,
    tally: Tally,
    rng: random.Random,
) -> None:
    from websockets.asyncio.client import connect

    host = urlsplit(base_url).netloc
    await asyncio.sleep(stagger)
    payload = _rerun_message(base_url, person)
    try:
        async with connect(
            f"ws://{host}/_stcore/stream",
            origin=base_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"{COOKIE_NAME}={person.cookie}"},
            max_size=2**26,
            open_timeout=RERUN_TIMEOUT,
            ping_interval=None,
            **({"local_addr": (person.source, 0)} if person.source else {}),
        ) as ws:
            tally.connected += 1
            seen: list[str] = []
            seconds, error = await _rerun(ws, payload, seen)
            if error or not any(person.expected in t for t in seen):
                tally.errors.append(
                    f"{person.username}: first rerun: {error or 'no ' + repr(person.expected)}"
                )
                return
            for _ in range(100_000):  # bounded; the clock below ends it much sooner
                if time.monotonic() >= stop_at:
                    break
                began = time.monotonic()
                counted: list[int] = []
                seconds, error = await _rerun(ws, payload, counted=counted)
                if window[0] <= began and time.monotonic() <= window[1]:
                    if error:
                        tally.errors.append(f"{person.username}: {error}")
                    else:
                        tally.latencies.append(seconds)
                        tally.messages.extend(counted)
                elif error and began < window[0]:
                    tally.errors.append(f"{person.username} (warm-up): {error}")
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    except Exception as exc:  # a refused or dropped connection counts, whatever its kind
        tally.errors.append(f"{person.username}: {type(exc).__name__}: {str(exc)[:160]}")


def _start(base_url, people, think, win, join, tally, rng) -> list[asyncio.Task]:
    """Start a session task per person, joining evenly over `join` seconds, ending at win[1]."""
    return [
        asyncio.create_task(
            _session(
                base_url, p, think, win, win[1], join * i / max(1, len(people)), tally,
                random.Random(rng.random()),
            )
        )
        for i, p in enumerate(people)
    ]  # fmt: skip


async def _finish(tasks: list[asyncio.Task]) -> None:
    """Let reruns still in flight finish (RERUN_TIMEOUT at most), then cancel what is left."""
    _done, pending = await asyncio.wait(tasks, timeout=RERUN_TIMEOUT + 5)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (nearest rank) of values, or nan when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class Level:
    """One measured load level."""

    label: str  # which server set-up
    sessions: int
    think: float
    reruns: int
    p50: float
    p95: float
    cpu_per_rerun: float  # server CPU seconds per finished rerun, all processes summed
    errors: list[str]
    connected: int
    window: float
    load: tuple[float, float, float]
    rss_mb: float
    cpu_split: tuple[float, ...] = ()  # server CPU seconds in the window, per process
    messages: float = float("nan")  # median ForwardMsgs per rerun (script_finished included)
    idle_cpu: float = float("nan")  # server CPU seconds per second with no one rerunning

    @property
    def cpu_less_idle(self) -> float:
        """Server CPU per rerun less what the server spends anyway (Streamlit polls its config
        files every 0.2 s, the HTTP server ticks), spread over the reruns of the window."""
        if not self.reruns:
            return 0.0
        return self.cpu_per_rerun - self.idle_cpu * self.window / self.reruns

    @property
    def throughput(self) -> float:
        return self.reruns / self.window if self.window else 0.0


def run_level(
    base_url: str,
    people: list[Person],
    *,
    think: float,
    pids: list[int],
    label: str,
    warmup: float,
    window: float,
) -> Level:
    """Run len(people) sessions for warmup + window seconds; measure inside the window."""
    tally = Tally()
    rng = random.Random(len(people) * 1000 + int(think * 10))
    start = time.monotonic()
    # Sessions join over the first part of the warm-up (as a shift starting), then everybody
    # reruns; only reruns that start and end inside the window count.
    join = min(warmup * 0.6, max(think, 1.0))
    win = (start + warmup, start + warmup + window)

    async def main() -> None:
        tasks = _start(base_url, people, think, win, join, tally, rng)
        await asyncio.sleep(max(0.0, win[0] - time.monotonic()))
        cpu_before.extend(_cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(max(0.0, win[1] - time.monotonic()))
        cpu_after.extend(_cpu_seconds(pid) for pid in pids)
        load.extend(os.getloadavg())
        rss.extend(_rss_mb(pid) for pid in pids)
        await _finish(tasks)

    cpu_before: list[float] = []
    cpu_after: list[float] = []
    load: list[float] = []
    rss: list[float] = []
    asyncio.run(main())
    cpu = sum(cpu_after) - sum(cpu_before)
    reruns = len(tally.latencies)
    return Level(
        label=label,
        sessions=len(people),
        think=think,
        reruns=reruns,
        p50=percentile(tally.latencies, 0.5),
        p95=percentile(tally.latencies, 0.95),
        cpu_per_rerun=cpu / reruns if reruns else float("nan"),
        errors=tally.errors,
        connected=tally.connected,
        window=window,
        load=tuple(load) if load else os.getloadavg(),
        rss_mb=sum(rss),
        cpu_split=tuple(b - a for a, b in zip(cpu_before, cpu_after, strict=False)),
        messages=median_or_nan(tally.messages),
    )


def soak(
    base_url: str, people: list[Person], *, think: float, pid: int, seconds: float, every: float
) -> tuple[list[tuple[float, float]], Level]:
    """Run the sessions for `seconds`, sampling the server's RSS every `every` seconds."""
    samples: list[tuple[float, float]] = []
    tally = Tally()
    rng = random.Random(99)
    start = time.monotonic()
    win = (start + min(30.0, seconds / 4), start + seconds)

    async def sampler() -> None:
        for _ in range(int(seconds / every) + 2):
            samples.append((time.monotonic() - start, _rss_mb(pid)))
            if time.monotonic() >= win[1]:
                return
            await asyncio.sleep(every)

    async def main() -> None:
        tasks = _start(base_url, people, think, win, think, tally, rng)
        await sampler()
        await _finish(tasks)

    cpu0 = _cpu_seconds(pid)
    asyncio.run(main())
    cpu = _cpu_seconds(pid) - cpu0
    level = Level(
        label="soak",
        sessions=len(people),
        think=think,
        reruns=len(tally.latencies),
        p50=percentile(tally.latencies, 0.5),
        p95=percentile(tally.latencies, 0.95),
        cpu_per_rerun=cpu / len(tally.latencies) if tally.latencies else float("nan"),
        errors=tally.errors,
        connected=tally.connected,
        window=win[1] - win[0],
        load=os.getloadavg(),
        rss_mb=_rss_mb(pid),
    )
    return samples, level


def median_or_nan(values: list[float]) -> float:
    """Return the median, or nan for no values."""
    return statistics.median(values) if values else float("nan")


# --- people ------------------------------------------------------------------------------------


def people(database_url: str, base_url: str, count: int, *, quiz: bool, offset: int = 0):
    """Sign count seeded employees in through the cookie route; quiz people get an open quiz.

    Returns Person rows. The bench process talks to the same database as the server (its
    TRAINING_DATABASE_URL must point there): a session row and ticket per person, as the
    sign-in form would make, then the ticket is traded for the cookie over HTTP.
    """
    from sqlalchemy import text

    from store import accounts, db, learning
    from training.loader import load_content_dir

    with db.get_engine(database_url).connect() as conn:
        rows = conn.execute(
            text("SELECT id, username FROM \"user\" WHERE role = 'employee' ORDER BY id")
        ).all()
    step = max(1, len(rows) // max(1, count + offset))
    chosen = rows[::step][offset : offset + count]
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} employees for {count} sessions")
    modules = []
    if quiz:
        root = Path(__file__).resolve().parent.parent
        content = load_content_dir(Path(os.environ.get("TRAINING_CONTENT_DIR", root / "content")))
        modules = [
            m
            for m in content.modules.values()
            if m.module.quiz.max_attempts is None and not m.module.id.startswith("_")
        ]
    found = []
    for i, (user_id, username) in enumerate(chosen):
        secret = secrets.token_urlsafe(24)  # this simulated browser's pre-sign-in cookie
        _token, ticket = accounts.create_session(user_id=user_id, browser_secret=secret)
        cookie = cookie_for(base_url, ticket, secret)  # a fresh token: the route rotates it
        if quiz:
            loaded = modules[i % len(modules)]
            learning.start_attempt(user_id=user_id, loaded=loaded, seed=i)
            found.append(Person(username, cookie, "module", f"id={loaded.module.id}"))
        else:
            found.append(Person(username, cookie, ""))
    return found


# --- the section of `python -m bench`: one process, GC on and off, a soak, nginx -------------

LEVELS = (10, 25, 50, 100, 200)
THINKS = (1.0, 5.0)
RERUN_CPU_TARGET = 0.015  # seconds of server CPU per rerun (My training, a quiz question)
P95_TARGET = 0.3  # seconds: 100 sessions at 5 s think time, one process
GC_ON = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}  # Streamlit's default; config.toml turns it off


def _server(url: str, *, env: dict | None = None, port: int | None = None, root=None):
    from tests.browser.server import Server

    return Server(url, env=env or {}, port=port, root=root).start(timeout=180)


IDLE_SECONDS = 6.0


def idle_cpu(pid: int, *, seconds: float) -> float:
    """Return a server's CPU seconds per second while nobody reruns (after a 1 s pause)."""
    time.sleep(1.0)
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    return (_cpu_seconds(pid) - before) / seconds


def per_rerun(url: str, *, seconds: float) -> list[Level]:
    """Server CPU per rerun of My training and of a quiz question, GC off then on, one session."""
    rows = []
    servers = {"postScriptGC off (config.toml)": _server(url), "postScriptGC on": None}
    try:
        servers["postScriptGC on"] = _server(url, env=GC_ON)
        for label, server in servers.items():
            for quiz in (False, True):
                person = people(url, server.url, 1, quiz=quiz, offset=600 + 10 * len(rows))
                level = run_level(
                    server.url, person, think=0.05, pids=[server.proc.pid],
                    label=f"{label}: {'a quiz question' if quiz else 'My training'}",
                    warmup=3.0, window=seconds,
                )  # fmt: skip
                level.idle_cpu = idle_cpu(server.proc.pid, seconds=IDLE_SECONDS)
                rows.append(level)
    finally:
        for server in servers.values():
            if server is not None:
                server.stop()
    return rows


def one_process(url: str, *, levels, thinks, window: float, compare: list[tuple[int, float]]):
    """Every level on one server process (config.toml as shipped), then GC on side by side."""
    found, compared = [], []
    off = _server(url)
    on = None
    try:
        crowd = people(url, off.url, max(levels), quiz=False)
        for think in thinks:
            for n in levels:
                print(f"  one process: {n} sessions, think {think:g} s", flush=True)
                found.append(
                    run_level(
                        off.url, crowd[:n], think=think, pids=[off.proc.pid],
                        label="one process", warmup=max(5.0, think * 1.5), window=window,
                    )
                )  # fmt: skip
        on = _server(url, env=GC_ON)
        crowd_on = people(url, on.url, max(n for n, _ in compare), quiz=False, offset=300)
        for n, think in compare:  # back to back, so both see the same machine load
            for label, server, who in (("GC off", off, crowd), ("GC on", on, crowd_on)):
                print(f"  {label}: {n} sessions, think {think:g} s", flush=True)
                compared.append(
                    run_level(
                        server.url, who[:n], think=think, pids=[server.proc.pid],
                        label=f"postScriptGC {label.split()[1]}", warmup=max(5.0, think * 1.5),
                        window=window,
                    )
                )  # fmt: skip
    finally:
        off.stop()
        if on is not None:
            on.stop()
    return found, compared


def soak_run(url: str, *, sessions: int, think: float, seconds: float, every: float):
    """RSS of one server process (GC off) over `seconds` of steady load."""
    server = _server(url)
    try:
        crowd = people(url, server.url, sessions, quiz=False, offset=450)
        return soak(
            server.url, crowd, think=think, pid=server.proc.pid, seconds=seconds, every=every
        )
    finally:
        server.stop()


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream training {{
        ip_hash;                       # sticky, as in the README
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /_stcore/metrics {{ return 404; }}
        location / {{
            proxy_pass http://training;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            # $http_host keeps the port: the websocket origin check compares it with Origin
            # (on 443 the README's $host is the same thing).
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """Return Debian's nginx, or fail loudly (the Makefile's bench target installs it)."""
    import shutil

    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise SystemExit(
            "ERROR: nginx is missing; `make bench` installs Debian's nginx when run as root "
            "(apt-get install nginx)"
        )
    return found


class Nginx:
    """nginx in a temp folder on a loopback port, in front of the given backend ports."""

    def __init__(self, backends: list[int]) -> None:
        import tempfile

        from tests.browser.server import free_port

        self.root = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.root.chmod(0o755)
        self.port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
        conf = self.root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=self.root, port=self.port, servers=servers))
        self.conf = conf
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        import subprocess
        import urllib.request

        binary = nginx_binary()
        subprocess.run([binary, "-t", "-c", str(self.conf), "-p", str(self.root)],
                       check=True, capture_output=True, timeout=30)  # fmt: skip
        self.proc = subprocess.Popen(
            [binary, "-c", str(self.conf), "-p", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("nginx did not start: " + (self.root / "error.log").read_text())

    def stop(self) -> None:
        import shutil
        import signal

        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except Exception:
                os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


def behind_nginx(url: str, *, cases: list[tuple[int, float]], window: float) -> list[Level]:
    """One, then two server processes behind nginx (ip_hash), at the same levels."""
    from tests.browser.server import free_port

    found = []
    ports = [free_port(), free_port()]
    servers = [_server(url, port=ports[0]), _server(url, port=ports[1])]
    try:
        for count in (1, 2):
            proxy = Nginx(ports[:count]).start()
            try:
                crowd = people(url, proxy.url, max(n for n, _ in cases), quiz=False, offset=150)
                # Sessions come from 127.0.N.1: ip_hash keys on the first three octets.
                crowd = [
                    Person(p.username, p.cookie, p.page, p.query, f"127.0.{i % 250 + 1}.1")
                    for i, p in enumerate(crowd)
                ]
                for n, think in cases:
                    print(f"  nginx + {count} process(es): {n} sessions, think {think:g} s",
                          flush=True)  # fmt: skip
                    found.append(
                        run_level(
                            proxy.url, crowd[:n], think=think,
                            pids=[s.proc.pid for s in servers[:count]],
                            label=f"nginx + {count} process{'es' if count > 1 else ''}",
                            warmup=max(5.0, think * 1.5), window=window,
                        )
                    )  # fmt: skip
            finally:
                proxy.stop()
    finally:
        for server in servers:
            server.stop()
    return found


# --- tables ------------------------------------------------------------------------------------


def _ms(x: float) -> str:
    if x != x:  # nan
        return "–"
    return f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s"


def _load(level: Level) -> str:
    return f"{level.load[0]:.1f}"


def per_rerun_table(rows: list[Level]) -> str:
    lines = [
        "| Server set-up: page | Reruns | Server CPU per rerun | Idle server CPU | "
        "Per rerun less idle | Messages per rerun | Wall p50 | Wall p95 | Target | Met | "
        "Load (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for r in rows:
        shipped = "off" in r.label
        met = "yes" if r.cpu_per_rerun <= RERUN_CPU_TARGET and not r.errors else "NO"
        lines.append(
            f"| {r.label} | {r.reruns} | {r.cpu_per_rerun * 1000:.1f} ms | "
            f"{r.idle_cpu * 1000:.0f} ms/s | {r.cpu_less_idle * 1000:.1f} ms | "
            f"{r.messages:.0f} | {_ms(r.p50)} | "
            f"{_ms(r.p95)} | {'≤ 15 ms CPU' if shipped else '(comparison)'} | "
            f"{met if shipped else '–'} | {_load(r)} |"
        )
    return "\n".join(lines)


def levels_table(rows: list[Level], *, target: bool = False) -> str:
    lines = [
        "| Set-up | Sessions | Think time | Reruns in window | Reruns/s | p50 | p95 | "
        "Server CPU per rerun | Errors | Server RSS | Load (1 min) |"
        + (" Target | Met |" if target else ""),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" --- | --- |" if target else ""),
    ]
    for r in rows:
        row = (
            f"| {r.label} | {r.sessions} | {r.think:g} s | {r.reruns} | {r.throughput:.1f} | "
            f"{_ms(r.p50)} | {_ms(r.p95)} | {r.cpu_per_rerun * 1000:.1f} ms | "
            f"{len(r.errors)} | {r.rss_mb:.0f} MB | {_load(r)} |"
        )
        if target:
            if r.sessions == 100 and r.think == 5.0:
                met = r.p95 < P95_TARGET and not r.errors
                row += f" p95 < 300 ms | {'yes' if met else 'NO'} |"
            else:
                row += " – | – |"
        lines.append(row)
    return "\n".join(lines)


def ratio_lines(compared: list[Level]) -> str:
    """GC on ÷ GC off for each pair measured back to back."""
    out = []
    for off, on in zip(compared[::2], compared[1::2], strict=False):
        out.append(
            f"- {off.sessions} sessions, {off.think:g} s think: GC on ÷ off = "
            f"{on.p50 / off.p50:.1f}x p50, {on.p95 / off.p95:.1f}x p95, "
            f"{on.cpu_per_rerun / off.cpu_per_rerun:.1f}x server CPU per rerun, "
            f"{on.throughput / off.throughput if off.throughput else float('nan'):.2f}x reruns/s."
        )
    return "\n".join(out)


def nginx_lines(rows: list[Level]) -> str:
    """Two processes ÷ one, level by level (throughput and p50)."""
    ones = [r for r in rows if "1 process" in r.label]
    twos = [r for r in rows if "2 processes" in r.label]
    out = []
    for a, b in zip(ones, twos, strict=False):
        out.append(
            f"- {a.sessions} sessions, {a.think:g} s think: two ÷ one process = "
            f"{b.throughput / a.throughput if a.throughput else float('nan'):.2f}x reruns/s, "
            f"p50 {_ms(a.p50)} → {_ms(b.p50)}, p95 {_ms(a.p95)} → {_ms(b.p95)}; server CPU "
            f"split between the two: {' / '.join(f'{c:.1f} s' for c in b.cpu_split)}."
        )
    return "\n".join(out)


def soak_summary(samples: list[tuple[float, float]]) -> tuple[str, bool]:
    """Return a line on RSS over the soak and whether it stayed flat (< 10% growth, 2nd half)."""
    if len(samples) < 4:
        return "too few samples", False
    half = samples[len(samples) // 2 :]
    first, last = half[0][1], max(v for _, v in half)
    growth = (last - first) / first if first else 0.0
    minutes = (half[-1][0] - half[0][0]) / 60 or 1.0
    step = max(1, len(samples) // 10)
    trace = ", ".join(f"{t / 60:.1f} min {v:.0f} MB" for t, v in samples[::step])
    flat = growth < 0.10
    return (
        f"RSS {samples[0][1]:.0f} MB at start, {first:.0f} MB at half time, peak of the second "
        f"half {last:.0f} MB ({growth * 100:+.1f}%, {(last - first) / minutes:+.1f} MB/min). "
        f"Samples: {trace}.",
        flat,
    )


# --- one session, quickly: `python -m bench.load` ---------------------------------------------


def _py_spy(pid: int, seconds: float, out: Path):
    """Start py-spy sampling the server for `seconds` (collapsed stacks, one line per stack)."""
    import shutil
    import subprocess

    binary = shutil.which("py-spy")
    if binary is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--duration", str(round(seconds)), "--rate", "250",
         "--format", "raw", "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def rerun_cost(
    url: str,
    *,
    roots: dict[str, Path],
    seconds: float,
    rounds: int,
    profile: Path | None = None,
) -> list[Level]:
    """Server CPU per rerun of My training and of a quiz question, one session, per checkout.

    A server per checkout (roots: label -> folder holding app.py; config.toml as shipped)
    runs side by side; the same two people (one on My training, one on an open quiz) rerun on
    each in turn, `rounds` times, so a before and an after see the same machine load. With
    `profile`, py-spy samples each window into profile/<label>-<page>-<round>.txt.
    """
    servers = {label: _server(url, root=root) for label, root in roots.items()}
    rows = []
    try:
        first = next(iter(servers.values()))
        who = {
            "My training": people(url, first.url, 1, quiz=False, offset=40)[0],
            "a quiz question": people(url, first.url, 1, quiz=True, offset=50)[0],
        }
        for server in servers.values():  # the first reruns load the content and imports
            for person in who.values():
                run_level(
                    server.url, [person], think=0.0, pids=[server.proc.pid],
                    label="warm-up", warmup=0.0, window=3.0,
                )  # fmt: skip
        for n in range(rounds):
            for label, server in servers.items():
                for page, person in who.items():
                    spy = None
                    if profile is not None:
                        profile.mkdir(parents=True, exist_ok=True)
                        name = f"{label}-{page.split()[-1]}-{n}.txt"
                        spy = _py_spy(server.proc.pid, seconds + 1.0, profile / name)
                    rows.append(
                        run_level(
                            server.url, [person], think=0.0, pids=[server.proc.pid],
                            label=f"{label}: {page}", warmup=1.0, window=seconds,
                        )
                    )  # fmt: skip
                    if spy is not None:
                        spy.wait(timeout=seconds + 60)
    finally:
        for server in servers.values():
            server.stop()
    return rows


def rerun_summary(rows: list[Level]) -> str:
    """Median server CPU per rerun per label over the rounds, beside every round's figure."""
    by: dict[str, list[Level]] = {}
    for r in rows:
        by.setdefault(r.label, []).append(r)
    lines = [
        "| Checkout: page | Rounds | Server CPU per rerun (median) | Each round | Wall p50 | "
        "Messages per rerun | Errors | Load (1 min) |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, found in by.items():
        cpu = [r.cpu_per_rerun for r in found]
        lines.append(
            f"| {label} | {len(found)} | {median_or_nan(cpu) * 1000:.1f} ms | "
            f"{', '.join(f'{c * 1000:.1f}' for c in cpu)} | "
            f"{_ms(median_or_nan([r.p50 for r in found]))} | "
            f"{median_or_nan([r.messages for r in found]):.0f} | "
            f"{sum(len(r.errors) for r in found)} | {_load(found[-1])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the server CPU per rerun of My training and a quiz question in a minute or two."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=main.__doc__)
    parser.add_argument("database_url", help="a seeded bench database (use a copy: it is written)")
    parser.add_argument(
        "--root", action="append", default=[], metavar="LABEL=DIR",
        help="a checkout of the app to measure (repeat it for before/after); default: this one",
    )  # fmt: skip
    parser.add_argument("--seconds", type=float, default=8.0, help="measured window per rerun")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", type=Path, help="folder for py-spy's collapsed stacks")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    roots = dict(r.split("=", 1) for r in args.root) or {"this checkout": str(here)}
    os.environ["TRAINING_DATABASE_URL"] = args.database_url  # people() signs in on it
    rows = rerun_cost(
        args.database_url,
        roots={k: Path(v) for k, v in roots.items()},
        seconds=args.seconds,
        rounds=args.rounds,
        profile=args.profile,
    )
    print(rerun_summary(rows))
    errors = [e for r in rows for e in r.errors]
    for e in errors[:10]:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`send-reminders` over a whole organisation with a local SMTP server (aiosmtpd).

Every active person of the database gets an address (username@bench.example), quiet hours are
switched off, and `python -m store send-reminders` runs twice as cron would run it: the first
pass queues and sends everything due (target: under 60 s for 5,000 staff), the second sends
nothing. The database is a copy; the SMTP server only counts and keeps the mail in memory.

`python -m bench.mail --staff 200` seeds a small organisation of its own and runs that alone
(about a minute); `--copy-of FILE` runs on a copy of a database seeded before (to compare two
versions on the same data); `python -m bench --only mail` runs it on the cached full-scale one.
CPU seconds of each pass are shown beside its wall time: they move much less with the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


@dataclass(frozen=True)
class MailRun:
    """Two passes of send-reminders over one organisation."""

    backend: str
    people: int
    first_seconds: float
    first_sent: int
    second_seconds: float
    second_sent: int
    first_cpu: float = 0.0  # CPU seconds of the command (user + system), less moved by load
    second_cpu: float = 0.0

    @property
    def met(self) -> bool:
        """Return True when the first pass is under target and the second sends nothing."""
        return self.first_seconds < TARGET_SECONDS and self.second_sent == 0


def _prepare(url: str) -> int:
    """Give every active person an address and switch quiet hours off; return how many."""
    from sqlalchemy import text

    from store import db

    db.upgrade(url)
    with db.get_engine(url).begin() as conn:
        conn.execute(text("UPDATE \"user\" SET email = username || '@bench.example' WHERE active"))
        conn.execute(text("DELETE FROM setting WHERE key = 'org.quiet_hours'"))
        conn.execute(
            text("INSERT INTO setting (key, value) VALUES ('org.quiet_hours', '\"00:00-00:00\"')")
        )
        people = conn.execute(text('SELECT count(*) FROM "user" WHERE active')).scalar_one()
    db.dispose_engines()
    return people


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _pass(url: str, smtp_url: str) -> tuple[float, float]:
    """Run one pass; return its wall and CPU seconds (the SMTP server's CPU is not in it)."""
    env = dict(
        os.environ,
        TRAINING_DATABASE_URL=url,
        TRAINING_SMTP_URL=smtp_url,
        TRAINING_MAIL_FROM="training@bench.example",
        TRAINING_BASE_URL="https://training.bench.example",
    )
    env.setdefault("TRAINING_CONTENT_DIR", str(ROOT / "content"))
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "store", "send-reminders"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"send-reminders failed:\n{done.stdout}\n{done.stderr}")
    load = os.getloadavg()[0]
    timing = f"{seconds:.1f} s, CPU {cpu:.1f} s, load {load:.1f}"
    print(f"  {done.stdout.strip()} ({timing})", flush=True)
    return seconds, cpu


def reminders_run(url: str, *, backend: str) -> MailRun:
    """Run two send-reminders passes over the database at url against a local SMTP server."""
    sys.path.insert(0, str(ROOT))
    from tests.mailbox import Mailbox

    people = _prepare(url)
    box = Mailbox().start()
    try:
        first, first_cpu = _pass(url, box.url())
        sent_first = len(box.received)
        second, second_cpu = _pass(url, box.url())
        sent_second = len(box.received) - sent_first
    finally:
        box.stop()
    return MailRun(backend, people, first, sent_first, second, sent_second, first_cpu, second_cpu)


def table(rows: list[MailRun]) -> str:
    """Return the runs as a markdown table."""
    lines = [
        "| database | people with an address | first pass (CPU) | mails sent | "
        "second pass (CPU) | mails sent | target met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.people:,} | {r.first_seconds:.1f} s ({r.first_cpu:.1f} s) | "
            f"{r.first_sent:,} | {r.second_seconds:.1f} s ({r.second_cpu:.1f} s) | "
            f"{r.second_sent:,} | {'yes' if r.met else 'NO'} |"
        )
    return "\n".join(lines)


def _copy_sqlite(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as db:  # a consistent copy, WAL included
        db.execute("VACUUM INTO ?", (str(target),))


def main(argv: list[str] | None = None) -> int:
    """Seed a small organisation in a temporary SQLite file and run the two passes on it."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.mail", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument(
        "--copy-of", type=Path, help="run on a copy of this seeded SQLite file instead of seeding"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import submit

    folder = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    url = f"sqlite:///{folder / 'mail.db'}"
    if args.copy_of:
        _copy_sqlite(args.copy_of, folder / "mail.db")
    else:
        seconds = submit.seed(
            url, staff=args.staff, teams=args.teams, attempts=args.attempts, seed_=1
        )
        print(f"Seeded {args.staff} staff in {seconds:.0f} s", flush=True)
    run = reminders_run(url, backend="SQLite")
    print(table([run]))
    return 0 if run.met else 1


if __name__ == "__main__":
    sys.exit(main())

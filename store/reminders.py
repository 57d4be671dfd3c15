"""Reminder mail: one pass of `python -m store send-reminders`, through an outbox.

A pass (safe every 15 minutes from cron or a systemd timer, and safe to run twice at once):

1. works out who is due which reminder today (rules: training/reminders.py; statuses and due
   dates: store/dashboard.py, so nothing here re-decides them) and writes one outbox row per
   mail, with its text, BEFORE anything is sent. (user, kind, subject key) is unique in the
   database, so a second pass, or a pass running at the same time, adds nothing twice;
2. outside quiet hours, claims pending rows atomically (one UPDATE over a
   ``FOR UPDATE SKIP LOCKED`` subquery on PostgreSQL; under SQLite's BEGIN IMMEDIATE write lock),
   sends each (`SENDERS` connections at once, each kept open for the pass) and marks it sent.
   A refused or failed send is tried again after 5, 10, 20, 40 minutes; after `MAX_ATTEMPTS`
   failures it is given up, listed on the People page and audited.

Without TRAINING_SMTP_URL a pass writes and sends nothing. A pass that crashes mid-send leaves
its rows "sending"; after `STALE_CLAIM` another pass takes them back, so the mails it had sent
but not yet marked (at most `MARK_EVERY`) go twice: the only case where one can.
"""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store import config, contact, dashboard, mail, observations, settings
from store.accounts import _audit
from store.db import session_scope
from store.models import MailOutbox, Team, TeamManager, User
from training import clock
from training.dates import format_date
from training.loader import load_content_dir
from training.reminders import (
    MAX_ATTEMPTS,
    Cell,
    Kind,
    Reminder,
    digest_key,
    in_quiet_hours,
    plan,
    reminders_for,
    retry_delay_minutes,
)

CLAIM_BATCH = 200
INSERT_BATCH = 500
STALE_CLAIM = timedelta(minutes=15)
# Senders at once, each with its own SMTP connection and claims: while one waits for the
# server's answer the other builds its next message.
SENDERS = 2
MARK_EVERY = 20  # sent mails marked per commit; a crash can resend at most this many


@dataclass
class PassResult:
    """What one pass did (or, with --dry-run, would do)."""

    queued: int = 0
    skipped: int = 0
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    quiet: bool = False
    mail_off: bool = False
    planned: list[tuple[str, str, str]] = field(default_factory=list)  # to, kind, subject

    def summary(self) -> str:
        """Return the pass in one line, as the command prints it."""
        if self.mail_off:
            return "Mail is off (TRAINING_SMTP_URL is not set): nothing queued or sent."
        text = (
            f"queued {self.queued}, sent {self.sent}, failed {self.failed} "
            f"(given up {self.given_up})"
        )
        if self.skipped:
            text += f"; skipped {self.skipped} that no longer applied"
        if self.quiet:
            text += "; quiet hours: nothing sent"
        return text


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    email: str
    opt_outs: frozenset[Kind]


# --- what to queue ------------------------------------------------------------------------------


def _titles() -> dict[str, tuple[str, int]]:
    modules = load_content_dir(config.content_dir()).modules
    return {mid: (lm.module.title, lm.module.estimated_minutes) for mid, lm in modules.items()}


def _people(session: Session) -> dict[int, _Person]:
    rows = session.exec(
        select(User).where(User.active, User.email.is_not(None)).order_by(User.id)
    ).all()
    return {u.id: _Person(u.id, u.name, u.email, contact.opt_outs(u)) for u in rows}


def _known(session: Session) -> dict[int, set[tuple[str, str]]]:
    known: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for uid, kind, key in session.exec(
        select(MailOutbox.user_id, MailOutbox.kind, MailOutbox.subject_key)
    ):
        known[uid].add((kind, key))
    return known


def _ics(person: _Person, reminder: Reminder, title: str, url: str, now: datetime) -> str:
    what = "expires" if reminder.kind is Kind.EXPIRING else "due"
    return mail.due_date_ics(
        uid=f"{reminder.module_id}-{reminder.on}-{person.id}@training",
        summary=f"Training {what}: {title}",
        description=f"{title} is {what} on {format_date(reminder.on)}. Open it: {url}",
        due=reminder.on,
        url=url,
        stamp=now,
    ).decode("utf-8")


def _compose(
    person: _Person, reminder: Reminder, titles: dict[str, tuple[str, int]], today: date, now
) -> dict:
    title, minutes = titles.get(reminder.module_id, (reminder.module_id, 0))
    url = mail.link(f"/module?id={reminder.module_id}")
    on = format_date(reminder.on)
    about = f" It takes about {minutes} minutes." if minutes else ""
    days = (reminder.on - today).days if reminder.on else 0
    ics = None
    if reminder.kind is Kind.ASSIGNED:
        subject = f"New training for you: {title} (due {on})"
        body = f"{title} has been assigned to you and is due on {on}.{about}"
        ics = _ics(person, reminder, title, url, now)
    elif reminder.kind is Kind.DUE_SOON:
        when = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
        subject = f"Due {when}: {title}"
        body = f"{title} is due {when}, on {on}, and is not finished yet.{about}"
        ics = _ics(person, reminder, title, url, now)
    elif reminder.kind is Kind.OVERDUE:
        subject = f"Overdue: {title} (was due {on})"
        body = f"{title} was due on {on} and is not finished yet. Please do it as soon as you can."
        if reminder.overdue_count > 1:
            body += f" (Reminder {reminder.overdue_count} of 4.)"
    else:  # EXPIRING
        subject = f"Your pass of {title} expires on {on}"
        body = f"Your pass of {title} expires on {on}. Take the quiz again before then to keep it."
        ics = _ics(person, reminder, title, url, now)
    return {
        "subject": subject,
        "body": f"Hello {person.name},\n\n{body}",
        "link_url": url,
        "ics": ics,
    }


@dataclass(frozen=True)
class _Figures:
    """Every team's figures, worked out once per pass and shared by all managers' digests."""

    teams: dict[int, dashboard.TeamSummary]
    attention: dict[str, list[dashboard.AttentionRow]]  # by team name (names are unique)
    not_observed: dict[str, list[observations.NotObserved]]  # by team name
    days: int  # "not observed for this many days"


def _figures(today: date) -> _Figures:
    everyone = dashboard.Scope(team_ids=(), whole_org=True)
    view = dashboard.scope_overview(everyone, today=today)
    days = settings.get_setting("not_observed_days")
    attention: dict[str, list] = defaultdict(list)
    for row in view.attention:  # most behind first, in every team
        attention[row.team].append(row)
    missing: dict[str, list] = defaultdict(list)
    for person in observations.scope_not_observed(everyone, today=today, days=days):
        missing[person.team].append(person)
    return _Figures({t.team_id: t for t in view.teams}, attention, missing, days)


def _listed(items: list[str], more: int) -> str:
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


def _digest(manager: _Person, teams: list[tuple[int, str]], figures: _Figures, today: date):
    parts = []
    for team_id, team_name in teams:
        team = figures.teams.get(team_id)  # None: nobody active in the team
        completion = team.completion if team else None
        done = f"{completion:.0%}" if completion is not None else "nothing assigned"
        lines = [f"{team_name}: {team.people if team else 0} people, {done} complete."]
        overdue = [a for a in figures.attention[team_name] if a.overdue]
        expiring = [a for a in figures.attention[team_name] if a.expiring]
        if overdue:
            named = [f"{a.name} ({len(a.overdue)} module(s))" for a in overdue[:20]]
            lines.append("Overdue: " + _listed(named, len(overdue) - 20))
        else:
            lines.append("Nobody is overdue.")
        if expiring:
            named = [f"{a.name} ({len(a.expiring)})" for a in expiring[:20]]
            lines.append("Passes expiring within 30 days: " + _listed(named, len(expiring) - 20))
        # nobody observes themselves
        missing = [p.name for p in figures.not_observed[team_name] if p.person_id != manager.id]
        if missing:
            lines.append(
                f"Not observed on the floor for {figures.days} days or more: "
                + _listed(missing[:20], len(missing) - 20)
            )
        parts.append("\n".join(lines))
    if not parts:
        return None
    week = digest_key(today)
    return {
        "subject": f"Your teams this week ({week})",
        "body": f"Hello {manager.name},\n\nHow your teams stand on {format_date(today)}:\n\n"
        + "\n\n".join(parts),
        "link_url": mail.link("/team"),
        "ics": None,
    }


def _digest_rows(
    people: dict[int, _Person], known: dict[int, set[tuple[str, str]]], today: date, now
) -> list[dict]:
    """This week's digest for every manager who has an address, wants it and has none yet.

    The figures come from one overview of the whole organisation, not one per team; each
    manager's own view (store/permissions.py) still decides which of their teams they get.
    """
    key = digest_key(today)
    with session_scope(write=False) as session:
        managed: dict[int, list[tuple[int, str]]] = defaultdict(list)
        query = (
            select(TeamManager.user_id, Team.id, Team.name)
            .join(Team, Team.id == TeamManager.team_id)
            .order_by(Team.name)
        )
        for uid, team_id, team_name in session.exec(query):
            managed[uid].append((team_id, team_name))
        due = [
            uid
            for uid in sorted(managed)
            if uid in people
            and Kind.DIGEST not in people[uid].opt_outs
            and (Kind.DIGEST.value, key) not in known[uid]
        ]
        actors = {u.id: u for u in session.exec(select(User).where(User.id.in_(due)))}
    if not due:
        return []
    figures = _figures(today)
    rows = []
    for uid in due:
        try:
            visible = {team.id for team in dashboard.team_choices(actor=actors[uid])}
        except dashboard.NotAllowed:  # no longer a manager
            continue
        teams = [(team_id, name) for team_id, name in managed[uid] if team_id in visible]
        content = _digest(people[uid], teams, figures, today)
        if content:
            rows.append(_row(people[uid], Kind.DIGEST, key, content, "pending", now))
    return rows


def _row(person: _Person, kind: Kind, key: str, content: dict, status: str, now) -> dict:
    return {
        "user_id": person.id,
        "kind": kind.value,
        "subject_key": key,
        "to_address": person.email,
        "status": status,
        "attempts": 0,
        "next_try_at": now,
        "created_at": now,
        **content,
    }


@dataclass
class Plan:
    """New outbox rows, and every reminder that applies now (queued before or not)."""

    rows: list[dict]
    applies: set[tuple[int, str, str]]  # (user id, kind, subject key), digests left out


def plan_rows(*, now: datetime) -> Plan:
    """Return the outbox rows today's rules call for that are not in the outbox yet."""
    zone = settings.time_zone()
    today = clock.day_of(now, zone)
    kinds = settings.mail_kinds()
    with session_scope(write=False) as session:
        people = _people(session)
        known = _known(session)
    by_person: dict[int, list[Cell]] = defaultdict(list)
    for c in dashboard.mailable_cells(today=today):
        if c.user_id in people:
            expires_on = clock.day_of(c.expires_at, zone) if c.expires_at else None
            by_person[c.user_id].append(Cell(c.module_id, c.status, c.due, expires_on))
    rows: list[dict] = []
    to_send: list[tuple[_Person, Reminder]] = []
    applies: set[tuple[int, str, str]] = set()
    for uid, cells in by_person.items():
        person = people[uid]
        wanted = [k for k in kinds if k not in person.opt_outs]
        applies.update(
            (uid, r.kind.value, r.subject_key)
            for cell in cells
            for r in reminders_for(cell, today)
            if r.kind in wanted
        )
        send, skip = plan(cells, today, known[uid])
        to_send.extend(
            (person, r) for r in send if r.kind in kinds and r.kind not in person.opt_outs
        )
        for r in skip:
            blank = {"subject": "(covered by the assignment mail)", "body": "", "link_url": None}
            rows.append(_row(person, r.kind, r.subject_key, {**blank, "ics": None}, "skipped", now))
    titles = _titles() if to_send else {}  # parsing the curriculum is the slow part
    for person, r in to_send:
        content = _compose(person, r, titles, today, now)
        rows.append(_row(person, r.kind, r.subject_key, content, "pending", now))
    if Kind.DIGEST in kinds:
        rows.extend(_digest_rows(people, known, today, now))
    return Plan(rows, applies)


def _drop_stale(applies: set[tuple[int, str, str]]) -> int:
    """Skip queued reminders that no longer apply (done meanwhile, address gone, opted out)."""
    with session_scope() as session:
        columns = (MailOutbox.id, MailOutbox.user_id, MailOutbox.kind, MailOutbox.subject_key)
        pending = session.exec(
            select(*columns).where(
                MailOutbox.status == "pending", MailOutbox.kind != Kind.DIGEST.value
            )
        ).all()
        stale = [i for i, uid, kind, key in pending if (uid, kind, key) not in applies]
        for start in range(0, len(stale), INSERT_BATCH):
            session.exec(
                update(MailOutbox)
                .where(MailOutbox.id.in_(stale[start : start + INSERT_BATCH]))
                .where(MailOutbox.status == "pending")
                .values(status="skipped", last_error="no longer applied when it was to be sent")
            )
    return len(stale)


def _insert(rows: list[dict]) -> int:
    """Insert rows, ignoring any (user, kind, subject key) already there; return how many."""
    table = MailOutbox.__table__
    added = 0
    for start in range(0, len(rows), INSERT_BATCH):
        with session_scope() as session:
            connection = session.connection()
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            # one statement for many rows (SQLAlchemy's "insertmanyvalues"): compiled once,
            # where a VALUES clause of 500 rows was compiled afresh for every batch
            statement = (
                insert(table)
                .on_conflict_do_nothing(index_elements=["user_id", "kind", "subject_key"])
                .returning(table.c.status)
            )
            inserted = connection.execute(statement, rows[start : start + INSERT_BATCH])
            added += sum(status == "pending" for (status,) in inserted)
    return added


# --- sending ------------------------------------------------------------------------------------


def _release_stale(now: datetime) -> None:
    with session_scope() as session:
        session.exec(
            update(MailOutbox)
            .where(MailOutbox.status == "sending", MailOutbox.claimed_at < now - STALE_CLAIM)
            .values(status="pending", claimed_by=None)
        )


def _claim(me: str, now: datetime) -> list[MailOutbox]:
    """Take up to CLAIM_BATCH due pending rows for this pass; no other pass gets them."""
    with session_scope() as session:
        due = (
            select(MailOutbox.id)
            .where(MailOutbox.status == "pending", MailOutbox.next_try_at <= now)
            .order_by(MailOutbox.id)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds the write lock
        )
        session.exec(
            update(MailOutbox)
            .where(MailOutbox.id.in_(due), MailOutbox.status == "pending")
            .values(status="sending", claimed_by=me, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    with session_scope(write=False) as session:
        return list(
            session.exec(
                select(MailOutbox)
                .where(MailOutbox.claimed_by == me, MailOutbox.status == "sending")
                .order_by(MailOutbox.id)
            )
        )


def _message(row: MailOutbox):
    return mail.build_message(
        to=row.to_address,
        subject=row.subject,
        text=row.body,
        link_url=row.link_url,
        link_label="Open it in the training app",
        ics=row.ics.encode("utf-8") if row.ics else None,
    )


def _mark_sent(ids: list[int], me: str, now: datetime) -> None:
    if not ids:
        return
    with session_scope() as session:
        session.exec(
            update(MailOutbox)
            .where(MailOutbox.id.in_(ids), MailOutbox.claimed_by == me)
            .values(status="sent", sent_at=now, claimed_by=None, last_error=None)
        )


def _mark_failed(row: MailOutbox, me: str, now: datetime, why: str) -> bool:
    """Record a failed send; return True when it was the last try (given up)."""
    attempts = row.attempts + 1
    give_up = attempts >= MAX_ATTEMPTS
    with session_scope() as session:
        session.exec(
            update(MailOutbox)
            .where(MailOutbox.id == row.id, MailOutbox.claimed_by == me)
            .values(
                status="failed" if give_up else "pending",
                attempts=attempts,
                next_try_at=now + timedelta(minutes=retry_delay_minutes(attempts)),
                claimed_by=None,
                last_error=why[:500],
            )
        )
        if give_up:
            _audit(
                session,
                "mail_given_up",
                target=row.to_address[:200],
                detail=f"{row.kind} {row.subject_key}: {why}"[:2000],
            )
    return give_up


def _send_claimed(
    rows: list[MailOutbox], mailer: mail.Mailer, me: str, now: datetime, result: PassResult
) -> None:
    sent: list[int] = []  # marked in small groups: one commit per mail was most of a pass
    try:
        for done, row in enumerate(rows):
            try:
                mailer.send(_message(row))
            except mail.Unreachable as exc:  # no server: every row still claimed failed
                _mark_sent(sent, me, now)
                sent = []
                for left in rows[done:]:
                    result.failed += 1
                    result.given_up += _mark_failed(left, me, now, str(exc))
                return
            except mail.MailError as exc:
                result.failed += 1
                result.given_up += _mark_failed(row, me, now, str(exc))
            else:
                sent.append(row.id)
                result.sent += 1
                if len(sent) >= MARK_EVERY:
                    _mark_sent(sent, me, now)
                    sent = []
    finally:
        _mark_sent(sent, me, now)


def _sender(now: datetime, result: PassResult) -> None:
    """Claim and send batches over a connection of its own until none is left."""
    me = secrets.token_hex(8)
    with mail.mailer() as mailer:  # one line to the server for the whole pass
        while batch := _claim(me, now):
            _send_claimed(batch, mailer, me, now, result)


def run_pass(*, dry_run: bool = False, now: datetime | None = None) -> PassResult:
    """Queue today's reminders and send what is due (outside quiet hours); return the counts."""
    result = PassResult()
    if mail.smtp_settings() is None:  # a TRAINING_SMTP_URL that cannot be read raises MailError
        result.mail_off = True
        return result
    now = now or clock.now()
    planned = plan_rows(now=now)
    rows = planned.rows
    start, end = settings.quiet_hours()
    result.quiet = in_quiet_hours(now.astimezone(settings.time_zone()), start, end)
    if dry_run:
        result.planned = [
            (r["to_address"], r["kind"], r["subject"]) for r in rows if r["status"] == "pending"
        ]
        result.queued = len(result.planned)
        return result
    added = _insert(rows)
    result.queued = added
    if not result.quiet:
        result.skipped = _drop_stale(planned.applies)
        _release_stale(now)
        parts = [PassResult() for _ in range(SENDERS)]
        senders = [threading.Thread(target=_sender, args=(now, part)) for part in parts]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        for part in parts:
            result.sent += part.sent
            result.failed += part.failed
            result.given_up += part.given_up
    if added or result.sent or result.failed:
        with session_scope() as session:
            _audit(session, "reminders_pass", detail=result.summary())
    return result


# --- what the People page shows -------------------------------------------------------------


@dataclass(frozen=True)
class GivenUp:
    """A mail that failed MAX_ATTEMPTS times and will not be tried again."""

    to: str
    name: str
    kind: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime


def given_up(*, limit: int = 100) -> list[GivenUp]:
    """Return the mails given up after repeated failures, newest first."""
    with session_scope(write=False) as session:
        rows = session.exec(
            select(MailOutbox, User.name)
            .join(User, User.id == MailOutbox.user_id)
            .where(MailOutbox.status == "failed")
            .order_by(MailOutbox.id.desc())
            .limit(limit)
        ).all()
    return [
        GivenUp(r.to_address, name, r.kind, r.subject, r.attempts, r.last_error, r.created_at)
        for r, name in rows
    ]

"""Customer feedback per team and day: CSV or JSON rows checked, then imported all or none.

Two shapes, told apart by their header (CSV) or by their keys (JSON, row by row):

- aggregated, one row per team, day and channel:
  `date,team,channel,responses,csat_mean,nps_promoters,nps_passives,nps_detractors,complaints,
  compliments,source_id` (channel and source_id optional columns);
- one row per response: `date,team,channel,kind,score,source_id` (kind csat 1-5, nps 0-10,
  complaint, compliment with no score).

Every bad row is reported with its line (CSV, the header is line 1) or its row number (JSON,
from 1) and why; when any row is bad nothing is written. A row is identified by its source_id
when it has one, else by a hash of its content and how many identical rows came before it in
the same file, so re-importing the same rows adds nothing, while two identical responses in one
file (two customers both giving 5) stay two. A unique index on the key enforces it, also when
two imports of the same rows run at once (ON CONFLICT DO NOTHING).

Both shapes are stored as one kind of row (a response is an aggregated row of one), with sums
that add up over rows: csat_sum and csat_n rather than a mean. Measures a row leaves empty stay
NULL and count nowhere: complaints per 100 responses divides complaints by the responses of the
rows that report both.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from store import config, permissions
from store.accounts import now_utc
from store.db import session_scope
from store.models import ApiToken, AuditLog, Feedback, FeedbackImport, Team, User
from store.permissions import Action, PermissionDenied, require
from store.security import new_token, token_hash
from training import clock

AGGREGATED = "aggregated"
RESPONSES = "responses"
AGGREGATED_COLUMNS = (
    "date",
    "team",
    "channel",
    "responses",
    "csat_mean",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "complaints",
    "compliments",
    "source_id",
)
RESPONSE_COLUMNS = ("date", "team", "channel", "kind", "score", "source_id")
OPTIONAL_COLUMNS = frozenset({"channel", "source_id"})
COUNT_COLUMNS = (
    "responses",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "complaints",
    "compliments",
)
MEASURE_COLUMNS = (*COUNT_COLUMNS, "csat_mean")
# kind -> the scores it allows (None: no score)
KINDS: dict[str, tuple[int, int] | None] = {
    "csat": (1, 5),
    "nps": (0, 10),
    "complaint": None,
    "compliment": None,
}
CSAT_RANGE = (1.0, 5.0)
MAX_CHANNEL = 40
MAX_SOURCE_ID = 70
MAX_ERRORS_SHOWN = 200
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE = re.compile(r"^\d+$")
RATE_WINDOW = timedelta(minutes=1)


class FeedbackError(ValueError):
    """Feedback that cannot be imported, with a message for the person who sent it."""


@dataclass(frozen=True)
class RowError:
    """Why one row (or the header) cannot be imported."""

    where: str  # "line 7" (CSV) or "row 3" (JSON)
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(slots=True)
class FeedbackRow:
    """One valid row, in the stored form."""

    where: str
    key: str
    team_id: int
    team: str
    day: date
    channel: str
    responses: int | None = None
    csat_sum: float | None = None
    csat_n: int | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    complaints: int | None = None
    compliments: int | None = None

    @property
    def week(self) -> date:
        """Return the Monday of the row's day."""
        return _monday(self.day)


@functools.lru_cache(maxsize=4096)
def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class FeedbackPreview:
    """What an import would do, and every problem that stops it."""

    rows: list[FeedbackRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    shapes: set[str] = field(default_factory=set)
    known: int = 0  # rows already in the database (they will be left as they are)

    @property
    def ok(self) -> bool:
        """Return True when the rows can be imported."""
        return bool(self.rows) and not self.errors

    @property
    def new(self) -> int:
        """Return how many rows an import would add."""
        return len(self.rows) - self.known

    def summary(self) -> str:
        """Return one line: what an import of these rows does (or that it cannot)."""
        if self.errors:
            n = len(self.errors)
            problems = f"{n} problem{'s' if n != 1 else ''}"
            return f"Nothing imported: {problems}, each listed with its line."
        teams = len({r.team_id for r in self.rows})
        days = sorted({r.day for r in self.rows})
        span = f"{days[0].isoformat()} to {days[-1].isoformat()}" if days else "no days"
        return (
            f"{len(self.rows)} rows for {teams} team{'s' if teams != 1 else ''}, {span}: "
            f"{self.new} new, {self.known} already imported."
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    import_id: int
    rows: int
    added: int

    @property
    def already(self) -> int:
        """Return how many rows were there already."""
        return self.rows - self.added

    def summary(self) -> str:
        """Return one line for the person or program that imported."""
        return f"Imported {self.added} new feedback rows; {self.already} were already there."


# --- reading and checking ------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    teams: Mapping[str, list[tuple[int, str]]]  # lower-case name -> [(id, name)]
    today: date
    zone: str


def _context(today: date | None) -> _Context:
    from store import settings  # settings imports accounts; keep the import graph flat

    with session_scope(write=False) as session:
        rows = session.exec(select(Team.id, Team.name)).all()
    teams: dict[str, list[tuple[int, str]]] = {}
    for tid, name in rows:
        teams.setdefault(name.strip().casefold(), []).append((tid, name))
    zone = settings.time_zone()
    return _Context(teams=teams, today=today or clock.today(zone), zone=str(zone))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # JSON true/false is no number here
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _count(raw: str, column: str, problems: list[str]) -> int | None:
    if raw == "":
        return None
    if raw.isascii() and raw.isdigit():  # the common case, first: imports are large
        return int(raw)
    if raw.startswith("-") and WHOLE.match(raw[1:]):
        problems.append(f"{column} is {raw}: counts cannot be negative")
        return None
    if not WHOLE.match(raw):
        problems.append(f"{column} is {raw!r}: a count must be a whole number (0, 1, 2, ...)")
        return None
    return int(raw)


def _number(raw: str, column: str, problems: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(f"{column} is {raw!r}: not a number")
        return None
    return value


@functools.lru_cache(maxsize=4096)
def _iso_day(raw: str) -> date | None:
    # A file has a few hundred distinct days in many thousand rows: read each once.
    try:
        return date.fromisoformat(raw) if ISO_DATE.match(raw) else None
    except ValueError:
        return None


def _day(raw: str, ctx: _Context, problems: list[str]) -> date | None:
    if not raw:
        problems.append("date is empty")
        return None
    day = _iso_day(raw)
    if day is None:
        problems.append(f"date {raw!r} is not a date written YYYY-MM-DD (such as 2026-03-01)")
        return None
    if day > ctx.today:
        problems.append(
            f"date {raw} is in the future (today is {ctx.today.isoformat()} in {ctx.zone})"
        )
        return None
    return day


def _team(raw: str, ctx: _Context, problems: list[str]) -> tuple[int, str] | None:
    if not raw:
        problems.append("team is empty")
        return None
    found = ctx.teams.get(raw.casefold(), [])
    if not found:
        problems.append(f"no team is called {raw!r} (names as on People and teams)")
        return None
    if len(found) > 1:
        problems.append(f"more than one team is called {raw!r} when case is ignored; rename one")
        return None
    return found[0]


def _aggregated(cell: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    counts = {c: _count(cell.get(c, ""), c, problems) for c in COUNT_COLUMNS}
    csat_raw = cell.get("csat_mean", "")
    csat = _number(csat_raw, "csat_mean", problems) if csat_raw else None
    if all(cell.get(c, "") == "" for c in MEASURE_COLUMNS):
        problems.append("every measure is empty: give at least one")
    responses = counts["responses"]
    if csat is not None:
        if not CSAT_RANGE[0] <= csat <= CSAT_RANGE[1]:
            problems.append(f"csat_mean {csat_raw} is outside 1 to 5")
        elif not responses:
            problems.append("csat_mean needs responses (how many answers it is the mean of)")
    nps = [counts[c] for c in ("nps_promoters", "nps_passives", "nps_detractors")]
    if responses is not None and all(n is not None for n in nps) and sum(nps) > responses:
        problems.append(
            f"promoters + passives + detractors = {sum(nps)} is more than responses = {responses}"
        )
    elif responses is not None and any(n is not None and n > responses for n in nps):
        problems.append(f"an NPS count is more than responses = {responses}")
    return {
        "responses": responses,
        "csat_sum": csat * responses if csat is not None and responses else None,
        "csat_n": responses if csat is not None and responses else None,
        "promoters": counts["nps_promoters"],
        "passives": counts["nps_passives"],
        "detractors": counts["nps_detractors"],
        "complaints": counts["complaints"],
        "compliments": counts["compliments"],
    }


def _response(cell: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    kind = cell.get("kind", "").casefold()
    raw = cell.get("score", "")
    if kind not in KINDS:
        problems.append(f"kind {cell.get('kind', '')!r} is not one of {', '.join(KINDS)}")
        return {}
    allowed = KINDS[kind]
    out: dict[str, Any] = {"responses": 1, "complaints": 0, "compliments": 0}
    if allowed is None:
        if raw:
            problems.append(f"a {kind} has no score (leave score empty, not {raw!r})")
        out[kind + "s"] = 1
        return out
    if not raw:
        problems.append(f"a {kind} needs a score from {allowed[0]} to {allowed[1]}")
        return out
    score = _number(raw, "score", problems)
    if score is None:
        return out
    if not allowed[0] <= score <= allowed[1]:
        problems.append(f"score {raw} is outside {allowed[0]} to {allowed[1]} for {kind}")
    elif kind == "nps" and not score.is_integer():
        problems.append(f"score {raw}: an NPS score is a whole number from 0 to 10")
    elif kind == "csat":
        out.update(csat_sum=score, csat_n=1)
    else:
        bucket = "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"
        out.update(promoters=0, passives=0, detractors=0)
        out[bucket] = 1
    return out


def _content_hash(shape: str, cell: Mapping[str, str], team_id: int, occurrence: int) -> str:
    columns = AGGREGATED_COLUMNS if shape == AGGREGATED else RESPONSE_COLUMNS
    parts = [shape, str(team_id), str(occurrence)]
    for c in columns:
        if c in ("team", "source_id"):
            continue
        value = cell.get(c, "")
        parts.append(value.casefold() if c in ("channel", "kind") else value)
    return "h:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class _Checker:
    """Check rows one by one, remembering source ids and identical rows seen so far."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.preview = FeedbackPreview()
        self.source_ids: dict[str, str] = {}
        self.seen: dict[str, int] = {}

    def add(self, where: str, shape: str, cell: Mapping[str, str]) -> None:
        problems: list[str] = []
        day = _day(cell.get("date", ""), self.ctx, problems)
        team = _team(cell.get("team", ""), self.ctx, problems)
        channel = cell.get("channel", "")
        if len(channel) > MAX_CHANNEL:
            problems.append(f"channel is longer than {MAX_CHANNEL} characters")
        source_id = cell.get("source_id", "")
        if len(source_id) > MAX_SOURCE_ID:
            problems.append(f"source_id is longer than {MAX_SOURCE_ID} characters")
        elif source_id in self.source_ids:
            problems.append(f"source_id {source_id!r} is also on {self.source_ids[source_id]}")
        elif source_id:
            self.source_ids[source_id] = where
        values = _aggregated(cell, problems) if shape == AGGREGATED else _response(cell, problems)
        if problems or day is None or team is None:
            self.preview.errors.extend(RowError(where, p) for p in problems)
            return
        self.preview.shapes.add(shape)
        if source_id:
            key = "s:" + source_id
        else:
            plain = _content_hash(shape, cell, team[0], 0)
            occurrence = self.seen.get(plain, 0)
            self.seen[plain] = occurrence + 1
            key = plain if occurrence == 0 else _content_hash(shape, cell, team[0], occurrence)
        self.preview.rows.append(
            FeedbackRow(
                where=where, key=key, team_id=team[0], team=team[1], day=day, channel=channel,
                **values,
            )
        )  # fmt: skip


def _shape_of_header(header: Sequence[str]) -> tuple[str | None, list[str]]:
    names = set(header)
    problems = []
    if len(names) != len(header):
        problems.append("a column name appears twice in the header")
    for shape, columns in ((AGGREGATED, AGGREGATED_COLUMNS), (RESPONSES, RESPONSE_COLUMNS)):
        required = set(columns) - OPTIONAL_COLUMNS
        marker = "csat_mean" if shape == AGGREGATED else "kind"
        if marker not in names:
            continue
        missing = [c for c in columns if c in required and c not in names]
        unknown = sorted(names - set(columns))
        if missing:
            problems.append(f"the header lacks {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column {', '.join(unknown)} (the {shape} shape has ")
            problems[-1] += ", ".join(columns) + ")"
        return shape, problems
    return None, [
        "the header is neither shape: aggregated rows have "
        + ",".join(AGGREGATED_COLUMNS)
        + "; one row per response has "
        + ",".join(RESPONSE_COLUMNS)
    ]


def _mark_known(preview: FeedbackPreview) -> FeedbackPreview:
    # Through the driver in chunks: compiling an expanding IN of 100,000 keys costs seconds.
    keys = [r.key for r in preview.rows]
    known = 0
    with session_scope(write=False) as session:
        conn = session.connection()
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            sql = (
                f"SELECT count(*) FROM feedback WHERE row_key IN ({', '.join([mark] * len(chunk))})"
            )
            known += conn.exec_driver_sql(sql, tuple(chunk)).scalar_one()
    preview.known = known
    return preview


def parse_csv(data: bytes | str, *, today: date | None = None) -> FeedbackPreview:
    """Read a feedback CSV of either shape and check every row (today: the organisation's)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return FeedbackPreview(
                errors=[RowError("file", f"not UTF-8 text (byte {exc.start + 1} is not)")]
            )
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""))
    header = [h.strip().casefold() for h in next(reader, [])]
    if not any(header):
        return FeedbackPreview(errors=[RowError("line 1", "the file is empty: no header row")])
    shape, problems = _shape_of_header(header)
    if problems or shape is None:
        return FeedbackPreview(errors=[RowError("line 1", p) for p in problems])
    checker = _Checker(_context(today))
    for cells in reader:
        where = f"line {reader.line_num}"
        if not any(c.strip() for c in cells):
            continue  # blank lines are no rows
        if len(cells) != len(header):
            checker.preview.errors.append(
                RowError(where, f"{len(cells)} cells, but the header has {len(header)} columns")
            )
            continue
        checker.add(where, shape, {h: c.strip() for h, c in zip(header, cells, strict=True)})
    if not checker.preview.rows and not checker.preview.errors:
        checker.preview.errors.append(RowError("file", "there are no rows under the header"))
    return _mark_known(checker.preview)


def parse_records(records: Any, *, today: date | None = None) -> FeedbackPreview:
    """Check JSON rows (a list of objects, each of either shape by its keys)."""
    if not isinstance(records, list) or not records:
        return FeedbackPreview(errors=[RowError("body", '"rows" must be a non-empty list')])
    checker = _Checker(_context(today))
    for i, record in enumerate(records, start=1):
        where = f"row {i}"
        if not isinstance(record, dict):
            checker.preview.errors.append(RowError(where, "each row must be a JSON object"))
            continue
        cell = {str(k).strip().casefold(): _text(v) for k, v in record.items()}
        shape = RESPONSES if "kind" in cell else AGGREGATED
        allowed = set(RESPONSE_COLUMNS if shape == RESPONSES else AGGREGATED_COLUMNS)
        unknown = sorted(set(cell) - allowed)
        if unknown:
            checker.preview.errors.append(
                RowError(where, f"unknown field {', '.join(unknown)} for the {shape} shape")
            )
            continue
        checker.add(where, shape, cell)
    return _mark_known(checker.preview)


# --- writing -------------------------------------------------------------------------------

_COLUMNS = (
    "row_key",
    "import_id",
    "team_id",
    "day",
    "week",
    "channel",
    "responses",
    "csat_sum",
    "csat_n",
    "promoters",
    "passives",
    "detractors",
    "complaints",
    "compliments",
)


def _tuples(rows: Iterable[FeedbackRow], import_id: int, *, text_dates: bool) -> list[tuple]:
    out = []
    for r in rows:
        day, week = (r.day.isoformat(), r.week.isoformat()) if text_dates else (r.day, r.week)
        out.append(
            (r.key, import_id, r.team_id, day, week, r.channel, r.responses, r.csat_sum,
             r.csat_n, r.promoters, r.passives, r.detractors, r.complaints, r.compliments)
        )  # fmt: skip
    return out


def _bulk_insert(session: Session, rows: list[FeedbackRow], import_id: int) -> None:
    # Bulk, through the driver: SQLite executemany (dates as the 'YYYY-MM-DD' text SQLAlchemy
    # itself writes); PostgreSQL COPY into a temporary table, then one INSERT ... SELECT. Both
    # skip rows whose key is there already, also one a concurrent import just wrote.
    conn = session.connection()
    names = ", ".join(_COLUMNS)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(_COLUMNS))
        conn.exec_driver_sql(
            f"INSERT INTO feedback ({names}) VALUES ({marks}) ON CONFLICT (row_key) DO NOTHING",
            _tuples(rows, import_id, text_dates=True),
        )
        return
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE feedback_in ON COMMIT DROP AS SELECT {names} FROM feedback "
            "WITH NO DATA"
        )
        with cursor.copy(f"COPY feedback_in ({names}) FROM STDIN") as copy:
            for row in _tuples(rows, import_id, text_dates=False):
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO feedback ({names}) SELECT {names} FROM feedback_in "
            "ON CONFLICT (row_key) DO NOTHING"
        )


def _write(
    preview: FeedbackPreview,
    *,
    actor_id: int | None,
    token: ApiToken | None,
    source: str,
    name: str,
) -> ImportResult:
    if not preview.ok:
        raise FeedbackError(preview.summary())
    with session_scope() as session:
        if token is None:
            try:
                require(session, actor_id, Action.IMPORT_FEEDBACK)
            except PermissionDenied:
                raise FeedbackError("Only administrators import customer feedback.") from None
        record = FeedbackImport(
            at=now_utc(),
            actor_id=actor_id,
            token_id=token.id if token else None,
            source=source,
            name=name[:200],
            rows=len(preview.rows),
        )
        session.add(record)
        session.flush()
        _bulk_insert(session, preview.rows, record.id)
        record.added = session.exec(
            select(func.count()).select_from(Feedback).where(Feedback.import_id == record.id)
        ).one()
        session.add(record)
        session.add(
            AuditLog(
                at=record.at,
                actor_id=actor_id,
                action="feedback_imported",
                target=name[:200] or None,
                detail=f"{record.added} new of {record.rows} rows ({source})",
            )
        )
        return ImportResult(import_id=record.id, rows=record.rows, added=record.added)


def import_feedback(
    preview: FeedbackPreview, *, actor_id: int | None, source: str = "upload", name: str = ""
) -> ImportResult:
    """Write a checked preview for an administrator (None: the console); all rows or none."""
    return _write(preview, actor_id=actor_id, token=None, source=source, name=name)


# --- API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    """An API token as administrators see it (never the token itself)."""

    id: int
    name: str
    created_at: datetime
    created_by: str | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _audit(session: Session, actor_id: int | None, action: str, target: str) -> None:
    session.add(AuditLog(at=now_utc(), actor_id=actor_id, action=action, target=target[:200]))


def _may_manage_tokens(session: Session, actor_id: int | None) -> None:
    try:
        require(session, actor_id, Action.MANAGE_API_TOKENS)
    except PermissionDenied:
        raise FeedbackError("Only administrators manage API tokens.") from None


def create_token(*, actor_id: int | None, name: str) -> tuple[TokenInfo, str]:
    """Create a named token; return it with the token text (shown once, only its hash kept)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise FeedbackError("Give the token a name of 1 to 120 characters (who will use it).")
    token = new_token()
    with session_scope() as session:
        _may_manage_tokens(session, actor_id)
        row = ApiToken(
            name=name, token_hash=token_hash(token), created_by=actor_id, created_at=now_utc()
        )
        session.add(row)
        session.flush()
        _audit(session, actor_id, "api_token_created", name)
        info = TokenInfo(row.id, row.name, row.created_at, None, None, None)
    return info, token


def list_tokens(*, actor_id: int | None) -> list[TokenInfo]:
    """Return every API token, newest first, for an administrator."""
    with session_scope(write=False) as session:
        _may_manage_tokens(session, actor_id)
        rows = session.exec(
            select(ApiToken, User.name)
            .outerjoin(User, User.id == ApiToken.created_by)
            .order_by(ApiToken.id.desc())
        ).all()
    return [
        TokenInfo(t.id, t.name, t.created_at, who, t.last_used_at, t.revoked_at) for t, who in rows
    ]


def revoke_token(*, actor_id: int | None, token_id: int) -> bool:
    """Revoke a token at once; return False when it was revoked already."""
    with session_scope() as session:
        _may_manage_tokens(session, actor_id)
        row = session.get(ApiToken, token_id)
        if row is None:
            raise FeedbackError("There is no such token.")
        if row.revoked_at is not None:
            return False
        row.revoked_at = now_utc()
        session.add(row)
        _audit(session, actor_id, "api_token_revoked", row.name)
    return True


@dataclass(frozen=True)
class Admission:
    """Whether one API request may go on: its token, or how long it must wait."""

    token: ApiToken | None
    retry_after: int = 0  # seconds; > 0 when the token is over its rate


def admit(token: str | None, *, now: datetime | None = None) -> Admission:
    """Find a live token and count one request against its rate (per minute, in the database).

    The count lives on the token's row, updated under its row lock, so every app process
    shares it. Requests without a valid token count nowhere: there is no token to charge.
    """
    if not token:
        return Admission(None)
    now = now or now_utc()
    limit = config.api_rate_per_minute()
    with session_scope() as session:
        row = session.exec(
            select(ApiToken)
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
            .with_for_update()
        ).first()
        if row is None:
            return Admission(None)
        started = row.window_started_at
        if started is None or now - clock.aware(started) >= RATE_WINDOW:
            row.window_started_at, row.window_requests = now, 0
            started = now
        if row.window_requests >= limit:
            wait = RATE_WINDOW - (now - clock.aware(started))
            return Admission(row, retry_after=max(1, math.ceil(wait.total_seconds())))
        row.window_requests += 1
        row.last_used_at = now
        session.add(row)
        session.flush()
        return Admission(row)


def import_from_api(body: bytes, token: ApiToken) -> tuple[int, dict]:
    """Check and import a JSON body {"rows": [...]}; return (HTTP status, JSON answer)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return 400, {"error": f"the body is not JSON: {exc}"}
    if not isinstance(payload, dict) or "rows" not in payload:
        return 422, {"error": 'the body must be an object {"rows": [...]}', "errors": []}
    preview = parse_records(payload["rows"])
    if not preview.ok:
        return 422, {
            "error": "nothing was imported: fix these rows and send them again",
            "errors": [
                {"row": e.where, "message": e.message} for e in preview.errors[:MAX_ERRORS_SHOWN]
            ],
            "error_count": len(preview.errors),
        }
    result = _write(preview, actor_id=None, token=token, source="api", name=token.name)
    return 200, {"rows": result.rows, "added": result.added, "already": result.already}


# --- reading, scoped -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackWeek:
    """Feedback of one team in one week (Monday), as sums that add up over teams."""

    team_id: int
    week: date
    responses: int
    csat_sum: float
    csat_n: int
    promoters: int
    passives: int
    detractors: int
    complaints: int  # of the rows that report complaints and responses
    complaint_base: int  # responses of those rows

    @property
    def csat(self) -> float | None:
        """Return the mean CSAT (1-5), None without CSAT answers."""
        return self.csat_sum / self.csat_n if self.csat_n else None

    @property
    def nps_n(self) -> int:
        """Return how many answered the NPS question."""
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        """Return the Net Promoter Score (-100 to 100), None without NPS answers."""
        return 100 * (self.promoters - self.detractors) / self.nps_n if self.nps_n else None

    @property
    def complaints_per_100(self) -> float | None:
        """Return complaints per 100 responses, None without both."""
        return 100 * self.complaints / self.complaint_base if self.complaint_base else None


def weekly_feedback(
    session: Session, team_ids: Iterable[int] | None, start: date, end: date
) -> list[FeedbackWeek]:
    """Return the feedback of these teams (None: every team) per team and week in [start, end].

    The caller has scoped team_ids (`team_scope`); one grouped query through (team_id, week).
    """
    both = Feedback.complaints.is_not(None) & Feedback.responses.is_not(None)
    query = (
        select(
            Feedback.team_id,
            Feedback.week,
            func.coalesce(func.sum(Feedback.responses), 0),
            func.coalesce(func.sum(Feedback.csat_sum), 0.0),
            func.coalesce(func.sum(Feedback.csat_n), 0),
            func.coalesce(func.sum(Feedback.promoters), 0),
            func.coalesce(func.sum(Feedback.passives), 0),
            func.coalesce(func.sum(Feedback.detractors), 0),
            func.coalesce(func.sum(case((both, Feedback.complaints), else_=0)), 0),
            func.coalesce(func.sum(case((both, Feedback.responses), else_=0)), 0),
        )
        .where(Feedback.week >= start - timedelta(days=start.weekday()), Feedback.week <= end)
        .group_by(Feedback.team_id, Feedback.week)
    )
    if team_ids is not None:
        query = query.where(Feedback.team_id.in_(list(team_ids) or [-1]))
    out = []
    for tid, week, *sums in session.connection().execute(query).all():
        week = week if isinstance(week, date) else date.fromisoformat(str(week))
        out.append(
            FeedbackWeek(tid, week, int(sums[0]), float(sums[1]), *(int(s) for s in sums[2:]))
        )
    return out


def visible_teams(session: Session, actor: User) -> set[int] | None:
    """Return the teams whose feedback actor may read (None: every team)."""
    try:
        return permissions.team_scope(session, actor, Action.SEE_FEEDBACK)
    except PermissionDenied:
        raise FeedbackError("Only managers and administrators see customer feedback.") from None


def team_feedback(*, actor: User, start: date, end: date) -> list[FeedbackWeek]:
    """Return the weekly feedback of the teams actor may see (a manager: the teams they manage)."""
    with session_scope(write=False) as session:
        return weekly_feedback(session, visible_teams(session, actor), start, end)


def recent_imports(*, actor: User, limit: int = 10) -> list[FeedbackImport]:
    """Return the latest imports, for an administrator."""
    with session_scope(write=False) as session:
        try:
            require(session, actor.id, Action.IMPORT_FEEDBACK)
        except PermissionDenied:
            raise FeedbackError("Only administrators see the imports.") from None
        return list(
            session.exec(select(FeedbackImport).order_by(FeedbackImport.id.desc()).limit(limit))
        )

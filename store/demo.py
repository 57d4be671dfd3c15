"""A synthetic organisation with a year of training history, for demos and benchmarks.

`seed_demo` builds teams with managers, trainers, an administrator and employees, team and
personal assignments with due dates (some overdue), and submitted quiz attempts drawn and graded
with `training.quiz` against the real content. Each person has a skill that varies from person
to person and grows over the year, so the dashboards have something true to show. Progress rows
are written to match the attempts exactly as `store.learning.submit_attempt` would keep them.

Rows go in through SQLAlchemy Core executemany in large batches inside a few transactions, so
500,000 attempts (and their answer rows) take a couple of minutes, not hours.
"""

from __future__ import annotations

import functools
import json
import math
import random
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from store import db
from store.learning import ensure_revision
from store.models import (
    Answer,
    Assignment,
    Attempt,
    AuditLog,
    Certificate,
    Progress,
    Team,
    TeamManager,
    User,
)
from store.security import hash_password
from training import quiz
from training.certificate import certificate_id_candidates
from training.loader import LoadedModule, load_content_dir, module_files
from training.models import Module, Question

DEMO_PASSWORD = "demo-password-1"

LOGINS_TEXT = f"""\
Demo sign-ins (every demo account uses the password {DEMO_PASSWORD}):
  admin      Administrator: people and teams, every team and the whole organisation
  manager    Manager of two teams: team progress (with a team picker) and assignments
  trainer    Trainer: content studio and question statistics
  employee   Employee in the manager's first team: assigned training and due dates
Every other demo person signs in with their username (e.g. from People and teams) and the
same password."""

YEAR = timedelta(days=365)
# History runs a little over a year, so some passes have expired and some are about to.
HISTORY = timedelta(days=395)
BATCH_ATTEMPTS = 25_000  # attempts (with their answers) per executemany batch


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Aisha Alejandro Amara Anders Anna Aroha Ben Camille Carlos Chen Chloé Chioma Dmitri "
    "Elena Emeka Emma Fatima Finn Freya Grace Hamid Hana Hiro Ines Isla Ivan Jamal Jana "
    "Jonas Kai Kavya Keanu Lars Leila Liam Lucía Luca Maja Malik Mateo Maya Mei Mohammed "
    "Nadia Niamh Nikos Noah Nora Olga Omar Oscar Priya Rafael Rosa Ruth Sami Sara Sean "
    "Siobhan Sofia Tariq Thabo Theo Uma Valentina Wei Yara Yusuf Zara Zoë Łucja Ngozi"
)
LAST_NAMES = _words(
    "Abara Adeyemi Alvarez Andersen Bauer Brennan Castillo Chen Costa Dubois Eriksen "
    "Fernández Fischer Gallagher García Gupta Haddad Hansen Hoang Ibrahim Ivanova Jensen "
    "Kaur Kim Kowalski Larsen Lefebvre Lindqvist Mahlangu Martin Mendes Moreau Müller "
    "Murphy Nakamura Nguyễn Novak O'Brien Okafor Olsen Patel Petrov Quinn Rahman Rossi "
    "Santos Schmidt Silva Singh Sørensen Tanaka Taylor Thompson Tran Vandenberg Walsh "
    "Wang Weber Williams Wójcik Yamamoto Zhang Łukasiewicz"
)
SITES = (
    "Harbourside",
    "Northgate",
    "Riverside",
    "Old Town",
    "Castle Hill",
    "Market Square",
    "Westfield",
    "Lakeside",
    "Airport",
    "Central Station",
    "Parkview",
    "Seafront",
    "Eastbank",
    "Hilltop",
    "Docklands",
    "Meadowbrook",
    "Kingsway",
    "Southgate",
    "Bridge Street",
    "Cathedral Quarter",
    "Greenway",
    "Marina",
    "Highfield",
    "Millbrook",
    "University Quarter",
    "Exhibition Centre",
    "Beacon Point",
    "Elm Grove",
    "Stonebridge",
    "Windmill Lane",
)
DEPARTMENTS = (
    "Front desk",
    "Restaurant",
    "Housekeeping",
    "Concierge",
    "Contact centre",
    "Bar",
    "Events",
    "Reservations",
    "Retail floor",
    "Spa",
)


def _slug(text: str) -> str:
    table = str.maketrans({"Ł": "L", "ł": "l", "ø": "o", "Ø": "O", "'": "", " ": ""})
    ascii_text = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in ascii_text.encode("ascii", "ignore").decode() if c.isalnum()).lower()


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class _Question:
    """One question as the simulation sees it: how hard it is, and each answer already marked.

    `answers[0]` is the right answer, then come the wrong ones; `results` holds each of them
    graded by `quiz.grade` on its own, then the unanswered result last (index -1), so an attempt
    is marked by adding up its questions (see `_mark`).
    """

    difficulty: float
    answers: list[list[int]]
    results: list[quiz.QuestionResult]


def _question_info(module: Module, question: Question, difficulty: float) -> _Question:
    answers = [quiz.correct_answer(question), *_wrong_answers(question)]
    one = [quiz.DrawnQuestion(question_id=question.id)]
    results = [quiz.grade(module, one, {question.id: a}).results[0] for a in answers]
    results.append(quiz.grade(module, one, {}).results[0])
    return _Question(difficulty=difficulty, answers=answers, results=results)


def _mark(pass_mark: int, results: list[quiz.QuestionResult]) -> tuple[float, bool]:
    """Return (score, passed) exactly as quiz.grade computes them from its question results."""
    marks = sum(r.marks for r in results)
    max_marks = sum(r.max_marks for r in results)
    return marks * 100 / max_marks, marks * 100 >= pass_mark * max_marks


@dataclass
class _Person:
    id: int
    team_id: int | None
    ability: float
    growth: float
    activity: float
    assigned: dict[str, datetime] = field(default_factory=dict)  # module -> assigned at


def _wrong_answers(question: Question) -> list[list[int]]:
    right = quiz.correct_answer(question)
    if question.type == "true_false":
        return [[1 - right[0]]]
    n = len(question.options or [])
    if question.type == "single":
        return [[i] for i in range(n) if i not in right]
    wrong = []
    for i in range(n):  # multiple: one option too many or too few
        toggled = sorted(set(right) ^ {i})
        if toggled:
            wrong.append(toggled)
    return wrong


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _advance_sequences(conn: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids this seeder chose itself."""
    with conn.begin():
        for table in (Team.__table__, User.__table__, Attempt.__table__):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
            )


def _next_id(conn: Connection, table) -> int:
    return (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


@functools.cache
def _load(directory: Path, signature: tuple) -> tuple[LoadedModule, ...]:
    content = load_content_dir(directory)
    return tuple(content.modules[k] for k in sorted(content.modules))


def _modules(directory: Path) -> list[LoadedModule]:
    """Return the valid modules of a folder by id (parsed once per version of its files)."""
    signature = tuple((p.name, p.stat().st_mtime_ns) for p in module_files(directory))
    return list(_load(directory.resolve(), signature))


def seed_demo(
    *, staff: int, teams: int, attempts: int, seed: int, content_dir: Path, copy: bool = True
) -> str:
    """Fill the database with a demo organisation and its history; return a short summary.

    copy=False writes PostgreSQL rows with INSERTs instead of COPY (same rows, slower).
    """
    if teams < 1:
        raise ValueError("--teams must be at least 1")
    if staff < teams + 4:
        raise ValueError("--staff must be at least --teams + 4 (managers, admin, trainer)")
    if attempts < 0:
        raise ValueError("--attempts cannot be negative")
    started = time.perf_counter()
    modules = _modules(Path(content_dir))
    if not modules:
        raise ValueError(f"no valid modules in {content_dir}")
    for loaded in modules:
        ensure_revision(module_id=loaded.module.id, version=loaded.version, text=loaded.text)

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = db.get_engine()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Seeding is a one-off bulk load: trade crash safety for speed while it runs.
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-262144")
            raw.execute("PRAGMA temp_store=MEMORY")
        try:
            with conn.begin():
                org = _build_organisation(conn, rng, staff, teams, modules, now)
                first_attempt_id = _next_id(conn, Attempt.__table__)
            counts = _build_history(
                conn, rng, org, modules, attempts, now, first_attempt_id, copy=copy
            )
            from store.demo_observations import seed_observations  # it uses _Writer

            counts["observations"] = seed_observations(  # issue 12: what people do
                conn, seed=seed, now=now, content_dir=Path(content_dir), copy=copy
            )
        finally:
            if conn.in_transaction():
                conn.rollback()
            if sqlite:
                raw.execute("PRAGMA synchronous=NORMAL")
                raw.execute("PRAGMA cache_size=-2000")
        if sqlite:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        else:
            _advance_sequences(conn)
            # Fresh planner statistics, so the dashboards' plans fit the new data at once.
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    from store.demo_feedback import seed_feedback  # customer feedback and a push (issue 13)

    feedback_summary = seed_feedback(seed=seed, now=now)
    seconds = time.perf_counter() - started
    return (
        f"Demo organisation: {org.staff} people in {teams} teams ({org.managers} managers, "
        f"{org.trainers} trainer{'s' if org.trainers != 1 else ''}, 1 administrator), "
        f"{len(modules)} modules, "
        f"{org.assignments} assignments, {counts['attempts']} submitted attempts "
        f"({counts['answers']} answers, {counts['passed']} passes), {counts['open']} attempts "
        f"in progress, {counts['progress']} progress rows, {counts['observations']} "
        f"observations; built in {seconds:.1f} s. "
        f"{feedback_summary}"
    )


@dataclass
class _Organisation:
    people: list[_Person]
    staff: int
    managers: int
    trainers: int
    assignments: int


def _build_organisation(
    conn: Connection,
    rng: random.Random,
    staff: int,
    teams: int,
    modules: list[LoadedModule],
    now: datetime,
) -> _Organisation:
    """Insert teams, people, managers and assignments; return the people who train."""
    created = now - timedelta(days=400)
    taken_teams = set(conn.execute(select(func.lower(Team.name))).scalars())
    taken_users = set(conn.execute(select(User.username)).scalars())
    team_id = _next_id(conn, Team.__table__)
    user_id = _next_id(conn, User.__table__)

    team_rows = []
    names = [f"{site} {dept}" for dept in DEPARTMENTS for site in SITES]
    for i in range(teams):
        name = names[i] if i < len(names) else f"{names[i % len(names)]} {i // len(names) + 1}"
        while name.lower() in taken_teams:
            name += " (demo)"
        taken_teams.add(name.lower())
        team_rows.append({"id": team_id + i, "name": name, "created_at": created})
    conn.execute(insert(Team), team_rows)
    team_ids = [row["id"] for row in team_rows]

    password_hash = hash_password(DEMO_PASSWORD)  # one hash for everyone: seeding stays fast

    def username_for(preferred: str) -> str:
        candidate, n = preferred, 1
        while candidate in taken_users:
            n += 1
            candidate = f"{preferred}{n}"
        taken_users.add(candidate)
        return candidate

    def random_name() -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    user_rows: list[dict] = []

    def add_user(username: str, name: str, role: str, team: int | None) -> int:
        uid = user_id + len(user_rows)
        user_rows.append(
            {
                "id": uid,
                "username": username_for(username),
                "name": name,
                "password_hash": password_hash,
                "role": role,
                "team_id": team,
                "team_joined_at": created if team is not None else None,
                "active": True,
                "must_change_password": False,
                "created_at": created,
            }
        )
        return uid

    def add_random(role: str, team: int | None) -> int:
        name = random_name()
        first, last = name.split(" ", 1)
        return add_user(f"{_slug(first)}.{_slug(last)}", name, role, team)

    add_user("admin", "Alex Admin", "admin", None)
    trainers = 1 if staff < 200 else 2
    add_user("trainer", "Tess Trainer", "trainer", None)
    for _ in range(trainers - 1):
        add_random("trainer", None)
    # Managers: "manager" runs the first two teams; every other team gets its own manager.
    manager_rows = []
    main_manager = add_user("manager", "Morgan Manager", "manager", team_ids[0])
    manager_rows += [(team_ids[0], main_manager)]
    if teams > 1:
        manager_rows.append((team_ids[1], main_manager))
    budget = staff - len(user_rows) - 1  # keep room for the named employee
    extra_managers = min(max(0, teams - 2), max(0, budget - teams))
    for i, tid in enumerate(team_ids[2:]):
        if i < extra_managers:
            manager_rows.append((tid, add_random("manager", tid)))
        else:  # not enough people: a manager of an earlier team also runs this one
            manager_rows.append((tid, manager_rows[2 + i % max(1, extra_managers)][1]))
    managers = 1 + extra_managers
    add_user("employee", "Eli Employee", "employee", team_ids[0])
    # Employees: spread over the teams with some teams bigger than others.
    weights = [rng.uniform(0.6, 1.4) for _ in team_ids]
    while len(user_rows) < staff:
        add_random("employee", rng.choices(team_ids, weights)[0])
    conn.execute(insert(User), user_rows)
    conn.execute(insert(TeamManager), [{"team_id": t, "user_id": u} for t, u in manager_rows])

    # Team assignments over the year: most teams have some due in the past (overdue for those
    # who have not passed) and some still to come; a few people get personal ones.
    manager_of = dict(manager_rows)
    module_ids = [m.module.id for m in modules]
    assignment_rows = []
    team_assigned: dict[int, dict[str, datetime]] = {}
    for tid in team_ids:
        team_assigned[tid] = {}
        picked = rng.sample(module_ids, min(len(module_ids), rng.randint(3, 6)))
        for i, module_id in enumerate(picked):
            if i == 0:  # the newest one is still running: due in the weeks ahead
                assigned_at = now - timedelta(days=rng.uniform(1, 12))
                due = assigned_at.date() + timedelta(days=rng.choice((30, 45, 60)))
            else:
                assigned_at = now - timedelta(days=rng.uniform(5, 330))
                due = assigned_at.date() + timedelta(days=rng.choice((14, 21, 30, 45, 60)))
            team_assigned[tid][module_id] = assigned_at
            assignment_rows.append(
                {
                    "module_id": module_id,
                    "team_id": tid,
                    "user_id": None,
                    "due_date": due,
                    "due_days": (due - assigned_at.date()).days,
                    "from_joining": True,
                    "assigned_by": manager_of[tid],
                    "assigned_at": assigned_at,
                }
            )
    people = []
    for row in user_rows:
        if row["role"] == "admin":
            continue
        person = _Person(
            id=row["id"],
            team_id=row["team_id"],
            ability=rng.gauss(0.5, 0.9),
            growth=max(0.0, rng.gauss(1.2, 0.5)),
            activity=rng.lognormvariate(0, 0.7) * (0.5 if row["role"] == "trainer" else 1.0),
        )
        if row["team_id"] is not None:
            person.assigned.update(team_assigned[row["team_id"]])
        if row["role"] == "employee" and rng.random() < 0.04:
            module_id = rng.choice(module_ids)
            assigned_at = now - timedelta(days=rng.uniform(3, 200))
            person.assigned.setdefault(module_id, assigned_at)
            assignment_rows.append(
                {
                    "module_id": module_id,
                    "team_id": None,
                    "user_id": row["id"],
                    "due_date": assigned_at.date() + timedelta(days=30),
                    "due_days": None,
                    "from_joining": False,
                    "assigned_by": manager_of.get(row["team_id"]),
                    "assigned_at": assigned_at,
                }
            )
        people.append(person)
    conn.execute(insert(Assignment), assignment_rows)
    conn.execute(
        insert(AuditLog),
        [{"at": now, "action": "demo_seeded", "detail": f"{len(user_rows)} people"}],
    )
    return _Organisation(
        people=people,
        staff=len(user_rows),
        managers=managers,
        trainers=trainers,
        assignments=len(assignment_rows),
    )


def _allocate(
    rng: random.Random, total: int, weights: list[float], caps: list[int | None]
) -> list[int]:
    """Split total into counts proportional to weights, respecting per-slot caps."""
    counts = [0] * len(weights)
    if total <= 0 or not weights:
        return counts
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    rest = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    spill = 0
    for i, cap in enumerate(caps):
        if cap is not None and counts[i] > cap:
            spill += counts[i] - cap
            counts[i] = cap
    open_slots = [i for i, cap in enumerate(caps) if cap is None]
    while spill and open_slots:
        i = rng.choices(open_slots, [weights[j] + 1e-9 for j in open_slots])[0]
        counts[i] += 1
        spill -= 1
    return counts


class _Writer:
    """Bulk-insert rows given as tuples: DBAPI executemany on SQLite, COPY on PostgreSQL.

    On SQLite the values are written in the exact text forms SQLAlchemy itself uses (UTC
    timestamps as "YYYY-MM-DD HH:MM:SS.ffffff", JSON as text, booleans as 0/1), skipping the
    per-value type processing that would otherwise dominate the load time. On PostgreSQL rows
    stream through psycopg's COPY (JSON as its text, the rest adapted by psycopg), ten times
    faster than INSERTs; copy=False uses typed Core INSERTs instead (the test that holds the
    two ways to the same rows uses it).
    """

    def __init__(self, conn: Connection, *, copy: bool = True) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.copy = copy and conn.dialect.name == "postgresql"
        self.text_json = self.sqlite or self.copy
        self._json: dict[tuple[int, ...], str] = {}

    def json(self, value: object) -> object:
        return json.dumps(value) if self.text_json else value

    def chosen(self, value: list[int]) -> object:
        # Few distinct answers exist (option index lists), so their JSON text is cached.
        if not self.text_json:
            return value
        key = tuple(value)
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(value)
        return text

    def time(self, value: datetime | None) -> object:
        if value is None or not self.sqlite:
            return value
        return value.isoformat(" ", "microseconds")[:26]  # UTC, without the offset

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model.__tablename__
        if self.sqlite:
            sql = (
                f'INSERT INTO "{table}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            for chunk in _chunks(rows, 100_000):
                self.conn.exec_driver_sql(sql, chunk)
        elif self.copy:
            # The psycopg connection under SQLAlchemy's, inside the transaction already open.
            names = ", ".join(f'"{c}"' for c in columns)
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as out:
                for row in rows:
                    out.write_row(row)
        else:
            for chunk in _chunks(rows, 20_000):
                self.conn.execute(
                    insert(model), [dict(zip(columns, r, strict=True)) for r in chunk]
                )


ATTEMPT_COLUMNS = (
    "id",
    "user_id",
    "module_id",
    "content_version",
    "kind",
    "seed",
    "drawn",
    "draft_answers",
    "position",
    "started_at",
    "submitted_at",
    "score",
    "passed",
)
ANSWER_COLUMNS = ("attempt_id", "question_id", "chosen", "correct", "marks", "max_marks")
PROGRESS_COLUMNS = (
    "user_id",
    "module_id",
    "best_score",
    "last_score",
    "attempt_count",
    "passed_at",
    "expires_at",
    "last_attempt_at",
    "certificate_id",
    "lesson_position",
)
CERTIFICATE_COLUMNS = (
    "certificate_id",
    "user_id",
    "module_id",
    "attempt_id",
    "score",
    "passed_at",
    "expires_at",
)
VERIFY_EVERY = 97  # every so many attempts, also mark with quiz.grade and compare
DRAW_POOL = 512  # quiz draws per module; an attempt's seed picks one (drawing is the slow part)


def _build_history(
    conn: Connection,
    rng: random.Random,
    org: _Organisation,
    modules: list[LoadedModule],
    attempts: int,
    now: datetime,
    attempt_id: int,
    *,
    copy: bool = True,
) -> dict[str, int]:
    """Insert attempts with answers, open attempts and the matching progress rows."""
    writer = _Writer(conn, copy=copy)
    year_start = now - HISTORY
    by_id = {m.module.id: m for m in modules}
    module_ids = list(by_id)
    module_difficulty = {mid: rng.gauss(0.0, 0.35) for mid in module_ids}
    questions = {
        mid: {
            q.id: _question_info(loaded.module, q, module_difficulty[mid] + rng.gauss(0.0, 0.5))
            for q in loaded.module.quiz.questions
        }
        for mid, loaded in by_id.items()
    }
    # Real draws with their seeds, so every stored attempt reproduces from its seed.
    draws: dict[str, list[tuple[int, list, object]]] = {}
    for mid, loaded in by_id.items():
        pool = []
        for _ in range(min(DRAW_POOL, max(16, attempts // len(by_id)))):
            qseed = rng.getrandbits(31)  # the seed column is a 32-bit INTEGER
            drawn = quiz.draw_questions(loaded.module, qseed)
            pool.append((qseed, drawn, writer.json(quiz.drawn_to_json(drawn))))
        draws[mid] = pool
    empty = writer.json({})

    people = org.people
    per_person = _allocate(rng, attempts, [p.activity for p in people], [None] * len(people))
    # A few people have a quiz open right now (the "in progress" status).
    open_pairs: set[tuple[int, str]] = set()
    for person in rng.sample(people, max(min(3, len(people)), round(len(people) * 0.03))):
        open_pairs.add((person.id, rng.choice(module_ids)))

    attempt_rows: list[tuple] = []
    answer_rows: list[tuple] = []
    progress_rows: list[tuple] = []
    certificate_rows: list[tuple] = []
    issued: set[str] = set()
    counts = {"attempts": 0, "answers": 0, "passed": 0, "open": 0, "progress": 0}
    time_ = writer.time
    chosen_ = writer.chosen

    def flush() -> None:
        if not attempt_rows:
            return
        with conn.begin():
            writer.insert(Attempt, ATTEMPT_COLUMNS, attempt_rows)
            writer.insert(Answer, ANSWER_COLUMNS, answer_rows)
        attempt_rows.clear()
        answer_rows.clear()

    for person, n_attempts in zip(people, per_person, strict=True):
        # Each person favours some modules, and their assigned ones most of all.
        prefs = [rng.gammavariate(0.6, 1.0) for _ in module_ids]
        prefs = [
            w + (1.5 if mid in person.assigned else 0.0)
            for w, mid in zip(prefs, module_ids, strict=True)
        ]
        caps: list[int | None] = []
        for mid in module_ids:
            limit = by_id[mid].module.quiz.max_attempts
            if limit is not None and (person.id, mid) in open_pairs:
                limit -= 1
            caps.append(limit)
        pair_counts = _allocate(rng, n_attempts, prefs, caps)
        for mid, n in zip(module_ids, pair_counts, strict=True):
            is_open = (person.id, mid) in open_pairs
            if n == 0 and not is_open:
                continue
            loaded = by_id[mid]
            module = loaded.module
            pool = draws[mid]
            infos = questions[mid]
            # Attempts at one module cluster in a few weeks: after it was assigned, or anywhere.
            # (Not for the newest assignments: a whole team crowding into the last weeks would
            # make a spike no real organisation shows.)
            assigned_at = person.assigned.get(mid)
            if assigned_at and assigned_at < now - timedelta(days=45) and rng.random() < 0.7:
                centre = assigned_at + timedelta(days=rng.uniform(0, 25))
            else:
                centre = year_start + HISTORY * rng.random()
            # A few weeks of attempts from there, ending by now at the latest.
            window = timedelta(days=30)
            start = min(centre, now - timedelta(hours=1) - window)
            times = sorted(start + window * rng.random() for _ in range(n))
            best = last = None
            passed_at = certificate = None
            valid = module.valid_for_days
            for k, submitted in enumerate(times):
                # Skill: the person's own level, growing over the year and with practice.
                years = (submitted - year_start) / YEAR
                theta = person.ability + person.growth * years + 0.3 * min(k, 4)
                qseed, drawn, drawn_json = pool[rng.randrange(len(pool))]
                results = []
                answers: dict[str, list[int]] = {}
                for d in drawn:
                    info = infos[d.question_id]
                    roll = rng.random()
                    if roll < 0.01:
                        choice = -1  # left unanswered
                    elif roll < _sigmoid(theta - info.difficulty):
                        choice = 0
                    else:
                        choice = rng.randrange(1, len(info.answers))
                    results.append(info.results[choice])
                    if choice >= 0:
                        answers[d.question_id] = info.answers[choice]
                score, passed = _mark(module.quiz.pass_mark, results)
                if attempt_id % VERIFY_EVERY == 0:  # the shortcut must agree with quiz.grade
                    grade = quiz.grade(module, drawn, answers)
                    if (grade.score, grade.passed, grade.results) != (score, passed, results):
                        raise AssertionError(f"demo marking disagrees with quiz.grade: {grade}")
                submitted_text = time_(submitted)
                attempt_rows.append(
                    (
                        attempt_id,
                        person.id,
                        mid,
                        loaded.version,
                        "quiz",
                        qseed,
                        drawn_json,
                        empty,
                        len(drawn) - 1,
                        time_(submitted - timedelta(minutes=rng.uniform(3, 20))),
                        submitted_text,
                        score,
                        passed,
                    )
                )
                for r in results:
                    answer_rows.append(
                        (attempt_id, r.question_id, chosen_(r.chosen), r.correct, r.marks, 1.0)
                    )
                attempt_id += 1
                counts["attempts"] += 1
                counts["answers"] += len(results)
                last = score
                best = score if best is None else max(best, score)
                if passed:
                    # Every pass issues its own certificate, as learning.submit_attempt does.
                    counts["passed"] += 1
                    passed_at = submitted
                    certificate = _new_certificate_id(
                        issued, person.id, mid, submitted, attempt_id - 1
                    )
                    certificate_rows.append(
                        (
                            certificate,
                            person.id,
                            mid,
                            attempt_id - 1,
                            score,
                            submitted_text,
                            time_(submitted + timedelta(days=valid)) if valid else None,
                        )
                    )
            if is_open:
                qseed, drawn, drawn_json = pool[rng.randrange(len(pool))]
                drafts = {d.question_id: infos[d.question_id].answers[0] for d in drawn[:3]}
                started = now - timedelta(days=rng.uniform(0.1, 6))
                attempt_rows.append(
                    (
                        attempt_id,
                        person.id,
                        mid,
                        loaded.version,
                        "quiz",
                        qseed,
                        drawn_json,
                        writer.json(drafts),
                        len(drafts),
                        time_(started),
                        None,
                        None,
                        None,
                    )
                )
                attempt_id += 1
                counts["open"] += 1
            expires = passed_at + timedelta(days=valid) if passed_at and valid else None
            progress_rows.append(
                (
                    person.id,
                    mid,
                    best,
                    last,
                    n,
                    time_(passed_at),
                    time_(expires),
                    time_(times[-1]) if times else None,
                    certificate,
                    0,
                )
            )
            if len(attempt_rows) >= BATCH_ATTEMPTS:
                flush()
    flush()
    with conn.begin():
        writer.insert(Progress, PROGRESS_COLUMNS, progress_rows)
        writer.insert(Certificate, CERTIFICATE_COLUMNS, certificate_rows)
    counts["progress"] = len(progress_rows)
    return counts


def _new_certificate_id(
    issued: set[str], user_id: int, module_id: str, when: datetime, attempt_id: int
) -> str:
    """Return the id of a pass at when, never one already issued (as the store does)."""
    for candidate in certificate_id_candidates(user_id, module_id, when, attempt_id):
        if candidate not in issued:
            issued.add(candidate)
            return candidate
    raise RuntimeError("no free certificate id")  # a thousand 40-bit collisions: never

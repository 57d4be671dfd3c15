"""The demo organisation as plain records: teams, people, who manages which team, assignments."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DEMO_PASSWORD = "demo-password-1"

LOGINS_TEXT = f"""\
Demo sign-ins (every demo account uses the password {DEMO_PASSWORD}):
  admin      Administrator: people and teams, every team and the whole organisation
  manager    Manager of two teams: team progress (with a team picker) and assignments
  trainer    Trainer: content studio and question statistics
  employee   Employee in the manager's first team: assigned training and due dates
Every other demo person signs in with their username (e.g. from People and teams) and the
same password."""


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
SITES = _words(
    "Harbourside Northgate Riverside Old_Town Castle_Hill Market_Square Westfield Lakeside "
    "Airport Central_Station Parkview Seafront Eastbank Hilltop Docklands Meadowbrook Kingsway "
    "Southgate Bridge_Street Cathedral_Quarter Greenway Marina Highfield Millbrook "
    "University_Quarter Exhibition_Centre Beacon_Point Elm_Grove Stonebridge Windmill_Lane"
)
SITES = tuple(s.replace("_", " ") for s in SITES)
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
CREATED_BEFORE = timedelta(days=400)  # every demo account and team exists this long


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: int
    username: str
    name: str
    role: str
    team_id: int | None


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    module_id: str
    team_id: int | None
    user_id: int | None
    due_date: date
    due_days: int | None
    from_joining: bool
    assigned_by: int | None
    assigned_at: datetime


@dataclass
class Learner:
    """One person who trains, as the simulation sees them."""

    id: int
    team_id: int | None
    ability: float
    growth: float
    activity: float
    assigned: dict[str, datetime] = field(default_factory=dict)  # module -> assigned at


@dataclass(frozen=True)
class Organisation:
    """Everything about the demo organisation that is not history."""

    created_at: datetime
    teams: list[TeamRecord]
    people: list[PersonRecord]
    managed: list[tuple[int, int]]  # (team id, manager's user id)
    assignments: list[AssignmentRecord]
    learners: list[Learner]
    managers: int
    trainers: int


def slug(text: str) -> str:
    """Return text as lowercase ASCII letters and digits, for usernames."""
    table = str.maketrans({"Ł": "L", "ł": "l", "ø": "o", "Ø": "O", "'": "", " ": ""})
    ascii_text = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in ascii_text.encode("ascii", "ignore").decode() if c.isalnum()).lower()


def _team_names(count: int, taken: set[str]) -> list[str]:
    names = [f"{site} {dept}" for dept in DEPARTMENTS for site in SITES]
    chosen = []
    for i in range(count):
        name = names[i] if i < len(names) else f"{names[i % len(names)]} {i // len(names) + 1}"
        while name.lower() in taken:
            name += " (demo)"
        taken.add(name.lower())
        chosen.append(name)
    return chosen


class _People:
    """Adds people with unique usernames and consecutive ids."""

    def __init__(self, rng: random.Random, first_id: int, taken: Iterable[str]) -> None:
        self.rng = rng
        self.first_id = first_id
        self.taken = set(taken)
        self.rows: list[PersonRecord] = []

    def add(self, username: str, name: str, role: str, team: int | None) -> int:
        candidate, n = username, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{username}{n}"
        self.taken.add(candidate)
        uid = self.first_id + len(self.rows)
        self.rows.append(PersonRecord(uid, candidate, name, role, team))
        return uid

    def add_random(self, role: str, team: int | None) -> int:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return self.add(f"{slug(first)}.{slug(last)}", f"{first} {last}", role, team)


def _staff(
    rng: random.Random, people: _People, staff: int, team_ids: list[int]
) -> tuple[list[tuple[int, int]], int, int]:
    """Add the named accounts, trainers, managers and employees; return (managed, managers,
    trainers)."""
    people.add("admin", "Alex Admin", "admin", None)
    trainers = 1 if staff < 200 else 2
    people.add("trainer", "Tess Trainer", "trainer", None)
    for _ in range(trainers - 1):
        people.add_random("trainer", None)
    # Managers: "manager" runs the first two teams; every other team gets its own manager.
    main_manager = people.add("manager", "Morgan Manager", "manager", team_ids[0])
    managed = [(team_ids[0], main_manager)]
    if len(team_ids) > 1:
        managed.append((team_ids[1], main_manager))
    budget = staff - len(people.rows) - 1  # keep room for the named employee
    extra_managers = min(max(0, len(team_ids) - 2), max(0, budget - len(team_ids)))
    for i, tid in enumerate(team_ids[2:]):
        if i < extra_managers:
            managed.append((tid, people.add_random("manager", tid)))
        else:  # not enough people: a manager of an earlier team also runs this one
            managed.append((tid, managed[2 + i % max(1, extra_managers)][1]))
    people.add("employee", "Eli Employee", "employee", team_ids[0])
    # Employees: spread over the teams with some teams bigger than others.
    weights = [rng.uniform(0.6, 1.4) for _ in team_ids]
    while len(people.rows) < staff:
        people.add_random("employee", rng.choices(team_ids, weights)[0])
    return managed, 1 + extra_managers, trainers


def _team_assignments(
    rng: random.Random,
    team_ids: list[int],
    module_ids: list[str],
    manager_of: dict[int, int],
    now: datetime,
) -> tuple[list[AssignmentRecord], dict[int, dict[str, datetime]]]:
    """Return team assignments over the year, and per team when each module was assigned.

    Most teams have some due in the past (overdue for those who have not passed) and one still
    running, due in the weeks ahead.
    """
    rows = []
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
            rows.append(
                AssignmentRecord(
                    module_id=module_id,
                    team_id=tid,
                    user_id=None,
                    due_date=due,
                    due_days=(due - assigned_at.date()).days,
                    from_joining=True,
                    assigned_by=manager_of[tid],
                    assigned_at=assigned_at,
                )
            )
    return rows, team_assigned


def _learners(
    rng: random.Random,
    people: list[PersonRecord],
    team_assigned: dict[int, dict[str, datetime]],
    module_ids: list[str],
    manager_of: dict[int, int],
    now: datetime,
) -> tuple[list[Learner], list[AssignmentRecord]]:
    """Return everyone but the administrator as learners, and a few personal assignments."""
    learners, personal = [], []
    for person in people:
        if person.role == "admin":
            continue
        learner = Learner(
            id=person.id,
            team_id=person.team_id,
            ability=rng.gauss(0.5, 0.9),
            growth=max(0.0, rng.gauss(1.2, 0.5)),
            activity=rng.lognormvariate(0, 0.7) * (0.5 if person.role == "trainer" else 1.0),
        )
        if person.team_id is not None:
            learner.assigned.update(team_assigned[person.team_id])
        if person.role == "employee" and rng.random() < 0.04:
            module_id = rng.choice(module_ids)
            assigned_at = now - timedelta(days=rng.uniform(3, 200))
            learner.assigned.setdefault(module_id, assigned_at)
            personal.append(
                AssignmentRecord(
                    module_id=module_id,
                    team_id=None,
                    user_id=person.id,
                    due_date=assigned_at.date() + timedelta(days=30),
                    due_days=None,
                    from_joining=False,
                    assigned_by=manager_of.get(person.team_id),
                    assigned_at=assigned_at,
                )
            )
        learners.append(learner)
    return learners, personal


def check_size(*, staff: int, teams: int) -> None:
    """Raise ValueError, with the option to change, for an organisation too small to plan."""
    if teams < 1:
        raise ValueError("--teams must be at least 1")
    if staff < teams + 4:
        raise ValueError("--staff must be at least --teams + 4 (managers, admin, trainer)")


def plan_organisation(
    rng: random.Random,
    *,
    staff: int,
    teams: int,
    module_ids: list[str],
    now: datetime,
    taken_team_names: Iterable[str] = (),
    taken_usernames: Iterable[str] = (),
    first_team_id: int = 1,
    first_user_id: int = 1,
) -> Organisation:
    """Return a demo organisation of staff people in teams teams, around the moment now.

    Names already taken (compared case-insensitively for teams) are avoided; ids start at the
    given first ids.
    """
    check_size(staff=staff, teams=teams)
    names = _team_names(teams, {n.lower() for n in taken_team_names})
    team_rows = [TeamRecord(first_team_id + i, name) for i, name in enumerate(names)]
    team_ids = [t.id for t in team_rows]
    people = _People(rng, first_user_id, taken_usernames)
    managed, managers, trainers = _staff(rng, people, staff, team_ids)
    manager_of = dict(managed)
    assignments, team_assigned = _team_assignments(rng, team_ids, module_ids, manager_of, now)
    learners, personal = _learners(rng, people.rows, team_assigned, module_ids, manager_of, now)
    return Organisation(
        created_at=now - CREATED_BEFORE,
        teams=team_rows,
        people=people.rows,
        managed=managed,
        assignments=assignments + personal,
        learners=learners,
        managers=managers,
        trainers=trainers,
    )

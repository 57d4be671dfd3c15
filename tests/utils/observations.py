"""Factories for the observation tests: people, and two teams with a manager each."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from store import accounts
from store import observations as obs
from training.checklists import load_checklists

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "observations" / "content"
PASSWORD = "correct horse battery staple 9"


def person(username: str, role: str = "employee", team=None, name: str | None = None):
    """Create an account (its password is never used)."""
    return accounts.create_user(
        actor_id=None,
        username=username,
        name=name or username.title(),
        role=role,
        password=PASSWORD,
        team_id=team.id if team else None,
    )


def two_teams() -> SimpleNamespace:
    """Front desk (Mia manages: Eve, Ann, Tia the trainer) and Bar (Bob manages: Ron), and an
    administrator."""
    desk = accounts.create_team(name="Front desk", actor_id=None)
    bar = accounts.create_team(name="Bar", actor_id=None)
    mia = person("mia", "manager", desk, "Mia Manager")
    bob = person("bob", "manager", bar, "Bob Barman")
    accounts.set_team_managers(team_id=desk.id, user_ids=[mia.id], actor_id=None)
    accounts.set_team_managers(team_id=bar.id, user_ids=[bob.id], actor_id=None)
    return SimpleNamespace(
        desk=desk,
        bar=bar,
        mia=mia,
        bob=bob,
        eve=person("eve", team=desk, name="Eve Example"),
        ann=person("ann", team=desk, name="Ann Able"),
        ron=person("ron", team=bar, name="Ron Other"),
        admin=person("boss", "admin", name="Boss Admin"),
        trainer=person("tia", "trainer", desk, "Tia Trainer"),
    )


def observe(actor, subject, ratings: dict[str, str], *, note: str = "Good start.", now=None):
    """Start, rate and submit one observation of the fixture's desk-basics; return its view."""
    loaded = load_checklists(FIXTURE).checklists["desk-basics"]
    draft = obs.start_or_resume(actor=actor, subject_id=subject.id, loaded=loaded, now=now)
    for item, rating in ratings.items():
        obs.save_rating(
            actor=actor,
            observation_id=draft.id,
            checklist=loaded.checklist,
            item_id=item,
            rating=rating,
        )
    return obs.submit(
        actor=actor, observation_id=draft.id, checklist=loaded.checklist, note=note, now=now
    )

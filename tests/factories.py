"""Factories for the tests: people, teams, certificates, quiz attempts, signed-in page runs.

Each needs the database of the `fresh_db` fixture (tests ask for it; it is not autouse).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from streamlit.testing.v1 import AppTest

from store import accounts, learning
from store.db import session_scope
from store.models import Attempt, Certificate
from training import quiz
from training.loader import LoadedModule, content_version, load_module_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PASSWORD = "correct horse battery"


def make_user(
    username: str,
    role: str = "employee",
    *,
    team_id: int | None = None,
    name=None,
    must_change_password: bool = False,
):
    """Create an account with the shared test password."""
    return accounts.create_user(
        actor_id=None,
        username=username,
        name=name or username.title() + " Tester",
        role=role,
        password=PASSWORD,
        team_id=team_id,
        must_change_password=must_change_password,
    )


def make_team(name: str, *, managers=()):
    """Create a team, managed by the given people (users), if any."""
    team = accounts.create_team(name=name, actor_id=None)
    if managers:
        accounts.set_team_managers(
            team_id=team.id, user_ids=[m.id for m in managers], actor_id=None
        )
    return team


def two_teams() -> SimpleNamespace:
    """Front desk, managed by Mia, and Bar, managed by Bob (each a member of their team)."""
    desk = make_team("Front desk")
    bar = make_team("Bar")
    mia = make_user("mia", "manager", team_id=desk.id, name="Mia Manager")
    bob = make_user("bob", "manager", team_id=bar.id, name="Bob Barman")
    accounts.set_team_managers(team_id=desk.id, user_ids=[mia.id], actor_id=None)
    accounts.set_team_managers(team_id=bar.id, user_ids=[bob.id], actor_id=None)
    return SimpleNamespace(desk=desk, bar=bar, mia=mia, bob=bob)


def add_certificates(user_id: int, module_id: str, issued) -> None:
    """Store certificates (id, score, passed_at) for one person and module, valid a year."""
    with session_scope() as s:
        for cert, score, when in issued:
            s.add(
                Certificate(
                    certificate_id=cert,
                    user_id=user_id,
                    module_id=module_id,
                    score=score,
                    passed_at=when,
                    expires_at=when + timedelta(days=365),
                )
            )


def add_attempt(
    user_id: int,
    module_id: str,
    *,
    submitted=None,
    score=None,
    passed=None,
    kind: str = "quiz",
    started=None,
) -> None:
    """Store one attempt as written (started ten minutes before it was submitted by default)."""
    with session_scope() as s:
        s.add(
            Attempt(
                user_id=user_id,
                module_id=module_id,
                content_version="v1",
                kind=kind,
                seed=1,
                drawn=[],
                draft_answers={},
                started_at=started or submitted - timedelta(minutes=10),
                submitted_at=submitted,
                score=score,
                passed=passed,
            )
        )


def loaded_module(folder: Path, module_id: str = "sample-basics") -> LoadedModule:
    """Return a module file of folder as the app loads it."""
    path = folder / f"{module_id}.yaml"
    text = path.read_text(encoding="utf-8")
    module, problems = load_module_text(text, str(path))
    assert module is not None, problems
    return LoadedModule(module=module, path=path, version=content_version(module), text=text)


def take_quiz(user, loaded: LoadedModule, answers: dict[str, list[int]], seed: int = 1):
    """Start, answer (questions not in answers stay blank) and submit one attempt."""
    attempt = learning.start_attempt(user_id=user.id, loaded=loaded, seed=seed)
    for drawn in attempt.drawn:
        qid = drawn["question_id"]
        if qid in answers:
            learning.save_answer(
                attempt_id=attempt.id,
                user_id=user.id,
                module=loaded.module,
                question_id=qid,
                answer=answers[qid],
            )
    return learning.submit_attempt(attempt_id=attempt.id, user_id=user.id, module=loaded.module)


def pass_quiz(user, loaded: LoadedModule, seed: int = 1):
    """Start, answer every drawn question correctly and submit one attempt."""
    module = loaded.module
    attempt = learning.start_attempt(user_id=user.id, loaded=loaded, seed=seed)
    right = {
        d["question_id"]: quiz.correct_answer(module.question(d["question_id"]))
        for d in attempt.drawn
    }
    for qid, answer in right.items():
        learning.save_answer(
            attempt_id=attempt.id, user_id=user.id, module=module, question_id=qid, answer=answer
        )
    return learning.submit_attempt(attempt_id=attempt.id, user_id=user.id, module=module)


def edited(folder: Path, old: str, new: str, module_id: str = "sample-basics") -> str:
    text = (folder / f"{module_id}.yaml").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def page_test(page: str, user=None, **session) -> AppTest:
    """Return an AppTest for a page file (or app.py), signed in as user when given."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    if user is not None:
        token, _ticket = accounts.create_session(user_id=user.id)
        at.session_state["session_token"] = token
    for key, value in session.items():
        at.session_state[key] = value
    return at


def page_text(at: AppTest) -> str:
    """Return every text an AppTest run shows (values, labels, progress texts), one per line."""
    out: list[str] = []

    def walk(node) -> None:
        for attr in ("value", "label", "body"):
            try:
                v = getattr(node, attr, None)
            except Exception:
                v = None
            if isinstance(v, str):
                out.append(v)
        proto = getattr(node, "proto", None)
        text = getattr(proto, "text", None) if proto is not None else None
        if isinstance(text, str) and text:
            out.append(text)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(out)


def open_page(user, page: str, **query) -> AppTest:
    """Run app.py signed in as user, switch to page (with query parameters) and run it."""
    at = page_test("app.py", user).run()
    at.switch_page(page)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def open_practice(user) -> AppTest:
    """Open My training as user with its Daily practice expander open, as a click does (the
    practice is drawn only while the expander is open)."""
    from ui.home_view import PRACTICE_OPEN

    at = open_page(user, "pages/home.py")
    at.session_state[PRACTICE_OPEN] = True
    return at.run()

"""The one progress rule (training.progress) and the demo history built with it, no database."""

from __future__ import annotations

import ast
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from training import quiz
from training.demo.history import histories
from training.demo.organisation import plan_organisation
from training.loader import load_content_dir
from training.progress import ModuleProgress, after_attempt

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_best_last_and_count_follow_every_attempt_and_a_fail_keeps_the_pass():
    p = ModuleProgress()
    p = after_attempt(p, score=50.0, passed=False, submitted_at=T0, valid_for_days=365)
    assert (p.best_score, p.last_score, p.attempt_count, p.passed_at) == (50.0, 50.0, 1, None)
    later = T0 + timedelta(days=1)
    p = after_attempt(p, score=90.0, passed=True, submitted_at=later, valid_for_days=365)
    assert p.passed_at == later and p.expires_at == later + timedelta(days=365)
    last = T0 + timedelta(days=2)
    p = after_attempt(p, score=40.0, passed=False, submitted_at=last, valid_for_days=365)
    assert (p.best_score, p.last_score, p.attempt_count) == (90.0, 40.0, 3)
    assert p.passed_at == later and p.last_attempt_at == last  # the pass stands


def test_a_pass_of_a_module_without_validity_never_expires():
    p = after_attempt(
        ModuleProgress(), score=100.0, passed=True, submitted_at=T0, valid_for_days=None
    )
    assert p.passed_at == T0 and p.expires_at is None


def test_demo_history_is_graded_and_folded_by_the_app_rules():
    modules = load_content_dir(ROOT / "content").modules
    loaded = [modules[k] for k in sorted(modules)]
    rng = random.Random(11)
    org = plan_organisation(rng, staff=20, teams=2, module_ids=sorted(modules), now=T0)
    made = list(histories(rng, org.learners, loaded, attempts=120, now=T0, first_attempt_id=1))
    assert sum(len(h.attempts) for h in made) == 120
    ids = [a.id for h in made for a in h.attempts] + [h.open.id for h in made if h.open]
    assert sorted(ids) == list(range(1, len(ids) + 1))
    for h in made:
        module = modules[h.module_id].module
        progress = ModuleProgress()
        for a in h.attempts:
            answers = {r.question_id: r.chosen for r in a.grade.results if r.chosen}
            assert quiz.grade(module, a.draw.questions, answers) == a.grade
            assert a.draw.questions == quiz.draw_questions(module, a.draw.seed)
            progress = after_attempt(
                progress,
                score=a.grade.score,
                passed=a.grade.passed,
                submitted_at=a.submitted_at,
                valid_for_days=module.valid_for_days,
            )
        assert h.progress == progress


def test_training_demo_imports_nothing_of_the_store_or_streamlit():
    for path in (ROOT / "training" / "demo").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [
            n
            for n in names
            if n.split(".")[0] in ("store", "ui", "streamlit", "sqlalchemy", "sqlmodel")
        ], path

"""A year of quiz history for the demo organisation, as plain records.

Each person favours some modules (their assigned ones most); attempts at one module cluster in a
few weeks; the chance of answering a question right grows with the person's skill, which grows
over the year and with practice. Questions are drawn by `training.quiz.draw_questions` from
real seeds, marked one by one with `training.quiz.grade` (once per question and answer, ahead
of time: the simulation only picks), totalled with `quiz.total`, and folded into progress with
`training.progress.after_attempt`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from training import quiz
from training.certificate import certificate_id_candidates
from training.demo.organisation import Learner
from training.loader import LoadedModule
from training.models import Module, Question
from training.progress import ModuleProgress, after_attempt, pass_expiry

YEAR = timedelta(days=365)
# History runs a little over a year, so some passes have expired and some are about to.
HISTORY = timedelta(days=395)
DRAW_POOL = 512  # quiz draws per module; an attempt picks one (drawing is the slow part)
ATTEMPT_WINDOW = timedelta(days=30)  # one person's attempts at one module fall within this


@dataclass(frozen=True, slots=True)
class Draw:
    """One real draw of a module's quiz and the seed that reproduces it."""

    seed: int
    questions: list[quiz.DrawnQuestion]


@dataclass(frozen=True, slots=True)
class SubmittedAttempt:
    id: int
    draw: Draw
    started_at: datetime
    submitted_at: datetime
    grade: quiz.Grade
    certificate_id: str | None  # a pass issues its own certificate
    expires_at: datetime | None  # of that certificate


@dataclass(frozen=True, slots=True)
class OpenAttempt:
    id: int
    draw: Draw
    drafts: dict[str, list[int]]
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ModuleHistory:
    """One person's history on one module: attempts in order, and the progress they leave."""

    user_id: int
    module_id: str
    version: str
    attempts: list[SubmittedAttempt]
    open: OpenAttempt | None
    progress: ModuleProgress
    certificate_id: str | None  # of the latest pass


@dataclass(frozen=True, slots=True)
class _Question:
    """One question as the simulation sees it: how hard it is, and each answer already marked.

    `answers[0]` is the right answer, then come the wrong ones; `results` holds each of them
    marked by `quiz.grade` on its own, then the unanswered result last (index -1).
    """

    difficulty: float
    answers: list[list[int]]
    results: list[quiz.QuestionResult]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


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


def _question_info(module: Module, question: Question, difficulty: float) -> _Question:
    answers = [quiz.correct_answer(question), *_wrong_answers(question)]
    one = [quiz.DrawnQuestion(question_id=question.id)]
    results = [quiz.grade(module, one, {question.id: a}).results[0] for a in answers]
    results.append(quiz.grade(module, one, {}).results[0])
    return _Question(difficulty=difficulty, answers=answers, results=results)


def allocate(
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


class _Certificates:
    """Certificate ids for passes, never one already issued (as the store does)."""

    def __init__(self) -> None:
        self.issued: set[str] = set()

    def new(self, user_id: int, module_id: str, when: datetime, attempt_id: int) -> str:
        for candidate in certificate_id_candidates(user_id, module_id, when, attempt_id):
            if candidate not in self.issued:
                self.issued.add(candidate)
                return candidate
        raise RuntimeError("no free certificate id")  # a thousand 40-bit collisions: never


class _Simulation:
    """The modules as the simulation sees them, and the running attempt ids."""

    def __init__(
        self, rng: random.Random, modules: list[LoadedModule], attempts: int, first_id: int
    ) -> None:
        self.rng = rng
        self.by_id = {m.module.id: m for m in modules}
        self.module_ids = list(self.by_id)
        difficulty = {mid: rng.gauss(0.0, 0.35) for mid in self.module_ids}
        self.questions = {
            mid: {
                q.id: _question_info(loaded.module, q, difficulty[mid] + rng.gauss(0.0, 0.5))
                for q in loaded.module.quiz.questions
            }
            for mid, loaded in self.by_id.items()
        }
        # Real draws with their seeds, so every stored attempt reproduces from its seed.
        pool_size = min(DRAW_POOL, max(16, attempts // len(self.by_id)))
        self.draws = {
            mid: [self._draw(loaded.module) for _ in range(pool_size)]
            for mid, loaded in self.by_id.items()
        }
        self.next_id = first_id
        self.certificates = _Certificates()

    def _draw(self, module: Module) -> Draw:
        seed = self.rng.getrandbits(31)  # the seed column is a 32-bit INTEGER
        return Draw(seed=seed, questions=quiz.draw_questions(module, seed))

    def pick_draw(self, module_id: str) -> Draw:
        pool = self.draws[module_id]
        return pool[self.rng.randrange(len(pool))]

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def _open_pairs(rng: random.Random, learners: list[Learner], module_ids: list[str]) -> set:
    """Return the (person, module) pairs with a quiz open right now (the "in progress" status)."""
    chosen = rng.sample(learners, max(min(3, len(learners)), round(len(learners) * 0.03)))
    return {(person.id, rng.choice(module_ids)) for person in chosen}


def _attempts_per_module(
    sim: _Simulation, learner: Learner, total: int, open_pairs: set
) -> list[int]:
    """Split one person's attempts over the modules: some favoured, assigned ones most."""
    rng = sim.rng
    prefs = [rng.gammavariate(0.6, 1.0) for _ in sim.module_ids]
    prefs = [
        w + (1.5 if mid in learner.assigned else 0.0)
        for w, mid in zip(prefs, sim.module_ids, strict=True)
    ]
    caps: list[int | None] = []
    for mid in sim.module_ids:
        limit = sim.by_id[mid].module.quiz.max_attempts
        if limit is not None and (learner.id, mid) in open_pairs:
            limit -= 1  # the open attempt counts against the limit too
        caps.append(limit)
    return allocate(rng, total, prefs, caps)


def _submission_times(
    rng: random.Random, assigned_at: datetime | None, count: int, now: datetime
) -> list[datetime]:
    """Return when one person submitted count attempts at one module, in order.

    They cluster in a few weeks: after it was assigned, or anywhere in the year. (Not for the
    newest assignments: a whole team crowding into the last weeks would make a spike no real
    organisation shows.)
    """
    if assigned_at and assigned_at < now - timedelta(days=45) and rng.random() < 0.7:
        centre = assigned_at + timedelta(days=rng.uniform(0, 25))
    else:
        centre = now - HISTORY + HISTORY * rng.random()
    start = min(centre, now - timedelta(hours=1) - ATTEMPT_WINDOW)  # ending by now at the latest
    return sorted(start + ATTEMPT_WINDOW * rng.random() for _ in range(count))


def _answer(
    rng: random.Random, draw: Draw, infos: dict[str, _Question], theta: float
) -> list[quiz.QuestionResult]:
    """Return the marked answers of a person of skill theta to one draw."""
    results = []
    for d in draw.questions:
        info = infos[d.question_id]
        roll = rng.random()
        if roll < 0.01:
            choice = -1  # left unanswered
        elif roll < _sigmoid(theta - info.difficulty):
            choice = 0
        else:
            choice = rng.randrange(1, len(info.answers))
        results.append(info.results[choice])
    return results


def _module_history(
    sim: _Simulation,
    learner: Learner,
    module_id: str,
    count: int,
    is_open: bool,
    now: datetime,
) -> ModuleHistory:
    rng = sim.rng
    module = sim.by_id[module_id].module
    infos = sim.questions[module_id]
    year_start = now - HISTORY
    progress = ModuleProgress()
    certificate = None
    attempts = []
    times = _submission_times(rng, learner.assigned.get(module_id), count, now)
    for k, submitted in enumerate(times):
        # Skill: the person's own level, growing over the year and with practice.
        years = (submitted - year_start) / YEAR
        theta = learner.ability + learner.growth * years + 0.3 * min(k, 4)
        draw = sim.pick_draw(module_id)
        grade = quiz.total(_answer(rng, draw, infos, theta), module.quiz.pass_mark)
        attempt_id = sim.take_id()
        started = submitted - timedelta(minutes=rng.uniform(3, 20))
        issued = expires = None
        if grade.passed:
            issued = certificate = sim.certificates.new(
                learner.id, module_id, submitted, attempt_id
            )
            expires = pass_expiry(submitted, module.valid_for_days)
        attempts.append(
            SubmittedAttempt(attempt_id, draw, started, submitted, grade, issued, expires)
        )
        progress = after_attempt(
            progress,
            score=grade.score,
            passed=grade.passed,
            submitted_at=submitted,
            valid_for_days=module.valid_for_days,
        )
    open_attempt = None
    if is_open:
        draw = sim.pick_draw(module_id)
        drafts = {d.question_id: infos[d.question_id].answers[0] for d in draw.questions[:3]}
        started = now - timedelta(days=rng.uniform(0.1, 6))
        open_attempt = OpenAttempt(sim.take_id(), draw, drafts, started)
    return ModuleHistory(
        user_id=learner.id,
        module_id=module_id,
        version=sim.by_id[module_id].version,
        attempts=attempts,
        open=open_attempt,
        progress=progress,
        certificate_id=certificate,
    )


def histories(
    rng: random.Random,
    learners: list[Learner],
    modules: list[LoadedModule],
    *,
    attempts: int,
    now: datetime,
    first_attempt_id: int,
) -> Iterator[ModuleHistory]:
    """Yield every person's history on every module they tried, attempts attempts in all.

    Attempt ids run from first_attempt_id in the order the histories come.
    """
    sim = _Simulation(rng, modules, attempts, first_attempt_id)
    per_person = allocate(rng, attempts, [p.activity for p in learners], [None] * len(learners))
    open_pairs = _open_pairs(rng, learners, sim.module_ids)
    for learner, total in zip(learners, per_person, strict=True):
        counts = _attempts_per_module(sim, learner, total, open_pairs)
        for module_id, count in zip(sim.module_ids, counts, strict=True):
            is_open = (learner.id, module_id) in open_pairs
            if count or is_open:
                yield _module_history(sim, learner, module_id, count, is_open, now)

"""Training against customer measures: correlations across teams and a before/after comparison.

Pure functions on plain numbers; the store hands them per-team values. Units, so nobody has to
guess: completion is a share 0-1, knowledge an average best score 0-100, CSAT a mean 1-5, NPS
-100 to 100, complaints a count per 100 responses. Every interval is 95%.

Across teams (`correlations`): Pearson's r of each training measure with each customer measure,
one point per team, with a 95% confidence interval from Fisher's z transformation (scipy's
`pearsonr(...).confidence_interval()`, which is exactly atanh(r) +- 1.96 / sqrt(n - 3) mapped
back by tanh). Under MIN_TEAMS teams with both measures the answer is "not enough data": with
fewer, the interval spans most of -1 to 1 and says nothing.

Before/after a training push (`diff_in_diff`): the change of a customer measure for the teams
that completed the pushed module, against the change for teams that were not given it, over the
same weeks (difference in differences). Each team is collapsed to ONE number, its mean after
minus its mean before (response-weighted within the team), and the two groups' changes are
compared with Welch's t interval (scipy's `ttest_ind(equal_var=False).confidence_interval()`).
Why this rather than a regression on team-weeks with clustered errors: with a handful of teams
per group, cluster-robust errors are far too small (Bertrand, Duflo and Mullainathan 2004 show
over-rejection with few clusters and serially correlated weeks, and recommend exactly this
collapse to one before/after difference per unit). Week-to-week noise within a team then cannot
pass for evidence, every team counts once, and the numbers behind the interval are few enough to
print beside it. At least MIN_TEAMS_PER_GROUP teams per group are needed.

Neither shows cause: `ASSOCIATION_NOTE` says so wherever a number is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scipy import stats

from training.dates import format_date

CONFIDENCE = 0.95
MIN_TEAMS = 8  # teams with both measures before a correlation is shown
MIN_TEAMS_PER_GROUP = 3  # teams in each group before a before/after comparison is shown
COMPLETED_SHARE = 0.8  # a team "completed" a module when this share of its people passed it
PUSH_WEEKS = 8  # weeks compared before and after a push

ASSOCIATION_NOTE = (
    "This shows an association, not proof that training caused it: teams differ in other ways "
    "(who they serve, their managers, the season), and a push often comes with other changes."
)


@dataclass(frozen=True)
class Measure:
    """A weekly measure: its key, label and how its values are written."""

    key: str
    label: str
    side: str  # "training" or "customer"
    decimals: int
    percent: bool = False

    def format(self, value: float | None, *, signed: bool = False) -> str:
        """Return value as people read it ("82%", "4.31", "+0.21"); "" for None."""
        if value is None or not math.isfinite(value):
            return ""
        if self.percent:
            return f"{100 * value:+.0f} points" if signed else f"{100 * value:.0f}%"
        return f"{value:+.{self.decimals}f}" if signed else f"{value:.{self.decimals}f}"


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("completion", "Training completion", "training", 0, percent=True),
        Measure("knowledge", "Knowledge (average best score)", "training", 1),
        Measure(
            "does", "Observed behaviour (items seen consistently)", "training", 0, percent=True
        ),
        Measure("csat", "CSAT (1-5)", "customer", 2),
        Measure("nps", "NPS", "customer", 1),
        Measure("complaints", "Complaints per 100 responses", "customer", 1),
    )
}
TRAINING = [k for k, m in MEASURES.items() if m.side == "training"]
CUSTOMER = [k for k, m in MEASURES.items() if m.side == "customer"]


def add_measure(measure: Measure) -> None:
    """Register another weekly measure (observed behaviour, from the observations issue)."""
    MEASURES[measure.key] = measure
    target = TRAINING if measure.side == "training" else CUSTOMER
    if measure.key not in target:
        target.append(measure.key)


# --- correlation across teams ------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    """Pearson's r between a training and a customer measure across teams."""

    training: str
    customer: str
    n: int
    r: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def enough(self) -> bool:
        """Return True when there were enough teams for an answer."""
        return self.r is not None

    def text(self) -> str:
        """Return "r = 0.42 (95% CI 0.10 to 0.66), 24 teams" or the reason there is none."""
        if not self.enough:
            return f"not enough data ({self.n} teams with both; at least {MIN_TEAMS} needed)"
        return f"r = {self.r:.2f} (95% CI {self.low:.2f} to {self.high:.2f}), {self.n} teams"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def correlation(training: str, customer: str, pairs: Iterable[tuple]) -> Correlation:
    """Return Pearson's r of the (x, y) pairs that have both values, with its Fisher-z CI."""
    points = [(x, y) for x, y in pairs if _finite(x) and _finite(y)]
    n = len(points)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    if n < MIN_TEAMS or len(set(xs)) < 2 or len(set(ys)) < 2:
        return Correlation(training, customer, n)
    result = stats.pearsonr(xs, ys)
    interval = result.confidence_interval(confidence_level=CONFIDENCE)
    return Correlation(
        training, customer, n, float(result.statistic), float(interval.low), float(interval.high)
    )


def correlations(
    per_team: Mapping[int, Mapping[str, float | None]],
    training: Sequence[str] | None = None,
    customer: Sequence[str] | None = None,
) -> list[Correlation]:
    """Return the correlation of every training measure with every customer measure."""
    out = []
    for t in training or TRAINING:
        for c in customer or CUSTOMER:
            pairs = ((values.get(t), values.get(c)) for values in per_team.values())
            out.append(correlation(t, c, pairs))
    return out


# --- before and after a push ---------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The weeks compared around a push: before it and after its due date."""

    before_start: date
    before_end: date
    after_start: date
    after_end: date


def push_windows(due: date, weeks: int = PUSH_WEEKS) -> Windows:
    """Return the `weeks` whole weeks before the due date's week, and the `weeks` after it.

    The week of the due date itself is in neither: people are still finishing then.
    """
    monday = due - timedelta(days=due.weekday())
    return Windows(
        before_start=monday - timedelta(weeks=weeks),
        before_end=monday - timedelta(days=1),
        after_start=monday + timedelta(weeks=1),
        after_end=monday + timedelta(weeks=weeks + 1) - timedelta(days=1),
    )


def weighted_mean(points: Iterable[tuple[float | None, float]]) -> float | None:
    """Return the mean of (value, weight) points, weighted; None without any."""
    total = weight = 0.0
    for value, n in points:
        if _finite(value) and n > 0:
            total += value * n
            weight += n
    return total / weight if weight else None


@dataclass(frozen=True)
class TeamChange:
    """One team's mean of a measure before and after a push."""

    team_id: int
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """Return after minus before, None when either is missing."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class DiffInDiff:
    """The change for the pushed teams minus the change for the others, with its numbers."""

    measure: str
    treated: int  # teams with data in both windows
    control: int
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    df: float | None = None
    treated_before: float | None = None
    treated_after: float | None = None
    control_before: float | None = None
    control_after: float | None = None

    @property
    def enough(self) -> bool:
        """Return True when both groups had enough teams."""
        return self.estimate is not None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def diff_in_diff(
    measure: str, treated: Sequence[TeamChange], control: Sequence[TeamChange]
) -> DiffInDiff:
    """Return the difference in mean change, treated minus control, with Welch's 95% CI."""
    t = [c for c in treated if c.change is not None]
    k = [c for c in control if c.change is not None]
    base = DiffInDiff(measure, len(t), len(k))
    if len(t) < MIN_TEAMS_PER_GROUP or len(k) < MIN_TEAMS_PER_GROUP:
        return base
    dt, dk = [c.change for c in t], [c.change for c in k]
    if len(set(dt)) < 2 and len(set(dk)) < 2:
        return base  # no spread at all: no interval to give
    result = stats.ttest_ind(dt, dk, equal_var=False)
    interval = result.confidence_interval(confidence_level=CONFIDENCE)
    return DiffInDiff(
        measure,
        len(t),
        len(k),
        estimate=_mean(dt) - _mean(dk),
        low=float(interval.low),
        high=float(interval.high),
        df=float(result.df),
        treated_before=_mean([c.before for c in t]),
        treated_after=_mean([c.after for c in t]),
        control_before=_mean([c.before for c in k]),
        control_after=_mean([c.after for c in k]),
    )


def did_sentence(result: DiffInDiff, *, module: str, due: date, weeks: int = PUSH_WEEKS) -> str:
    """Return the one plain sentence ("Teams that completed Empathy by 1 Mar 2026: CSAT +0.21
    (95% CI 0.08 to 0.34) relative to other teams in the next 8 weeks.")."""
    m = MEASURES[result.measure]
    name = m.label.split(" (")[0]
    lead = f"Teams that completed {module} by {format_date(due)}"
    if not result.enough:
        return (
            f"{lead}: not enough data for {name} (teams with feedback in both periods: "
            f"{result.treated} that completed it, {result.control} others; at least "
            f"{MIN_TEAMS_PER_GROUP} of each needed)."
        )
    return (
        f"{lead}: {name} {m.format(result.estimate, signed=True)} "
        f"(95% CI {m.format(result.low)} to {m.format(result.high)}) relative to other teams "
        f"in the next {weeks} weeks."
    )


def did_basis(result: DiffInDiff, windows: Windows, *, left_out: int = 0) -> str:
    """Return the numbers the sentence rests on, in words."""
    m = MEASURES[result.measure]
    name = m.label.split(" (")[0]
    spans = (
        f"{format_date(windows.before_start)} to {format_date(windows.before_end)} before, "
        f"{format_date(windows.after_start)} to {format_date(windows.after_end)} after"
    )
    if not result.enough:
        return f"Weeks compared: {spans}."
    text = (
        f"It rests on {result.treated} teams that completed it ({name} "
        f"{m.format(result.treated_before)} before, {m.format(result.treated_after)} after) and "
        f"{result.control} teams not given it ({m.format(result.control_before)} before, "
        f"{m.format(result.control_after)} after); weeks {spans}. Each team counts once, by its "
        f"own change; the interval is Welch's t with {result.df:.1f} degrees of freedom."
    )
    if left_out:
        text += (
            f" Left out: {left_out} team{'s' if left_out != 1 else ''} given it with under "
            f"{COMPLETED_SHARE:.0%} of people passed by the due date."
        )
    return text

"""What people do, from observations: the "does" beside the quiz's "knows" for every need.

Units, so nobody has to guess:

* An observation rates a checklist's items; each item belongs to one need. Per need, an item
  rated **consistently** counts 1, **partly** and **not seen** count 0; "did not come up" is
  not a rating and counts nowhere.
* **does** (0 to 1) for a need is the share of that need's rated items that were rated
  consistently, over the observations of the last `WINDOW_DAYS` days, each item weighted by
  how recent its observation is: weight `0.5 ** (age_days / HALF_LIFE_DAYS)`, so an
  observation today counts 1, one 30 days ago 0.5 and one 60 days ago 0.25. Behaviour
  changes, and the latest floor walk says more about today than one from three months ago.
* **observations** is the number of observations behind the figure (those with at least one
  rated item of that need in the window). With none the need is "not observed yet": `share`
  is None, never 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

WINDOW_DAYS = 90
HALF_LIFE_DAYS = 30
# For "did not transfer": a need whose does-share is at most this is read as "not seen" on
# the floor, and at least DOING as done.
NOT_SEEN_AT_MOST = 1 / 3
DOING_AT_LEAST = 2 / 3


@dataclass(frozen=True)
class DayCount:
    """Rated items of one need on one day: how many, how many consistently, in how many
    observations."""

    day: date
    rated: int
    consistent: int
    observations: int


@dataclass(frozen=True)
class Does:
    """The weighted share of consistently rated items, and the observations behind it."""

    share: float | None
    observations: int

    @property
    def observed(self) -> bool:
        """Return True when at least one observation is behind the figure."""
        return self.observations > 0


NOT_OBSERVED = Does(share=None, observations=0)


def weight(age_days: int) -> float:
    """Return the weight of an observation age_days old (1 today, halving every 30 days)."""
    return 0.5 ** (max(0, age_days) / HALF_LIFE_DAYS)


def window_start(today: date) -> date:
    """Return the first day that counts for "does" on today."""
    return today - timedelta(days=WINDOW_DAYS - 1)


def does_from_sums(weighted: float, weighted_consistent: float, observations: int) -> Does:
    """Return the does figure from window-weighted sums of rated and consistently rated items
    (what does() adds up; the database adds them up this way for many people at once)."""
    if not observations or weighted <= 0:
        return NOT_OBSERVED
    return Does(share=weighted_consistent / weighted, observations=observations)


def does(counts: Iterable[DayCount], today: date) -> Does:
    """Return the weighted does-share of one need from its per-day counts (window applied)."""
    return does_by_key(((None, c) for c in counts), today).get(None, NOT_OBSERVED)


def does_by_key(rows: Iterable[tuple[Hashable, DayCount]], today: date) -> dict[Hashable, Does]:
    """Return the weighted does-share per key (a need, or a (person, need) pair) from
    (key, DayCount) rows: each day's items weigh weight(age), days outside the window none.

    One pass with one weight per day, as Team progress feeds it a whole organisation's
    (person, need, day) groups."""
    first = window_start(today)
    weights: dict[date, float] = {}
    sums: dict[Hashable, list] = {}
    for key, c in rows:
        cell = sums.get(key)
        if cell is None:
            cell = sums[key] = [0.0, 0.0, 0]
        if c.day < first or c.day > today or c.rated <= 0:
            continue
        w = weights.get(c.day)
        if w is None:
            w = weights[c.day] = weight((today - c.day).days)
        cell[0] += w * c.rated
        cell[1] += w * c.consistent
        cell[2] += c.observations
    return {key: does_from_sums(total, hit, n) for key, (total, hit, n) in sums.items()}


def format_does(value: Does) -> str:
    """Return a does figure for people: "72% (5 observations)" or "not observed yet"."""
    if value.share is None:
        return "not observed yet"
    noun = "observation" if value.observations == 1 else "observations"
    return f"{round(value.share * 100)}% ({value.observations} {noun})"


def format_share(value: Does) -> str:
    """Return the share alone: "72%", or "not observed yet"."""
    return "not observed yet" if value.share is None else f"{round(value.share * 100)}%"


@dataclass(frozen=True)
class TransferGap:
    """A person and need where knowing and doing disagree."""

    person_id: int
    need: str
    knows: bool  # passed a module of the need
    does: Does


def transfer_gaps(
    passed: Iterable[tuple[int, str]], does_of: Mapping[tuple[int, str], Does]
) -> tuple[list[TransferGap], list[TransferGap]]:
    """Return (did not transfer, does without the module).

    The first list: people who passed a need's module but are observed "not seen" on its
    items (does-share at most NOT_SEEN_AT_MOST). The second, the reverse: people observed doing
    it (at least DOING_AT_LEAST) who have not passed a module of that need.
    """
    known = set(passed)
    not_transferred: list[TransferGap] = []
    untaught: list[TransferGap] = []
    for (person, need), value in sorted(does_of.items()):
        if value.share is None:
            continue
        if (person, need) in known and value.share <= NOT_SEEN_AT_MOST:
            not_transferred.append(TransferGap(person, need, True, value))
        elif (person, need) not in known and value.share >= DOING_AT_LEAST:
            untaught.append(TransferGap(person, need, False, value))
    return not_transferred, untaught

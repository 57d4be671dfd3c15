"""What My training reads from the database, as one read model kept per process.

My training is the page people rerun most, and every rerun read the person's list (four
queries and a status per module), the quizzes withdrawn this month and the days practised
this month. All of it changes only when the person starts or submits something, moves team,
an assignment or another audited change is made, or the day turns; so each process keeps it
keyed by those (`learning.person_stamp`, one query) and the content version, and reads it
again only when the stamp moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from store import config, learning, practice, settings
from store.db import session_scope
from store.stamped import StampedCache
from training import clock
from training.loader import LoadedModule

WITHDRAWN_DAYS = 30  # a quiz closed because its module went is mentioned for this long

_CACHE = StampedCache(5_000)  # people; an entry is a few kB


@dataclass(frozen=True)
class MyTraining:
    """The database side of My training for one person on one day."""

    items: tuple[learning.TrainingItem, ...]  # assigned first, most urgent first
    withdrawn: tuple[learning.WithdrawnAttempt, ...]  # since the start of the day 30 days ago
    days_practised: int  # this month


def my_training(
    *, user_id: int, modules: Mapping[str, LoadedModule], today: date | None = None
) -> MyTraining:
    """Return what My training shows for the person, read again only when it may have changed."""
    zone = settings.time_zone()
    today = today or clock.today(zone)
    with session_scope(write=False) as session:
        stamp = learning.person_stamp(session, user_id)
    # The modules by identity: the cached entry holds them, so no id is reused meanwhile.
    version = tuple((module_id, id(loaded)) for module_id, loaded in modules.items())
    key = (config.database_url(), user_id, today, str(zone), version, stamp)
    found = _CACHE.get(key)
    if found is not None:
        return found
    since = clock.start_of_day(today - timedelta(days=WITHDRAWN_DAYS), zone)
    view = MyTraining(
        items=tuple(learning.my_training(user_id=user_id, modules=modules, today=today)),
        withdrawn=tuple(learning.withdrawn_attempts(user_id=user_id, since=since)),
        days_practised=practice.days_practised(user_id=user_id, today=today),
    )
    _CACHE.put(key, view, keep=tuple(modules.values()))
    return view

"""A per-process cache of read models keyed by a stamp of the data they were read from.

The key holds what the value depends on (the database, the person, the day, the content
version and a stamp such as `learning.person_stamp`), so a stale entry is simply never asked
for again; the oldest entries go once there are more than `size`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class StampedCache:
    """Values by key, the least recently used dropped past size; safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, tuple[Any, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any | None:
        """Return the value kept for key, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, value: Any, *, keep: tuple = ()) -> None:
        """Keep value for key; keep: objects whose id() is in the key, held so no id is reused."""
        with self._lock:
            self._entries[key] = (value, keep)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

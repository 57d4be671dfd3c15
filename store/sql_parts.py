"""SQL pieces shared by the dashboard, the kept activity summary and the impact view.

Each rule here has one home: the UTC day of a stored timestamp, and the optional module filter.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Date, cast, false, literal
from sqlalchemy.sql import ColumnElement
from sqlmodel import func


def utc_day(column, dialect: str) -> ColumnElement:
    """Return the UTC day of a timestamp column, as the database keeps it.

    SQLite keeps UTC timestamps as text, so the day is its first ten characters: much cheaper
    than date() on every row, and it lets a covering index answer alone.
    """
    if dialect == "sqlite":
        return func.substr(column, 1, 10)
    return cast(func.timezone("UTC", column), Date)


def module_filter(column, module_ids: Sequence[str] | None) -> ColumnElement[bool]:
    """Return a condition keeping the rows of these modules (None: every module; empty: none)."""
    if module_ids is None:
        return literal(True)
    return column.in_(list(module_ids)) if module_ids else false()

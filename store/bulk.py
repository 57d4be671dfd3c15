"""Bulk-insert rows fast: DBAPI executemany on SQLite, COPY on PostgreSQL.

Used by the demo seeder (store.demo, store.demo_observations) and by the FSRS backfill
(store.fsrs_cards, migration 0009), which write hundreds of thousands of rows at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkWriter:
    """Bulk-insert rows given as tuples: DBAPI executemany on SQLite, COPY on PostgreSQL.

    On SQLite the values are written in the exact text forms SQLAlchemy itself uses (UTC
    timestamps as "YYYY-MM-DD HH:MM:SS.ffffff", JSON as text, booleans as 0/1), skipping the
    per-value type processing that would otherwise dominate the load time. On PostgreSQL rows
    stream through psycopg's COPY (JSON as its text, the rest adapted by psycopg), ten times
    faster than INSERTs; copy=False uses typed Core INSERTs instead (the test that holds the
    two ways to the same rows uses it).
    """

    def __init__(self, conn: Connection, *, copy: bool = True) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.copy = copy and conn.dialect.name == "postgresql"
        self.text_json = self.sqlite or self.copy
        self._json: dict[tuple[int, ...], str] = {}

    def json(self, value: object) -> object:
        return json.dumps(value) if self.text_json else value

    def chosen(self, value: list[int]) -> object:
        # Few distinct answers exist (option index lists), so their JSON text is cached.
        if not self.text_json:
            return value
        key = tuple(value)
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(value)
        return text

    def time(self, value: datetime | None) -> object:
        if value is None or not self.sqlite:
            return value
        return value.isoformat(" ", "microseconds")[:26]  # UTC, without the offset

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model.__tablename__
        if self.sqlite:
            sql = (
                f'INSERT INTO "{table}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            for chunk in chunks(rows, 100_000):
                self.conn.exec_driver_sql(sql, chunk)
        elif self.copy:
            # The psycopg connection under SQLAlchemy's, inside the transaction already open.
            names = ", ".join(f'"{c}"' for c in columns)
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as out:
                for row in rows:
                    out.write_row(row)
        else:
            for chunk in chunks(rows, 20_000):
                self.conn.execute(
                    insert(model), [dict(zip(columns, r, strict=True)) for r in chunk]
                )

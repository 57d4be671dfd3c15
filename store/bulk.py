"""Bulk-insert rows fast: DBAPI executemany on SQLite, COPY on PostgreSQL.

Used by the demo seeder (store.demo, store.demo_observations) and by the FSRS backfill
(store.fsrs_cards, migration 0009), which write hundreds of thousands of rows at once.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection


def next_id(conn: Connection, table) -> int:
    """Return the id after the highest one in table (1 when it is empty)."""
    return (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


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

    def insert(
        self, model, columns: tuple[str, ...], rows: list[tuple], types: tuple[str, ...] = ()
    ) -> None:
        """Insert the rows; with `types` (PostgreSQL's, one per column), COPY sends them in
        binary, several times cheaper to make for floats and times."""
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
            binary = " (FORMAT BINARY)" if types else ""
            sql = f'COPY "{table}" ({names}) FROM STDIN{binary}'
            with raw.cursor() as cursor, cursor.copy(sql) as out:
                if types:
                    out.set_types(list(types))
                for row in rows:
                    out.write_row(row)
        else:
            for chunk in chunks(rows, 20_000):
                self.conn.execute(
                    insert(model), [dict(zip(columns, r, strict=True)) for r in chunk]
                )


class BackgroundWriter:
    """A BulkWriter's inserts run in order on a thread, so the rows of the next batch are
    made while PostgreSQL takes in the last one (its CPU and ours on two cores).

    The caller hands its connection over for as long as this writer is open (it must not use
    it meanwhile, nor change a list of rows it has handed in) and calls `close`, which waits
    for the last insert and raises any error an insert raised. At most `depth` batches wait.
    """

    def __init__(self, writer: BulkWriter, *, depth: int = 2) -> None:
        self.writer = writer
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:  # after an error, drain the queue writing nothing
                try:
                    self.writer.insert(*item)
                except BaseException as error:  # noqa: BLE001 - raised again by the caller
                    self._error = error

    def insert(
        self, model, columns: tuple[str, ...], rows: list[tuple], types: tuple[str, ...] = ()
    ) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((model, columns, rows, types))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


_SECONDARY = """
SELECT 'constraint', con.conname, cls.relname, pg_get_constraintdef(con.oid), con.contype
FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
WHERE cls.relname = ANY(:tables) AND cls.relnamespace = current_schema()::regnamespace
  AND con.contype IN ('f', 'u')
UNION ALL
SELECT 'index', ix.indexname, ix.tablename, ix.indexdef, ''
FROM pg_indexes ix
WHERE ix.tablename = ANY(:tables) AND ix.schemaname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = ix.indexname)
"""


@contextmanager
def without_secondary_indexes(conn: Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """On PostgreSQL, drop the tables' indexes, unique and foreign-key constraints (not primary
    keys) while the block bulk-loads them, and build them again after it, each in one pass.

    COPY into a table with indexes and foreign keys maintains every index and fires every
    key check row by row; building them once over the loaded rows is several times cheaper.
    Run it inside the load's transaction: if the load fails, the drops roll back with it. A
    unique or foreign key the loaded rows break fails when it is built again, as it would
    have during the load. Elsewhere (SQLite) it does nothing."""
    if conn.dialect.name != "postgresql":
        yield
        return
    found = conn.execute(text(_SECONDARY), {"tables": list(tables)}).all()
    # Foreign keys first (a unique constraint may back one), then the rest.
    found.sort(key=lambda r: (r[0] != "constraint" or r[4] != "f", r[1]))
    for kind, name, table, _definition, _type in found:
        if kind == "constraint":
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        else:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for kind, name, table, definition, _type in reversed(found):
        if kind == "constraint":
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        else:
            conn.exec_driver_sql(definition)

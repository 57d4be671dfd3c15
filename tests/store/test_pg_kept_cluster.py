"""A PostgreSQL cluster kept in a folder (the benchmark's 20,000-staff organisation) comes back
with its data after a clean stop, and a temporary one leaves nothing behind."""

import os
import shutil
import tempfile
from pathlib import Path

import psycopg

from tests.pg import PgCluster


def _dsn(cluster: PgCluster, db: str) -> str:
    return f"host=127.0.0.1 port={cluster.port} user=postgres dbname={db}"


def test_a_kept_cluster_keeps_its_rows_across_a_stop_and_start():
    parent = Path(tempfile.mkdtemp(prefix="kept-pg-"))  # postgres must reach it, as data/bench
    os.chmod(parent, 0o755)
    try:
        _kept(parent / "kept")
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _kept(root: Path) -> None:
    cluster = PgCluster(root=root).start()
    try:
        cluster.create_database("kept")
        with psycopg.connect(_dsn(cluster, "kept"), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (42)")
    finally:
        cluster.stop()
    assert (root / "data" / "PG_VERSION").exists()
    again = PgCluster(root=root).start()  # no initdb: the same data folder
    try:
        with psycopg.connect(_dsn(again, "kept")) as conn:
            assert conn.execute("SELECT n FROM t").fetchall() == [(42,)]
    finally:
        again.stop()


def test_a_temporary_cluster_is_removed_when_stopped():
    cluster = PgCluster().start()
    root = cluster.root
    cluster.stop()
    assert not root.exists()

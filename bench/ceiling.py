"""The physical ceiling of one node: how many one-row write transactions per second the database commits here.

A workflow of ours is four write transactions (log, resolve, take, close) and django-helpdesk's three, so no
server on this machine and engine can complete more than this rate / 4 (resp. / 3) workflows a second, however
little Python it runs. SQLite is measured as Closeloop and the peer run it (WAL, synchronous=NORMAL, each
transaction BEGIN IMMEDIATE ... COMMIT); PostgreSQL with its default configuration (synchronous_commit on).

`python -m bench.ceiling [SECONDS]` prints both as JSON; `make bench` records them with each run.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .servers import BENCH_DIR, PG_SERVER

__all__ = ["sqlite_commits_per_second", "postgresql_commits_per_second", "ceilings"]

_ROW = "INSERT INTO bench_commit (at, note) VALUES (?, ?)"


def sqlite_commits_per_second(seconds: float = 5.0, directory: Path | None = None) -> float:
    """One-row transactions a second into a SQLite file on the bench's disk, as Closeloop configures SQLite."""
    folder = directory or BENCH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        conn = sqlite3.connect(Path(scratch) / "commits.sqlite3", isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, at REAL, note TEXT)")
            done, deadline = 0, time.perf_counter() + seconds
            started = time.perf_counter()
            while time.perf_counter() < deadline:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(_ROW, (time.time(), "a call's history event"))
                conn.execute("COMMIT")
                done += 1
            return done / (time.perf_counter() - started)
        finally:
            conn.close()


def postgresql_commits_per_second(seconds: float = 5.0, server: str = PG_SERVER) -> float | None:
    """One-row transactions a second into PostgreSQL's `postgres` database (a temporary table), or None when no
    server answers."""
    try:
        import psycopg

        conn = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)
    except Exception:
        return None
    with conn:
        # a regular table: an UNLOGGED or TEMPORARY one would not wait for the write-ahead log to reach the disk
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, at double precision, "
                     "note text)")
        try:
            done, deadline = 0, time.perf_counter() + seconds
            started = time.perf_counter()
            while time.perf_counter() < deadline:
                with conn.transaction():
                    conn.execute("INSERT INTO bench_commit (at, note) VALUES (%s, %s)",
                                 (time.time(), "a call's history event"))
                done += 1
            return done / (time.perf_counter() - started)
        finally:
            conn.execute("DROP TABLE bench_commit")


def ceilings(seconds: float = 5.0) -> dict[str, Any]:
    return {"sqlite": round(sqlite_commits_per_second(seconds), 1),
            "postgresql": (lambda rate: round(rate, 1) if rate is not None else None)(
                postgresql_commits_per_second(seconds))}


if __name__ == "__main__":
    print(json.dumps(ceilings(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)))

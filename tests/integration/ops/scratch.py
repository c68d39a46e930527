"""Scratch databases and the console entry point in a subprocess, for operator-command tests.

Backup, restore and multi-node tests need databases of their own (pytest's test database is
in-memory on SQLite and private to the test process), so they get throw-away SQLite files or
PostgreSQL databases created and dropped here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["PG_SERVER", "cli_env", "closeloop", "closeloop_json", "scratch_database", "postgres_reachable"]

PG_SERVER = os.environ.get("CLOSELOOP_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def scratch_database(engine: str, tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for a new, empty database, removed afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / f'desk-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"test_cl_ops_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSELOOP_", "DJANGO_", "PYTEST_"))}
    env.update(DATABASE_URL=database_url, **extra)
    return env


def closeloop(database_url: str, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the `closeloop` command against one database; returns the finished process."""
    return subprocess.run([sys.executable, "-m", "closeloop.cli.main", *argv], capture_output=True, text=True,
                          env=cli_env(database_url, **env), timeout=600, check=False)


def closeloop_json(database_url: str, *argv: str, **env: str) -> Any:
    done = closeloop(database_url, *argv, "--json", **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)

"""Bench databases and server processes: created, started, waited for, stopped and dropped by the bench."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["BENCH_DIR", "PG_SERVER", "database_url", "row_count", "recreate", "drop", "free_port", "serving",
           "beside",
           "run_json", "closeloop_env", "worker_memory"]

BENCH_DIR = Path(os.environ.get("CLOSELOOP_BENCH_DIR", Path.cwd() / "var" / "bench"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
SECRET = "bench-secret-key-0123456789-0123456789-0123456789-0123456789"


def database_url(engine: str, name: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'{name}.sqlite3'}"
    return f"{PG_SERVER}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def row_count(engine: str, name: str, table: str) -> int | None:
    """Rows in a table of a bench database, or None if the database or table is not there."""
    try:
        if engine == "sqlite":
            path = BENCH_DIR / f"{name}.sqlite3"
            if not path.exists():
                return None
            with sqlite3.connect(path) as conn:
                return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        import psycopg

        with psycopg.connect(database_url(engine, name), connect_timeout=5) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except Exception:
        return None


def drop(engine: str, name: str) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate(engine: str, name: str) -> str:
    drop(engine, name)
    if engine == "postgresql":
        _pg_admin(f'CREATE DATABASE "{name}"')
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return database_url(engine, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closeloop_env(url: str) -> dict[str, str]:
    """Production settings for a bench server (plain HTTP on 127.0.0.1, so cookies are not secure-only)."""
    return {**os.environ, "DATABASE_URL": url, "CLOSELOOP_DEBUG": "0", "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "CLOSELOOP_SECURE_COOKIES": "0",
            "CLOSELOOP_VAR_DIR": str(BENCH_DIR / "var"), "LOG_LEVEL": "ERROR"}


def run_json(argv: list[str], env: dict[str, str], cwd: Path | None = None, timeout: int = 7200) -> object:
    import json

    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def _running(argv: list[str], env: dict[str, str], log_path: Path,
             cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A program in its own process group, its output in `log_path`, while the block runs; stopped afterwards
    (SIGTERM to the group, SIGKILL after a minute)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def beside(argv: list[str], env: dict[str, str], name: str) -> Iterator[None]:
    """Run a background program while the block runs, as production runs the worker beside the web server."""
    with _running(argv, env, BENCH_DIR / f"{name}.log"):
        yield


@contextmanager
def serving(argv: list[str], env: dict[str, str], port: int, ready_path: str,
            cwd: Path | None = None, log_dir: Path | None = None) -> Iterator[str]:
    """Start a server process (its own process group), wait until it answers, stop it afterwards."""
    log_path = (log_dir or BENCH_DIR) / f"server-{port}.log"
    base = f"http://127.0.0.1:{port}"
    with _running(argv, env, log_path, cwd) as process:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}; see {log_path}")
            try:
                if httpx.get(base + ready_path, timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not answer within 120s; see {log_path}")
            time.sleep(0.5)
        yield base


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def worker_memory(port: int) -> dict[str, float]:
    """The resident memory of the workers of the server bound to `port` (gunicorn's master forks them): the
    largest now, and the largest peak any reached, in MB."""
    found = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()
    pids = {int(p) for p in found}
    workers = [s for s in map(_status, pids) if s and int(s["PPid"].strip()) in pids]
    if not workers:
        return {}

    def mb(field: str) -> float:
        return round(max(int(s[field].split()[0]) for s in workers) / 1024, 1)

    return {"workers": len(workers), "rss_mb": mb("VmRSS"), "peak_mb": mb("VmHWM")}


def python() -> str:
    return sys.executable

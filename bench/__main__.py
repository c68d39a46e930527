"""`make bench` / `python -m bench`: measure, then write docs/benchmarks.md.

For each engine and size: generate (or reuse) a desk of that many calls, time Calls Outstanding, the
call page, the call list and the reports in-process, then run the workflow through HTTP on gunicorn
at 1, 8 and 32 concurrent clients. django-helpdesk (latest from PyPI, in its own venv under
var/bench) gets the same ticket volume on the same engine, and the same two measurements.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import helpdesk_workflow, workflow
from .ceiling import ceilings
from .helpdesk_site import write_site
from .load import run_load
from .report import write_report
from .servers import (
    BENCH_DIR,
    beside,
    closeloop_env,
    drop,
    free_port,
    recreate,
    row_count,
    run_json,
    serving,
    worker_memory,
)

HELPDESK_VERSION_SPEC = "django-helpdesk"


def _log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _analysts_for(size: int) -> int:
    return max(30, min(200, size // 5000))


def _prepare_closeloop(engine: str, size: int) -> str:
    name = f"closeloop_bench_{size}"
    if row_count(engine, name, "calls_call") == size:
        _log(f"{engine} {size:,}: reusing the generated desk")
        from .servers import database_url

        return database_url(engine, name)
    url = recreate(engine, name)
    _log(f"{engine} {size:,}: generating the desk")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "closeloop.cli.main", "generate", "--calls", str(size), "--partitions", "3",
                    "--analysts", str(_analysts_for(size))], env=closeloop_env(url), check=True)
    _log(f"{engine} {size:,}: generated in {time.monotonic() - started:.0f}s")
    return url


def _throughput(base_steps: Any, make_client: Any, levels: list[int], seconds: float) -> list[dict[str, Any]]:
    results = []
    for clients in levels:
        result = run_load(make_client, base_steps, clients, seconds)
        _log(f"  {clients} clients: {result.requests_per_second:.1f} req/s, p95 {result.latency['p95']} ms, "
             f"{len(result.errors)} errors")
        results.append(result.as_dict())
    return results


def _closeloop_runs(engine: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    url = _prepare_closeloop(engine, size)
    env = closeloop_env(url)
    _log(f"{engine} {size:,}: timing pages, lists and reports")
    measured: dict[str, Any] = run_json([sys.executable, "-m", "bench.measure", str(args.repeat)],
                                        env)  # type: ignore[assignment]
    pairs: list[dict[str, Any]] = run_json([sys.executable, "-m", "bench.workflow",
                                            str(max(args.clients))], env)  # type: ignore[assignment]
    port = free_port()
    _log(f"{engine} {size:,}: workflow through HTTP on gunicorn ({args.workers} workers)")
    # the desk's worker runs beside the web server, as `make run` and docs/deploy.md run it: it delivers the
    # workflow's e-mail and counts its changes in the report roll-ups on the same two cores
    with beside([sys.executable, "-m", "closeloop.cli.main", "worker"], env, "worker"), \
            serving([sys.executable, "-m", "closeloop.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                     "--workers", str(args.workers)], env, port, "/login/") as base:
        import httpx

        async def make_client(index: int) -> tuple[httpx.AsyncClient, dict[str, Any]]:
            return httpx.AsyncClient(base_url=base, timeout=120), {"pair": pairs[index % len(pairs)]}

        measured["throughput"] = _throughput(workflow.steps(), make_client, args.clients, args.seconds)
        measured["memory"] = worker_memory(port)
    if engine == "postgresql":
        measured["two_nodes"] = _two_nodes(env, pairs, args)
    return measured


def _two_nodes(env: dict[str, str], pairs: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The same workflow through two app nodes on the one database (each its own `closeloop serve` with half
    the workers, its own caches of the desk), the clients taking turns between them."""
    ports, each = [free_port()], max(1, args.workers // 2)
    while len(ports) < 2:
        ports += [port for port in [free_port()] if port not in ports]
    _log(f"postgresql: workflow through two app nodes ({each} worker(s) each)")
    servers = [serving([sys.executable, "-m", "closeloop.cli.main", "serve", "--host", "127.0.0.1", "--port",
                        str(port), "--workers", str(each)], env, port, "/login/") for port in ports]
    with beside([sys.executable, "-m", "closeloop.cli.main", "worker"], env, "worker"), \
            servers[0] as first, servers[1] as second:
        import httpx

        bases = [first, second]

        async def make_client(index: int) -> tuple[httpx.AsyncClient, dict[str, Any]]:
            return httpx.AsyncClient(base_url=bases[index % 2], timeout=120), {"pair": pairs[index % len(pairs)]}

        return _throughput(workflow.steps(), make_client, [c for c in args.clients if c >= 2] or [2], args.seconds)


def _helpdesk_python() -> Path:
    venv = BENCH_DIR / "helpdesk-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        _log("installing the latest django-helpdesk from PyPI into var/bench/helpdesk-venv")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", HELPDESK_VERSION_SPEC,
                        "psycopg[binary]", "gunicorn"], check=True)
    return python


def _helpdesk_version(python: Path) -> str:
    done = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'), "
                           "m.version('django'))"], capture_output=True, text=True, check=True)
    helpdesk, django = done.stdout.split()
    return f"django-helpdesk {helpdesk} (Django {django})"


def _helpdesk_runs(engine: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    python = _helpdesk_python()
    site = write_site(BENCH_DIR / "helpdesk_site")
    name = f"helpdesk_bench_{size}"
    from .servers import database_url

    url = database_url(engine, name)
    if row_count(engine, name, "helpdesk_ticket") != size:
        url = recreate(engine, name)
    env = {"PATH": "/usr/bin:/bin", "HELPDESK_DATABASE_URL": url}
    _log(f"{engine} {size:,}: loading django-helpdesk tickets")
    queues = 3 * 4  # as many queues as the generated desk has work groups
    loaded = run_json([str(python), "hd_tool.py", "load", str(size), str(_analysts_for(size)), str(queues)], env,
                      cwd=site)
    measured: dict[str, Any] = run_json([str(python), "hd_tool.py", "measure", str(args.repeat)], env,
                                        cwd=site)  # type: ignore[assignment]
    measured["load"] = loaded
    measured["version"] = _helpdesk_version(python)
    accounts: dict[str, Any] = run_json([str(python), "hd_tool.py", "accounts", str(max(args.clients))], env,
                                        cwd=site)  # type: ignore[assignment]
    port = free_port()
    _log(f"{engine} {size:,}: django-helpdesk workflow through HTTP on gunicorn ({args.workers} workers)")
    with serving([str(python), "-m", "gunicorn", "hd_wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
                  str(args.workers), "--timeout", "120"], env, port, "/helpdesk/login/", cwd=site) as base:
        import httpx

        users = accounts["users"]

        async def make_client(index: int) -> tuple[httpx.AsyncClient, dict[str, Any]]:
            user = users[index % len(users)]
            client = await helpdesk_workflow.sign_in(base, user["username"])
            return client, {"queue": accounts["queue"], "user_id": user["id"]}

        measured["throughput"] = _throughput(helpdesk_workflow.steps(), make_client, args.clients, args.seconds)
        measured["memory"] = worker_memory(port)
    return measured


def _save(command: str, runs: list[dict[str, Any]], args: argparse.Namespace, seconds: float,
          append: bool) -> list[dict[str, Any]]:
    """Write results.json; with --append, keep the saved runs of other engine/size pairs, read at save time
    so bench runs of different sizes may overlap. Returns every run the page shows."""
    path = BENCH_DIR / "results.json"
    mine = {(r["engine"], r["size"]) for r in runs}
    kept = [r for r in json.loads(path.read_text())["runs"] if (r["engine"], r["size"]) not in mine] \
        if append and path.exists() else []
    merged = sorted(kept + runs, key=lambda r: (r["engine"] != "sqlite", r["size"]))
    options = {k: v for k, v in vars(args).items() if k in ("seconds", "repeat", "workers", "clients")}
    path.write_text(json.dumps({"command": command, "runs": merged, "args": options, "seconds": seconds}, indent=1))
    return merged


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated call counts (BENCH_SIZES)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--clients", default="1,8,32", help="concurrent HTTP clients per load level")
    parser.add_argument("--seconds", type=float, default=15, help="seconds per load level")
    parser.add_argument("--repeat", type=int, default=30, help="timed repetitions per in-process measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers for both systems")
    parser.add_argument("--no-helpdesk", action="store_true", help="skip the django-helpdesk comparison")
    parser.add_argument("--output", default="docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true",
                        help="keep the bench databases afterwards (default: PostgreSQL ones are dropped)")
    parser.add_argument("--append", action="store_true",
                        help="keep the runs in var/bench/results.json, replacing only the engine/size pairs run now")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the page from var/bench/results.json without measuring again")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    command = "make bench " + " ".join(f"{k}={v}" for k, v in (("BENCH_SIZES", ",".join(map(str, args.sizes))),
                                                                ("BENCH_ENGINES", ",".join(engines))))
    if args.report_only:
        saved = json.loads((BENCH_DIR / "results.json").read_text())
        write_report(Path(args.output), saved["command"], saved["runs"], argparse.Namespace(**saved["args"]),
                     saved["seconds"], new_run=False)
        return
    runs: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    if args.append:
        command += " --append (other engine/size pairs come from earlier runs)"
    started = time.monotonic()
    ceiling = ceilings()  # the machine's own commit rate, measured in the same session as the runs
    _log(f"one-row commits a second: SQLite {ceiling['sqlite']}, PostgreSQL {ceiling['postgresql']}")
    for engine in engines:
        for size in args.sizes:
            run: dict[str, Any] = {"engine": engine, "size": size, "closeloop": _closeloop_runs(engine, size, args),
                                   "commits_per_s": ceiling.get(engine)}
            if not args.no_helpdesk:
                run["helpdesk"] = _helpdesk_runs(engine, size, args)
            runs.append(run)
            if engine == "postgresql" and not args.keep:  # the shared server is not left holding gigabytes
                for name in (f"closeloop_bench_{size}", f"helpdesk_bench_{size}"):
                    drop(engine, name)
            shown = _save(command, runs, args, time.monotonic() - started, args.append)
    write_report(Path(args.output), command, shown, args, time.monotonic() - started)
    _log(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""docs/benchmarks.md from one bench run: command, machine, date, the tables, and what bounds us."""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .notes import EXPLAIN_FINDINGS, QUERY_BUDGET, WHAT_BOUNDS_US

__all__ = ["write_report", "EARLIER_RUNS"]

EARLIER_RUNS = "## Earlier runs"
_EARLIER_RUNS_INTRO = "Each earlier run as its page stood, newest first."


def _machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    ram_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    lines = [f"- CPU: {cpu}, {os.cpu_count()} cores (nproc); RAM {ram_kb / 1024 / 1024:.0f} GiB",
             f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]
    try:
        import psycopg

        from .servers import PG_SERVER

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        lines.append(f"- PostgreSQL {version} on the same machine (default configuration)")
    except Exception:
        lines.append("- PostgreSQL: not reachable")
    return lines


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def _run_name(run: dict[str, Any]) -> str:
    return f"{'SQLite' if run['engine'] == 'sqlite' else 'PostgreSQL'} {_size(run['size'])}"


def _cell(timing: dict[str, float] | None) -> str:
    return f"{timing['p50']:.1f} / {timing['p95']:.1f}" if timing else "-"


def _table(runs: list[dict[str, Any]], key: str) -> list[str]:
    labels: list[str] = []
    for run in runs:
        labels += [k for k in run["closeloop"][key] if k not in labels]
    head = "| Measurement (p50 / p95 ms) | " + " | ".join(_run_name(r) for r in runs) + " |"
    lines = [head, "|" + "---|" * (len(runs) + 1)]
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(_cell(r["closeloop"][key].get(label)) for r in runs) + " |")
    return lines


def _ratio(ours: float, theirs: float, higher_is_better: bool) -> str:
    if not ours or not theirs:
        return "-"
    return f"{(ours / theirs if higher_is_better else theirs / ours):.1f}x"


def _throughput(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| Run | Clients | Closeloop req/s | workflows/s | p95 ms | errors | django-helpdesk req/s | "
             "workflows/s | p95 ms | errors | Closeloop / helpdesk workflows/s | the disk's ceiling, workflows/s |",
             "|" + "---|" * 12]
    for run in runs:
        theirs = {t["clients"]: t for t in run.get("helpdesk", {}).get("throughput", [])}
        commits = run.get("commits_per_s")
        ceiling = f"{commits / 4:,.0f} ({commits:,.0f} commits/s / 4)" if commits else "-"
        for ours in run["closeloop"]["throughput"]:
            other = theirs.get(ours["clients"], {})
            lines.append(
                f"| {_run_name(run)} | {ours['clients']} | {ours['rps']} | {ours['workflows_per_s']} | {ours['p95']} | "
                f"{ours['errors']} | {other.get('rps', '-')} | {other.get('workflows_per_s', '-')} | "
                f"{other.get('p95', '-')} | {other.get('errors', '-')} | "
                f"{_ratio(ours['workflows_per_s'], other.get('workflows_per_s', 0), True)} | {ceiling} |")
    lines += ["", "Worker memory after the runs (resident now / peak, MB, the largest worker): " + "; ".join(
        f"{_run_name(run)}: Closeloop {_memory(run['closeloop'])}, django-helpdesk {_memory(run.get('helpdesk', {}))}"
        for run in runs)]
    return lines


def _two_nodes(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| Run | Clients | one node: workflows/s | two nodes: req/s | workflows/s | p95 ms | errors |",
             "|---|---|---|---|---|---|---|"]
    for run in runs:
        one = {t["clients"]: t for t in run["closeloop"]["throughput"]}
        for two in run["closeloop"].get("two_nodes", []):
            lines.append(f"| {_run_name(run)} | {two['clients']} | "
                         f"{one.get(two['clients'], {}).get('workflows_per_s', '-')} | {two['rps']} | "
                         f"{two['workflows_per_s']} | {two['p95']} | {two['errors']} |")
    return lines if len(lines) > 2 else ["(not measured in this run)"]


def _memory(measured: dict[str, Any]) -> str:
    memory = measured.get("memory") or {}
    return f"{memory['rss_mb']} / {memory['peak_mb']}" if memory else "-"


def _lists(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| Run | Closeloop Calls Outstanding page, busy analyst (calls) p50 / p95 | django-helpdesk ticket list "
             "page + first 50 rows, busiest staff user (open tickets) p50 / p95 | Speed-up (p50) |",
             "|---|---|---|---|"]
    for run in runs:
        if "helpdesk" not in run:
            continue
        ours = run["closeloop"]["timings"]["Calls Outstanding page, busy analyst"]
        theirs = run["helpdesk"]["ticket list page + rows"]
        lines.append(f"| {_run_name(run)} | {_cell(ours)} ({run['closeloop']['busy analyst outstanding']:,}) | "
                     f"{_cell(theirs)} ({run['helpdesk']['open tickets']:,}) | "
                     f"{_ratio(ours['p50'], theirs['p50'], False)} |")
    return lines


def _explains(runs: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for engine in ("sqlite", "postgresql"):
        mine = [r for r in runs if r["engine"] == engine]
        if not mine:
            continue
        largest = max(mine, key=lambda r: r["size"])
        lines += ["<details>", f"<summary>Query plans, {_run_name(largest)}</summary>", ""]
        for label, plan in largest["closeloop"]["explain"].items():
            lines += [f"**{label}**", "", "```", plan.strip(), "```", ""]
        lines += ["</details>", ""]
    return lines


SEARCH_SCENARIO = """
Full-text search and the filters of the calls list (`/calls/`, `GET /api/v1/calls`, `closeloop call list`)
are measured by `bench/search.py`: five searches (a common word, a word's start, two words, a phrase, a word
with a status filter) and five filter combinations the calls page offers (waiting closures of my groups, my
open calls by priority, a group's closed calls, a partition's P1/P2 incidents, calls closed in a month),
each through the API (rows "Calls list Search, ..." and "Calls list Filter, ..." above), with their query
plans below. The targets at 1M calls on PostgreSQL are a p95 of at most 100 ms for a text search and 50 ms
for an indexed filter; the total is counted exactly up to 1,000 calls and beyond estimated on PostgreSQL
(shown as "about N") and said as a floor on SQLite ("more than 1,000"), so the count never costs more than
the page. To measure one size on its own, also through the
calls page and the service, run `python -m bench.search --size 1000000 --engine postgresql` (it generates
the desk once and reuses it; `--repeat`, `--keep`).
"""


def _earlier_runs(page: str, keep_latest: bool) -> list[str]:
    """What the page held before this run, kept below it so a regression stays visible: the previous run (its
    tables and any dated notes written under it), its headings moved two levels down under its date, then the
    runs before it as they were. `keep_latest=False` (the page re-rendered from the same results) drops the
    previous rendering of this run and keeps only the runs before it."""
    latest, _, before = page.partition("\n" + EARLIER_RUNS + "\n")
    before = before.strip("\n").removeprefix(_EARLIER_RUNS_INTRO)
    kept: list[str] = []
    if keep_latest and latest.strip():
        date = next((line.removeprefix("- Date: ") for line in latest.splitlines() if line.startswith("- Date: ")),
                    "an earlier run")
        kept += [f"### The run of {date}", ""]
        fenced = False
        for line in latest.splitlines():
            fenced ^= line.startswith("```")
            if not fenced and line.startswith("# "):
                continue  # the page title
            kept.append("##" + line if not fenced and re.match(r"#{1,4} ", line) else line)
    kept += before.strip("\n").splitlines()
    return [EARLIER_RUNS, "", _EARLIER_RUNS_INTRO, "", *kept, ""] if kept else []


def write_report(path: Path, command: str, runs: list[dict[str, Any]], args: argparse.Namespace,
                 seconds: float, *, new_run: bool = True) -> None:
    """Write the page for `runs`, keeping what the page held before under "Earlier runs" (`new_run=False`: the
    same run rendered again, so its earlier rendering is replaced rather than kept)."""
    earlier = _earlier_runs(path.read_text(), new_run) if path.exists() else []
    helpdesk = next((r["helpdesk"]["version"] for r in runs if "helpdesk" in r), None)
    sizes = ", ".join(_run_name(r) for r in runs)
    text = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); timings are measured here and never asserted in "
        "tests. Re-run it to refresh this page: the run it shows moves down to \"Earlier runs\", with any notes "
        "written under it.",
        "",
        f"- Command: `{command}` ({args.seconds:g} s per load level, {args.repeat} timed repetitions per "
        f"in-process measurement, {args.workers} gunicorn workers for both systems)",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, run took {seconds / 60:.0f} min",
        *_machine(),
        f"- Sizes run: {sizes}",
        f"- Compared with: {helpdesk or 'django-helpdesk not run (--no-helpdesk)'}, installed by the bench into its "
        "own venv under var/bench, on the same engine and the same ticket volume",
        "",
        "Server time is measured in-process through Django's whole stack (middleware, view, template or JSON), "
        "without the network. The busy analyst is the one with most calls assigned; the closure-group member "
        "is a closer in the group with most calls Forward for Closure.",
        "",
        "## Calls Outstanding, call page and call list",
        "",
        *_table(runs, "timings"),
        "",
        "Desk sizes: " + "; ".join(f"{_run_name(r)}: busy analyst {r['closeloop']['busy analyst outstanding']:,} "
                                   f"calls outstanding, closure-group member "
                                   f"{r['closeloop']['closure-group member outstanding']:,}" for r in runs),
        "",
        "## Query budget and request cost",
        "",
        QUERY_BUDGET.strip(),
        "",
        "## Search and filtered lists",
        "",
        SEARCH_SCENARIO.strip(),
        "",
        "## Workflow throughput through HTTP on gunicorn",
        "",
        "Closeloop: log -> resolve -> take -> close through the REST API (4 requests). django-helpdesk: create -> "
        "resolve -> close through its staff HTML views (3 form posts, redirects not followed). Async httpx "
        "clients on the same machine, each looping its workflow for the whole period. The last column is the most "
        "workflows a second this disk could commit (`bench/ceiling.py`: one-row write transactions in a tight loop, "
        "SQLite in WAL with synchronous=NORMAL as both systems run it, PostgreSQL as configured; four per workflow).",
        "",
        *_throughput(runs),
        "",
        "### Two app nodes on one PostgreSQL",
        "",
        "The same workflow through two `closeloop serve` nodes on the one database, each with half the workers "
        "(so the same number of processes as one node) and its own caches of the desk, the clients taking turns "
        "between them; the worker beside them. On one machine this shows that nodes share the desk correctly "
        "(0 errors, the same figures), not the gain of a second machine.",
        "",
        *_two_nodes(runs),
        "",
        "## Reports",
        "",
        *_table(runs, "reports"),
        "",
        "## Side by side with django-helpdesk: the list a staff member works from",
        "",
        *_lists(runs),
        "",
        "## Query plans (EXPLAIN) and indexes",
        "",
        EXPLAIN_FINDINGS.strip(),
        "",
        *_explains(runs),
        "## What bounds us",
        "",
        WHAT_BOUNDS_US.strip(),
        "",
        *earlier,
    ]
    path.write_text("\n".join(text))

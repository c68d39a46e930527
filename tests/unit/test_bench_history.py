"""`make bench` keeps the page's earlier runs below the new one, so a regression stays visible."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.report import EARLIER_RUNS, write_report

ARGS = argparse.Namespace(seconds=15, repeat=10, workers=2)


def _run(p50: float) -> dict:  # type: ignore[type-arg]
    timings = {"Call page": {"p50": p50, "p95": p50 + 1}}
    return {"engine": "sqlite", "size": 10_000, "commits_per_s": 20_000,
            "closeloop": {"timings": timings, "reports": {}, "throughput": [], "explain": {},
                          "busy analyst outstanding": 33, "closure-group member outstanding": 19}}


def _write(path: Path, p50: float, *, new_run: bool = True) -> str:
    write_report(path, "make bench", [_run(p50)], ARGS, 60, new_run=new_run)
    return path.read_text()


def test_each_run_moves_the_one_before_it_under_earlier_runs_with_its_notes(tmp_path):
    page = tmp_path / "benchmarks.md"
    first = _write(page, 11.0)
    assert EARLIER_RUNS not in first and "| Call page | 11.0 / 12.0 |" in first
    page.write_text(first + "\n### A note written under the first run\n\n```\n# not a heading\n```\n")
    second = _write(page, 22.0)
    latest, _, earlier = second.partition(EARLIER_RUNS)
    assert "| Call page | 22.0 / 23.0 |" in latest and "11.0 / 12.0" not in latest
    assert "### The run of " in earlier and "| Call page | 11.0 / 12.0 |" in earlier
    assert "#### Calls Outstanding, call page and call list" in earlier
    assert "##### A note written under the first run" in earlier and "\n# not a heading\n" in earlier
    assert "# Benchmarks" not in earlier
    third = _write(page, 33.0)
    earlier = third.partition(EARLIER_RUNS)[2]
    assert earlier.index("22.0 / 23.0") < earlier.index("11.0 / 12.0")  # newest first, each demoted once
    assert earlier.count("#### Calls Outstanding, call page and call list") == 2
    assert third.count(EARLIER_RUNS) == 1 and third.count("Each earlier run as its page stood") == 1


def test_rendering_the_same_results_again_replaces_that_run_instead_of_keeping_it_twice(tmp_path):
    page = tmp_path / "benchmarks.md"
    _write(page, 11.0)
    _write(page, 22.0)
    again = _write(page, 22.0, new_run=False)
    assert again.count("22.0 / 23.0") == 1 and again.count("11.0 / 12.0") == 1
    again = _write(page, 22.0, new_run=False)
    assert again.count("Each earlier run as its page stood") == 1 and again.count("11.0 / 12.0") == 1

"""The README's command-line walk-through, run as written in a shell, on a database of its own, and a
real two-process race to close the same call through the `closeloop` command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .ops.scratch import cli_env, closeloop, closeloop_json, postgres_reachable, scratch_database

README = Path(__file__).resolve().parents[2] / "README.md"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _database(engine: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    if engine == "postgresql" and not postgres_reachable():
        pytest.fail("PostgreSQL is not reachable for a postgres-marked test")
    return scratch_database(engine, tmp_path)


def _walkthrough() -> str:
    section = README.read_text().split("## The command line", 1)[1]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_readme_cli_walkthrough_works_as_written(engine, tmp_path):
    with _database(engine, tmp_path) as url:
        env = cli_env(url, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", _walkthrough()], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        out = done.stdout
        assert "INC-000001 resolved: Forward for Closure -> group Service Desk" in out
        assert "rita lacks the 'Closure Comments' right (close) in partition Default" in done.stderr
        assert "(refused, as it should be)" in out
        assert re.search(r"Forward for Closure: 1\n  INC-000001  Forward for Closure .*VPN drops", out), out
        assert "INC-000001 closed: Closed" in out
        call = closeloop_json(url, "call", "show", "INC-000001")
        assert (call["status"], call["resolved_by"], call["closed_by"], call["closure_reason"]) == \
            ("closed", "rita", "carol", "FIXED")
        assert [e["action"] for e in call["history"]] == ["log", "assign", "resolve_to_group", "close"]


def _start_close(url: str, closer: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "closeloop.cli.main", "--as", closer, "call", "close",
                             "INC-000001", "--comments", f"Checked by {closer}", "--reason", "FIXED"],
                            env=cli_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_processes_closing_the_same_call_exactly_one_wins(engine, tmp_path):
    with _database(engine, tmp_path) as url:
        for argv in (["init"], ["group", "add", "Default", "Closure Group"],
                     ["analyst", "add", "rita", "--partition", "Default", "--role", "Analyst"],
                     ["analyst", "add", "carol", "--partition", "Default", "--role", "Closer",
                      "--group", "Closure Group"],
                     ["analyst", "add", "dave", "--partition", "Default", "--role", "Closer",
                      "--group", "Closure Group"],
                     ["reason", "add", "Default", "FIXED", "Fixed", "--type", "incident"],
                     ["settings", "set", "Default", "--method", "rules", "--rule", "closure_group",
                      "--closure-group", "Closure Group", "--change-reason", "race"],
                     ["contact", "add", "Dana Fisher", "--partition", "Default", "--email", "dana@example.org"],
                     ["--as", "rita", "call", "log", "--type", "incident", "--summary", "Disk full",
                      "--contact", "dana@example.org"],
                     ["--as", "rita", "call", "resolve", "INC-000001", "--resolution", "Freed space"]):
            done = closeloop(url, *argv)
            assert done.returncode == 0, (argv, done.stderr)
        racers = {closer: _start_close(url, closer) for closer in ("carol", "dave")}
        outputs = {closer: p.communicate(timeout=300) for closer, p in racers.items()}
        results = {closer: (racers[closer].returncode, *outputs[closer]) for closer in racers}
        winners = [closer for closer, (code, _, _) in results.items() if code == 0]
        assert len(winners) == 1, results
        loser = ({"carol", "dave"} - set(winners)).pop()
        code, _, err = results[loser]
        assert code == 5, results  # invalid transition / changed by someone else
        assert "INC-000001 is Closed" in err or "changed by someone else" in err, err
        call = closeloop_json(url, "call", "show", "INC-000001")
        assert call["closed_by"] == winners[0]
        assert [e["action"] for e in call["history"]].count("close") == 1


def test_output_cut_short_by_a_pipe_is_not_an_error(tmp_path):
    """`closeloop ... | head` must not end in a traceback when the reader stops early."""
    with scratch_database("sqlite", tmp_path) as url:
        assert closeloop(url, "init").returncode == 0
        reader_gone = subprocess.Popen([sys.executable, "-m", "closeloop.cli.main", "--json", "settings", "show",
                                        "Default"], env=cli_env(url), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        reader_gone.stdout.close()  # type: ignore[union-attr]
        _, err = reader_gone.communicate(timeout=120)
        assert reader_gone.returncode == 0 and err == "", err

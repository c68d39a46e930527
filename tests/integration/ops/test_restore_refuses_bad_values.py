"""A backup holding a value the target database cannot store restores nothing and says why."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from .scratch import closeloop, closeloop_json, scratch_database

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _doctored(source: str, file: Path, old: str, new: str) -> None:
    """Back up `source`, then put `new` where the backup says `old` (a desk made before names were capped)."""
    closeloop_json(source, "backup", str(file))
    text = gzip.decompress(file.read_bytes()).decode()
    file.write_bytes(gzip.compress(text.replace(json.dumps(old), json.dumps(new)).encode()))


def _partitions(url: str) -> list[str]:
    done = closeloop(url, "partition", "list", "--json")
    return [p["name"] for p in json.loads(done.stdout)] if done.returncode == 0 else []


@pytest.mark.postgres
def test_restoring_a_300_character_name_into_postgresql_restores_nothing_and_says_why(tmp_path):
    file = tmp_path / "desk.closeloop.gz"
    with scratch_database("sqlite", tmp_path) as source, scratch_database("postgresql", tmp_path) as target:
        assert closeloop(source, "init").returncode == 0
        _doctored(source, file, "Default", "D" * 300)
        done = closeloop(target, "restore", str(file))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "cannot store" in done.stderr and "nothing was restored" in done.stderr
        assert _partitions(target) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_restoring_text_with_a_lone_surrogate_restores_nothing_and_says_why(engine, tmp_path):
    file = tmp_path / "desk.closeloop.gz"
    with scratch_database(engine, tmp_path) as source, scratch_database(engine, tmp_path) as target:
        assert closeloop(source, "init").returncode == 0
        _doctored(source, file, "Default", "Def\udcffault")
        done = closeloop(target, "restore", str(file))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "nothing was restored" in done.stderr
        assert _partitions(target) == []

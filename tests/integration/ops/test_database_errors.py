"""The command's database errors: the set-up hint only when the database or its tables are missing."""

from __future__ import annotations

import pytest

from closeloop.cli.main import EXIT_CODES

from .scratch import closeloop, scratch_database

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_database_without_tables_gets_the_closeloop_init_hint(engine, tmp_path):
    with scratch_database(engine, tmp_path) as empty:
        done = closeloop(empty, "partition", "list")
    assert done.returncode == EXIT_CODES["database"], done.stderr
    assert "did you run 'closeloop init'?" in done.stderr and "Traceback" not in done.stderr

"""One error map: the API's statuses, the CLI's exit codes and the documents all come from ERROR_CODES."""

from __future__ import annotations

import re
from pathlib import Path

from closeloop.closure import errors
from closeloop.closure.errors import ERROR_CODES, CloseloopError, error_code

ROOT = Path(__file__).resolve().parents[2]


def _rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1]
    table = re.search(r"((?:^\|.*\|\n)+)", section, re.M)
    assert table, f"no table after {heading!r}"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.group(1).splitlines()]
    return rows[2:]  # past the header and the rule


def test_every_exception_of_the_tree_has_an_entry_in_the_map():
    codes = {entry.code for entry in ERROR_CODES}
    for name in errors.__all__:
        kind = getattr(errors, name)
        if isinstance(kind, type) and issubclass(kind, CloseloopError) and kind is not CloseloopError:
            assert kind.code in codes, kind


def test_the_api_error_table_in_docs_lists_exactly_the_api_codes_with_their_status():
    rows = _rows((ROOT / "docs/api.md").read_text(), "## Errors")
    documented = {(int(status), code.strip("`")) for status, code, _ in rows}
    expected = {(e.http_status, e.code) for e in ERROR_CODES if e.api}
    assert documented - {(422, "invalid_input")} == expected


def test_the_readme_exit_code_table_matches_the_map():
    rows = _rows((ROOT / "README.md").read_text(), "with the code of the one error map")
    documented = {(int(exit_code), code.strip("` ")) for exit_code, codes, _ in rows for code in codes.split(",")}
    assert documented == {(e.exit_code, e.code) for e in ERROR_CODES if e.cli}


def test_an_unknown_code_is_an_error_of_ours():
    assert (error_code("no such code").http_status, error_code("no such code").exit_code) == (500, 1)

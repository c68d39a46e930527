"""The text limits: one declaration, the one check services run, and the table in docs/api.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeloop.closure import InvalidInput, limits

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_a_text_is_stripped_and_kept_when_within_its_limit():
    assert limits.SUMMARY.clean("  VPN drops  ") == "VPN drops"
    assert limits.SUMMARY.clean("x" * 200) == "x" * 200


def test_an_over_long_text_is_refused_naming_the_field_and_the_limit():
    with pytest.raises(InvalidInput, match=r"at most 20,000 characters \(got 20,001\)") as err:
        limits.DESCRIPTION.clean("d" * 20_001)
    assert err.value.field == "description"


@pytest.mark.parametrize("text", ["\ud800", "x \udfff y", "nul \x00 byte"])
def test_text_no_database_can_store_is_refused_naming_the_field_given(text):
    with pytest.raises(InvalidInput, match="cannot be stored") as err:
        limits.FORWARD_REASON.clean(text, field="to_reason")
    assert err.value.field == "to_reason"


def test_a_surrogate_pair_written_as_one_character_is_ordinary_text():
    assert limits.SUMMARY.clean("printer \U0001F5A8 jams") == "printer \U0001F5A8 jams"


def test_an_optional_text_may_be_blank_and_a_required_one_may_not():
    assert limits.DESCRIPTION.clean(None) == ""
    with pytest.raises(InvalidInput, match="A summary is required"):
        limits.SUMMARY.clean("   ")


def test_the_limits_table_in_the_api_docs_is_the_declared_one():
    rows = [f"| {limit.key} | `{limit.field}` | {limit.max_length:,} |" for limit in limits.TEXT_LIMITS]
    table = "\n".join(["| Text | Field | At most (characters) |", "|------|-------|----------------------|", *rows])
    assert table in DOCS.read_text(), "regenerate the Limits table of docs/api.md from closeloop.closure.limits"

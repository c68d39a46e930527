"""A report's table as CSV: the same rows the page and the API show, one column per report column.

Every report CSV (the web download, `format=csv` in the API, `closeloop report --csv`) is written here,
so this is the one place that keeps text typed by callers from running as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from .base import Report

__all__ = ["report_csv", "csv_filename"]

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def report_csv(report: Report) -> str:
    """Header row of column keys, then one line per report row. Text is quoted (so a line break
    inside a cell never starts a new row) and numbers are not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([c.key for c in report.columns])
    for row in report.rows:
        writer.writerow([_cell(row.get(c.key)) for c in report.columns])
    return out.getvalue()


def csv_filename(report: Report) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in report.partition)
    return f"closeloop-{report.name}-{safe}-{report.period.start}-{report.period.end}.csv"

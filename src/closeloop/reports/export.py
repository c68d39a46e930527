"""A report's table as CSV: the same rows the page and the API show, one column per report column."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from .base import Report

__all__ = ["report_csv", "csv_filename"]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def report_csv(report: Report) -> str:
    """Header row of column keys, then one line per report row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in report.columns])
    for row in report.rows:
        writer.writerow([_cell(row.get(c.key)) for c in report.columns])
    return out.getvalue()


def csv_filename(report: Report) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in report.partition)
    return f"closeloop-{report.name}-{safe}-{report.period.start}-{report.period.end}.csv"

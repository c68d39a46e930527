"""What every report is made of: a period, plain rows with named columns, and a chart of the same figures.

A report function returns a `Report`; the web page, the CSV download, `closeloop report` and
`/api/v1/reports/NAME` all render that one value, so they can never disagree.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from closeloop.closure import InvalidInput

__all__ = [
    "Column",
    "Chart",
    "Period",
    "Report",
    "parse_period",
    "hours",
    "ratio",
    "nearest_rank",
    "week_of",
    "week_label",
]

DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class Column:
    """One column of a report table; `kind` says how to show it (text, count, hours, percent, date)."""

    key: str
    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Chart:
    """The figures a report draws: one value per x label for each named series."""

    kind: str  # bar, stacked_bar, horizontal_bar, line
    title: str
    x_labels: list[str]
    series: list[tuple[str, list[float | None]]]
    y_title: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "x_labels": self.x_labels, "y_title": self.y_title,
                "series": [{"name": name, "values": values} for name, values in self.series]}


@dataclass(frozen=True)
class Period:
    """The dates a report covers, both included, in the desk's time zone."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (the period is [start_at, end_before))."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def weeks(self) -> list[date]:
        """The Monday of every week the period touches, oldest first."""
        monday = self.start - timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def within(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.start_at, f"{field_name}__lt": self.end_before})


def parse_period(start: str | date | None, end: str | date | None, today: date | None = None) -> Period:
    """Read a report's dates (YYYY-MM-DD); by default the last eight weeks up to today."""
    today = today or timezone.localdate()
    end_date = _date(end, "to") or today
    start_date = _date(start, "from") or end_date - timedelta(days=7 * DEFAULT_WEEKS - 1)
    if start_date > end_date:
        raise InvalidInput(f"The period starts after it ends ({start_date} > {end_date}): swap --from and --to",
                           field="from")
    if (end_date - start_date).days > 3 * 366:
        raise InvalidInput("A report covers at most three years: narrow --from/--to", field="from")
    return Period(start_date, end_date)


def _date(value: str | date | None, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{field_name} must be a date as YYYY-MM-DD (got {value!r})", field=field_name) from None


@dataclass
class Report:
    """One report for one partition and period: table rows (plain values) and the chart drawn from them."""

    name: str
    title: str
    partition: str
    period: Period
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: Chart
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.description = inspect.cleandoc(self.description)

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": self.title,
            "description": self.description,
            "partition": self.partition,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
            "chart": self.chart.as_dict(),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def week_of(value: datetime | date | None) -> date | None:
    """The Monday a database week (TruncWeek) stands for, as a date in the desk's time zone."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def week_label(monday: date) -> str:
    return f"w/c {monday.isoformat()}"


def hours(duration: timedelta | None) -> float | None:
    """A duration in hours, to two decimals (what managers read)."""
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


def ratio(part: int, whole: int) -> float | None:
    """A share as a percentage to one decimal, or None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def nearest_rank(p: float, n: int) -> int:
    """The 1-based rank of the p-th percentile among n sorted values (nearest-rank method)."""
    return max(1, math.ceil(p * n - 1e-9))

"""The reports resource of the REST API: every report as JSON (or CSV), and raising a Problem for a
recurring issue. The figures come from the same report functions as the web pages and the CLI."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from closeloop.api.auth import caller
from closeloop.api.schemas import Text, limited, responses
from closeloop.closure import limits
from closeloop.partitions.services import get_partition

from .export import csv_filename, report_csv
from .services import REPORTS, get_report_kind, raise_problem, run_report

__all__ = ["router"]

router = Router(tags=["reports"])


class ReportKindOut(Schema):
    name: str = Field(..., examples=["rejection-rate"])
    title: str
    description: str


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(..., description="text, count, hours, percent, date or refs")


class SeriesOut(Schema):
    name: str
    values: list[float | None]


class ChartOut(Schema):
    kind: str = Field(..., description="bar, stacked_bar, horizontal_bar or line")
    title: str
    x_labels: list[str]
    y_title: str
    series: list[SeriesOut]


class ReportOut(Schema):
    """One report: its table (columns, then rows keyed by column) and the chart drawn from the same figures."""

    report: str
    title: str
    description: str
    partition: str
    from_: date = Field(..., alias="from")
    to: date
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    chart: ChartOut


class ReportQuery(Schema):
    partition: str = Field(..., examples=["Default"], description="A partition you work in")
    start: date | None = Field(None, alias="from", description="First day (default: eight weeks before `to`)")
    to: date | None = Field(None, description="Last day, included (default: today)")
    format: Literal["json", "csv"] = "json"


class ProblemIn(Schema):
    partition: Text = Field(..., examples=["Default"])
    refs: list[Text] = Field(..., min_length=1, examples=[["INC-000012", "INC-000031"]],
                             description="The calls of the recurring issue")
    summary: Text = limited(limits.SUMMARY, examples=["Recurring: VPN disconnects every few minutes"])
    description: Text = limited(limits.DESCRIPTION, "")
    group: Text | None = Field(None, examples=["Service Desk"],
                               description="The IPK group that works the Problem (it waits in its queue); by "
                                           "default the raiser's own group")


class ProblemOut(Schema):
    problem: str = Field(..., examples=["PRB-000004"])
    group: str | None = Field(None, examples=["Service Desk"], description="The group the Problem is assigned to")
    calls: list[str]


@router.get("", response=responses(list[ReportKindOut]), summary="The reports you can run")
def list_reports(request: HttpRequest) -> list[dict[str, str]]:
    return [{"name": k.name, "title": k.title, "description": k.description} for k in REPORTS.values()]


@router.get("/{name}", response=responses(ReportOut), by_alias=True, summary="Run a report",
            description="For a partition you work in and a period (both days included; by default the "
                        "last eight weeks). `format=csv` returns the table as CSV.",
            openapi_extra={"responses": {200: {"description": "OK", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportOut"}},
                "text/csv": {"schema": {"type": "string"}}}}}})
def get_report(request: HttpRequest, name: str, params: Query[ReportQuery]) -> Any:
    get_report_kind(name)
    report = run_report(name, params.partition, caller(request), params.start, params.to)
    if params.format == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
        return response
    return report.as_dict()


@router.post("/recurring/problems", response=responses(ProblemOut, 201),
             summary="Raise a Problem for a recurring issue and link its calls")
def post_problem(request: HttpRequest, payload: ProblemIn) -> Status[dict[str, Any]]:
    partition = get_partition(payload.partition, caller(request))
    problem = raise_problem(partition, payload.refs, payload.summary, caller(request),
                            description=payload.description, group=payload.group)
    group = problem.assigned_group.name if problem.assigned_group else None
    return Status(201, {"problem": problem.ref, "group": group,
                        "calls": [c.ref for c in problem.linked_calls.order_by("ref")]})

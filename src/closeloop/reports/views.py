"""Reports pages: the list of reports, each report (chart above a sortable table, CSV download), and
raising a Problem for a recurring issue. Each view reads the request, calls one use case, renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import CloseloopError, InvalidInput, Right
from closeloop.partitions.services import get_partition, load_directory, partitions_for
from closeloop.web.desk_context import current_partition
from closeloop.web.errors import refusals_as_http, refuse_in_form

from .base import Column, Report
from .charts import render_svg
from .export import csv_filename, report_csv
from .forms import PeriodForm, ProblemForm
from .services import REPORTS, get_report_kind, problem_groups, raise_problem, run_report

__all__ = ["report_index", "report_page", "report_download", "problem_raise"]


def _viewer(request: HttpRequest) -> Analyst:
    analyst: Analyst = request.user  # type: ignore[assignment]
    return analyst


def _choices(request: HttpRequest) -> tuple[list[str], str]:
    names = [p.name for p in partitions_for(_viewer(request))]
    query = request.GET if request.method == "GET" else request.POST
    return names, query.get("partition") or current_partition(request).name


@login_required
@refusals_as_http
def report_index(request: HttpRequest) -> HttpResponse:
    names, chosen = _choices(request)
    form = PeriodForm(initial={"partition": chosen}, partitions=names)
    return render(request, "reports/index.html", {"reports": REPORTS.values(), "form": form, "partition": chosen})


def _sorted(report: Report, sort: str) -> tuple[list[dict[str, Any]], str]:
    """Rows in the order of the column clicked (`-key`: descending); empty cells always last."""
    key = sort.lstrip("-")
    if key not in {c.key for c in report.columns}:
        return report.rows, ""
    present = [r for r in report.rows if r.get(key) not in (None, "")]
    missing = [r for r in report.rows if r.get(key) in (None, "")]
    present.sort(key=lambda r: r[key], reverse=sort.startswith("-"))
    return present + missing, sort


def _cells(columns: list[Column], rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    shown = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column.key)
            text = "" if value is None else (value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime")
                                             else str(value))
            cells.append({"text": text, "kind": column.kind,
                          "refs": text.split() if column.kind == "refs" else None})
        shown.append(cells)
    return shown


def _render_report(request: HttpRequest, name: str, problem: tuple[str, ProblemForm] | None = None,
                   status: int = 200) -> HttpResponse:
    kind = get_report_kind(name)
    names, chosen = _choices(request)
    query = request.GET if request.method == "GET" else request.POST
    form = PeriodForm({"partition": chosen, "from": query.get("from", ""), "to": query.get("to", "")},
                      partitions=names)
    form.is_valid()
    context: dict[str, Any] = {"kind": kind, "form": form, "reports": REPORTS.values(), "report": None}
    try:
        report = run_report(name, chosen, _viewer(request), query.get("from"), query.get("to"))
    except InvalidInput as exc:
        return render(request, "reports/report.html", context, status=refuse_in_form(form, exc))
    rows, sort = _sorted(report, request.GET.get("sort", ""))
    period = {"partition": report.partition, "from": report.period.start.isoformat(),
              "to": report.period.end.isoformat()}
    context["form"] = PeriodForm(initial=period, partitions=names)  # the dates the report really covers
    context.update({
        "report": report, "svg": render_svg(report.chart, nonce=str(request.csp_nonce)),  # type: ignore[attr-defined]
        "sort": sort, "query": urlencode(period),
        "headers": [{"column": c, "sort": f"-{c.key}" if sort == c.key else c.key,
                     "state": "ascending" if sort == c.key else "descending" if sort == f"-{c.key}" else None}
                    for c in report.columns],
        "rows": _cells(report.columns, rows),
    })
    if name == "recurring":
        partition = get_partition(report.partition, _viewer(request))
        may_raise = Right.CLOSE in actor_in(_viewer(request), partition.id, load_directory(partition)).rights
        groups, own = problem_groups(partition, _viewer(request)) if may_raise else ([], None)
        context["problem_forms"] = {
            r["refs"]: (problem[1] if problem and problem[0] == r["refs"] else
                        ProblemForm(initial={"refs": r["refs"], "summary": f"Recurring: {r['issue']}"},
                                    prefix=f"c{r['rank']}", groups=[g.name for g in groups],
                                    default_group=own.name if own else None))
            for r in report.rows if may_raise and not r["problem"]}
        context["problem_list"] = [(r, context["problem_forms"].get(r["refs"])) for r in report.rows]
    return render(request, "reports/report.html", context, status=status)


@login_required
@refusals_as_http
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    return _render_report(request, name)


@login_required
@refusals_as_http
def report_download(request: HttpRequest, name: str) -> HttpResponse:
    _names, chosen = _choices(request)
    try:
        report = run_report(name, chosen, _viewer(request), request.GET.get("from"), request.GET.get("to"))
    except InvalidInput:
        return _render_report(request, name)  # the report's page, its period form saying what to fix
    response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
    return response


@login_required
@require_POST
@refusals_as_http
def problem_raise(request: HttpRequest) -> HttpResponse:
    """Mark a recurring issue "problem raised": the Problem is logged and the calls linked, or the form
    comes back with what to fix."""
    prefix = request.POST.get("prefix", "")
    _names, chosen = _choices(request)
    partition = get_partition(chosen, _viewer(request))
    groups, _own = problem_groups(partition, _viewer(request))
    form = ProblemForm(request.POST, prefix=prefix or None, groups=[g.name for g in groups])
    refs = request.POST.get(f"{prefix}-refs" if prefix else "refs", "")
    if not form.is_valid():
        return _render_report(request, "recurring", (refs, form), status=400)
    try:
        problem = raise_problem(partition, form.ref_list(), form.cleaned_data["summary"], _viewer(request),
                                description=form.cleaned_data["description"],
                                group=form.cleaned_data["group"] or None)
    except CloseloopError as exc:
        return _render_report(request, "recurring", (refs, form), status=refuse_in_form(form, exc))
    messages.success(request, f"Problem {problem.ref} raised, assigned to {problem.assigned_group.name} and "
                              f"linked to {len(form.ref_list())} calls.")
    back = {"partition": chosen, "from": request.POST.get("from", ""), "to": request.POST.get("to", "")}
    return redirect(f"{reverse('report', args=['recurring'])}?{urlencode(back)}")

"""Server-side timings on one bench database: Calls Outstanding, call page, call list, reports, EXPLAIN.

Run as `python -m bench.measure` with DATABASE_URL pointing at a generated desk; prints JSON.
Requests go through Django's full stack (middleware, views, templates) in-process, so the time is
the server's time without the network.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from .stats import time_calls

__all__ = ["measure"]


def _busiest(queue: str) -> Any:
    from django.db.models import Count

    from closeloop.accounts.models import Analyst
    from closeloop.calls.models import Call
    from closeloop.closure import Status

    if queue == "mine":
        field, statuses = "assigned_analyst", [Status.LOGGED, Status.ASSIGNED, Status.ON_HOLD]
        top = (Call.objects.filter(status__in=[s.value for s in statuses], assigned_analyst__isnull=False)
               .values(field).annotate(n=Count("id")).order_by("-n").first())
        return Analyst.objects.get(pk=top[field])
    # The closure-group member whose groups hold the most calls waiting for closure.
    top = (Call.objects.filter(status=Status.FORWARD_FOR_CLOSURE.value).values("closure_target_group")
           .annotate(n=Count("id")).order_by("-n").first())
    return Analyst.objects.filter(ipk_groups=top["closure_target_group"],
                                  memberships__ipk_role__close=True).order_by("id").first()


def _explain(queryset: Any) -> str:
    return str(queryset.explain())


def measure(repeat: int) -> dict[str, Any]:
    from django.test import Client

    from closeloop.accounts.services import create_token
    from closeloop.calls.filters import filter_calls
    from closeloop.calls.models import Call
    from closeloop.calls.queries import outstanding_calls
    from closeloop.closure import Status

    results: dict[str, Any] = {"calls": Call.objects.count(), "timings": {}, "explain": {}}
    timings, explain = results["timings"], results["explain"]
    who = {"busy analyst": _busiest("mine"), "closure-group member": _busiest("for_closure")}
    for label, analyst in who.items():
        web, api = Client(), Client(headers={"Authorization": f"Bearer {create_token(analyst, 'bench')[1]}"})
        web.force_login(analyst)
        total = outstanding_calls(analyst).count()
        results[f"{label} outstanding"] = total
        for name, client, url in (("page", web, "/"), ("API", api, "/api/v1/outstanding")):
            def get(client: Client = client, url: str = url) -> None:
                assert client.get(url).status_code == 200

            timings[f"Calls Outstanding {name}, {label}"] = time_calls(get, repeat)
        explain[f"Calls Outstanding, {label}"] = _explain(outstanding_calls(analyst).order_by("logged_at", "id")[:50])
    analyst = who["busy analyst"]
    api = Client(headers={"Authorization": f"Bearer {create_token(analyst, 'bench')[1]}"})
    web = Client()
    web.force_login(analyst)
    partition = analyst.memberships.select_related("partition").first().partition
    ref = Call.objects.filter(partition=partition, status=Status.CLOSED.value, times_rejected__gt=0).values_list(
        "ref", flat=True).first()
    for name, client, url in (("page", web, f"/calls/{ref}/"), ("API", api, f"/api/v1/calls/{ref}")):
        def get_call(client: Client = client, url: str = url) -> None:
            assert client.get(url).status_code == 200

        timings[f"Call {name}"] = time_calls(get_call, repeat)
    group = analyst.ipk_groups.filter(partition=partition).first()
    lists = {
        "status + type": f"status=assigned&type=incident&partition={partition.name}",
        "assigned group + status": f"assigned_group={group.id}&status=closed",
        "logged in a month, by priority": f"logged_after=2026-01-01T00:00:00Z&logged_before=2026-02-01T00:00:00Z"
                                          f"&sort=priority&partition={partition.name}",
        "text search": "q=VPN&status=closed",
    }
    for label, query in lists.items():
        def get_list(query: str = query) -> None:
            response = api.get(f"/api/v1/calls?{query}")
            assert response.status_code == 200, response.content

        timings[f"Call list API, {label}"] = time_calls(get_list, repeat)
    explain["Call list, status + type"] = _explain(filter_calls(
        analyst, {"status": "assigned", "type": "incident", "partition": partition.name})[:50])
    explain["Call list, assigned group + status"] = _explain(filter_calls(
        analyst, {"assigned_group": str(group.id), "status": "closed"})[:50])
    from .search import search_timings  # the search scenario (python -m bench.search runs it on its own)

    found, plans = search_timings(repeat, surfaces=("API",))
    timings.update({f"Calls list {label}": numbers for label, numbers in found.items()})
    explain.update({f"Calls list, {label}": plan for label, plan in plans.items()})
    from .preview import preview_timings  # the previews (python -m bench.preview runs them on their own)

    timings.update(preview_timings(max(3, repeat // 4))["timings"])
    results["reports"] = _reports(partition, repeat)
    return results


def _reports(partition: Any, repeat: int) -> dict[str, Any]:
    try:
        from closeloop.reports.services import REPORTS
    except ImportError:
        return {}
    from datetime import timedelta

    from django.utils import timezone

    from closeloop.reports.base import parse_period

    today = timezone.localdate()
    found: dict[str, Any] = {}
    for span, days in (("8 weeks", 56), ("1 year", 365)):
        period = parse_period(today - timedelta(days=days), today)
        for kind in REPORTS.values():
            found[f"{kind.title} ({span})"] = time_calls(lambda kind=kind, period=period: kind.build(
                partition, period), max(3, repeat // 4), warmup=1)
    return found


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
    django.setup()
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 30)))


if __name__ == "__main__":
    main()

"""Search and filtered lists: p50/p95 of the calls list (the API, the web page and the service itself) for
full-text searches and for the indexed filter combinations the calls page offers.

Part of `make bench` (`bench.measure` adds these timings to its own). On its own, for one desk size:

    python -m bench.search --size 1000000 --engine postgresql [--repeat 30] [--keep]

generates (or reuses) a desk of that many calls with `closeloop generate`, then prints JSON with the
timings, each against its target (a text search p95 <= 100 ms, an indexed filter p95 <= 50 ms at 1M calls
on PostgreSQL) and the query plans. Run as `python -m bench.search measure REPEAT` it measures the desk
DATABASE_URL points at.
"""

from __future__ import annotations

from typing import Any

from .scenario import scenario_main
from .stats import time_calls

__all__ = ["SEARCHES", "FILTERS", "search_timings", "main"]

TEXT_TARGET_MS = 100
FILTER_TARGET_MS = 50

# Full-text searches: a common word, a rarer word, two words, a phrase and a reference.
SEARCHES = {
    "one common word": "q=printer",
    "a word's start": "q=netw",
    "two words": "q=vpn%20drops",
    "a phrase": "q=%22cannot%20print%22",
    "a word, open calls only": "q=password&status=open",
}

# Filter combinations the calls page offers, each served by an index of calls (see docs/benchmarks.md).
FILTERS = {
    "waiting closures of my groups": "status=awaiting_closure&closure_group=mine&sort=age",
    "my open calls by priority": "status=open&assigned_analyst=me&sort=priority",
    "a group's closed calls": "assigned_group={group}&status=closed",
    "incidents in a partition, P1 and P2": "partition={partition}&type=incident&priority=1&priority=2",
    "closed in a month, latest first": "partition={partition}&closed_after=2026-01-01&closed_before=2026-02-01"
                                       "&sort=-closed",
}


def _analyst() -> Any:
    """The closer in the group with the most calls waiting for closure (they see most of the desk)."""
    from django.db.models import Count

    from closeloop.accounts.models import Analyst
    from closeloop.calls.models import Call
    from closeloop.closure import Status

    top = (Call.objects.filter(status=Status.FORWARD_FOR_CLOSURE.value).values("closure_target_group")
           .annotate(n=Count("id")).order_by("-n").first())
    chosen = Analyst.objects.filter(ipk_groups=top["closure_target_group"], memberships__ipk_role__close=True) \
        .order_by("id").first() if top else None
    return chosen or Analyst.objects.filter(memberships__isnull=False).order_by("id").first()


def search_timings(repeat: int, surfaces: tuple[str, ...] = ("API", "calls page", "service")
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """(timings, query plans) of every search and filter, through the API, the calls page and the service."""
    from django.test import Client

    from closeloop.accounts.services import create_token
    from closeloop.calls.filters import filter_calls, list_calls

    analyst = _analyst()
    partition = analyst.memberships.select_related("partition").first().partition
    group = analyst.ipk_groups.filter(partition=partition).first()
    api = Client(headers={"Authorization": f"Bearer {create_token(analyst, 'bench search')[1]}"})
    web = Client()
    web.force_login(analyst)
    timings: dict[str, Any] = {}
    plans: dict[str, str] = {}
    cases = {**{f"Search, {k}": v for k, v in SEARCHES.items()}, **{f"Filter, {k}": v for k, v in FILTERS.items()}}
    for label, template in cases.items():
        query = template.format(partition=partition.name, group=group.id if group else "")

        def get_api(query: str = query) -> None:
            response = api.get(f"/api/v1/calls?{query}")
            assert response.status_code == 200, response.content[:300]

        def get_page(query: str = query) -> None:
            response = web.get(f"/calls/?{query}")
            assert response.status_code == 200, response.content[:300]

        def in_service(query: str = query) -> None:
            from django.http import QueryDict

            list_calls(analyst, QueryDict(query))

        for surface, fn in (("API", get_api), ("calls page", get_page), ("service", in_service)):
            if surface in surfaces:
                timings[f"{label} ({surface})"] = time_calls(fn, repeat)
        from django.http import QueryDict

        plans[label] = str(filter_calls(analyst, QueryDict(query))[:50].explain())
    return timings, plans


def _verdicts(timings: dict[str, Any]) -> dict[str, str]:
    verdicts = {}
    for label, numbers in timings.items():
        target = TEXT_TARGET_MS if label.startswith("Search") else FILTER_TARGET_MS
        verdicts[label] = f"p95 {numbers['p95']} ms (target {target} ms at 1M on PostgreSQL)"
    return verdicts


def _measure(repeat: int) -> dict[str, Any]:
    timings, plans = search_timings(repeat)
    return {"timings": timings, "verdicts": _verdicts(timings), "explain": plans}


def main(argv: list[str] | None = None) -> None:
    scenario_main("bench.search", __doc__, _measure, 30, argv)


if __name__ == "__main__":
    main()

"""What-if previews: p50/p95 of the preview an administrator sees before saving closure settings, a
sampling policy or a Call Auto Close rule, on the partition with the most calls in the preview's window.

Part of `make bench` (`bench.measure` adds these timings to its own). On its own, for one desk size:

    python -m bench.preview --size 1000000 --engine postgresql [--repeat 10] [--keep]

generates (or reuses) a desk of that many calls with `closeloop generate`, then prints JSON with the
timings of each preview, through its service and through the API's `dry_run=true` (target: p95 <= 1 s at
1M calls on PostgreSQL, about 30k calls in the window) and the size of the window. Run as
`python -m bench.preview measure REPEAT` it measures the desk DATABASE_URL points at.
"""

from __future__ import annotations

import json
from typing import Any

from .scenario import scenario_main
from .stats import time_calls

__all__ = ["TARGET_MS", "preview_timings", "main"]

TARGET_MS = 1000
# The policy a manager would try first: every P1/P2, every call sent back before, resolvers rejected more
# than 20 % of the time, each resolver's first 5 calls and 10 % of the rest.
SAMPLING_CHANGE = {"enabled": True, "min_priority": 2, "rejected_or_refused_before": True,
                   "resolver_rejection_rate_above": 20, "resolver_first_n": 5, "random_percent": 10}


def _busiest_partition() -> Any:
    """The partition with the most calls waiting for closure (its preview window is the largest)."""
    from django.db.models import Count

    from closeloop.calls.models import Call
    from closeloop.closure import CLOSURE_STATUSES
    from closeloop.partitions.models import Partition

    top = (Call.objects.filter(status__in=[s.value for s in CLOSURE_STATUSES]).values("partition")
           .annotate(n=Count("id")).order_by("-n").first())
    return Partition.objects.get(pk=top["partition"])


def preview_timings(repeat: int) -> dict[str, Any]:
    """Timings of each preview (service and API), with the window they covered."""
    from dataclasses import replace

    from django.test import Client

    from closeloop.accounts.models import Analyst
    from closeloop.accounts.services import create_token
    from closeloop.autoclose import services as autoclose
    from closeloop.calls.preview import preview_closure_settings
    from closeloop.calls.sampling_preview import preview_sampling_policy
    from closeloop.closure import AdminRight, ClosureRule
    from closeloop.partitions.models import ClosureReason
    from closeloop.partitions.sampling import load_sampling_policy, policy_with
    from closeloop.partitions.services import load_settings

    partition = _busiest_partition()
    admin = next(a for a in Analyst.objects.select_related("general_access_role").order_by("id")
                 if a.has_admin_right(AdminRight.IPK_SETUP))
    api = Client(headers={"Authorization": f"Bearer {create_token(admin, 'bench preview')[1]}"})
    settings = load_settings(partition)
    other = ClosureRule.LOG_GROUP if settings.closure_rule is not ClosureRule.LOG_GROUP else ClosureRule.CLOSURE_GROUP
    new_settings = replace(settings, closure_rule=other)
    new_policy = policy_with(load_sampling_policy(partition), SAMPLING_CHANGE)
    shown = preview_closure_settings(partition, new_settings)
    sampled = preview_sampling_policy(partition, new_policy)
    runs = max(3, repeat)

    def api_put(path: str, body: dict[str, Any]) -> None:
        response = api.put(f"/api/v1/partitions/{partition.name}/{path}?dry_run=true",
                           data=json.dumps({**body, "change_reason": "bench: preview only"}),
                           content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        assert response.json()["preview"] is not None

    # a rule closing incidents idle 5 days in the closure stage, with a reason the partition has for them
    reason = ClosureReason.objects.filter(partition=partition, active=True, unresolved=False,
                                          type_links__call_type="incident").order_by("id").first()
    rule = {"name": "Bench: idle resolved incidents", "statuses": ["forward_for_closure", "forward_to_you_for_close"],
            "call_types": ["incident"], "idle_days": 5, "expiry": "close", "reason": reason.code}
    ruled = autoclose.add_rule(partition, "bench: preview only", admin, dry_run=True, **rule).preview

    def api_rule() -> None:
        response = api.post("/api/v1/auto-close-rules?dry_run=true", content_type="application/json",
                            data=json.dumps({**rule, "partition": partition.name, "change_reason": "bench"}))
        assert response.status_code == 201, response.content[:300]
        assert response.json()["preview"] is not None

    timings = {
        "Closure settings preview (service)": time_calls(
            lambda: preview_closure_settings(partition, new_settings), runs, warmup=1),
        "Closure settings preview (API dry_run)": time_calls(
            lambda: api_put("closure-settings", {"closure_rule": other.value}), runs, warmup=1),
        "Sampling policy preview (service)": time_calls(
            lambda: preview_sampling_policy(partition, new_policy), runs, warmup=1),
        "Sampling policy preview (API dry_run)": time_calls(
            lambda: api_put("sampling-policy", SAMPLING_CHANGE), runs, warmup=1),
        "Call Auto Close rule preview (service)": time_calls(
            lambda: autoclose.add_rule(partition, "bench: preview only", admin, dry_run=True, **rule), runs, warmup=1),
        "Call Auto Close rule preview (API dry_run)": time_calls(api_rule, runs, warmup=1),
    }
    return {"partition": partition.name, "waiting": shown.waiting, "resolved_recently": shown.resolved_recently,
            "changed (settings)": shown.changed, "changed (sampling)": sampled.changed,
            "watched (auto-close)": ruled.as_dict().get("watched"), "timings": timings,
            "verdicts": {label: f"p95 {t['p95']} ms (target {TARGET_MS} ms at 1M on PostgreSQL)"
                         for label, t in timings.items()}}


def main(argv: list[str] | None = None) -> None:
    scenario_main("bench.preview", __doc__, preview_timings, 10, argv)


if __name__ == "__main__":
    main()

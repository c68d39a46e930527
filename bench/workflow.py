"""Closeloop's workflow through HTTP for the load test: log -> resolve -> take -> close via the REST API.

`python -m bench.workflow PAIRS` (DATABASE_URL set) prints, as JSON, resolver/closer pairs
with API tokens from the Default partition of a generated desk; `steps()` is the workflow itself.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from .load import Step, Timed

__all__ = ["prepare_pairs", "steps"]


def prepare_pairs(count: int) -> list[dict[str, Any]]:
    """Analysts and closers of the same work group, each with an API token."""
    from closeloop.accounts.models import Analyst
    from closeloop.accounts.services import create_token
    from closeloop.ops.synthetic_desk import WORK_GROUPS
    from closeloop.partitions.models import ChecklistItem, IpkGroup, Partition

    partition = Partition.objects.get(name="Default")
    items = list(ChecklistItem.objects.filter(partition=partition, active=True, required=True)
                 .values_list("id", flat=True))
    pairs = []
    for group in IpkGroup.objects.filter(partition=partition, name__in=WORK_GROUPS).order_by("name"):
        members = Analyst.objects.filter(ipk_groups=group, is_active=True, memberships__partition=partition)
        resolvers = list(members.filter(memberships__ipk_role__name="Analyst").order_by("id")[:2])
        closers = list(members.filter(memberships__ipk_role__close=True).order_by("id")[:1])
        for resolver in resolvers:
            if closers:
                pairs.append({"partition": partition.name, "group": group.name, "resolver": resolver.username,
                              "resolver_token": create_token(resolver, "bench")[1],
                              "closer_token": create_token(closers[0], "bench")[1], "ticked": items})
    if not pairs:
        raise SystemExit("The bench desk has no resolver/closer pair in the Default partition")
    return (pairs * count)[:count]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _log(http: Timed, state: dict[str, Any]) -> None:
    pair = state["pair"]
    response = await http.request("POST", "/api/v1/calls", headers=_auth(pair["resolver_token"]), json={
        "partition": pair["partition"], "type": "incident", "summary": "Bench: laptop will not dock",
        "log_group": pair["group"], "assigned_analyst": pair["resolver"]})
    state["ref"] = response.json()["ref"]


async def _resolve(http: Timed, state: dict[str, Any]) -> None:
    await http.request("POST", f"/api/v1/calls/{state['ref']}/resolve", headers=_auth(state["pair"]["resolver_token"]),
                       json={"resolution": "Replaced the dock firmware"})


async def _take(http: Timed, state: dict[str, Any]) -> None:
    await http.request("POST", f"/api/v1/calls/{state['ref']}/take", headers=_auth(state["pair"]["closer_token"]),
                       json={})


async def _close(http: Timed, state: dict[str, Any]) -> None:
    response = await http.request("POST", f"/api/v1/calls/{state['ref']}/close",
                                  headers=_auth(state["pair"]["closer_token"]),
                                  json={"comments": "Checked with the user", "reason": "FIXED",
                                        "ticked": state["pair"]["ticked"]})
    if response.json().get("status") != "closed":
        raise RuntimeError(f"{state['ref']} did not close: {response.text[:200]}")


def steps() -> list[Step]:
    return [_log, _resolve, _take, _close]


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
    django.setup()
    print(json.dumps(prepare_pairs(int(sys.argv[1]))))


if __name__ == "__main__":
    main()

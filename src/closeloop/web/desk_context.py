"""The analyst's current partition (kept in the session) and what every page's header needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from closeloop.accounts.models import Analyst, IpkRole, Membership
from closeloop.closure import AdminRight, NotFound, Right
from closeloop.partitions.models import Partition
from closeloop.partitions.snapshot import remembered

__all__ = ["SESSION_KEY", "current_partition", "choose_partition", "is_admin", "header"]

SESSION_KEY = "closeloop_partition_id"


_KEPT = {"partition": [f.attname for f in Partition._meta.concrete_fields],
         "ipk_role": [f.attname for f in IpkRole._meta.concrete_fields]}


def _memberships(analyst: Analyst) -> list[Membership]:
    """The analyst's memberships with their partition and role, by partition name: the header and the page share
    them. Each node keeps them as values while the desk stays the same (memberships, partitions and roles change
    its version); each request gets rows of its own, so nothing read through them outlives the request."""
    def read() -> tuple[tuple[Any, ...], ...]:
        columns = [f"{relation}__{name}" for relation, names in _KEPT.items() for name in names]
        return tuple(analyst.memberships.order_by("partition__name").values_list("id", *columns))

    def build() -> list[Membership]:
        rows = remembered(("membership-rows", analyst.id), read, shared=True)
        width = len(_KEPT["partition"])
        return [Membership(id=row[0], analyst=analyst,
                           partition=Partition(**dict(zip(_KEPT["partition"], row[1:1 + width], strict=True))),
                           ipk_role=IpkRole(**dict(zip(_KEPT["ipk_role"], row[1 + width:], strict=True))))
                for row in rows]

    return remembered(("memberships", analyst.id), build)


def current_partition(request: HttpRequest) -> Partition:
    """The partition the analyst is working in: the one chosen, else the first they belong to."""
    mine = [m.partition for m in _memberships(_analyst(request))]
    if not mine:
        raise NotFound(f"{request.user.get_username()} does not belong to any partition yet: ask a Security "
                       "Admin to add you to one", field="partition")
    chosen = request.session.get(SESSION_KEY)
    for partition in mine:
        if partition.id == chosen:
            return partition
    return mine[0]


def choose_partition(request: HttpRequest, partition_id: str | int) -> Partition:
    """Switch to another of the analyst's partitions (NotFound for any other id)."""
    for partition in (m.partition for m in _memberships(_analyst(request))):
        if str(partition.id) == str(partition_id):
            request.session[SESSION_KEY] = partition.id
            return partition
    raise NotFound("You do not belong to that partition", field="partition")


def is_admin(analyst: Analyst) -> bool:
    return any(analyst.has_admin_right(r) for r in AdminRight)


def _analyst(request: HttpRequest) -> Analyst:
    user = request.user
    assert isinstance(user, Analyst), "views using the current partition require a signed-in analyst"
    return user


def header(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the partition switcher, the navigation's admin link, and whether the analyst may log
    calls in the current partition (the Log a call link). One query: their memberships with role and partition."""
    user = getattr(request, "user", None)
    if not isinstance(user, Analyst) or not user.is_authenticated:
        return {}
    memberships = _memberships(user)
    mine = [m.partition for m in memberships]
    chosen = request.session.get(SESSION_KEY)
    current = next((m for m in memberships if m.partition_id == chosen), memberships[0] if memberships else None)
    return {"my_partitions": mine, "current_partition": current.partition if current else None,
            "is_desk_admin": is_admin(user),
            "may_log_calls": user.is_active and current is not None and Right.LOG in current.ipk_role.rights}

"""Analysts in the REST API: who works in your partitions, with their roles and groups, and yourself."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from closeloop.api.auth import caller
from closeloop.api.partition_schemas import AnalystOut
from closeloop.api.schemas import Text, Username, responses
from closeloop.closure import NotFound
from closeloop.partitions.services import colleagues, partitions_for

from .models import Analyst

__all__ = ["router"]

router = Router(tags=["analysts"])


def _shown(analyst: Analyst) -> dict[str, Any]:
    return {"username": analyst.username, "display_name": analyst.display_name, "active": analyst.is_active,
            "memberships": [{"partition": m.partition.name, "role": m.ipk_role.name}
                            for m in analyst.memberships.all()],
            "groups": sorted(g.name for g in analyst.ipk_groups.all())}


class _AnalystFilter(Schema):
    partition: Text | None = Field(None, description="Partition name (default: all of yours)")


@router.get("", response=responses(list[AnalystOut]), summary="Analysts in your partitions")
def list_analysts(request: HttpRequest, filters: Query[_AnalystFilter]) -> list[dict[str, Any]]:
    return [_shown(a) for a in colleagues(caller(request), filters.partition).order_by("username")]


@router.get("/me", response=responses(AnalystOut), summary="The analyst this token acts for")
def who_am_i(request: HttpRequest) -> dict[str, Any]:
    viewer = caller(request)
    return _shown(colleagues(viewer).get(pk=viewer.pk)) if partitions_for(viewer) else _shown(viewer)


@router.get("/{username}", response=responses(AnalystOut), summary="An analyst in your partitions")
def read_analyst(request: HttpRequest, username: Username) -> dict[str, Any]:
    analyst = colleagues(caller(request)).filter(username=username).first()
    if analyst is None:
        raise NotFound(f"No analyst {username!r} in your partitions", field="username")
    return _shown(analyst)

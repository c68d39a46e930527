"""Reading the daily roll-ups: the rows of a partition's period, and the names their ids stand for.

Names are looked up in the same query (a sub-select per row group), so a report costs one query per
grouping, however many groups, people or reasons it names.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from closeloop.accounts.models import Analyst
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition, RejectionCategory

from .base import Period

__all__ = ["days_of", "group_name", "username", "reason_field", "category_label"]


def days_of(model: Any, partition: Partition, period: Period) -> QuerySet[Any]:
    """The roll-up rows of `model` for the partition's days in the period (both ends included)."""
    rows: QuerySet[Any] = model.objects.filter(partition=partition, day__gte=period.start, day__lte=period.end)
    return rows


def _lookup(model: Any, key: str, field: str) -> Subquery:
    return Subquery(model.objects.filter(id=OuterRef(key)).values(field)[:1])


def group_name(key: str) -> Subquery:
    return _lookup(IpkGroup, key, "name")


def username(key: str) -> Subquery:
    return _lookup(Analyst, key, "username")


def reason_field(key: str, field: str) -> Subquery:
    return _lookup(ClosureReason, key, field)


def category_label(key: str) -> Subquery:
    return _lookup(RejectionCategory, key, "label")

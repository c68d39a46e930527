"""Which tables make up a desk, in an order where every row's references come before it.

Backup, restore and the verification checksum all walk the desk through these functions, so what is
saved, what is loaded and what is compared are the same thing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.apps import apps
from django.db import models

__all__ = ["DESK_APPS", "desk_models", "label_of", "plain", "table_rows", "table_digest", "attnames", "row_line"]

DESK_APPS = ("accounts", "partitions", "calls", "autoclose", "reports")


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _ours(model: type[models.Model]) -> bool:
    return model._meta.app_label in DESK_APPS and not model._meta.proxy and model._meta.managed


def desk_models() -> list[type[models.Model]]:
    """Every desk table (M2M link tables included), referenced tables first."""
    found = [m for label in DESK_APPS if label in {c.label for c in apps.get_app_configs()}
             for m in apps.get_app_config(label).get_models(include_auto_created=True)]
    # Link tables to Django's own auth groups and permissions are not part of a desk.
    found = [m for m in found if not m._meta.auto_created
             or all(_ours(f.related_model) for f in m._meta.concrete_fields if f.is_relation)]
    ordered: list[type[models.Model]] = []
    pending = sorted(found, key=label_of)
    while pending:
        for model in pending:
            needs = {f.related_model for f in model._meta.concrete_fields
                     if f.is_relation and f.related_model not in (None, model) and _ours(f.related_model)}
            if all(n in ordered for n in needs):
                ordered.append(model)
                pending.remove(model)
                break
        else:  # a cycle through nullable references: FK checks are deferred to commit anyway
            ordered.append(pending.pop(0))
    return ordered


def plain(value: Any) -> Any:
    """A stored value as JSON, the same whichever database it came from."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_rows(model: type[models.Model], columns: Sequence[str] | None = None) -> Iterator[list[Any]]:
    """Every row of a table as plain values, in primary-key order."""
    names = list(columns or attnames(model))
    for row in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=5000):
        yield [plain(v) for v in row]


def row_line(row: list[Any]) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def table_digest(model: type[models.Model], columns: Sequence[str] | None = None) -> tuple[int, str]:
    """Row count and SHA-256 of a table's rows (in primary-key order), as a restore is verified."""
    digest = hashlib.sha256()
    count = 0
    for row in table_rows(model, columns):
        digest.update(row_line(row).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()

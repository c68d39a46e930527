"""A partition's priority matrix and call categories in the REST API, and editing a call (PATCH).

Each endpoint translates: the catalogue services check the IPK Setup right and audit every change;
the call edit service locks the call and checks its version.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from closeloop.api.auth import caller, expected_version
from closeloop.api.schemas import BodyId, Id, PartitionName, Text, WholeNumber, responses
from closeloop.closure.priority import Impact, Urgency, priority_label
from closeloop.partitions import catalogue
from closeloop.partitions.models import Category, Partition, PriorityMatrix
from closeloop.partitions.services import UNSET, get_partition

__all__ = ["matrix_router", "categories_router", "CallEdit", "edit_values"]

matrix_router = Router(tags=["partitions"])
categories_router = Router(tags=["partitions"])


class MatrixCellOut(Schema):
    """One cell: impact × urgency gives this priority."""

    impact: int = Field(..., examples=[1], description="1 high, 2 medium, 3 low")
    urgency: int = Field(..., examples=[2], description="1 high, 2 medium, 3 low")
    priority: int = Field(..., examples=[2])
    priority_label: str = Field(..., examples=["P2 High"])


class MatrixOut(Schema):
    """A partition's impact × urgency → priority matrix (the default one until it is changed)."""

    partition: str
    version: int = Field(..., description="0 while the partition uses the default matrix")
    cells: dict[str, int] = Field(..., examples=[{"1,1": 1, "1,2": 2}], description='{"impact,urgency": priority}')
    grid: list[MatrixCellOut]


class MatrixUpdate(Schema):
    """New priorities for some or all cells, and why (IPK Setup)."""

    cells: dict[str, WholeNumber] = Field(..., examples=[{"1,1": 1, "2,2": 3}],
                                          description='{"impact,urgency": priority 1-4}; cells left out stay')
    change_reason: Text = Field(..., examples=["Align with the new SLA"])


class CategoryOut(Schema):
    """A call category, with its place in the partition's tree."""

    id: int
    partition: str
    name: str = Field(..., examples=["Laptop"])
    path: str = Field(..., examples=["Hardware › Laptop"])
    parent_id: int | None = None
    depth: int
    active: bool = Field(..., description="False if it or a category above it is deactivated")


class CategoryCreate(Schema):
    """A new category, at the top level or under a parent (id or path) of the same partition."""

    partition: Text | None = Field(None, examples=["Default"],
                                   description="Needed only if the caller works in several partitions")
    name: Text = Field(..., examples=["Laptop"])
    parent: BodyId | Text | None = Field(None, examples=["Hardware"])
    change_reason: Text = ""


class CategoryUpdate(Schema):
    """Rename, deactivate or reactivate a category (IPK Setup)."""

    name: Text | None = None
    active: bool | None = None
    change_reason: Text = ""


class _CategoryFilter(Schema):
    partition: Text | None = Field(None, description="Partition name (default: all of yours)")
    active: bool | None = Field(None, description="true: only categories that can be chosen for a call")


def _matrix(partition: Partition) -> dict[str, Any]:
    matrix = catalogue.load_matrix(partition)
    row = PriorityMatrix.objects.filter(partition=partition).first()
    return {"partition": partition.name, "version": row.version if row is not None else 0,
            "cells": catalogue.matrix_cells(matrix),
            "grid": [{"impact": i.value, "urgency": u.value, "priority": matrix[(i.value, u.value)],
                      "priority_label": priority_label(matrix[(i.value, u.value)])} for i in Impact for u in Urgency]}


@matrix_router.get("/{name}/priority-matrix", response=responses(MatrixOut), summary="Priority matrix")
def read_matrix(request: HttpRequest, name: PartitionName) -> dict[str, Any]:
    """How the partition turns a call's impact and urgency into its priority (P1–P4)."""
    return _matrix(get_partition(name, caller(request)))


@matrix_router.put("/{name}/priority-matrix", response=responses(MatrixOut),
                   summary="Change the priority matrix (needs IPK Setup and a change reason)")
def change_matrix(request: HttpRequest, name: PartitionName, body: MatrixUpdate) -> dict[str, Any]:
    actor = caller(request)
    partition = get_partition(name, actor)
    catalogue.set_priority_matrix(partition, dict(body.cells), actor, body.change_reason)
    return _matrix(Partition.objects.get(pk=partition.pk))


def _category(node: catalogue.CategoryNode, partition_name: str) -> dict[str, Any]:
    c = node.category
    return {"id": c.id, "partition": partition_name, "name": c.name, "path": node.path, "parent_id": c.parent_id,
            "depth": node.depth, "active": node.active}


def _node(category: Category) -> catalogue.CategoryNode:
    return next(n for n in catalogue.category_tree(category.partition_id) if n.category.id == category.id)


@categories_router.get("", response=responses(list[CategoryOut]), summary="Call categories")
def list_categories(request: HttpRequest, filters: Query[_CategoryFilter]) -> list[dict[str, Any]]:
    """Each partition's tree, parents before their children."""
    viewer = caller(request)
    partitions = [get_partition(filters.partition, viewer)] if filters.partition else list(
        Partition.objects.visible_to(viewer).order_by("name"))
    return [_category(n, p.name) for p in partitions for n in catalogue.category_tree(p)
            if filters.active is None or n.active == filters.active]


@categories_router.post("", response=responses(CategoryOut, 201), summary="Add a category (IPK Setup)")
def create_category(request: HttpRequest, body: CategoryCreate) -> Status[dict[str, Any]]:
    from closeloop.partitions.services import partition_for

    actor = caller(request)
    partition = partition_for(body.partition, actor)
    row = catalogue.add_category(partition, body.name, parent=body.parent, actor=actor,
                                 change_reason=body.change_reason)
    return Status(201, _category(_node(row), partition.name))


@categories_router.patch("/{category_id}", response=responses(CategoryOut),
                         summary="Rename, deactivate or reactivate a category (IPK Setup)")
def update_category(request: HttpRequest, category_id: Id, body: CategoryUpdate) -> dict[str, Any]:
    actor = caller(request)
    row = catalogue.get_category(category_id, actor)
    if body.name is not None:
        row = catalogue.rename_category(row, body.name, actor, body.change_reason)
    if body.active is not None:
        row = catalogue.deactivate_category(row, actor, body.change_reason, active=body.active)
    return _category(_node(row), row.partition.name)


class CallEdit(Schema):
    """Change what an open call says; send only the fields to change (null clears category, contact or log
    group). Impact or urgency changes the priority by the partition's matrix."""

    version: WholeNumber | None = Field(None, ge=0, le=2**31, examples=[3],
                                        description="The call version you read (or If-Match); 409 if stale")
    summary: Text | None = Field(None, examples=["Laptop will not boot"])
    description: Text | None = None
    type: Text | None = Field(None, examples=["incident"])
    impact: WholeNumber | Text | None = Field(None, examples=[2], description="1 high, 2 medium, 3 low (or the word)")
    urgency: WholeNumber | Text | None = Field(None, examples=[1], description="1 high, 2 medium, 3 low (or the word)")
    category: BodyId | Text | None = Field(None, examples=["Hardware › Laptop"], description="An id or a path")
    contact: BodyId | Text | None = Field(None, examples=["priya.patel@harbourside.example.com"],
                                          description="A contact's id or e-mail address in the partition")
    log_group: Text | None = Field(None, examples=["Service Desk"])


def edit_values(request: HttpRequest, body: CallEdit) -> dict[str, Any]:
    """The service's keyword arguments from a PATCH body: fields not sent stay UNSET."""
    sent = body.model_fields_set - {"version"}
    given = {key: getattr(body, key) for key in sent}
    clearable = {"category", "contact", "log_group"}
    values = {("call_type" if key == "type" else key): (UNSET if value is None and key not in clearable else value)
              for key, value in given.items()}
    return {"expected_version": expected_version(request, body.version), **values}

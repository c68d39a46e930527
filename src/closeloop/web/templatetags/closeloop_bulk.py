"""`{% bulk_bar %}`: the bulk action bar of a list of calls, for the signed-in analyst's current partition.

A page that lists calls includes `web/_bulk_bar.html` and gives each row a checkbox
`<input type="checkbox" name="refs" value="REF" form="bulk-form">`; it needs nothing else in its context.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from closeloop.accounts.models import Analyst
from closeloop.closure import NotFound
from closeloop.partitions.models import Partition
from closeloop.partitions.snapshot import remembered

from ..bulk_forms import BulkForm
from ..desk_context import current_partition

register = template.Library()


@register.inclusion_tag("web/_bulk_form.html", takes_context=True)
def bulk_bar(context: template.Context) -> dict[str, Any]:
    """The bar, with only the actions the analyst's rights allow (none at all: no bar).

    Its fields are the same on every page for one analyst and partition until the desk changes (rights,
    groups, reasons, checklist, categories): each app node renders them once per desk version and keeps them,
    which spares every list page building the form and rendering some hundred options."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, Analyst) or not user.is_authenticated:
        return {"form": None}
    try:
        partition = current_partition(request)
    except NotFound:
        return {"form": None}
    fields_html = remembered(("bulk-bar", user.id, partition.id), lambda: _fields_html(partition, user), shared=True)
    return {"form": bool(fields_html), "fields_html": fields_html, "next": request.get_full_path(),
            "csrf_token": context.get("csrf_token")}


def _fields_html(partition: Partition, analyst: Analyst) -> str:
    form = BulkForm(partition=partition, analyst=analyst)
    return render_to_string("web/_bulk_fields.html", {"form": form}) if form.offered else ""

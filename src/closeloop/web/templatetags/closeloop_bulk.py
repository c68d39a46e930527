"""`{% bulk_bar %}`: the bulk action bar of a list of calls, for the signed-in analyst's current partition.

A page that lists calls includes `web/_bulk_bar.html` and gives each row a checkbox
`<input type="checkbox" name="refs" value="REF" form="bulk-form">`; it needs nothing else in its context.
"""

from __future__ import annotations

from typing import Any

from django import template

from closeloop.accounts.models import Analyst
from closeloop.closure import NotFound

from ..bulk_forms import BulkForm
from ..desk_context import current_partition

register = template.Library()


@register.inclusion_tag("web/_bulk_form.html", takes_context=True)
def bulk_bar(context: template.Context) -> dict[str, Any]:
    """The bar, with only the actions the analyst's rights allow (none at all: no bar)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, Analyst) or not user.is_authenticated:
        return {"form": None}
    try:
        partition = current_partition(request)
    except NotFound:
        return {"form": None}
    form = BulkForm(partition=partition, analyst=user, initial={"next": request.get_full_path()})
    return {"form": form if form.offered else None, "csrf_token": context.get("csrf_token")}

"""Which area routers the API mounts, and under which prefix.

Each area (calls, partitions, accounts, reports) owns a django-ninja `Router` in its own `api.py`.
To publish a new area, add one `(prefix, "dotted.path.to.router")` line here; `closeloop.api.site`
imports each dotted path and mounts it, so no other file changes.
"""

from __future__ import annotations

__all__ = ["ROUTERS"]

ROUTERS: list[tuple[str, str]] = [
    # before /v1/calls, whose /{ref}/take would otherwise read "bulk" as a call reference
    ("/v1/calls/bulk", "closeloop.calls.bulk_api.router"),
    ("/v1/calls", "closeloop.calls.api.router"),
    ("/v1/outstanding", "closeloop.calls.api.outstanding_router"),
    ("/v1/partitions", "closeloop.partitions.api.router"),
    ("/v1/groups", "closeloop.partitions.api.groups_router"),
    ("/v1/closure-reasons", "closeloop.partitions.api.closure_reasons_router"),
    ("/v1/analysts", "closeloop.accounts.api.router"),
    ("/v1/me/notifications", "closeloop.api.notifications.router"),
    ("/v1/reports", "closeloop.reports.api.router"),
    ("/v1/contacts", "closeloop.api.contacts.router"),
    ("/v1/outbox", "closeloop.api.outbox.router"),
    ("/v1/auto-close-rules", "closeloop.api.autoclose.router"),
    ("/v1/partitions", "closeloop.api.catalogue.matrix_router"),
    ("/v1/partitions", "closeloop.api.closure_sla.router"),
    ("/v1/partitions", "closeloop.api.sampling.router"),
    ("/v1/categories", "closeloop.api.catalogue.categories_router"),
    ("/v1/calls", "closeloop.api.notes.router"),
    ("/v1/attachments", "closeloop.api.notes.attachments_router"),
    ("/v1/saved-searches", "closeloop.api.saved_searches.router"),
]

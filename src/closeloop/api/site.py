"""The API instance mounted at /api/: auth, the error mapping, and every area's router.

Areas are listed in `closeloop.api.routers.ROUTERS`; this module imports and mounts each one.
"""

from __future__ import annotations

from django.utils.module_loading import import_string
from ninja import NinjaAPI

from .auth import AUTH
from .errors import install_error_handlers
from .routers import ROUTERS

__all__ = ["api", "build_api"]

DESCRIPTION = """\
Drive the Closeloop service desk over HTTP: log, assign, resolve and close calls, read Calls
Outstanding, and manage partition closure settings. Endpoints call the same services as the web
pages and the `closeloop` command, so every rule (rights, partitions, the two-part close) applies.

**Authentication**: `Authorization: Bearer <token>`; create a token with
`closeloop token create --as USERNAME`. A token acts with its analyst's rights in their partitions only.
Browser sessions work too (unsafe methods need the `X-CSRFToken` header).

**Errors** always have the body `{"error", "message", "field"}`: 400 a value was refused, 422 the
request does not match the schema, 401 no valid token, 403 a right is missing, 404 unknown or in
another partition, 409 not possible from the call's status or changed by someone else
(`If-Match: <version>` or a `version` field), or settings that would strand calls.
"""


def build_api() -> NinjaAPI:
    api = NinjaAPI(title="Closeloop API", version="1", description=DESCRIPTION, auth=AUTH,
                   urls_namespace="api")
    install_error_handlers(api)
    for prefix, dotted_path in ROUTERS:
        api.add_router(prefix, import_string(dotted_path))
    return api


api = build_api()

"""Closure SLA fixtures: the API clients and signed-in web clients of the shared test desk."""

from tests.integration.api.conftest import as_  # noqa: F401
from tests.integration.web.conftest import client_for  # noqa: F401

"""The published OpenAPI contract, fuzzed by schemathesis against the live server with valid tokens.

The operations come from the API's own OpenAPI document, which the first test checks is exactly
what the live server publishes at /api/openapi.json.

Every operation gets a bounded number of generated requests (from the documented examples and
from the schemas); any 5xx, or a response that does not match the documented status codes, content
type or schema, fails the test.
"""

from __future__ import annotations

import itertools
import json

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from closeloop.api.site import api

from .live import LiveDesk

# Tokens of analysts with different rights and partitions, taken in turn.
CALLERS = ["admin", "carol", "rita", "olga"]
_turns = itertools.cycle(CALLERS)


schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


def test_the_live_server_publishes_this_contract(live_desk: LiveDesk):
    published = httpx.get(f"{live_desk.url}/api/openapi.json").json()
    assert published == json.loads(json.dumps(api.get_openapi_schema()))


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_published_contract(case, live_desk):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        base_url=live_desk.url,
        headers=live_desk.headers(next(_turns)),
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
        timeout=30)

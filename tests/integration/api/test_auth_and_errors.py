"""Who is calling (tokens, sessions with CSRF), and the one error shape for everything refused."""

from __future__ import annotations

import pytest
from django.test import Client

from closeloop.accounts.services import create_token, deactivate_analyst, revoke_token

pytestmark = pytest.mark.django_db


def _get(token: str | None, path: str = "/api/v1/calls"):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return Client().get(path, **headers)


def test_a_valid_token_acts_as_its_analyst(desk):
    _, key = create_token(desk.carol)
    reply = _get(f"Bearer {key}", "/api/v1/analysts/me")
    assert (reply.status_code, reply.json()["username"]) == (200, "carol")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer cl_not-a-real-token", "Token abc", "Basic Y2Fyb2w6eA=="])
def test_no_or_an_unknown_token_is_401_with_the_error_shape(desk, header):
    reply = _get(header)
    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthenticated" and reply.json()["field"] == "Authorization"
    assert reply["WWW-Authenticate"].startswith("Bearer")


def test_a_tokens_last_use_is_kept_to_within_minutes_without_a_write_per_request(desk):
    from datetime import timedelta

    from closeloop.accounts.models import ApiToken

    token, key = create_token(desk.carol)
    assert token.last_used_at is None
    _get(f"Bearer {key}")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    _get(f"Bearer {key}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=6))
    _get(f"Bearer {key}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_revoked_token_no_longer_works(desk):
    token, key = create_token(desk.carol)
    assert _get(f"Bearer {key}").status_code == 200
    revoke_token(desk.carol, token.id)
    assert _get(f"Bearer {key}").status_code == 401


def test_a_deactivated_analysts_token_no_longer_works(desk):
    _, key = create_token(desk.rita)
    deactivate_analyst(desk.rita)
    assert _get(f"Bearer {key}").status_code == 401


def test_a_signed_in_browser_session_reads_without_a_token(desk):
    client = Client()
    client.force_login(desk.carol)
    assert client.get("/api/v1/analysts/me").json()["username"] == "carol"


def test_a_session_post_without_the_csrf_token_is_refused(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.alice)
    reply = client.post("/api/v1/calls", {"partition": "Default", "summary": "No CSRF"},
                        content_type="application/json")
    assert reply.status_code == 403
    assert reply.json()["error"] == "not_allowed" and reply.json()["field"] == "X-CSRFToken"


def test_a_session_post_with_the_csrf_token_goes_through(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.alice)
    client.get("/login/")  # sets the csrftoken cookie, as any page does
    token = client.cookies["csrftoken"].value
    reply = client.post("/api/v1/calls", {"partition": "Default", "summary": "With CSRF"},
                        content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert reply.status_code == 201, reply.content


def test_a_token_client_needs_no_csrf_token(desk):
    _, key = create_token(desk.alice)
    reply = Client(enforce_csrf_checks=True).post("/api/v1/calls", {"partition": "Default", "summary": "Token"},
                                                  content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert reply.status_code == 201


def test_the_openapi_document_and_docs_are_public_and_served_without_a_cdn(db):
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/v1/calls/{ref}/close" in schema.json()["paths"]
    docs = Client().get("/api/docs")
    assert docs.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content and b"cdn" not in docs.content.lower()


def test_every_operation_documents_the_error_shape(db):
    schema = Client().get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "422"):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)


def test_an_unknown_api_path_is_a_json_404(desk):
    _, key = create_token(desk.carol)
    reply = Client().get("/api/v1/nothing-here", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert reply.status_code == 404
    assert reply.json() == {"error": "not_found", "field": None,
                            "message": "No API endpoint at /api/v1/nothing-here: see /api/docs"}


def test_a_method_an_endpoint_does_not_take_is_a_json_405_naming_the_allowed_ones(desk):
    _, key = create_token(desk.carol)
    reply = Client().delete("/api/v1/calls", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert reply.status_code == 405
    body = reply.json()
    assert body["error"] == "method_not_allowed" and body["field"] is None
    assert body["message"].startswith("DELETE is not allowed on /api/v1/calls; use ")
    assert set(reply["Allow"].split(", ")) == {"GET", "POST"}


def test_an_error_of_ours_is_a_json_500_with_no_trace_of_the_code(desk, settings, monkeypatch):
    """Outside debug mode Django would answer its HTML 500 page; under /api/ it is the one error shape."""
    settings.DEBUG = False

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr("closeloop.calls.filters.list_calls", broken)
    _, key = create_token(desk.carol)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/calls", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json()["error"] == "server_error" and "secret" not in response.content.decode()

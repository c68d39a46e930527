"""Web forms: each text's maximum is in the page, an over-long or oversized post gets a clear answer."""

from __future__ import annotations

import pytest

from closeloop.calls.models import Call
from closeloop.closure import limits

pytestmark = pytest.mark.django_db


def test_the_log_form_tells_the_browser_each_texts_maximum(client_for, desk):
    page = client_for("alice").get("/calls/new/").content.decode()
    assert f'maxlength="{limits.SUMMARY.max_length}"' in page
    assert f'maxlength="{limits.DESCRIPTION.max_length}"' in page


def test_an_over_long_description_reshows_the_form_with_the_fields_error_and_logs_nothing(client_for, desk):
    response = client_for("alice").post("/calls/new/", {
        "call_type": "incident", "summary": "Laptop will not boot", "priority": "3",
        "description": "d" * (limits.DESCRIPTION.max_length + 1)})
    assert response.status_code == 400
    assert b"Ensure this value has at most 20000 characters" in response.content
    assert not Call.objects.exists()


def test_an_over_long_rejection_reason_is_a_form_error(client_for, resolved_call):
    call = resolved_call
    response = client_for("carol").post(f"/calls/{call.ref}/reject/", {
        "reject-expected_version": call.version, "reject-reason": "r" * (limits.REJECTION_REASON.max_length + 1)})
    assert response.status_code == 400 and b"at most 4000 characters" in response.content
    assert Call.objects.get(pk=call.pk).status == call.status


def test_a_form_post_that_is_not_utf8_is_read_with_replacement_characters_not_a_500(client_for, desk):
    body = "call_type=incident&priority=3&summary=Printer+%ED%A0%80+jams"  # %ED%A0%80: an encoded surrogate
    response = client_for("alice").generic("POST", "/calls/new/", body,
                                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert Call.objects.get().summary.startswith("Printer \ufffd")


@pytest.mark.parametrize("debug", [False, True])
def test_a_post_over_the_upload_limit_gets_a_413_page_naming_the_limit(client_for, desk, settings, debug):
    settings.DEBUG = debug
    response = client_for("alice").post("/calls/new/", {
        "call_type": "incident", "summary": "Big", "priority": "3", "description": "a" * 3_000_000})
    assert response.status_code == 413
    assert b"over the 2.5 MB limit" in response.content and b"nothing was saved" in response.content
    assert not Call.objects.exists()

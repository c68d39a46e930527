"""Every page is sent with a strict Content-Security-Policy (django-csp) besides the usual headers."""

from __future__ import annotations

import re

import pytest

from closeloop.calls import services as calls


def _policy(reply) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = reply.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/", "/calls/new/", "/system/analysts/", "/reports/", "/profile/"])
def test_pages_forbid_inline_and_foreign_scripts(client_for, path):
    reply = client_for("admin").get(path)
    assert reply.status_code == 200
    policy = _policy(reply)
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert reply.headers["X-Frame-Options"] == "DENY" and reply.headers["X-Content-Type-Options"] == "nosniff"


def test_the_sign_in_page_has_the_policy_too(client, db):
    assert _policy(client.get("/login/"))["script-src"] == ["'self'"]


def test_pages_carry_no_inline_script_style_or_event_handler(client_for, resolved_call):
    for path in ("/", f"/calls/{resolved_call.ref}/", "/system/analysts/", "/system/groups/", "/reports/backlog/",
                 f"/calls/{resolved_call.ref}/edit/", "/system/priority-matrix/", "/system/categories/",
                 "/system/closure-sla/"):
        html = client_for("admin").get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son[a-z]+=", html) and " style=" not in html, path


def test_a_report_chart_style_applies_through_the_request_nonce(client_for, desk):
    calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk, actor=desk.alice)
    reply = client_for("carol").get("/reports/backlog/")
    nonces = [v.removeprefix("'nonce-").removesuffix("'") for v in _policy(reply)["style-src"] if "nonce-" in v]
    assert len(nonces) == 1
    assert f'<style type="text/css" nonce="{nonces[0]}">' in reply.content.decode()

"""There is no Django admin site: System Administration (/system/) is the only administration.

The admin would have changed rows past every rule the services enforce (audit rows deleted, calls
with history deleted, a revoked token revived, a closure group emptied past the orphan guard).
"""

from __future__ import annotations

import pytest
from django.test import Client

from closeloop.accounts.models import Analyst, ApiToken
from closeloop.accounts.services import create_token, revoke_token
from closeloop.calls.models import Call, CallEvent
from closeloop.partitions.models import SettingsChange


@pytest.fixture
def superuser_client(desk) -> Client:  # type: ignore[no-untyped-def]
    # A desk set up before the admin was removed may still have a superuser: it must gain nothing.
    Analyst.objects.filter(pk=desk.admin.pk).update(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(Analyst.objects.get(pk=desk.admin.pk))
    return client


def test_the_admin_site_is_not_found_even_for_a_superuser(superuser_client):
    for path in ("/admin/", "/admin/login/"):
        assert superuser_client.get(path).status_code == 404, path


def test_no_admin_url_changes_anything_for_a_superuser(superuser_client, desk, resolved_call):
    desk.configure(change_reason="An audited change", closure_rule="closure_group", closure_group=desk.closure_group)
    token, _ = create_token(desk.carol, "monitoring")
    revoke_token(desk.carol, token.id)
    change = SettingsChange.objects.latest("id")
    before = (SettingsChange.objects.count(), Call.objects.count(), CallEvent.objects.count(),
              sorted(desk.closure_group.members.values_list("username", flat=True)))
    attempts = [
        (f"/admin/partitions/settingschange/{change.id}/delete/", {"post": "yes"}),
        (f"/admin/calls/call/{resolved_call.id}/delete/", {"post": "yes"}),
        (f"/admin/accounts/apitoken/{token.id}/change/", {"revoked_at_0": "", "revoked_at_1": ""}),
        (f"/admin/partitions/ipkgroup/{desk.closure_group.id}/change/",
         {"name": "Closure Group", "partition": desk.default.id, "active": "on"}),
    ]
    for path, data in attempts:
        assert superuser_client.get(path).status_code == 404, path
        assert superuser_client.post(path, data).status_code == 404, path
    after = (SettingsChange.objects.count(), Call.objects.count(), CallEvent.objects.count(),
             sorted(desk.closure_group.members.values_list("username", flat=True)))
    assert after == before
    assert ApiToken.objects.get(pk=token.id).revoked_at is not None

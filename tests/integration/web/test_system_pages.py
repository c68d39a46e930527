"""System Administration pages and the profile page, through Django's test client."""

from __future__ import annotations

import pytest

from closeloop.accounts.models import Analyst, ApiToken
from closeloop.accounts.services import analyst_for_token
from closeloop.calls import services as calls
from closeloop.partitions.models import ClosureReason, ClosureSettings, IpkGroup, SettingsChange

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/system/", "/system/settings/", "/system/groups/", "/system/analysts/", "/system/reasons/",
               "/system/outbox/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_system_pages_open_for_an_administrator(client_for, url):
    response = client_for("admin").get(url)
    assert response.status_code == 200 and b'<nav class="subnav"' in response.content


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_system_pages_refuse_an_analyst_without_admin_rights_naming_the_right(client_for, url):
    response = client_for("alice").get(url)
    assert response.status_code == 403 and b"lacks the" in response.content


def test_navigation_shows_system_administration_only_to_administrators(client_for):
    assert b"System Administration" in client_for("admin").get("/").content
    assert b"System Administration" not in client_for("alice").get("/").content


def _settings_post(desk, **changes):
    row = ClosureSettings.objects.get(partition=desk.default)
    data = {"closure_method": row.closure_method, "closure_rule": row.closure_rule,
            "closure_group": row.closure_group_id or "", "closure_reason_required": "on",
            "expected_version": row.version}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_saving_settings_first_asks_for_a_change_reason_and_saves_nothing(client_for, desk):
    before = SettingsChange.objects.count()
    response = client_for("admin").post("/system/settings/", _settings_post(desk, closure_rule="closure_group",
                                                                         step="check"))
    html = response.content.decode()
    assert response.status_code == 200 and "<dialog" in html and "data-modal" in html
    assert 'name="change_reason"' in html
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"
    assert SettingsChange.objects.count() == before


def test_confirming_without_a_change_reason_keeps_the_prompt_open_with_the_message(client_for, desk):
    response = client_for("admin").post("/system/settings/", _settings_post(
        desk, closure_rule="closure_group", step="confirm", change_reason="  "))
    html = response.content.decode()
    assert response.status_code == 400 and "A change reason" in html and "data-modal" in html
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"


def test_confirming_with_a_reason_saves_and_shows_it_in_the_history(client_for, desk):
    client = client_for("admin")
    response = client.post("/system/settings/", _settings_post(
        desk, closure_rule="closure_group", step="confirm", change_reason="Closure Group validates everything"))
    assert response.status_code == 302
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "closure_group"
    html = client.get("/system/settings/").content.decode()
    assert "Closure Group validates everything" in html and "<ins>Closure Group</ins>" in html
    assert "<del>Log Group</del>" in html and "admin" in html


def test_settings_that_strand_calls_are_refused_with_the_validators_message(client_for, desk):
    empty = IpkGroup.objects.create(partition=desk.default, name="Nobody Closes")
    response = client_for("admin").post("/system/settings/", _settings_post(
        desk, closure_group=empty.id, step="check"))
    html = response.content.decode()
    assert response.status_code == 409 and "Settings not saved" in html and "no eligible closer" in html
    assert "data-modal" not in html
    assert ClosureSettings.objects.get(partition=desk.default).closure_group == desk.closure_group


def test_stale_settings_page_is_refused(client_for, desk):
    data = _settings_post(desk, closure_rule="closure_group", step="confirm", change_reason="Tidy up")
    desk.configure("someone else", closure_rule="logged_by")
    response = client_for("admin").post("/system/settings/", data)
    assert response.status_code == 409 and b"changed by someone else" in response.content


def test_settings_page_refuses_an_analyst_without_ipk_setup(client_for, desk):
    response = client_for("alice").post("/system/settings/", _settings_post(desk, step="check"))
    assert response.status_code == 403


def test_admin_creates_a_group_and_adds_a_member(client_for, desk):
    client = client_for("admin")
    assert client.post("/system/groups/", {"op": "create", "name": "Databases",
                                           "members": [desk.bob.id]}).status_code == 302
    group = IpkGroup.objects.get(partition=desk.default, name="Databases")
    assert client.post("/system/groups/", {"op": "add", "group": group.id, "analyst": desk.alice.id}).status_code == 302
    assert set(group.members.values_list("username", flat=True)) == {"bob", "alice"}


def test_duplicate_group_name_is_refused_on_the_form(client_for, desk):
    response = client_for("admin").post("/system/groups/", {"op": "create", "name": "Network"})
    assert response.status_code == 400 and b"already has a group named" in response.content


def test_removing_the_last_closer_of_the_closure_group_is_refused_and_shown(client_for, desk):
    client = client_for("admin")
    assert client.post("/system/groups/", {"op": "remove", "group": desk.closure_group.id,
                                           "analyst": desk.dave.id}).status_code == 302
    response = client.post("/system/groups/", {"op": "remove", "group": desk.closure_group.id,
                                               "analyst": desk.carol.id})
    assert response.status_code == 409 and b"refused" in response.content
    assert desk.closure_group.members.filter(pk=desk.carol.pk).exists()


def test_security_admin_adds_an_analyst_who_can_sign_in(client, client_for, desk):
    response = client_for("admin").post("/system/analysts/", {
        "op": "create", "username": "nina", "first_name": "Nina", "password": "long-enough-pw",
        "ipk_role": desk.carol.memberships.get().ipk_role_id, "groups": [desk.network.id]})
    assert response.status_code == 302
    assert client.post("/login/", {"username": "nina", "password": "long-enough-pw"}).status_code == 302
    assert desk.network.members.filter(username="nina").exists()


def test_short_password_is_refused_on_the_password_field(client_for, desk):
    response = client_for("admin").post("/system/analysts/", {
        "op": "create", "username": "nina", "password": "short", "ipk_role": desk.alice.memberships.get().ipk_role_id})
    assert response.status_code == 400 and b"too short" in response.content
    assert not Analyst.objects.filter(username="nina").exists()


def test_changing_a_role_and_the_orphan_guard_refusal(client_for, desk):
    client = client_for("admin")
    analyst_role = desk.alice.memberships.get().ipk_role_id
    assert client.post("/system/analysts/", {"op": "role", "analyst": desk.dave.id,
                                             "ipk_role": analyst_role}).status_code == 302
    response = client.post("/system/analysts/", {"op": "deactivate", "analyst": desk.carol.id})
    assert response.status_code == 409 and b"Deactivating carol refused" in response.content
    assert Analyst.objects.get(pk=desk.carol.pk).is_active


def test_deactivating_an_analyst(client_for, desk):
    response = client_for("admin").post("/system/analysts/", {"op": "deactivate", "analyst": desk.bob.id})
    assert response.status_code == 302 and not Analyst.objects.get(pk=desk.bob.pk).is_active


def test_analysts_page_needs_security_admin(client_for):
    assert client_for("carol").post("/system/analysts/", {"op": "deactivate"}).status_code == 403


def test_closure_reasons_add_deactivate_and_relink(client_for, desk):
    client = client_for("admin")
    assert client.post("/system/reasons/", {"op": "create", "code": "DUPLICATE", "label": "Duplicate call",
                                            "call_types": ["incident"]}).status_code == 302
    reason = ClosureReason.objects.get(partition=desk.default, code="DUPLICATE")
    assert client.post("/system/reasons/", {"op": "deactivate", "reason": reason.id}).status_code == 302
    reason.refresh_from_db()
    assert not reason.active
    assert client.post("/system/reasons/", {"op": "types", "reason": reason.id,
                                            f"r{reason.id}-call_types": ["problem", "incident"]}).status_code == 302
    assert sorted(ClosureReason.objects.get(pk=reason.pk).call_types) == ["incident", "problem"]


def test_duplicate_reason_code_is_refused_on_the_code_field(client_for, desk):
    response = client_for("admin").post("/system/reasons/", {"op": "create", "code": "FIXED", "label": "Again",
                                                             "call_types": ["incident"]})
    assert response.status_code == 400 and b"already has a closure reason" in response.content


def test_reason_of_another_partition_is_not_found(client_for, desk):
    other = ClosureReason.objects.get(partition=desk.other, code="FIXED")
    assert client_for("admin").post("/system/reasons/", {"op": "deactivate", "reason": other.id}).status_code == 404


def test_profile_creates_a_token_shown_once_that_works_then_revokes_it(client_for, desk):
    client = client_for("alice")
    html = client.post("/profile/", {"name": "monitoring"}).content.decode()
    start = html.index('id="new-token-value"')
    key = html[start:].split('value="', 1)[1].split('"', 1)[0]
    assert key.startswith("cl_") and analyst_for_token(key) == desk.alice
    assert key not in client.get("/profile/").content.decode()
    token = ApiToken.objects.get(analyst=desk.alice)
    assert client.post(f"/profile/tokens/{token.id}/revoke/").status_code == 302
    assert analyst_for_token(key) is None


def test_nobody_revokes_another_analysts_token(client_for, desk):
    from closeloop.accounts.services import create_token

    token, _ = create_token(desk.bob, "bob's")
    assert client_for("alice").post(f"/profile/tokens/{token.id}/revoke/").status_code == 404


def test_call_pages_keep_working_for_the_resolver_after_settings_change(client_for, desk):
    call = calls.log_call(desk.default, "incident", "x", assigned_analyst=desk.alice, actor=desk.alice)
    desk.configure(closure_method="comments")
    assert b'name="resolve-closer"' in client_for("alice").get(f"/calls/{call.ref}/").content


def test_an_administrator_sets_and_clears_a_groups_mailbox_on_the_groups_page(client_for, desk):
    client = client_for("admin")
    response = client.post("/system/groups/", {"op": "mailbox", "group": desk.closure_group.id,
                                               "mailbox": "closure@desk.example"}, follow=True)
    assert response.status_code == 200
    assert b"Mailbox: <strong>closure@desk.example</strong>" in response.content
    assert IpkGroup.objects.get(pk=desk.closure_group.pk).mailbox == "closure@desk.example"
    assert client.post("/system/groups/", {"op": "mailbox", "group": desk.closure_group.id,
                                           "mailbox": ""}).status_code == 302
    assert IpkGroup.objects.get(pk=desk.closure_group.pk).mailbox == ""


def test_a_bad_mailbox_is_shown_on_that_groups_form_and_nothing_changes(client_for, desk):
    response = client_for("admin").post("/system/groups/", {"op": "mailbox", "group": desk.network.id,
                                                            "mailbox": "network at desk"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a valid e-mail address for the group" in html
    assert f'id="id_m{desk.network.id}_mailbox"' in html and 'value="network at desk"' in html
    assert IpkGroup.objects.get(pk=desk.network.pk).mailbox == ""


def test_each_analysts_row_offers_every_role_with_their_own_chosen(client_for, desk):
    """The Analysts page reads the roles once for all its forms: each row still offers every IPK role, with the
    analyst's own selected, and the form to add an analyst offers them too."""
    import re

    from closeloop.accounts.models import IpkRole, Membership

    html = client_for("admin").get("/system/analysts/").content.decode()
    roles = list(IpkRole.objects.order_by("name"))
    for membership in Membership.objects.filter(partition=desk.default).select_related("analyst"):
        select = re.search(rf'<select[^>]*id="id_m{membership.analyst_id}_ipk_role".*?</select>', html, re.S)
        assert select is not None, membership.analyst.username
        offered = re.findall(r'<option value="(\d+)"( selected)?>', select.group(0))
        assert [int(value) for value, _ in offered] == [role.id for role in roles]
        assert [int(value) for value, chosen in offered if chosen] == [membership.ipk_role_id]
    create = re.search(r'<select[^>]*id="id_ipk_role".*?</select>', html, re.S)
    assert create is not None and len(re.findall(r'<option value="\d+"', create.group(0))) == len(roles)

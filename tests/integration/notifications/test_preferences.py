"""My notifications: the same choice of e-mails on the web page, in the API and in the `closeloop` command."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.cli.main import EXIT_CODES, main
from closeloop.closure.notices import ANALYST_KINDS, NoticeKind
from closeloop.notifications.preferences import notification_preferences, set_notification_preferences

pytestmark = pytest.mark.django_db

ALL_ON = {kind.value: True for kind in ANALYST_KINDS}


def wanted(analyst) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {p.kind.value: p.enabled for p in notification_preferences(analyst)}


def api(desk, username: str) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {create_token(getattr(desk, username), 'prefs')[1]}"})


def cli(capsys, *argv: str):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else json.loads(err.strip().splitlines()[-1])


def test_every_analyst_gets_every_kind_until_they_turn_one_off(desk):
    assert wanted(desk.carol) == ALL_ON
    set_notification_preferences(desk.carol, {"reminder": False}, actor=desk.carol)
    assert wanted(desk.carol) == {**ALL_ON, "reminder": False}
    assert wanted(desk.dave) == ALL_ON


def test_an_analyst_cannot_choose_for_a_colleague_but_a_security_admin_can(desk):
    from closeloop.closure import NotAllowed

    with pytest.raises(NotAllowed, match="Security Admin"):
        set_notification_preferences(desk.dave, {"reminder": False}, actor=desk.carol)
    set_notification_preferences(desk.dave, {"reminder": False}, actor=desk.admin)
    assert wanted(desk.dave)["reminder"] is False


def test_a_contact_kind_or_an_unknown_kind_is_refused_naming_the_kind(desk):
    from closeloop.closure import InvalidInput

    for kind in ("call_resolved", "fax"):
        with pytest.raises(InvalidInput) as refused:
            set_notification_preferences(desk.carol, {kind: False}, actor=desk.carol)
        assert refused.value.field == "kind" and "forwarded_to_group" in refused.value.message


def test_the_my_notifications_page_is_in_the_header_and_saves_the_ticked_boxes(desk):
    client = Client()
    client.force_login(desk.carol)
    home = client.get("/").content.decode()
    assert 'href="/profile/notifications/"' in home and "My notifications" in home
    page = client.get("/profile/notifications/")
    assert page.status_code == 200
    body = page.content.decode()
    assert all(kind.label in body for kind in ANALYST_KINDS) and "carol@desk.example" in body
    assert NoticeKind.CALL_RESOLVED.label not in body  # the contact's messages are not the analyst's to choose
    ticked = {kind.value: "on" for kind in ANALYST_KINDS if kind is not NoticeKind.FORWARDED_TO_GROUP}
    response = client.post("/profile/notifications/", ticked, follow=True)
    assert response.status_code == 200 and "Your notification choices are saved." in response.content.decode()
    assert wanted(desk.carol) == {**ALL_ON, "forwarded_to_group": False}
    shown = response.context["form"].initial
    assert shown["forwarded_to_group"] is False and shown["forwarded_to_you"] is True


def test_the_api_reads_and_changes_your_own_choices(desk):
    client = api(desk, "carol")
    body = client.get("/api/v1/me/notifications").json()
    assert [p["kind"] for p in body["preferences"]] == [k.value for k in ANALYST_KINDS]
    assert all(p["enabled"] for p in body["preferences"])
    response = client.put("/api/v1/me/notifications", {"preferences": [{"kind": "reminder", "enabled": False}]},
                          content_type="application/json")
    assert response.status_code == 200
    assert {p["kind"]: p["enabled"] for p in response.json()["preferences"]} == {**ALL_ON, "reminder": False}
    assert wanted(desk.carol)["reminder"] is False and wanted(desk.dave)["reminder"] is True


def test_the_api_refuses_an_unknown_kind_naming_the_field(desk):
    response = api(desk, "carol").put("/api/v1/me/notifications", {"preferences": [{"kind": "fax", "enabled": False}]},
                                      content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "kind"
    assert api(desk, "carol").put("/api/v1/me/notifications", {"preferences": [{"kind": "reminder", "enabled": "no"}]},
                                  content_type="application/json").status_code == 422


def test_the_command_shows_and_sets_an_analysts_choices(desk, capsys):
    code, shown = cli(capsys, "notifications", "show", "--as", "carol")
    assert code == 0 and shown["analyst"] == "carol" and all(p["enabled"] for p in shown["preferences"])
    code, changed = cli(capsys, "notifications", "set", "auto-closed", "off", "--as", "carol")
    assert code == 0 and {p["kind"]: p["enabled"] for p in changed["preferences"]} == {**ALL_ON, "auto_closed": False}
    code, error = cli(capsys, "notifications", "set", "reminder", "off", "--analyst", "dave", "--as", "carol")
    assert code == EXIT_CODES["not_allowed"] and error["error"] == "not_allowed"
    code, _ = cli(capsys, "notifications", "set", "reminder", "off", "--analyst", "dave")  # the system operator
    assert code == 0 and wanted(desk.dave)["reminder"] is False
    code, error = cli(capsys, "notifications", "show")
    assert code == EXIT_CODES["invalid_input"] and error["field"] == "analyst"


def test_the_command_prints_the_kinds_in_users_words(desk, capsys):
    assert main(["notifications", "show", "--analyst", "carol"]) == 0
    out = capsys.readouterr().out
    assert "E-mails for carol" in out and "Forward to You for Close" in out and "on " in out


def test_web_api_and_command_show_the_same_choices(desk, capsys):
    set_notification_preferences(desk.carol, {"forwarded_to_you": False, "reminder": False}, actor=desk.carol)
    from_api = {p["kind"]: p["enabled"] for p in api(desk, "carol").get("/api/v1/me/notifications").json()[
        "preferences"]}
    from_cli = {p["kind"]: p["enabled"] for p in cli(capsys, "notifications", "show", "--as", "carol")[1][
        "preferences"]}
    client = Client()
    client.force_login(desk.carol)
    form = client.get("/profile/notifications/").context["form"]
    from_web = {name: bool(form.initial[name]) for name in form.fields}
    assert from_api == from_cli == from_web == wanted(desk.carol)

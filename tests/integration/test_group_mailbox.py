"""A group's own mailbox: set and cleared by IPK Setup (validated, audited), from the CLI too, and where a
group's Forward for Closure notice goes once it has one."""

from __future__ import annotations

import json

import pytest

from closeloop.calls import services as calls
from closeloop.cli.main import EXIT_CODES, main
from closeloop.closure import InvalidInput, NotAllowed
from closeloop.closure.notices import NoticeKind
from closeloop.notifications.models import OutboxMessage
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, SettingsChange
from closeloop.web.settings_history import describe_change

pytestmark = pytest.mark.django_db


def mailbox_of(group: IpkGroup) -> str:
    return IpkGroup.objects.get(pk=group.pk).mailbox


def group_changes(desk) -> list[SettingsChange]:  # type: ignore[no-untyped-def]
    return list(SettingsChange.objects.filter(partition=desk.default, subject="groups").order_by("id"))


class TestSetGroupMailbox:
    def test_ipk_setup_sets_it_and_the_settings_history_shows_before_and_after(self, desk):
        known = len(group_changes(desk))
        partitions.set_group_mailbox(desk.closure_group, "  Closure@Desk.Example ", desk.admin)
        assert mailbox_of(desk.closure_group) == "closure@desk.example"
        [change] = group_changes(desk)[known:]
        assert change.changed_by == desk.admin
        assert change.change_reason == "the mailbox of group Closure Group was set to closure@desk.example"
        assert [(r.what, r.before, r.after) for r in describe_change(change)] == [
            ("Group mailbox", "—", "closure@desk.example")]

    def test_blank_clears_it_and_is_audited(self, desk):
        partitions.set_group_mailbox(desk.closure_group, "closure@desk.example", desk.admin)
        partitions.set_group_mailbox(desk.closure_group, "   ", desk.admin)
        assert mailbox_of(desk.closure_group) == ""
        change = group_changes(desk)[-1]
        assert change.change_reason == "the mailbox of group Closure Group was cleared"
        assert change.diff == {"mailbox": ("closure@desk.example", None)}

    def test_setting_the_same_address_again_records_nothing(self, desk):
        partitions.set_group_mailbox(desk.closure_group, "closure@desk.example", desk.admin)
        known = len(group_changes(desk))
        partitions.set_group_mailbox(desk.closure_group, "closure@desk.example", desk.admin)
        assert len(group_changes(desk)) == known

    @pytest.mark.parametrize("bad", ["closure group", "closure@", "@desk.example", "a@b@desk.example",
                                     "x" * 250 + "@desk.example"])
    def test_a_bad_address_is_refused_naming_the_field_and_nothing_changes(self, desk, bad):
        partitions.set_group_mailbox(desk.closure_group, "closure@desk.example", desk.admin)
        known = len(group_changes(desk))
        with pytest.raises(InvalidInput) as err:
            partitions.set_group_mailbox(desk.closure_group, bad, desk.admin)
        assert err.value.field == "mailbox"
        assert mailbox_of(desk.closure_group) == "closure@desk.example"
        assert len(group_changes(desk)) == known

    def test_it_needs_the_ipk_setup_right(self, desk):
        with pytest.raises(NotAllowed, match="carol lacks the 'IPK Setup' right"):
            partitions.set_group_mailbox(desk.closure_group, "closure@desk.example", desk.carol)
        assert mailbox_of(desk.closure_group) == ""


def test_a_call_forwarded_to_a_group_with_a_mailbox_is_told_to_the_mailbox_only(desk):
    members = set(desk.service_desk.members.values_list("email", flat=True))
    members.discard("")

    def forwarded_to_group(summary: str) -> list[str]:
        call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                              assigned_analyst=desk.rita, actor=desk.alice)
        calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
        return sorted(OutboxMessage.objects.filter(call=call, kind=NoticeKind.FORWARDED_TO_GROUP.value)
                      .values_list("recipient", flat=True))

    without = forwarded_to_group("Printer on floor 3 jams")
    assert without and set(without) <= members  # before: each eligible closer of the group
    partitions.set_group_mailbox(desk.service_desk, "service-desk@desk.example", desk.admin)
    assert forwarded_to_group("Printer on floor 4 jams") == ["service-desk@desk.example"]


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


class TestCli:
    def test_set_list_and_clear(self, capsys, desk):
        code, out, err = cli_json(capsys, "group", "mailbox", "Default", "Closure Group", "closure@desk.example",
                                  "--as", "admin")
        assert code == 0, err
        assert out == {"group": "Closure Group", "mailbox": "closure@desk.example"}
        code, listed, _ = cli_json(capsys, "group", "list", "Default", "--as", "admin")
        assert {g["name"]: g["mailbox"] for g in listed}["Closure Group"] == "closure@desk.example"
        code, out, err = cli_json(capsys, "group", "mailbox", "Default", "Closure Group", "--clear", "--as", "admin")
        assert code == 0, err
        assert out == {"group": "Closure Group", "mailbox": None} and mailbox_of(desk.closure_group) == ""

    def test_human_output_says_where_the_notices_go(self, capsys, desk):
        assert main(["group", "mailbox", "Default", "Closure Group", "closure@desk.example", "--as", "admin"]) == 0
        assert capsys.readouterr().out.strip() == "Mailbox of Closure Group set to closure@desk.example."

    @pytest.mark.parametrize("argv", [("not an address",), ("closure@desk.example", "--clear"), ()])
    def test_bad_input_is_refused_with_a_message_naming_the_mailbox(self, capsys, desk, argv):
        code, out, err = cli_json(capsys, "group", "mailbox", "Default", "Closure Group", *argv, "--as", "admin")
        assert code == EXIT_CODES["invalid_input"] and out is None
        assert err["field"] == "mailbox" and err["message"]
        assert mailbox_of(desk.closure_group) == ""

    def test_without_ipk_setup_it_is_refused(self, capsys, desk):
        code, _, err = cli_json(capsys, "group", "mailbox", "Default", "Closure Group", "closure@desk.example",
                                "--as", "carol")
        assert code == EXIT_CODES["not_allowed"] and err["error"] == "not_allowed"
        assert mailbox_of(desk.closure_group) == ""

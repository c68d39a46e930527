"""Settings (validated, audited, versioned), the orphan guard on people changes, reasons and tokens."""

import pytest

from closeloop.accounts import services as accounts
from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.closure import ChangedByOther, InvalidInput, NotAllowed, SettingsRejected, Status
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureSettings, SettingsChange

pytestmark = pytest.mark.django_db


def audit(desk, subject="closure_settings"):
    return SettingsChange.objects.filter(partition=desk.default, subject=subject)


class TestClosureSettings:
    def test_saving_records_who_when_why_and_a_before_after_diff(self, desk):
        before = ClosureSettings.objects.get(partition=desk.default).version
        partitions.update_closure_settings(desk.default, "Closure group reviews everything", desk.admin,
                                           closure_rule="closure_group", require_independent_closer=True)
        row = ClosureSettings.objects.get(partition=desk.default)
        change = audit(desk).first()
        assert row.version == before + 1 == change.version
        assert (change.changed_by, change.change_reason) == (desk.admin, "Closure group reviews everything")
        assert change.diff == {"closure_rule": ("log_group", "closure_group"),
                               "require_independent_closer": (False, True)}

    def test_a_change_reason_is_required(self, desk):
        with pytest.raises(InvalidInput, match="A change reason is required") as err:
            partitions.update_closure_settings(desk.default, "  ", desk.admin, closure_rule="logged_by")
        assert err.value.field == "change_reason"

    def test_only_ipk_setup_may_change_settings(self, desk):
        with pytest.raises(NotAllowed, match="carol lacks the 'IPK Setup' right"):
            partitions.update_closure_settings(desk.default, "why", desk.carol, closure_rule="logged_by")

    def test_settings_that_strand_calls_are_refused_and_nothing_changes(self, desk):
        empty = partitions.create_group(desk.default, "Empty")
        count = audit(desk).count()
        with pytest.raises(SettingsRejected, match="Closure Group Empty would have no eligible closer"):
            partitions.update_closure_settings(desk.default, "try", desk.admin, closure_group=empty)
        assert ClosureSettings.objects.get(partition=desk.default).closure_group == desk.closure_group
        assert audit(desk).count() == count

    def test_dry_run_validates_without_saving(self, desk):
        row = partitions.update_closure_settings(desk.default, "check", desk.admin, closure_rule="logged_by",
                                                 dry_run=True)
        assert row.closure_rule == "logged_by"
        assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"

    def test_a_stale_settings_version_is_refused(self, desk):
        with pytest.raises(ChangedByOther, match="changed by someone else"):
            partitions.update_closure_settings(desk.default, "why", desk.admin, closure_rule="logged_by",
                                               expected_version=1)

    def test_saving_unchanged_settings_records_nothing(self, desk):
        count = audit(desk).count()
        partitions.update_closure_settings(desk.default, "no-op", desk.admin, closure_rule="log_group")
        assert audit(desk).count() == count

    def test_a_closure_group_of_another_partition_is_refused(self, desk):
        with pytest.raises(InvalidInput) as err:
            partitions.update_closure_settings(desk.default, "why", desk.admin, closure_group=desk.other_group)
        assert err.value.field == "closure_group"


class TestOrphanGuard:
    def test_deactivating_the_last_closer_of_the_closure_group_is_refused(self, desk):
        partitions.remove_group_member(desk.closure_group, desk.carol, desk.admin)
        with pytest.raises(SettingsRejected, match="Deactivating dave refused: Closure Group Closure Group"):
            accounts.deactivate_analyst(desk.dave, desk.admin)
        desk.dave.refresh_from_db()
        assert desk.dave.is_active

    def test_removing_the_last_closer_from_the_closure_group_is_refused(self, desk):
        partitions.remove_group_member(desk.closure_group, desk.carol, desk.admin)
        with pytest.raises(SettingsRejected, match="Removing dave from group Closure Group refused"):
            partitions.remove_group_member(desk.closure_group, desk.dave, desk.admin)
        assert desk.closure_group.members.filter(pk=desk.dave.pk).exists()

    def test_taking_the_close_right_from_the_last_closer_is_refused(self, desk):
        partitions.remove_group_member(desk.closure_group, desk.carol, desk.admin)
        with pytest.raises(SettingsRejected, match="Giving dave the role Analyst refused"):
            accounts.set_membership(desk.dave, desk.default, accounts.get_ipk_role("Analyst"), desk.admin)

    def test_calls_forwarded_to_a_deactivated_analyst_are_rerouted_and_the_history_says_so(self, desk):
        desk.configure(closure_method="comments")
        call = calls.log_call(desk.default, "incident", "Wi-Fi down", actor=desk.alice)
        calls.resolve_call(call.ref, desk.rita, "Rebooted the AP", closer=desk.mia)
        assert accounts.deactivate_analyst(desk.mia, desk.admin) == 1
        call = Call.objects.get(pk=call.pk)
        assert (call.status, call.closure_target_group) == (Status.FORWARD_FOR_CLOSURE, desk.closure_group)
        note = call.events.last().note
        assert note.startswith("Re-routed because mia was deactivated") and call.events.last().actor is None

    def test_calls_in_a_group_that_loses_its_last_closer_move_to_the_closure_group(self, desk):
        call = calls.log_call(desk.default, "incident", "Switch port dead", actor=desk.bob, log_group=desk.network)
        calls.resolve_call(call.ref, desk.bob, "Patched the port")
        assert partitions.remove_group_member(desk.network, desk.mia, desk.admin) == 1
        assert Call.objects.get(pk=call.pk).closure_target_group == desk.closure_group

    def _only_carol_may_close(self, desk):
        """A desk where carol is the one closer left: every other closer deactivated."""
        desk.configure(closure_method="comments")
        partitions.add_group_member(desk.closure_group, desk.carol, desk.admin)
        for closer in (desk.dave, desk.mia, desk.admin):
            accounts.set_membership(closer, desk.default, accounts.get_ipk_role("Analyst"), desk.admin)

    def test_requiring_an_independent_closer_is_refused_while_a_call_has_only_its_resolver_to_close_it(
            self, desk):
        self._only_carol_may_close(desk)
        call = calls.log_call(desk.default, "incident", "Printer jam", actor=desk.alice)
        calls.resolve_call(call.ref, desk.carol, "Cleared the jam")
        count = audit(desk).count()
        with pytest.raises(SettingsRejected, match=rf"nobody could close {call.ref}.*as the resolver may not"):
            partitions.update_closure_settings(desk.default, "four eyes", desk.admin,
                                               require_independent_closer=True)
        assert not ClosureSettings.objects.get(partition=desk.default).require_independent_closer
        assert audit(desk).count() == count
        calls.close_call(call.ref, desk.carol, "User confirmed", reason="FIXED")
        partitions.update_closure_settings(desk.default, "four eyes", desk.admin, require_independent_closer=True)

    def test_deactivating_the_only_independent_closer_of_a_waiting_call_is_refused(self, desk):
        desk.configure(closure_method="comments", require_independent_closer=True)
        accounts.set_membership(desk.rita, desk.default, accounts.get_ipk_role("Closer"), desk.admin)
        for closer in (desk.dave, desk.mia, desk.admin):
            accounts.set_membership(closer, desk.default, accounts.get_ipk_role("Analyst"), desk.admin)
        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        calls.resolve_call(call.ref, desk.carol, "New VPN profile", closer=desk.rita)
        with pytest.raises(SettingsRejected, match=rf"Deactivating rita refused: nobody could close {call.ref}"):
            accounts.deactivate_analyst(desk.rita, desk.admin)
        desk.rita.refresh_from_db()
        assert desk.rita.is_active
        assert Call.objects.get(pk=call.pk).closure_target_analyst == desk.rita

    def test_only_security_admins_may_deactivate(self, desk):
        with pytest.raises(NotAllowed, match="Security Admin"):
            accounts.deactivate_analyst(desk.rita, desk.carol)


class TestReasonsAndRoles:
    def test_a_reason_needs_at_least_one_call_type_and_is_audited(self, desk):
        with pytest.raises(InvalidInput, match="at least one call type"):
            partitions.add_closure_reason(desk.default, "DUP", "Duplicate", [], desk.admin)
        reason = partitions.add_closure_reason(desk.default, "DUP", "Duplicate", ["incident", "Problem"],
                                               desk.admin)
        assert sorted(reason.call_types) == ["incident", "problem"]
        assert audit(desk, "closure_reasons").first().changed_by == desk.admin

    def test_a_deactivated_reason_can_no_longer_close_calls(self, desk):
        reason = partitions.add_closure_reason(desk.default, "DUP", "Duplicate", ["incident"])
        partitions.set_closure_reason(reason, desk.admin, active=False)
        call = calls.log_call(desk.default, "incident", "x", actor=desk.alice, log_group=desk.service_desk)
        calls.resolve_call(call.ref, desk.rita, "y")
        with pytest.raises(InvalidInput, match="no longer in use"):
            calls.close_call(call.ref, desk.carol, "z", reason="DUP")

    def test_the_default_roles_ship_with_the_documented_rights(self, db):
        accounts.ensure_default_roles()
        rights = {name: sorted(r.value for r in accounts.get_ipk_role(name).rights)
                  for name in ("Analyst", "Closer", "Read only")}
        assert rights == {"Analyst": ["log", "reassign", "resolve"],
                          "Closer": ["close", "log", "reassign", "resolve"], "Read only": []}
        assert {r.value for r in accounts.get_access_role("Administrator").rights} == {"ipk_setup", "security_admin"}

    def test_a_weak_password_is_refused_naming_the_field(self, desk):
        with pytest.raises(InvalidInput) as err:
            accounts.add_analyst("zed", desk.default, accounts.get_ipk_role("Analyst"), password="short")
        assert err.value.field == "password"

    @pytest.mark.parametrize(("password", "reason"), [
        ("eleven-char", "too short"), ("password1234", "too common"), ("483920175634", "entirely numeric"),
        ("zedekiah-smith", "too similar"),
    ])
    def test_each_of_djangos_password_rules_is_applied_with_its_message(self, desk, password, reason):
        with pytest.raises(InvalidInput) as err:
            accounts.add_analyst("zedekiah", desk.default, accounts.get_ipk_role("Analyst"), password=password,
                                 last_name="Smith", email="zedekiah.smith@example.com")
        assert err.value.field == "password" and reason in err.value.message
        assert not Analyst.objects.filter(username="zedekiah").exists()


class TestTokens:
    def test_a_token_acts_for_its_analyst_until_revoked(self, desk):
        token, key = accounts.create_token(desk.carol, "monitoring")
        assert accounts.analyst_for_token(key) == desk.carol
        assert token.key_hash != key and key not in token.key_hash
        accounts.revoke_token(desk.carol, token.id)
        assert accounts.analyst_for_token(key) is None

    def test_a_deactivated_analysts_token_stops_working(self, desk):
        _, key = accounts.create_token(desk.rita)
        accounts.deactivate_analyst(desk.rita)
        assert accounts.analyst_for_token(key) is None


def test_a_deactivated_administrator_holds_no_administration_right(desk):
    from closeloop.closure import AdminRight

    desk.admin.is_active = False
    assert not desk.admin.has_admin_right(AdminRight.IPK_SETUP)
    assert not desk.admin.has_admin_right(AdminRight.SECURITY_ADMIN)

"""Within one request, settings and the directory are read once; a change to them is never missed."""

from __future__ import annotations

import pytest
from django.db import transaction

from closeloop.accounts import services as accounts
from closeloop.closure import SettingsRejected
from closeloop.partitions import services as partitions
from closeloop.partitions.snapshot import desk_snapshot

pytestmark = pytest.mark.django_db


def test_a_snapshot_reads_settings_and_directory_once(desk, django_assert_num_queries):
    with desk_snapshot():
        partitions.load_settings(desk.default)
        partitions.load_directory(desk.default)
        accounts.actor_in(desk.carol, desk.default.id, partitions.load_directory(desk.default))
        with django_assert_num_queries(0):
            partitions.load_settings(desk.default)
            partitions.load_directory(desk.default)
            accounts.actor_in(desk.carol, desk.default.id, partitions.load_directory(desk.default))


def test_outside_a_snapshot_every_read_goes_to_the_database(desk, django_assert_num_queries):
    partitions.load_settings(desk.default)
    with django_assert_num_queries(1):
        partitions.load_settings(desk.default)


def test_a_change_inside_the_snapshot_is_seen_by_the_next_read(desk):
    with desk_snapshot():
        assert partitions.load_directory(desk.default).analysts[desk.mia.id].active
        assert partitions.load_settings(desk.default).closure_rule == "log_group"
        accounts.deactivate_analyst(desk.mia, desk.admin)
        partitions.update_closure_settings(desk.default, "closure group reviews", desk.admin,
                                           closure_rule="closure_group")
        assert not partitions.load_directory(desk.default).analysts[desk.mia.id].active
        assert partitions.load_settings(desk.default).closure_rule == "closure_group"
        desk.mia.refresh_from_db()
        assert not accounts.actor_in(desk.mia, desk.default.id, partitions.load_directory(desk.default)).rights


def test_a_role_change_is_seen_by_the_rights_read_next(desk):
    with desk_snapshot():
        assert accounts.actor_in(desk.rita, desk.default.id, partitions.load_directory(desk.default)).rights
        accounts.set_membership(desk.rita, desk.default, accounts.get_ipk_role("Read only"), desk.admin)
        assert not accounts.actor_in(desk.rita, desk.default.id, partitions.load_directory(desk.default)).rights


def test_a_refused_change_leaves_no_stale_value_behind(desk):
    partitions.remove_group_member(desk.closure_group, desk.carol, desk.admin)
    with desk_snapshot():
        partitions.load_directory(desk.default)
        with pytest.raises(SettingsRejected):
            accounts.deactivate_analyst(desk.dave, desk.admin)  # rolled back: dave stays active
        assert partitions.load_directory(desk.default).analysts[desk.dave.id].active


def test_a_group_membership_change_is_seen(desk):
    with desk_snapshot():
        assert desk.rita.id not in partitions.load_directory(desk.default).groups[desk.network.id]
        with transaction.atomic():
            partitions.add_group_member(desk.network, desk.rita, desk.admin)
        assert desk.rita.id in partitions.load_directory(desk.default).groups[desk.network.id]


def _version() -> int:
    from closeloop.partitions.models import DeskVersion

    return DeskVersion.objects.get(id=1).version


def test_a_node_reuses_what_it_read_while_the_desk_version_stays_the_same(desk, django_assert_num_queries):
    with desk_snapshot(_version):
        partitions.load_directory(desk.default)
        partitions.load_settings(desk.default)
    version = _version()
    with desk_snapshot(lambda: version), django_assert_num_queries(0):  # a later request, same version
        assert partitions.load_directory(desk.default).analysts[desk.mia.id].active
        partitions.load_settings(desk.default)


def test_a_change_through_any_node_gives_the_desk_a_new_version_and_is_read_at_once(desk):
    from closeloop.accounts.models import Membership
    from closeloop.partitions.snapshot import bump_desk_version

    with desk_snapshot(_version):
        assert accounts.actor_in(desk.rita, desk.default.id, partitions.load_directory(desk.default)).rights
    before = _version()
    accounts.set_membership(desk.rita, desk.default, accounts.get_ipk_role("Read only"), desk.admin)
    assert _version() != before
    with desk_snapshot(_version):
        assert not accounts.actor_in(desk.rita, desk.default.id, partitions.load_directory(desk.default)).rights
    # another node's change arrives only as data and a new version: this node reads again
    Membership.objects.filter(analyst=desk.rita, partition=desk.default).update(
        ipk_role=accounts.get_ipk_role("Analyst"))
    bump_desk_version()
    with desk_snapshot(_version):
        assert accounts.actor_in(desk.rita, desk.default.id, partitions.load_directory(desk.default)).rights


def test_a_request_that_changes_the_desk_does_not_reuse_what_was_kept_before(desk):
    version = _version()
    with desk_snapshot(_version):
        partitions.load_settings(desk.default)
    with desk_snapshot(lambda: version):
        partitions.update_closure_settings(desk.default, "closure group reviews", desk.admin,
                                           closure_rule="closure_group")
        assert partitions.load_settings(desk.default).closure_rule == "closure_group"

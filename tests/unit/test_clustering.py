"""Recurring-issue clustering: near-duplicate calls are grouped, unrelated calls are kept apart."""

from __future__ import annotations

import pytest

from closeloop.reports.clustering import cluster_similar, normalise

# (key, summary + resolution), newest first, as the recurring-issues report passes them.
CALLS = [
    ("vpn-1", "VPN disconnects every few minutes. Updated the VPN client and set the MTU on the tunnel adapter."),
    ("printer-1", "Printer on floor 3 shows paper jam. Removed jammed paper from tray 2 and cleaned the rollers."),
    ("outlook-1", "Outlook keeps asking for password. Cleared cached credentials in Credential Manager."),
    ("vpn-2", "vpn disconnects every few minutes! updated the VPN client, set the MTU on the tunnel adapter. "
              "Confirmed with the user by phone."),
    ("printer-2", "Printer on floor 5 shows paper jam. Removed jammed paper from tray 2 and cleaned the rollers."),
    ("reset-1", "Password reset for J. Smith. Reset the password and confirmed the user can sign in."),
    ("outlook-2", "Outlook keeps asking for the password. Cleared the cached credentials in Credential Manager."),
    ("vpn-3", "VPN keeps disconnecting every few minutes. Updated the VPN client and set MTU on tunnel adapter."),
    ("reset-2", "Password reset for P. Patel. Reset the password and confirmed the user can sign in."),
    ("aircon", "Air conditioning too cold in meeting room 4. Adjusted the thermostat schedule."),
    ("starter", "New starter needs account and laptop. Created the account, assigned licences, imaged a laptop."),
]


def group_of(groups: list[list[str]], key: str) -> list[str]:
    return next(g for g in groups if key in g)


def test_near_duplicates_are_grouped_together():
    groups = cluster_similar(CALLS)
    assert group_of(groups, "vpn-1") == ["vpn-1", "vpn-2", "vpn-3"]
    assert group_of(groups, "printer-1") == ["printer-1", "printer-2"]
    assert group_of(groups, "outlook-1") == ["outlook-1", "outlook-2"]
    assert group_of(groups, "reset-1") == ["reset-1", "reset-2"]


def test_unrelated_calls_are_kept_apart_and_singletons_are_not_recurring():
    groups = cluster_similar(CALLS)
    keys = [k for g in groups for k in g]
    assert "aircon" not in keys and "starter" not in keys
    assert len(keys) == len(set(keys)), "a call belongs to one recurring issue only"
    assert not any({"outlook-1", "reset-1"} <= set(g) for g in groups), "both mention a password"


def test_largest_issue_first_and_ties_by_most_recent_call():
    groups = cluster_similar(CALLS)
    assert [g[0] for g in groups] == ["vpn-1", "printer-1", "outlook-1", "reset-1"]


def test_min_size_and_threshold_are_honoured():
    assert cluster_similar(CALLS, min_size=3) == [["vpn-1", "vpn-2", "vpn-3"]]
    # at 100 only calls alike but for numbers and added words ("the") remain grouped
    assert cluster_similar(CALLS, threshold=100) == [["printer-1", "printer-2"], ["outlook-1", "outlook-2"]]
    with pytest.raises(ValueError, match="threshold"):
        cluster_similar(CALLS, threshold=120)


def test_nothing_to_cluster():
    assert cluster_similar([]) == []
    assert cluster_similar([("a", "  "), ("b", "123")]) == []


def test_normalise_drops_case_punctuation_and_numbers():
    assert normalise("Printer on FLOOR 3: paper-jam!") == "printer on floor paper jam"

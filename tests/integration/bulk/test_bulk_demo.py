"""The demo desk's batch for bulk actions, closed in one go by its closer."""

import pytest

from closeloop.accounts.models import Analyst
from closeloop.calls.bulk import bulk_action
from closeloop.calls.models import Call
from closeloop.closure import Status
from closeloop.demo import load_demo
from closeloop.partitions.models import ChecklistItem


@pytest.mark.django_db
def test_carol_closes_the_demo_batch_of_password_resets_in_one_go():
    load_demo(calls_per_partition=8)
    batch = Call.objects.filter(summary__startswith="Password reset for", status=Status.FORWARD_FOR_CLOSURE,
                                resolved_by__username="sam")
    refs = list(batch.values_list("ref", flat=True))
    assert len(refs) >= 6
    required = ChecklistItem.objects.filter(partition__name="Default", required=True).values_list("id", flat=True)
    result = bulk_action("close", refs, Analyst.objects.get(username="carol"), comments="Users signed in",
                         reason="FULFILLED", ticked=list(required))
    assert result.all_done and result.summary == f"Closed {len(refs)}", result.outcomes
    assert set(Call.objects.filter(ref__in=refs).values_list("status", flat=True)) == {Status.CLOSED}

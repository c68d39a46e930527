"""An action writes back only the columns it changed on the call it read, and nothing set on the row is lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closeloop.calls import services as calls
from closeloop.calls.models import Call

pytestmark = pytest.mark.django_db


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "calls_call"')]


def test_a_resolve_writes_only_the_columns_it_changed(desk):
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    with CaptureQueriesContext(connection) as queries:
        calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    [update] = _updates(queries)
    assigned = update.split(" WHERE ")[0]
    assert '"resolution"' in assigned and '"status"' in assigned and '"version"' in assigned
    assert '"summary"' not in assigned and '"logged_at"' not in assigned and '"description"' not in assigned
    again = Call.objects.get(pk=call.pk)
    assert (again.status, again.resolution, again.version) == ("forward_for_closure", "Cleaned the rollers",
                                                               call.version + 1)


def test_what_is_set_on_a_row_read_whole_is_written_and_then_kept_as_written(desk):
    call = Call.objects.get(pk=calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice).pk)
    call.summary, call.sampling_reasons = "Printer jams on floor 3", ["first calls"]
    assert set(call.changed_fields() or ()) == {"summary", "sampling_reasons", "updated_at"}
    call.save_changed()
    assert call.changed_fields() == ["updated_at"]
    call.sampling_reasons.append("priority")  # changed in place: still seen as a change
    assert "sampling_reasons" in (call.changed_fields() or ())
    call.save_changed()
    again = Call.objects.get(pk=call.pk)
    assert (again.summary, again.sampling_reasons) == ("Printer jams on floor 3", ["first calls", "priority"])


def test_a_new_call_or_one_read_in_part_is_written_whole(desk):
    assert Call(partition=desk.default).changed_fields() is None
    logged = calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice)
    assert Call.objects.only("id", "summary").get(pk=logged.pk).changed_fields() is None

"""Times read in bulk as `seconds` come back as the same instants, on either engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.calls.moments import moment, seconds

pytestmark = pytest.mark.django_db


def test_a_time_read_as_seconds_is_the_same_instant_to_the_microsecond(desk):
    at = datetime(2026, 11, 30, 9, 15, 42, 123457, tzinfo=UTC)
    call = calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, at=at)
    (read,) = Call.objects.filter(pk=call.pk).values_list(seconds("logged_at"), flat=True)
    plus_two = timezone(timedelta(hours=2))
    assert moment(read, plus_two) == at and moment(read, plus_two).utcoffset() == timedelta(hours=2)
    (empty,) = Call.objects.filter(pk=call.pk).values_list(seconds("closed_at"), flat=True)
    assert moment(empty, UTC) is None

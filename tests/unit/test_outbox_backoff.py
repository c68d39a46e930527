"""The outbox's back-off: each wait doubles from the first, never passes the cap, and never shrinks (the
delivery tests show an hour's outage tried six times)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from closeloop.notifications.delivery import retry_delay

attempts = st.integers(min_value=1, max_value=10_000)
firsts = st.integers(min_value=1, max_value=3600)
caps = st.integers(min_value=1, max_value=7 * 86400)


@given(attempts, firsts, caps)
def test_a_wait_is_the_first_delay_doubled_per_failed_attempt_up_to_the_cap(n, first, cap):
    assert retry_delay(n, first, cap) == timedelta(seconds=min(first * 2 ** min(n - 1, 32), cap))


@given(attempts, firsts, caps)
def test_waits_never_shrink_and_never_pass_the_cap(n, first, cap):
    assert retry_delay(n, first, cap) <= retry_delay(n + 1, first, cap) <= timedelta(seconds=max(cap, 0))


"""How long a resolved call waited to be closed, kept as a histogram: the daily roll-ups count closed calls per
wait bucket, and the Time to close report reads its median and 90th percentile off the buckets.

The buckets are fixed and geometric: 32 per doubling of the wait (1 s, 2 s, 4 s ... each split in 32), so
each bucket's upper end is 2.2% above its lower end. A percentile is the bucket holding the call of that
rank (nearest rank, as before) shown as the bucket's geometric middle: it is within 1.1% of the exact wait
of that call, whatever the wait (a minute or a month), before rounding to hundredths of an hour.
Waits under a second fall in bucket 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta

from .base import nearest_rank

__all__ = ["BUCKETS_PER_DOUBLING", "PRECISION", "NOT_TIMED", "wait_bucket", "bucket_wait", "bucket_sql",
           "percentile_wait", "percentile_waits"]

BUCKETS_PER_DOUBLING = 32
# a bucket's middle is at most this far (relative) from any wait in it
PRECISION = 2 ** (1 / (2 * BUCKETS_PER_DOUBLING)) - 1
NOT_TIMED = -1  # Closed/Unresolved, or closed without a resolution: no wait counted


def wait_bucket(seconds: float) -> int:
    """The bucket of a wait of `seconds` (the same formula as `bucket_sql`)."""
    return math.floor(BUCKETS_PER_DOUBLING * math.log(max(seconds, 1.0)) / math.log(2.0))


def bucket_wait(bucket: int) -> timedelta:
    """The wait a bucket stands for: its geometric middle."""
    return timedelta(seconds=2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING))


def bucket_sql(vendor: str, seconds: str) -> str:
    """SQL for the bucket of a wait of `seconds` (an SQL expression), on this engine."""
    larger = "GREATEST" if vendor == "postgresql" else "MAX"
    return f"CAST(FLOOR({BUCKETS_PER_DOUBLING} * LN({larger}({seconds}, 1.0)) / LN(2.0)) AS INTEGER)"


def percentile_waits(histogram: Iterable[tuple[int, int]], ps: Iterable[float]) -> dict[float, timedelta]:
    """The nearest-rank percentiles `ps` of the waits counted in `histogram` ((bucket, calls) pairs); none
    when it counts no call."""
    counts = sorted((bucket, n) for bucket, n in histogram if n)
    total = sum(n for _bucket, n in counts)
    found: dict[float, timedelta] = {}
    for p in ps if total else ():
        rank, seen = nearest_rank(p, total), 0
        for bucket, n in counts:
            seen += n
            if seen >= rank:
                found[p] = bucket_wait(bucket)
                break
    return found


def percentile_wait(histogram: Iterable[tuple[int, int]], p: float) -> timedelta | None:
    """The nearest-rank p-th percentile of the waits counted in `histogram` ((bucket, calls) pairs)."""
    return percentile_waits(histogram, [p]).get(p)

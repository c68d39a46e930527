"""Percentiles and timing loops shared by every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["percentiles", "time_calls"]


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50 and p95 (and the count) of a list of milliseconds."""
    if not samples_ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan")}
    ordered = sorted(samples_ms)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else ordered[0]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> dict[str, float]:
    """Run `fn` warmup + repeat times; p50/p95 of the timed runs in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)

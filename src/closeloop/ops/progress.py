"""A plain-text progress bar for long operator commands (written to stderr, never to stdout)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """`[#####-----]  52% 520,000/1,000,000 calls  8,100/s  ETA 0:59`, redrawn at most twice a second."""

    def __init__(self, label: str, total: int, unit: str = "calls", stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.label, self.total, self.unit, self.width = label, max(total, 1), unit, width
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self._last_draw = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done < self.total and now - self._last_draw < 0.5:
            return
        self._last_draw = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        filled = int(self.width * done / self.total)
        eta = int((self.total - done) / rate) if rate > 0 else 0
        line = (f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {100 * done // self.total:3d}% "
                f"{done:,}/{self.total:,} {self.unit}  {rate:,.0f}/s  ETA {eta // 60}:{eta % 60:02d}")
        self.stream.write(line)
        if done >= self.total:
            self.stream.write(f"\n{self.label}: {done:,} {self.unit} in {elapsed:.1f}s\n")
        self.stream.flush()

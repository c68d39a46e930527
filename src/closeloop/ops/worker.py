"""The worker: delivers the outbox every few seconds and runs the desk's periodic passes every minute.

`closeloop worker` runs `run_worker` until SIGTERM or SIGINT, then finishes the pass it is in and exits;
`closeloop tick` runs `run_passes` once (for cron). Every pass is safe to run in several workers at once, on
one node or many, so running two by mistake sends nothing twice.

A pass is a function of the current time that does its work in its own transactions and returns what it did
(`str()` of it is logged and printed). To add one, add a line to `PASSES`.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from closeloop.autoclose.services import auto_close_pass
from closeloop.notifications.closure_sla import closure_sla_pass
from closeloop.notifications.delivery import DeliveryReport, deliver_due
from closeloop.reports.rollups import catch_up

__all__ = ["Pass", "PASSES", "PassOutcome", "STOPPING", "run_passes", "run_worker", "deliver_outbox",
           "fold_rollups", "RollupReport"]

log = logging.getLogger("closeloop.worker")


# Set by SIGTERM or SIGINT: the worker finishes the batch it is in, then exits.
STOPPING = threading.Event()


@dataclass(frozen=True)
class RollupReport:
    """How many call events the reports' roll-ups took in."""

    folded: int

    def __str__(self) -> str:
        return f"report roll-ups: {self.folded} event(s) counted"


def fold_rollups(now: datetime) -> RollupReport:
    """Count the changes committed since the last pass in the reports' daily roll-ups (see
    `closeloop.reports.rollups.catch_up`), so a report seldom has more than a few seconds of them to fold."""
    return RollupReport(catch_up())


def deliver_outbox(now: datetime) -> DeliveryReport:
    """Send the messages of the outbox that are due (see `closeloop.notifications.delivery`), batch after batch
    until none is left or the worker is asked to stop. Each batch reads the clock itself: a long backlog
    must not be judged by the time the pass began."""
    return deliver_due(keep_going=lambda: not STOPPING.is_set())


@dataclass(frozen=True)
class Pass:
    """A periodic job of the desk: its name, its function of the current time, and how often it runs."""

    name: str
    run: Callable[[datetime], Any]
    every: timedelta = timedelta(seconds=settings.WORKER_PASS_SECONDS)


# Auto-close first, then the closure SLA notices: what they decide is in the outbox the same tick delivers.
PASSES: list[Pass] = [
    Pass("auto-close", auto_close_pass),
    Pass("closure-sla", closure_sla_pass),
    Pass("outbox", deliver_outbox, every=timedelta(seconds=settings.WORKER_OUTBOX_SECONDS)),
    Pass("report-rollups", fold_rollups, every=timedelta(seconds=settings.WORKER_OUTBOX_SECONDS)),
]


@dataclass(frozen=True)
class PassOutcome:
    """What one pass did, or the error that stopped it."""

    name: str
    result: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """The pass ran to its end and (for a delivery) every message it took was delivered."""
        return not self.error and getattr(self.result, "ok", True) is not False

    @property
    def quiet(self) -> bool:
        """Nothing to tell: a delivery with nothing due, or no change to count in the roll-ups (the worker does
        not log those every few seconds)."""
        return self.ok and (getattr(self.result, "claimed", None) == 0 or getattr(self.result, "folded", None) == 0)

    def __str__(self) -> str:
        if self.error:
            return f"{self.name}: failed: {self.error}"
        text = str(self.result)
        return text if text.startswith(f"{self.name}:") else f"{self.name}: {text}"


def _run_one(job: Pass, now: datetime) -> PassOutcome:
    try:
        result = job.run(now)
    except Exception as exc:  # noqa: BLE001 - one pass failing must not stop the others, or the worker
        log.exception("%s pass failed", job.name)
        return PassOutcome(job.name, error=f"{type(exc).__name__}: {exc}")
    return PassOutcome(job.name, result)


def run_passes(now: datetime | None = None, passes: list[Pass] | None = None) -> list[PassOutcome]:
    """Run every pass once (what `closeloop tick` does)."""
    at = now or timezone.now()
    return [_run_one(job, at) for job in (PASSES if passes is None else passes)]


def _stop(signum: int, frame: FrameType | None) -> None:
    if not STOPPING.is_set():
        log.info("%s received: finishing the current batch, then stopping", signal.Signals(signum).name)
    STOPPING.set()


def run_worker(passes: list[Pass] | None = None) -> int:
    """Run the passes, each at its interval, until SIGTERM or SIGINT (or `STOPPING` is set); returns how many
    pass runs did not succeed."""
    jobs = PASSES if passes is None else passes
    STOPPING.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    log.info("worker started: %s", ", ".join(f"{j.name} every {int(j.every.total_seconds())} s" for j in jobs))
    next_run = {job.name: timezone.now() for job in jobs}
    failures = 0
    while not STOPPING.is_set():
        for job in jobs:
            if STOPPING.is_set() or timezone.now() < next_run[job.name]:
                continue
            close_old_connections()  # a long-running process must not keep a connection the database dropped
            outcome = _run_one(job, timezone.now())
            next_run[job.name] = timezone.now() + job.every
            if not outcome.ok:
                failures += 1
            if not outcome.quiet:
                (log.info if outcome.ok else log.warning)("%s", outcome)
        wait = min(next_run.values()) - timezone.now()
        STOPPING.wait(max(wait.total_seconds(), 0.05))
    log.info("worker stopped")
    return failures

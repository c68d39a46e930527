"""A real load generator: N async HTTP clients each running a workflow in a loop for a fixed time.

A workflow is a list of steps; each step is an async function given the client and the state the
previous steps left (e.g. the call reference). Every request's latency is kept; any non-2xx/3xx
answer is an error, and the report says how many there were.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .stats import percentiles

__all__ = ["Step", "LoadResult", "run_load", "Timed"]


class Timed:
    """Wraps an httpx client so every request is timed and checked."""

    def __init__(self, client: httpx.AsyncClient, latencies: list[float], errors: list[str]) -> None:
        self.client, self.latencies, self.errors = client, latencies, errors

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = await self.client.request(method, url, **kwargs)
        self.latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            self.errors.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
        return response


Step = Callable[[Timed, dict[str, Any]], Awaitable[None]]


@dataclass
class LoadResult:
    """Requests per second, workflows per second, latency percentiles and errors at one concurrency."""

    clients: int
    seconds: float
    requests: int
    workflows: int
    latency: dict[str, float]
    errors: list[str] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def workflows_per_second(self) -> float:
        return self.workflows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"clients": self.clients, "seconds": round(self.seconds, 1), "requests": self.requests,
                "workflows": self.workflows, "rps": round(self.requests_per_second, 1),
                "workflows_per_s": round(self.workflows_per_second, 2), "p50": self.latency["p50"],
                "p95": self.latency["p95"], "errors": len(self.errors), "first_errors": self.errors[:3]}


async def _client_loop(make_client: Callable[[int], Awaitable[tuple[httpx.AsyncClient, dict[str, Any]]]],
                       index: int, steps: list[Step], deadline: float, latencies: list[float],
                       errors: list[str], done: list[int]) -> None:
    client, state = await make_client(index)
    timed = Timed(client, latencies, errors)
    try:
        while time.perf_counter() < deadline:
            try:
                for step in steps:
                    await step(timed, state)
            except Exception as exc:  # a failed workflow is counted as an error, never silently dropped
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            done[0] += 1
    finally:
        await client.aclose()


async def _run(make_client: Callable[[int], Awaitable[tuple[httpx.AsyncClient, dict[str, Any]]]],
               steps: list[Step], clients: int, seconds: float) -> LoadResult:
    latencies: list[float] = []
    errors: list[str] = []
    done = [0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client_loop(make_client, i, steps, deadline, latencies, errors, done)
                           for i in range(clients)))
    elapsed = time.perf_counter() - started
    return LoadResult(clients, elapsed, len(latencies), done[0], percentiles(latencies), errors)


def run_load(make_client: Callable[[int], Awaitable[tuple[httpx.AsyncClient, dict[str, Any]]]],
             steps: list[Step], clients: int, seconds: float) -> LoadResult:
    """Run `clients` concurrent workflow loops for `seconds`."""
    return asyncio.run(_run(make_client, steps, clients, seconds))

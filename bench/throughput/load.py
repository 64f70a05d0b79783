"""Closed-loop load over loopback: C workers, each sending its next request
as soon as the last one answered, for a fixed time."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np


@dataclass(frozen=True)
class Result:
    requests: int
    tweets: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def tweets_per_s(self) -> float:
        return self.tweets / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def _fresh(bodies: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The bodies in order; if a run outlasts them, later rounds get their
    texts marked so that they are new to the duplicate cache (the stream's own
    ~20% duplicates stay the only repeats)."""
    for round_ in itertools.count():
        for body in bodies:
            yield body if round_ == 0 else _marked(body, round_)


def _marked(body: dict[str, Any], round_: int) -> dict[str, Any]:
    if "tweets" in body:
        return {**body, "tweets": [_marked(t, round_) for t in body["tweets"]]}
    return {**body, "text": f"{body['text']} (r{round_})"}


async def _run(
    url: str,
    bodies: list[dict[str, Any]],
    tweets_per_body: int,
    concurrency: int,
    seconds: float,
    headers: dict[str, str],
) -> Result:
    feed = _fresh(bodies)
    latencies: list[float] = []
    counts = {"requests": 0, "errors": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                body = next(feed)
                started = time.perf_counter()
                try:
                    r = await client.post(url, json=body)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                counts["requests"] += 1
                counts["errors"] += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ok_requests = counts["requests"] - counts["errors"]
    return Result(counts["requests"], ok_requests * tweets_per_body, counts["errors"], elapsed, latencies)


def drive(
    url: str,
    bodies: list[dict[str, Any]],
    tweets_per_body: int,
    concurrency: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> Result:
    return asyncio.run(_run(url, bodies, tweets_per_body, concurrency, seconds, headers or {}))


@dataclass(frozen=True)
class OpenResult:
    """Open-loop load: requests sent at a fixed rate whatever the answers,
    as a crowd of independent clients does (a closed loop slows itself down
    when the server does, and so can never overload it)."""

    offered_per_s: float
    seconds: float
    codes: list[int]  # 0 = no answer (timeout, connection error)
    latencies_ms: list[float]

    def count(self, code: int) -> int:
        return sum(c == code for c in self.codes)

    @property
    def goodput(self) -> float:
        """Answered 200 per second."""
        return self.count(200) / self.seconds

    @property
    def shed_share(self) -> float:
        return self.count(503) / len(self.codes) if self.codes else 0.0

    def percentile(self, code: int, q: float) -> float:
        lat = [t for c, t in zip(self.codes, self.latencies_ms, strict=True) if c == code]
        return float(np.percentile(lat, q)) if lat else float("nan")


async def _open(
    url: str, bodies: list[dict[str, Any]], rate: float, seconds: float, headers: dict[str, str]
) -> OpenResult:
    feed = _fresh(bodies)
    codes: list[int] = []
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=2048, max_keepalive_connections=2048)
    async with httpx.AsyncClient(timeout=30, limits=limits, headers=headers) as client:

        async def one(body: dict[str, Any]) -> None:
            sent = time.perf_counter()
            try:
                code = (await client.post(url, json=body)).status_code
            except httpx.HTTPError:
                code = 0
            codes.append(code)
            latencies.append((time.perf_counter() - sent) * 1000)

        started = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(next(feed))))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return OpenResult(rate, elapsed, codes, latencies)


def drive_open(
    url: str, bodies: list[dict[str, Any]], rate: float, seconds: float, headers: dict[str, str] | None = None
) -> OpenResult:
    return asyncio.run(_open(url, bodies, rate, seconds, headers or {}))

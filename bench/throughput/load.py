"""Closed-loop load over loopback: C workers, each sending its next request
as soon as the last one answered, for a fixed time."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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


class _Connections:
    """Keep-alive HTTP/1.1 connections on raw asyncio streams. httpx costs
    about half a millisecond of CPU per request, which at a few hundred
    requests a second on a 2-core machine starves the server it measures."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.opened = 0

    async def get(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not self.idle.empty() or self.opened >= self.limit:
            return await self.idle.get()
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    async def post(self, request: bytes) -> int:
        reader, writer = await self.get()
        try:
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                close |= name.lower() == "connection" and "close" in value.lower()
            await reader.readexactly(length)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
            writer.close()
            self.opened -= 1
            return 0
        if close:
            writer.close()
            self.opened -= 1
        else:
            self.idle.put_nowait((reader, writer))
        return status


def _request(host: str, port: int, path: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data


async def _open(
    url: str, bodies: list[dict[str, Any]], rate: float, seconds: float, headers: dict[str, str]
) -> OpenResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    feed = _fresh(bodies)
    total = int(rate * seconds)
    requests = [_request(host, port, path, next(feed), headers) for _ in range(total)]
    conns = _Connections(host, port, limit=512)
    codes: list[int] = []
    latencies: list[float] = []

    async def one(request: bytes, scheduled: float) -> None:
        codes.append(await conns.post(request))
        latencies.append(
            (time.perf_counter() - scheduled) * 1000
        )  # from the scheduled send: no coordinated omission

    started = time.perf_counter()
    tasks = []
    for i, request in enumerate(requests):
        scheduled = started + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(request, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not conns.idle.empty():
        conns.idle.get_nowait()[1].close()
    return OpenResult(rate, elapsed, codes, latencies)


def drive_open(
    url: str, bodies: list[dict[str, Any]], rate: float, seconds: float, headers: dict[str, str] | None = None
) -> OpenResult:
    return asyncio.run(_open(url, bodies, rate, seconds, headers or {}))

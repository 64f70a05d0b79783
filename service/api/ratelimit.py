"""Per-key rate limits: a token bucket for each API key, sized by its role.

A bucket holds up to `burst` requests and refills at `per_second`; a request
that finds it empty is answered 429 with `Retry-After` (whole seconds until
one token is back) and counted in `harmlabel_rate_limited_total{role}`.
Buckets live in this process: N replicas behind a balancer let a key through
at most N times its rate, which the limits are sized for (docs/scale-out.md).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from service.settings import RateLimit


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, limits: dict[str, RateLimit]) -> None:
        self.limits = limits
        self._now = time.monotonic
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int, role: str) -> float | None:
        """Spend one token of this key's bucket: None if there was one, else
        the seconds until there will be."""
        limit = self.limits.get(role)
        if limit is None or limit.per_second <= 0:
            return None
        now = self._now()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(float(limit.burst), now)
            bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.per_second)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / limit.per_second


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))

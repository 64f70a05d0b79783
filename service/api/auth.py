"""API-key authentication with roles, as a dependency.

`admin` may do everything; the other roles only what a route names. A
missing or unknown key is 401, a known key with the wrong role 403.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from service.api.ratelimit import RateLimiter, retry_after
from service.store.db import Database
from service.store.keys import Principal, Role, authenticate


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(_database)]


class KeyCache:
    """Recently verified keys, so a busy client does not cost a database
    round trip per request. A revoked key keeps working for at most `ttl_s`
    on the API (the console re-checks on every page)."""

    def __init__(self, ttl_s: float = 5.0, size: int = 10_000) -> None:
        self.ttl_s, self.size = ttl_s, size
        self._seen: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every key: one was created or revoked, here or on another replica."""
        with self._lock:
            self._seen.clear()

    def get(self, db: Database, raw: str) -> Principal | None:
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(raw)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        who = authenticate(db, raw)
        with self._lock:
            if who is None:
                self._seen.pop(raw, None)
            else:
                if len(self._seen) >= self.size:
                    self._seen.clear()
                self._seen[raw] = (now, who)
        return who


def _keys(request: Request) -> KeyCache:
    cache: KeyCache = request.app.state.key_cache
    return cache


def require(*roles: Role) -> Callable[..., Principal]:
    allowed = {*roles, Role.admin}

    def dependency(
        request: Request,
        db: DatabaseDep,
        keys: Annotated[KeyCache, Depends(_keys)],
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        raw = x_api_key
        if raw is None and authorization and authorization.lower().startswith("bearer "):
            raw = authorization[7:].strip()
        if not raw:
            raise HTTPException(
                401, "an API key is required (X-API-Key header)", {"WWW-Authenticate": "Bearer"}
            )
        who = keys.get(db, raw)
        if who is None:
            raise HTTPException(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
        if who.role not in allowed:
            need = " or ".join(sorted(r.value for r in allowed))
            raise HTTPException(403, f"role {who.role.value!r} may not do this; it needs {need}")
        _within_rate(request, who)
        return who

    return dependency


def _within_rate(request: Request, who: Principal) -> None:
    """429 with Retry-After when this key's bucket is empty (service/api/ratelimit.py)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(who.key_id, who.role.value)
    if wait is None:
        return
    request.app.state.metrics.rate_limited.labels(who.role.value).inc()
    limit = limiter.limits[who.role.value]
    raise HTTPException(
        429,
        f"rate limit for role {who.role.value!r}: {limit.per_second:g} requests/s, bursts of {limit.burst}",
        {"Retry-After": retry_after(wait)},
    )


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
ReviewerDep = Annotated[Principal, Depends(require(Role.reviewer))]
QueueDep = Annotated[Principal, Depends(require(Role.queue))]
ReaderDep = Annotated[Principal, Depends(require(Role.queue, Role.reviewer))]
ANY_KEY = Depends(require(Role.queue, Role.reviewer))

"""A replica follows the shared state other replicas change.

Media-bank entries, legal orders, the fact-check bank and API keys live in
every replica's memory (as indexes, or as a cache). A change made through
one replica bumps a counter in the same transaction
(`service.store.versions`); every replica reads the counters and rebuilds,
off the request path, what moved, then swaps it in with one assignment.

Two ways to learn of a change, as the design asks: on PostgreSQL a NOTIFY
sent with the change wakes the follower at once (`service.pipeline.listen`),
and a poll every `replica_poll_seconds` is the guarantee: a change is
enforced everywhere within one poll interval plus a rebuild, whatever
happened to any connection or notification.

A replica that cannot poll keeps serving its last indexes, but a legal order
it has not seen may be one it must enforce: past `max_staleness_s` without a
successful poll, it reports not ready (`/readyz`) and its stream workers
stop fetching.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from service.legal.orders import OrderIndex, OrderSource
from service.media.bank_index import BankIndexHolder
from service.pipeline.claims import ClaimBank
from service.pipeline.listen import listen
from service.store import versions
from service.store.banks import live_entries
from service.store.db import Database
from service.store.legal import all_orders

log = structlog.get_logger(__name__)


class Follower:
    def __init__(
        self, db: Database, banks: BankIndexHolder, orders: OrderSource, claims: ClaimBank | None = None
    ) -> None:
        self.db = db
        self.seen: dict[str, int] = {}
        self.synced_at = time.monotonic()
        self.error: str | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._rebuilds: dict[str, list[Callable[[], None]]] = {kind: [] for kind in versions.KINDS}
        self.on(versions.MEDIA_BANKS, lambda: banks.replace(live_entries(db)))
        self.on(versions.LEGAL_ORDERS, lambda: setattr(orders, "index", OrderIndex(all_orders(db))))
        if claims is not None:  # embedding a bank takes long: its own thread, coalesced
            self.on(versions.FACT_CHECKS, claims.kick)

    def on(self, kind: str, rebuild: Callable[[], None]) -> None:
        """Run `rebuild` at start-up and whenever `kind` moves."""
        self._rebuilds[kind].append(rebuild)

    def start(self) -> None:
        """The first build, at start-up: counters are read before the indexes,
        so a change that lands in between is rebuilt again on the next poll."""
        with self._lock:
            self.seen = versions.current(self.db)
            for rebuilds in self._rebuilds.values():
                for rebuild in rebuilds:
                    rebuild()
            self.synced_at = time.monotonic()

    def sync(self) -> list[str]:
        """Rebuild what moved since the last sync; the kinds rebuilt."""
        with self._lock:
            now = versions.current(self.db)
            moved = [k for k in versions.KINDS if now[k] != self.seen.get(k)]
            for kind in moved:
                for rebuild in self._rebuilds[kind]:
                    rebuild()
            self.seen = now
            self.synced_at = time.monotonic()
            if moved:
                log.info("followed shared changes", rebuilt=moved, versions=now)
            return moved

    def wake(self) -> None:
        """Sync now rather than at the next poll (a NOTIFY arrived, or the
        process is stopping)."""
        self._wake.set()

    def watch(self, stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            self._wake.wait(every)
            self._wake.clear()
            if stop.is_set():
                return
            try:
                self.sync()
                self.error = None
            except Exception as exc:  # keep the last indexes; /readyz reports the staleness
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("following shared changes failed")

    def threads(self, stop: threading.Event, every: float) -> list[threading.Thread]:
        """The poll and, on PostgreSQL, the LISTEN hint beside it, as daemon
        threads for the caller to start; after `stop` is set, `wake()` ends
        the poll at once."""
        return [
            threading.Thread(target=self.watch, args=(stop, every), name="follower", daemon=True),
            threading.Thread(target=listen, args=(self.db, self.wake, stop), name="listener", daemon=True),
        ]

    def stale_for(self) -> float:
        """Seconds since the indexes were last confirmed current."""
        return time.monotonic() - self.synced_at

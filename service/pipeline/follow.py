"""A replica follows the shared state other replicas change.

Media-bank entries and legal orders live in every replica's memory as
indexes. A change made through one replica bumps a counter in the same
transaction (`service.store.versions`); every replica polls the counters and
rebuilds, off the request path, the index whose counter moved, then swaps it
in with one assignment. Polling is the guarantee: a change is enforced
everywhere within one poll interval plus a rebuild, whatever happened to
any connection. (The fact-check bank follows the same counters through its
own watcher, `service.pipeline.claims`.)

A replica that cannot poll keeps serving its last indexes, but a legal order
it has not seen may be one it must enforce: past `max_staleness_s` without a
successful poll, it reports not ready (`/readyz`).
"""

from __future__ import annotations

import threading
import time

import structlog

from service.legal.orders import OrderIndex
from service.media.bank_index import BankIndexHolder
from service.pipeline.assess import OrderSource
from service.store import versions
from service.store.banks import live_entries
from service.store.db import Database
from service.store.legal import all_orders

log = structlog.get_logger(__name__)


class Follower:
    def __init__(self, db: Database, banks: BankIndexHolder, orders: OrderSource) -> None:
        self.db, self.banks, self.orders = db, banks, orders
        self.seen: dict[str, int] = {}
        self.synced_at = time.monotonic()
        self.error: str | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """The first build, at start-up: counters are read before the indexes,
        so a change that lands in between is rebuilt again on the next poll."""
        self.seen = versions.current(self.db)
        self.banks.replace(live_entries(self.db))
        self.orders.index = OrderIndex(all_orders(self.db))
        self.synced_at = time.monotonic()

    def sync(self) -> list[str]:
        """Rebuild what moved since the last sync; the kinds rebuilt."""
        with self._lock:
            now = versions.current(self.db)
            moved = [k for k in (versions.MEDIA_BANKS, versions.LEGAL_ORDERS) if now[k] != self.seen.get(k)]
            if versions.MEDIA_BANKS in moved:
                self.banks.replace(live_entries(self.db))
            if versions.LEGAL_ORDERS in moved:
                self.orders.index = OrderIndex(all_orders(self.db))
            self.seen = now
            self.synced_at = time.monotonic()
            if moved:
                log.info("followed shared changes", rebuilt=moved, versions=now)
            return moved

    def watch(self, stop: threading.Event, every: float) -> None:
        while not stop.wait(every):
            try:
                self.sync()
                self.error = None
            except Exception as exc:  # keep the last indexes; /readyz reports the staleness
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("following shared changes failed")

    def stale_for(self) -> float:
        """Seconds since the indexes were last confirmed current."""
        return time.monotonic() - self.synced_at

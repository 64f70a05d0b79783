"""The fact-check bank as the assessor sees it: a `ClaimMatcher` rebuilt from
the store whenever the bank's version moves, and a duplicate cache in front.

Rebuilds never run on a request's path. The process's follower
(`service.pipeline.follow`) sees the bank's version move, whoever moved it
(this process, the CLI, another replica), and `kick`s a one-off rebuild on
another thread; a response returns at once, and /readyz reports the bank
version the matcher serves, so a client that must see its change waits for
that. The first build at start-up is kicked the same way: embedding a freshly
imported 14k bank takes a few minutes, and the service serves meanwhile,
without claim matches, saying so in /readyz.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import structlog

from service.cache import LruCache
from service.claims.embedder import resolve_embedder
from service.claims.matcher import ClaimMatch, ClaimMatcher
from service.settings import Settings
from service.store import fact_checks
from service.store.db import Database

log = structlog.get_logger(__name__)


class ClaimBank:
    def __init__(self, matcher: ClaimMatcher, db: Database, cache_size: int = 100_000) -> None:
        self.matcher = matcher
        self.db = db
        self.cache: LruCache[list[ClaimMatch]] = LruCache(cache_size)
        self._lock = threading.Lock()
        self._kick_lock = threading.Lock()
        self._pending = False
        self._kicker: threading.Thread | None = None
        self.ready = threading.Event()
        self.error: str | None = None

    def refresh(self, force: bool = False) -> bool:
        """Rebuild if the stored bank moved on (or `force`); True if it did."""
        with self._lock:
            version = fact_checks.bank_version(self.db)
            if not force and version == self.matcher.bank_version:
                self.ready.set()
                return False
            facts, vectors, version = fact_checks.snapshot(
                self.db, self.matcher.version, self.matcher.embedder.embed
            )
            self.matcher.rebuild(facts, vectors, version)
            self.cache.clear()  # its keys name the old version; free them
            self.ready.set()
            log.info("fact-check bank rebuilt", fact_checks=len(facts), bank_version=version)
            return True

    def kick(self) -> None:
        """Rebuild soon, on another thread. Kicks that arrive during a
        rebuild coalesce into one more, so a burst of edits costs two."""
        with self._kick_lock:
            self._pending = True
            if self._kicker is None or not self._kicker.is_alive():
                self._kicker = threading.Thread(target=self._drain, name="claims-rebuild", daemon=True)
                self._kicker.start()

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait for kicked rebuilds to finish; False if one still runs after `timeout`."""
        with self._kick_lock:
            kicker = self._kicker
        if kicker is not None:
            kicker.join(timeout)
            return not kicker.is_alive()
        return True

    def _drain(self) -> None:
        while True:
            with self._kick_lock:
                if not self._pending:
                    self._kicker = None
                    return
                self._pending = False
            self._guarded_refresh()

    def _guarded_refresh(self) -> None:
        try:
            self.refresh()
            self.error = None
        except Exception as exc:  # keep serving the last good bank; /readyz shows the error
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("fact-check bank rebuild failed")

    def match(self, text: str) -> list[ClaimMatch]:
        """Matches at or above the threshold; none until the first build."""
        if not self.ready.is_set():
            return []
        key = f"{self.matcher.bank_version}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"
        found = self.cache.get(key)
        if found is None:
            found = self.matcher.match(text)
            self.cache.put(key, found)
        return found

    def status(self) -> dict[str, Any]:
        return {
            "matcher": self.matcher.version,
            "ready": self.ready.is_set(),
            "fact_checks": len(self.matcher),
            "bank_version": self.matcher.bank_version,
            "threshold": self.matcher.threshold,
            "error": self.error,
        }


def load_claim_bank(settings: Settings, db: Database) -> ClaimBank | None:
    """None when models/CLAIMS is absent: the service runs without claim matching."""
    folder: Path | None = resolve_embedder(settings.models_dir)
    if folder is None:
        return None
    matcher = ClaimMatcher(folder, threads=1)  # one short text per call: one thread
    return ClaimBank(matcher, db, settings.score_cache_size)

"""The fact-check bank as the assessor sees it: a `ClaimMatcher` rebuilt from
the store whenever the bank's version moves.

Rebuilds run off the request path: on a daemon thread that polls the version
(changes made by the CLI or another replica) and, after a change made through
this process, in the request that made it, so its response already matches
against the new bank. The first build at start-up also runs on the thread:
embedding a freshly imported 14k bank takes about a minute, and the service
serves meanwhile, without claim matches, saying so in /readyz.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import structlog

from service.claims.embedder import resolve_embedder
from service.claims.matcher import ClaimMatch, ClaimMatcher
from service.settings import Settings
from service.store import fact_checks
from service.store.db import Database

log = structlog.get_logger(__name__)


class ClaimBank:
    def __init__(self, matcher: ClaimMatcher, db: Database) -> None:
        self.matcher = matcher
        self.db = db
        self._lock = threading.Lock()
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
            self.ready.set()
            log.info("fact-check bank rebuilt", fact_checks=len(facts), bank_version=version)
            return True

    def watch(self, stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            try:
                self.refresh()
                self.error = None
            except Exception as exc:  # keep serving the last good bank; /readyz shows the error
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("fact-check bank rebuild failed")
            if every <= 0:
                return
            stop.wait(every)

    def match(self, text: str) -> list[ClaimMatch]:
        return self.matcher.match(text) if self.ready.is_set() else []

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
    return ClaimBank(ClaimMatcher(folder, threads=1), db)  # one short text per call: one thread

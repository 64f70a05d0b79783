"""One holder per deployment for a role only one process may play.

The retraining scheduler must run once per deployment, not once per
replica: N replicas would start N retraining runs on the same decisions.
On PostgreSQL the role is a session-level advisory lock held on a
connection of its own, keyed by the schema and the role's name (so two
deployments sharing a database server do not exclude each other). The
holder keeps it while its connection lives; if the process dies, the server
drops the connection and another replica takes the role at its next try.
SQLite is one machine and one process tree: the role is always held there
(`harmlabel retrain` still takes its file lock).
"""

from __future__ import annotations

import threading

import structlog
from sqlalchemy import Connection, text

from service.store.db import Database

log = structlog.get_logger(__name__)


class Leadership:
    def __init__(self, db: Database, role: str) -> None:
        self.role = role
        self._postgres = db.engine.dialect.name == "postgresql"
        self._engine = db.dedicated_engine() if self._postgres else None
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def held(self) -> bool:
        """True if this process holds the role now, taking it if it is free."""
        if self._engine is None:
            return True
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT 1"))
                    return True
                except Exception:  # the connection died, and the lock with it
                    self._drop()
            conn = self._engine.connect()
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(hashtext(current_schema() || ':' || :role))"),
                {"role": self.role},
            ).scalar()
            if got:
                self._conn = conn
                log.info("took a deployment-wide role", role=self.role)
                return True
            conn.close()
            return False

    def release(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                log.warning("closing a dead leadership connection failed", role=self.role)
            self._conn = None

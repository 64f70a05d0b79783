"""Engine, sessions and migrations.

Migrations run at start-up (`upgrade head`), so `make serve` on a fresh
machine creates its SQLite file with no extra step, and a PostgreSQL
deployment is brought up to date by the same code path. On PostgreSQL they
run under a transaction-scoped advisory lock: replicas starting together
migrate one at a time, and the later ones find the schema at head. A
deployment that prefers an explicit step runs `harmlabel migrate` first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 5000
MIGRATION_LOCK = 0x6861726D6C6162  # "harmlab": the advisory lock key migrations hold on PostgreSQL


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        # WAL lets readers run beside the one writer; FULL sync makes an
        # acknowledged commit survive a power cut, not just a process kill.
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # released when this transaction ends
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_version(db: Database) -> str | None:
    """The migration the database is at; raises when it cannot be reached."""
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


class Database:
    """One engine and its session factory; built once and passed around."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    def dedicated_engine(self) -> Engine:
        """Connections held for a long time outside the pool, in autocommit:
        a LISTEN, or a session-level advisory lock."""
        return create_engine(self.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.engine.dispose()

"""What several replicas on one PostgreSQL need of each other: migrations
that run once when replicas start together, and a readiness probe that
fails when the database does."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.api.app import create_app
from service.settings import Settings
from service.store.db import Database, migrate, schema_version
from tests.conftest import PG_BASE


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own: (its URL, its name)."""
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{name}", name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def test_replicas_starting_together_migrate_once(pg_schema: tuple[str, str]) -> None:
    url, _ = pg_schema
    replicas = [Database(url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(replicas))

    def boot(db: Database) -> None:
        start.wait()
        try:
            migrate(db.engine)
        except BaseException as exc:  # collected: each replica's failure is the test's
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(db,)) for db in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    versions = {schema_version(db) for db in replicas}
    assert len(versions) == 1 and None not in versions
    for db in replicas:
        db.close()


def test_readyz_fails_when_the_database_does(settings: Settings, pg_schema: tuple[str, str]) -> None:
    url, name = pg_schema
    on_pg = settings.model_copy(update={"database_url": url, "claims_refresh_seconds": 0})
    with TestClient(create_app(on_pg)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["database"].startswith("at migration "), ready.json()
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # the tables are gone: nothing this replica takes can be stored
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
        gone = client.get("/readyz")
        assert gone.status_code == 503, gone.json()
        assert gone.json()["status"] == "database unavailable"
        assert gone.json()["database"].startswith("unavailable: ")

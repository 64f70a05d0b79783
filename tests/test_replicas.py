"""What several replicas on one PostgreSQL need of each other: migrations
that run once when replicas start together, a readiness probe that fails
when the database does, and legal orders registered through one replica
enforced by another within seconds, also after its connections drop."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.stream.nats import free_port as find_free_port
from service.api.app import create_app
from service.settings import Settings
from service.store.db import Database, migrate, schema_version
from service.store.keys import Role, create_key, revoke_key
from tests import server
from tests.conftest import PG_BASE, temp_schema


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
    on_pg = settings.model_copy(update={"database_url": url})
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


def _enforced_within(base: str, key: str, tweet: Any, seconds: float) -> float:
    """Seconds from now until a request to `base` that withholds the tweet for
    a viewer in DE was sent; fails past `seconds`. Timed at each request's
    start, so a slow answer on a loaded machine is not counted as staleness."""
    started = time.monotonic()
    while True:
        sent = time.monotonic() - started
        assert sent < seconds, f"not enforced within {seconds} s"
        status, body = server.call(f"{base}/v1/assess?viewer_country=DE&spans=false", key, tweet)
        assert status == 200, body
        if "DE" in body["visibility"]["withheld_in"]:
            return sent
        time.sleep(0.1)


def _terminate(application: str) -> int:
    """Kill every database connection the named replica holds."""
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        killed = conn.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :a"),
            {"a": application},
        ).scalar_one()
    engine.dispose()
    return int(killed)


@pytest.mark.slow
@pytest.mark.parametrize("poll", ["0.5", "30"], ids=["poll", "notify"])
def test_an_order_registered_through_one_replica_is_enforced_by_another(
    pg_schema: tuple[str, str], tmp_path: Path, poll: str
) -> None:
    """Two real service processes on one PostgreSQL database: an order
    registered through A is enforced by B within 5 s, and again after B's
    database connections (its listening one among them) are killed. With a
    30 s poll, only the NOTIFY hint can be that fast: the second order proves
    the listener reconnected."""
    url, _ = pg_schema
    db = Database(url)
    migrate(db.engine)
    key = create_key(db, Role.admin, "replicas")[0]
    db.close()
    env = {
        "HARMLABEL_REPLICA_POLL_SECONDS": poll,
        "HARMLABEL_MAX_STALENESS_SECONDS": "120",
        "HARMLABEL_WORKERS": "1",
    }
    a_url, b_url = (f"{url}&application_name=harmlabel-{name}" for name in "ab")
    order = {
        "country": "DE", "legal_basis": "NetzDG", "authority": "BfJ", "reference": "r-1",
        "targets": {"hashtags": ["#verboten1"]},
    }  # fmt: skip
    first = {"id": "w1", "text": "Look at this #verboten1", "entities": {"hashtags": ["verboten1"]}}
    second = {"id": "w2", "text": "And this #verboten2", "entities": {"hashtags": ["verboten2"]}}
    with (
        server.running(tmp_path / "a", find_free_port(), HARMLABEL_DATABASE_URL=a_url, **env) as a,
        server.running(tmp_path / "b", find_free_port(), HARMLABEL_DATABASE_URL=b_url, **env) as b,
    ):
        status, body = server.call(f"{b}/v1/assess?viewer_country=DE&spans=false", key, first)
        assert status == 200 and body["visibility"]["withheld_in"] == [], body
        assert server.call(f"{a}/v1/legal-orders", key, order)[0] == 201
        took = _enforced_within(b, key, first, 5.0)
        print(f"poll {poll} s: enforced by the other replica after {took:.2f} s")

        assert _terminate("harmlabel-b") > 0
        time.sleep(0.5)
        again = {**order, "reference": "r-2", "targets": {"hashtags": ["#verboten2"]}}
        assert server.call(f"{a}/v1/legal-orders", key, again)[0] == 201
        took = _enforced_within(b, key, second, 5.0)
        print(f"poll {poll} s: after its connections were killed: {took:.2f} s")


def test_a_replica_that_cannot_follow_reports_not_ready(settings: Settings) -> None:
    """Past the staleness bound without a successful check, /readyz is 503:
    a legal order this replica has not seen may be one it must enforce."""
    slow = settings.model_copy(update={"replica_poll_seconds": 3600.0, "max_staleness_seconds": 0.5})
    with TestClient(create_app(slow)) as client:
        assert client.get("/readyz").status_code == 200
        time.sleep(0.7)
        stale = client.get("/readyz")
        assert stale.status_code == 503 and stale.json()["status"] == "stale", stale.json()
        assert stale.json()["shared_state_age_s"] >= 0.5
        client.app.state.follower.sync()  # type: ignore[attr-defined]
        assert client.get("/readyz").status_code == 200


def test_a_key_revoked_elsewhere_stops_working_before_the_key_cache_expires(
    settings: Settings, pg_schema: tuple[str, str]
) -> None:
    """Keys are cached for 5 s per replica; the API-key counter makes a
    revocation (here by `harmlabel keys revoke`'s store call, from another
    process's point of view) reach the replica within a poll instead."""
    url, _ = pg_schema
    shared = settings.model_copy(update={"database_url": url, "replica_poll_seconds": 0.2})
    with TestClient(create_app(shared)) as replica:
        db = Database(url)
        raw, who = create_key(db, Role.queue, "feed")
        assert replica.get("/v1/cases", headers={"X-API-Key": raw}).status_code == 200  # now cached
        started = time.monotonic()
        assert revoke_key(db, who.key_id)
        while replica.get("/v1/cases", headers={"X-API-Key": raw}).status_code != 401:
            assert time.monotonic() - started < 3.0, "the replica still accepts the revoked key"
            time.sleep(0.05)
        took = time.monotonic() - started
        db.close()
        print(f"revoked key refused after {took:.2f} s")
        assert took < replica.app.state.key_cache.ttl_s  # type: ignore[attr-defined]


def test_one_retraining_scheduler_per_deployment(pg_schema: tuple[str, str]) -> None:
    """Two replicas' schedulers on one schema: one holds the role; when its
    connection dies, the other takes it. Another deployment (schema) on the
    same server is not excluded."""
    from service.store.leader import Leadership

    url, _ = pg_schema
    a_db, b_db = Database(url), Database(url)
    a, b = Leadership(a_db, "retrain-scheduler"), Leadership(b_db, "retrain-scheduler")
    assert a.held() and a.held()
    assert not b.held()
    with temp_schema("o") as (other_url, _):
        other = Database(other_url)
        assert Leadership(other, "retrain-scheduler").held()
        other.close()
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:  # the holder's connection dies, as when its replica does
        holder = (
            conn.execute(
                text(
                    "SELECT pid FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
            .scalars()
            .all()
        )
        assert holder
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:p AS int[])) AS pid"), {"p": holder}
        )
    engine.dispose()
    time.sleep(0.3)
    assert b.held(), "the other replica takes the role once the holder is gone"
    assert not a.held()
    b.release()
    a_db.close()
    b_db.close()

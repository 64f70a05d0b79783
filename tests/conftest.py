"""Shared fixtures: real settings, the real corpus folder, a free port, a
tiny model trained and exported for real."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.stream.nats import free_port as find_free_port
from service.settings import Settings, load_settings
from service.store.db import Database, migrate
from service.store.keys import Role, create_key
from training.registry import link_served

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(state_dir=tmp_path / "state")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real corpus folder. Corpus tests run on the real files; a machine
    without them fails loudly instead of silently skipping."""
    path = load_settings().corpus_dir
    assert path is not None and path.is_dir(), (
        "corpus folder not found: set HARMLABEL_CORPUS_DIR or place the data at ../shared/data"
    )
    return path


@pytest.fixture
def free_port() -> int:
    return find_free_port()


PG_BASE = os.environ.get("HARMLABEL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def temp_schema(prefix: str = "t") -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own, dropped afterwards: (its URL, its name).
    A machine without the server fails loudly rather than skipping."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{name}", name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on both backends, PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'harmlabel.db'}"
        return
    with temp_schema() as (url, _):
        yield url


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own: (its URL, its name)."""
    with temp_schema("r") as schema:
        yield schema


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    migrate(db.engine)
    yield db
    db.close()


def make_key(settings: Settings, role: Role = Role.admin, name: str = "tests") -> str:
    """A real API key in the database these settings point at (migrated first)."""
    db = Database(settings.resolved_database_url)
    migrate(db.engine)
    try:
        return create_key(db, role, name)[0]
    finally:
        db.close()


def cli(*args: str, env: dict[str, str] | None = None) -> str:
    """`python -m harmlabel ARGS` as a user runs it; its stdout."""
    out = subprocess.run(
        [sys.executable, "-m", "harmlabel", *args],
        capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.fixture(scope="session")
def tiny_run(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`harmlabel train --config tiny`, once per test session."""
    run = tmp_path_factory.mktemp("run")
    cli("train", "--config", "tiny", "--out", str(run), "--data-dir", str(corpus_dir))
    return run


@pytest.fixture(scope="session")
def tiny_model(tiny_run: Path, corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`harmlabel export`, into a throwaway models folder; copy it before changing it."""
    models = tmp_path_factory.mktemp("models")
    cli("export", "--config", "tiny", "--run", str(tiny_run), "--version", "tiny-test",
        "--data-dir", str(corpus_dir), env={"HARMLABEL_MODELS_DIR": str(models)})  # fmt: skip
    return models / "tiny-test"


def link_hindi(models: Path) -> None:
    """Serve the shipped Hindi model from a test's own models folder too:
    the default routes send Hindi to a model, so the service needs one."""
    link_served(models, "hi", REPO / "models")


@contextmanager
def queue_client(settings: Settings, name: str = "tests") -> Iterator[TestClient]:
    """The real app on `settings`, its lifespan running, with a queue key of its own."""
    from service.api.app import create_app

    with TestClient(create_app(settings)) as c:
        c.headers["X-API-Key"] = create_key(c.app.state.db, Role.queue, name)[0]  # type: ignore[attr-defined]
        yield c

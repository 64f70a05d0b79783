"""Shared fixtures: real settings, the real corpus folder, a free port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from service.settings import Settings, load_settings

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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port

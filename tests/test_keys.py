"""API keys through the real CLI and the real store, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from service.store.db import Database
from service.store.keys import Role, authenticate, create_key, list_keys, revoke_key


def _cli(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARMLABEL_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, "-m", "harmlabel", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_creates_a_key_that_authenticates_and_revokes_it(tmp_path: Path) -> None:
    made = _cli("create", "--role", "reviewer", "--name", "ana", state=tmp_path)
    assert made.returncode == 0, made.stderr
    raw = made.stdout.strip()
    db = Database(f"sqlite:///{tmp_path / 'harmlabel.db'}")
    who = authenticate(db, raw)
    assert who is not None and who.role is Role.reviewer and who.name == "ana"
    with db.engine.connect() as conn:  # only the digest is stored
        rows = conn.execute(text("SELECT * FROM api_keys")).all()
    assert rows and not any(raw in str(value) for row in rows for value in row)
    listed = _cli("list", state=tmp_path)
    assert "reviewer\tana" in listed.stdout and raw not in listed.stdout
    assert _cli("revoke", str(who.key_id), state=tmp_path).returncode == 0
    assert authenticate(db, raw) is None
    assert _cli("revoke", str(who.key_id), state=tmp_path).returncode == 1


def test_cli_refuses_an_unknown_role(tmp_path: Path) -> None:
    bad = _cli("create", "--role", "superuser", state=tmp_path)
    assert bad.returncode == 2 and "--role must be one of queue, reviewer, admin" in bad.stderr


def test_keys_on_both_backends(database: Database) -> None:
    raw, who = create_key(database, Role.queue, "ingest")
    assert authenticate(database, raw) == who
    assert authenticate(database, raw + "x") is None
    assert [k.name for k in list_keys(database)] == ["ingest"]
    assert revoke_key(database, who.key_id) and not revoke_key(database, who.key_id)
    assert authenticate(database, raw) is None

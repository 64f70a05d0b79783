"""Console sessions: a signed cookie holding the key id, never the key.

Each request re-reads the key row, so revoking a key ends its sessions at
once. A per-session CSRF token guards every form POST.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import Request

from service.settings import Settings
from service.store.db import Database
from service.store.keys import Principal, Role, principal

CONSOLE_ROLES = frozenset({Role.reviewer, Role.admin})


def session_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept beside the database."""
    if settings.session_secret:
        return settings.session_secret
    path = Path(settings.state_dir) / "session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # created with its final mode, never readable by others, and only once
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def current_reviewer(request: Request, db: Database) -> Principal | None:
    key_id = request.session.get("key_id")
    if not isinstance(key_id, int):
        return None
    who = principal(db, key_id)
    return who if who is not None and who.role in CONSOLE_ROLES else None


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and sent is not None and secrets.compare_digest(token, sent)

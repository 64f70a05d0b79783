"""API-key authentication with roles, as a dependency.

`admin` may do everything; the other roles only what a route names. A
missing or unknown key is 401, a known key with the wrong role 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from service.store.db import Database
from service.store.keys import Principal, Role, authenticate


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(_database)]


def require(*roles: Role) -> Callable[..., Principal]:
    allowed = {*roles, Role.admin}

    def dependency(
        db: DatabaseDep,
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        raw = x_api_key
        if raw is None and authorization and authorization.lower().startswith("bearer "):
            raw = authorization[7:].strip()
        if not raw:
            raise HTTPException(
                401, "an API key is required (X-API-Key header)", {"WWW-Authenticate": "Bearer"}
            )
        who = authenticate(db, raw)
        if who is None:
            raise HTTPException(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
        if who.role not in allowed:
            need = " or ".join(sorted(r.value for r in allowed))
            raise HTTPException(403, f"role {who.role.value!r} may not do this; it needs {need}")
        return who

    return dependency


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
ReviewerDep = Annotated[Principal, Depends(require(Role.reviewer))]
QueueDep = Annotated[Principal, Depends(require(Role.queue))]
ReaderDep = Annotated[Principal, Depends(require(Role.queue, Role.reviewer))]
ANY_KEY = Depends(require(Role.queue, Role.reviewer))

"""API keys with roles, stored as SHA-256 digests.

Keys are 256 random bits, so a fast digest is enough: there is nothing to
brute-force, and a lookup by digest needs no per-key salt scan.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select

from service.store import versions
from service.store.db import Database
from service.store.models import ApiKey

KEY_PREFIX = "hl_"


class Role(StrEnum):
    queue = "queue"
    reviewer = "reviewer"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    role: Role


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(db: Database, role: Role, name: str) -> tuple[str, Principal]:
    """Make a key; the raw key is returned once and never stored."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name, role=role.value, prefix=raw[:10], key_hash=_digest(raw), created_at=datetime.now(UTC)
    )
    with db.session() as s:
        s.add(row)
        s.flush()
        versions.bump(s, versions.API_KEYS)
        return raw, Principal(row.id, name, role)


def authenticate(db: Database, raw: str) -> Principal | None:
    with db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(raw), ApiKey.revoked_at.is_(None)))
        return None if row is None else Principal(row.id, row.name, Role(row.role))


def principal(db: Database, key_id: int) -> Principal | None:
    """The live key with this id, or None once it is revoked."""
    with db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)))
        return None if row is None else Principal(row.id, row.name, Role(row.role))


def revoke_key(db: Database, key_id: int) -> bool:
    with db.session() as s:
        row = s.get(ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = datetime.now(UTC)
        versions.bump(s, versions.API_KEYS)  # every replica drops its cached keys
        return True


def list_keys(db: Database) -> list[ApiKey]:
    with db.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.id)))

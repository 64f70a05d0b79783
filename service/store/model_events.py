"""The model registry's audit trail in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from service.store.db import Database
from service.store.models import ModelEvent


def record(
    db: Database,
    kind: str,
    version: str,
    actor: str,
    details: dict[str, Any],
    previous: str | None = None,
    passed: bool | None = None,
) -> ModelEvent:
    with db.session() as s:
        event = ModelEvent(
            kind=kind,
            version=version,
            previous=previous,
            passed=passed,
            details=details,
            actor=actor,
            created_at=datetime.now(UTC),
        )
        s.add(event)
        s.flush()
        return event


def history(db: Database, kinds: tuple[str, ...] = ("gate", "promote", "rollback")) -> list[ModelEvent]:
    """Oldest first."""
    with db.session() as s:
        rows = s.scalars(select(ModelEvent).where(ModelEvent.kind.in_(kinds)).order_by(ModelEvent.id))
        out = list(rows)
        s.expunge_all()
        return out

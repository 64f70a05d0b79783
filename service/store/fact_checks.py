"""The fact-check bank: add, list, soft-delete, and the snapshot the claim
matcher rebuilds from. Every change bumps the `fact_checks` bank version in
the same transaction, so every matcher on every replica sees it and rebuilds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.claims.matcher import RATINGS, FactCheckInfo
from service.store import versions
from service.store.db import Database
from service.store.errors import StoreError
from service.store.models import BankVersion, FactCheck

KIND = versions.FACT_CHECKS


@dataclass(frozen=True)
class FactCheckFields:
    claim: str
    rating: str = "unrated"
    title: str | None = None
    summary: str | None = None
    publisher: str | None = None
    url: str | None = None
    review_date: date | None = None
    language: str = "en"
    tags: str | None = None
    source_key: str | None = None  # the publisher's id, so an import is idempotent


def _now() -> datetime:
    return datetime.now(UTC)


def _bump(s: Session) -> None:
    versions.bump(s, KIND)


def bank_version(db: Database) -> int:
    with db.session() as s:
        row = s.get(BankVersion, KIND)
        return row.version if row else 0


def add(db: Database, items: Sequence[FactCheckFields], by: str) -> tuple[list[FactCheck], int]:
    """Add in one transaction; an item whose `source_key` is already stored is
    skipped. Returns the new rows and the number skipped."""
    for i, item in enumerate(items):
        if item.rating not in RATINGS:
            raise StoreError(f"items[{i}].rating", f"rating must be one of {', '.join(RATINGS)}")
        if not item.claim.strip():
            raise StoreError(f"items[{i}].claim", "claim is empty")
    with db.session() as s:
        keys = [i.source_key for i in items if i.source_key]
        known = (
            set(s.scalars(select(FactCheck.source_key).where(FactCheck.source_key.in_(keys))))
            if keys
            else set()
        )
        rows, seen = [], set(known)
        for item in items:
            if item.source_key and item.source_key in seen:
                continue
            seen.add(item.source_key)
            rows.append(FactCheck(**item.__dict__, added_by=by, added_at=_now()))
        s.add_all(rows)
        if rows:
            _bump(s)
        s.flush()
        return rows, len(items) - len(rows)


def get(db: Database, fact_check_id: int) -> FactCheck:
    with db.session() as s:
        row = s.get(FactCheck, fact_check_id)
        if row is None:
            raise StoreError("fact_check_id", f"no fact-check {fact_check_id}", status=404)
        return row


def remove(db: Database, fact_check_id: int, by: str) -> None:
    with db.session() as s:
        row = s.get(FactCheck, fact_check_id)
        if row is None or row.removed_at is not None:
            raise StoreError("fact_check_id", f"no live fact-check {fact_check_id}", status=404)
        row.removed_at, row.removed_by = _now(), by
        _bump(s)


def listing(
    db: Database, offset: int = 0, limit: int = 50, query: str | None = None
) -> tuple[list[FactCheck], int]:
    with db.session() as s:
        live = select(FactCheck).where(FactCheck.removed_at.is_(None))
        if query:
            live = live.where(FactCheck.claim.ilike(f"%{query}%") | FactCheck.title.ilike(f"%{query}%"))
        total = s.scalar(select(func.count()).select_from(live.subquery())) or 0
        rows = list(s.scalars(live.order_by(FactCheck.id).offset(offset).limit(limit)))
        return rows, total


def info(row: FactCheck) -> FactCheckInfo:
    return FactCheckInfo(
        row.id, row.claim, row.title, row.summary, row.rating, row.publisher, row.url, row.review_date
    )


def snapshot(
    db: Database, embedder: str, embed: Callable[[list[str]], np.ndarray]
) -> tuple[list[FactCheckInfo], np.ndarray, int]:
    """Every live fact-check, its vector and the bank version they belong to.
    Vectors missing for this embedder version are computed with `embed`
    outside any transaction (the first embedding of a 14k bank takes about a
    minute) and stored, so later rebuilds and other replicas read them."""
    with db.session() as s:
        version_row = s.get(BankVersion, KIND)
        version = version_row.version if version_row else 0
        rows = list(s.scalars(select(FactCheck).where(FactCheck.removed_at.is_(None)).order_by(FactCheck.id)))
        facts = [info(r) for r in rows]
        vectors = {
            r.id: np.frombuffer(r.embedding, dtype=np.float32)
            for r in rows
            if r.embedder == embedder and r.embedding
        }
    stale = [f for f in facts if f.id not in vectors]
    if stale:
        fresh = embed([f.text for f in stale])
        with db.session() as s:
            for f, v in zip(stale, fresh, strict=True):
                vector = np.asarray(v, dtype=np.float32)
                vectors[f.id] = vector
                row = s.get(FactCheck, f.id)
                if row is not None:
                    row.embedding, row.embedder = vector.tobytes(), embedder
    matrix = np.stack([vectors[f.id] for f in facts]) if facts else np.zeros((0, 0), np.float32)
    return facts, matrix, version

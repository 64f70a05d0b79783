"""Change counters, one per kind of shared state (fact-checks, media banks,
legal orders), bumped in the same transaction as every change to it.

A replica compares the counters with the ones its indexes were built at and
rebuilds what moved (`service.pipeline.follow`). The bump is one atomic
UPDATE, so two concurrent changes always move the counter twice: a replica
that rebuilt between them sees it move again.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.store.db import Database
from service.store.models import BankVersion

FACT_CHECKS, MEDIA_BANKS, LEGAL_ORDERS = "fact_checks", "media_banks", "legal_orders"


def bump(s: Session, kind: str) -> None:
    moved = s.execute(
        update(BankVersion).where(BankVersion.kind == kind).values(version=BankVersion.version + 1)
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        s.add(BankVersion(kind=kind, version=1))
        s.flush()


def current(db: Database) -> dict[str, int]:
    """Every counter; a kind never changed reads 0."""
    with db.session() as s:
        found: dict[str, int] = dict(s.execute(select(BankVersion.kind, BankVersion.version)).tuples().all())
    return {kind: found.get(kind, 0) for kind in (FACT_CHECKS, MEDIA_BANKS, LEGAL_ORDERS)}
